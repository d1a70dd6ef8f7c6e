/* SPDX-License-Identifier: MIT */
/*
 * Builds the NSS cache image (common/client/cache_format.h); publishing it
 * is cache_publish.c.  It owns the input checks (duplicates, bad ids,
 * characters that would break the passwd/group line format) and must
 * never put an email address into the image: aliases go in as salted
 * digests only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "client/cache.h"
#include "server/cache_writer.h"

/* Sizes while building, in 64 bits so no sum can wrap. */
struct layout {
	uint64_t off[UA_CACHE_NTABLES];
	uint32_t count[UA_CACHE_NTABLES];
	uint64_t strings_len;
	uint64_t data_end; /* where the block sums start */
	uint32_t nblocks;
	uint64_t total;
};

struct builder {
	const struct ua_cache_user *users;
	size_t nusers;
	const struct ua_cache_group *groups;
	size_t ngroups;
	const struct ua_cache_mark *marks;
	size_t nmarks;
	uint32_t *uorder; /* record index -> input index, by uid */
	uint32_t *urec;   /* input index -> record index */
	uint32_t *gorder; /* record index -> input index, by gid */
	uint8_t *img;
	struct ua_cache_header hdr;
	struct layout l;
	uint64_t pool_used;
};

static int
cmp_uid(const void *a, const void *b, void *arg)
{
	const struct ua_cache_user *users = arg;
	uint32_t x = users[*(const uint32_t *)a].uid;
	uint32_t y = users[*(const uint32_t *)b].uid;

	return (x > y) - (x < y);
}

static int
cmp_gid(const void *a, const void *b, void *arg)
{
	const struct ua_cache_group *groups = arg;
	uint32_t x = groups[*(const uint32_t *)a].gid;
	uint32_t y = groups[*(const uint32_t *)b].gid;

	return (x > y) - (x < y);
}

/* No control characters or ':' (they would break getent's line format). */
static int
check_str(const char *s, bool may_be_empty)
{
	size_t n, i;

	if (s == NULL)
		return -EINVAL;
	n = strnlen(s, UA_CACHE_MAX_STR + 1);
	if (n > UA_CACHE_MAX_STR)
		return -EMSGSIZE;
	if (n == 0 && !may_be_empty)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == ':')
			return -EINVAL;
	return 0;
}

static bool
id_ok(uint32_t id)
{
	return id >= UA_CACHE_MIN_ID && id != UINT32_MAX;
}

/* Marks: a pool name each, no pool twice. */
static int
check_marks(const struct builder *b)
{
	size_t i, j;
	int r;

	if (b->nmarks > UA_CACHE_MAX_MARKS)
		return -EMSGSIZE;
	for (i = 0; i < b->nmarks; i++) {
		if ((r = check_str(b->marks[i].pool, false)) < 0)
			return r;
		for (j = 0; j < i; j++)
			if (strcmp(b->marks[i].pool, b->marks[j].pool) == 0)
				return -EINVAL;
	}
	return 0;
}

static int
check_input(const struct builder *b)
{
	const struct ua_cache_user *u;
	const struct ua_cache_group *g;
	char email[UA_CACHE_MAX_EMAIL];
	size_t i, j;
	int r;

	if (b->nusers > UA_CACHE_MAX_RECORDS ||
	    b->ngroups > UA_CACHE_MAX_RECORDS)
		return -EMSGSIZE;
	for (i = 0; i < b->nusers; i++) {
		u = &b->users[i];
		if (!id_ok(u->uid) || !id_ok(u->gid))
			return -EINVAL;
		if ((r = check_str(u->name, false)) < 0 ||
		    (r = check_str(u->gecos, true)) < 0 ||
		    (r = check_str(u->home, false)) < 0 ||
		    (r = check_str(u->shell, false)) < 0)
			return r;
		if (u->email != NULL &&
		    (check_str(u->email, false) < 0 ||
			ua_cache_email_normalize(u->email, strlen(u->email),
			    email) < 0))
			return -EINVAL;
	}
	for (i = 0; i < b->ngroups; i++) {
		g = &b->groups[i];
		if (!id_ok(g->gid))
			return -EINVAL;
		if ((r = check_str(g->name, false)) < 0)
			return r;
		if (g->nmembers > 0 && g->members == NULL)
			return -EINVAL;
		for (j = 0; j < g->nmembers; j++)
			if (g->members[j] >= b->nusers)
				return -EINVAL;
	}
	return check_marks(b);
}

/* Record orders, duplicate ids, and the per-user gid list sizes. */
static int
plan(struct builder *b)
{
	size_t i;

	b->uorder = calloc(b->nusers + 1, sizeof(uint32_t));
	b->urec = calloc(b->nusers + 1, sizeof(uint32_t));
	b->gorder = calloc(b->ngroups + 1, sizeof(uint32_t));
	if (b->uorder == NULL || b->urec == NULL || b->gorder == NULL)
		return -ENOMEM;
	for (i = 0; i < b->nusers; i++)
		b->uorder[i] = (uint32_t)i;
	for (i = 0; i < b->ngroups; i++)
		b->gorder[i] = (uint32_t)i;
	qsort_r(b->uorder, b->nusers, sizeof(uint32_t), cmp_uid,
	    (void *)(uintptr_t)b->users);
	qsort_r(b->gorder, b->ngroups, sizeof(uint32_t), cmp_gid,
	    (void *)(uintptr_t)b->groups);
	for (i = 0; i < b->nusers; i++) {
		b->urec[b->uorder[i]] = (uint32_t)i;
		if (i > 0 &&
		    b->users[b->uorder[i]].uid ==
			b->users[b->uorder[i - 1]].uid)
			return -EINVAL;
	}
	for (i = 1; i < b->ngroups; i++)
		if (b->groups[b->gorder[i]].gid ==
		    b->groups[b->gorder[i - 1]].gid)
			return -EINVAL;
	return 0;
}

static uint32_t
index_slots(size_t n)
{
	uint32_t s = 8;

	if (n == 0)
		return 0;
	while (s < 2 * n) /* load factor <= 1/2 */
		s *= 2;
	return s;
}

static int
compute_layout(struct builder *b)
{
	struct layout *l = &b->l;
	uint64_t members = 0, pool = 0, off;
	size_t i, nemail = 0;
	int t;

	for (i = 0; i < b->ngroups; i++)
		members += b->groups[i].nmembers;
	if (members > UA_CACHE_MAX_SIZE)
		return -EMSGSIZE;
	for (i = 0; i < b->nusers; i++) {
		const struct ua_cache_user *u = &b->users[i];

		pool += strlen(u->name) + strlen(u->gecos) + strlen(u->home) +
		    strlen(u->shell) + 4;
		if (u->email != NULL)
			nemail++;
	}
	for (i = 0; i < b->ngroups; i++)
		pool += strlen(b->groups[i].name) + 1;
	for (i = 0; i < b->nmarks; i++)
		pool += strlen(b->marks[i].pool) + 1;
	l->count[UA_CACHE_T_USERS] = (uint32_t)b->nusers;
	l->count[UA_CACHE_T_GROUPS] = (uint32_t)b->ngroups;
	l->count[UA_CACHE_T_MEMBERS] = (uint32_t)members;
	l->count[UA_CACHE_T_GIDS] = (uint32_t)members; /* one per membership */
	l->count[UA_CACHE_T_MARKS] = (uint32_t)b->nmarks;
	l->count[UA_CACHE_T_IDX_USER_NAME] = index_slots(b->nusers);
	l->count[UA_CACHE_T_IDX_USER_EMAIL] = index_slots(nemail);
	l->count[UA_CACHE_T_IDX_USER_UID] = index_slots(b->nusers);
	l->count[UA_CACHE_T_IDX_GROUP_NAME] = index_slots(b->ngroups);
	l->count[UA_CACHE_T_IDX_GROUP_GID] = index_slots(b->ngroups);
	if (pool > UA_CACHE_MAX_SIZE)
		return -EMSGSIZE;
	l->count[UA_CACHE_T_STRINGS] = (uint32_t)pool;
	l->strings_len = pool;
	off = sizeof(struct ua_cache_header);
	for (t = 0; t < UA_CACHE_NTABLES; t++) {
		static const uint32_t esz[UA_CACHE_NTABLES] = {
			sizeof(struct ua_cache_user_rec),
			sizeof(struct ua_cache_group_rec), 4, 4, 1,
			sizeof(struct ua_cache_mark_rec), 8, 8, 8, 8, 8
		};

		l->off[t] = off;
		off += (uint64_t)l->count[t] * esz[t];
		off = (off + UA_CACHE_ALIGN - 1) / UA_CACHE_ALIGN *
		    UA_CACHE_ALIGN;
		if (off > UA_CACHE_MAX_SIZE)
			return -EMSGSIZE;
	}
	/* one u64 sum per block of [0, data_end), after the data */
	l->data_end = off;
	l->nblocks =
	    (uint32_t)((off + UA_CACHE_BLOCK_SIZE - 1) >> UA_CACHE_BLOCK_SHIFT);
	l->total = off + (uint64_t)l->nblocks * sizeof(uint64_t);
	if (l->total > UA_CACHE_MAX_SIZE)
		return -EMSGSIZE;
	return 0;
}

/* Copy s into the pool. */
static struct ua_cache_str
pool_add(struct builder *b, const char *s)
{
	struct ua_cache_str ref = { 0, 0 };
	uint8_t *dst = b->img + b->l.off[UA_CACHE_T_STRINGS] + b->pool_used;
	size_t n = strlen(s);

	memcpy(dst, s, n);
	dst[n] = '\0';
	ref.off = (uint32_t)b->pool_used;
	ref.len = (uint32_t)n;
	b->pool_used += n + 1;
	return ref;
}

static const uint8_t *
str_at(const struct builder *b, struct ua_cache_str s)
{
	return b->img + b->l.off[UA_CACHE_T_STRINGS] + s.off;
}

typedef bool same_fn(const struct builder *, uint32_t, const void *, size_t);

/*
 * Walk index t's chain for key: -EINVAL if same() matches a record on it
 * (a duplicate); otherwise, when insert, put record idx at the chain's end.
 */
static int
index_probe(struct builder *b, enum ua_cache_table_id t, const void *key,
    size_t n, uint32_t idx, same_fn *same, bool insert)
{
	uint32_t slots = b->l.count[t], mask = slots - 1, pos, probe;
	uint64_t h = ua_cache_hash(b->hdr.seed, key, n);
	struct ua_cache_slot s;
	uint8_t *base = b->img + b->l.off[t];
	uint32_t *maxp = &b->hdr.max_probe[t - UA_CACHE_T_FIRST_INDEX];

	pos = (uint32_t)h & mask;
	for (probe = 1; probe <= slots; probe++) {
		memcpy(&s, base + (size_t)pos * sizeof(s), sizeof(s));
		if (s.ref == 0) {
			if (!insert)
				return 0;
			s.hash = (uint32_t)(h >> 32);
			s.ref = idx + 1;
			memcpy(base + (size_t)pos * sizeof(s), &s, sizeof(s));
			if (probe > *maxp)
				*maxp = probe;
			return 0;
		}
		if (same(b, s.ref - 1, key, n))
			return -EINVAL;
		pos = (pos + 1) & mask;
	}
	return insert ? -EINVAL : 0; /* full: unreachable at load 1/2 */
}

static int
index_add(struct builder *b, enum ua_cache_table_id t, const void *key,
    size_t n, uint32_t idx, same_fn *same)
{
	return index_probe(b, t, key, n, idx, same, true);
}

static void
user_at(const struct builder *b, uint32_t idx, struct ua_cache_user_rec *u)
{
	memcpy(u,
	    b->img + b->l.off[UA_CACHE_T_USERS] + (size_t)idx * sizeof(*u),
	    sizeof(*u));
}

static bool
same_user_name(const struct builder *b, uint32_t idx, const void *key, size_t n)
{
	struct ua_cache_user_rec u;

	user_at(b, idx, &u);
	return u.name.len == n && memcmp(str_at(b, u.name), key, n) == 0;
}

static bool
same_user_email(const struct builder *b, uint32_t idx, const void *key,
    size_t n)
{
	struct ua_cache_user_rec u;

	user_at(b, idx, &u);
	return n == sizeof(u.email_digest) &&
	    memcmp(u.email_digest, key, n) == 0;
}

static bool
same_group_name(const struct builder *b, uint32_t idx, const void *key,
    size_t n)
{
	struct ua_cache_group_rec g;

	memcpy(&g,
	    b->img + b->l.off[UA_CACHE_T_GROUPS] + (size_t)idx * sizeof(g),
	    sizeof(g));
	return g.name.len == n && memcmp(str_at(b, g.name), key, n) == 0;
}

static bool
same_never(const struct builder *b, uint32_t idx, const void *key, size_t n)
{
	(void)b, (void)idx, (void)key, (void)n;
	return false; /* ids: duplicates were refused by plan() */
}

/* Groups, members and each user's gid list (gids in group order). */
static int
fill_groups(struct builder *b, uint32_t *ngids)
{
	struct ua_cache_group_rec g;
	uint32_t i, j, urec, m = 0, *gfill = NULL;
	uint64_t first = 0;
	uint8_t *gids = b->img + b->l.off[UA_CACHE_T_GIDS];
	int r;

	gfill = calloc(b->nusers + 1, sizeof(uint32_t));
	if (gfill == NULL)
		return -ENOMEM;
	for (i = 0; i < b->ngroups; i++) { /* per-user list starts */
		for (j = 0; j < b->groups[i].nmembers; j++)
			ngids[b->urec[b->groups[i].members[j]]]++;
	}
	for (i = 0; i < b->nusers; i++) {
		gfill[i] = (uint32_t)first;
		first += ngids[i];
	}
	for (i = 0; i < b->ngroups; i++) {
		const struct ua_cache_group *in = &b->groups[b->gorder[i]];

		memset(&g, 0, sizeof(g));
		g.gid = in->gid;
		g.name = pool_add(b, in->name);
		g.members_first = m;
		g.nmembers = (uint32_t)in->nmembers;
		for (j = 0; j < in->nmembers; j++, m++) {
			urec = b->urec[in->members[j]];
			memcpy(b->img + b->l.off[UA_CACHE_T_MEMBERS] +
				(size_t)m * 4,
			    &urec, 4);
			memcpy(gids + (size_t)gfill[urec]++ * 4, &in->gid, 4);
		}
		memcpy(b->img + b->l.off[UA_CACHE_T_GROUPS] +
			(size_t)i * sizeof(g),
		    &g, sizeof(g));
		r = index_add(b, UA_CACHE_T_IDX_GROUP_NAME, in->name,
		    g.name.len, i, same_group_name);
		if (r == 0)
			r = index_add(b, UA_CACHE_T_IDX_GROUP_GID, &in->gid, 4,
			    i, same_never);
		if (r < 0)
			goto out;
	}
	/* a user listed twice in one group shows up as a repeated gid */
	for (i = 0, first = 0; i < b->nusers; first += ngids[i], i++)
		for (j = 1; j < ngids[i]; j++)
			if (memcmp(gids + (first + j) * 4,
				gids + (first + j - 1) * 4, 4) == 0) {
				r = -EINVAL;
				goto out;
			}
	r = 0;
out:
	free(gfill);
	return r;
}

static int
fill_users(struct builder *b, const uint32_t *ngids)
{
	struct ua_cache_user_rec u;
	uint32_t i, first = 0;
	int r;

	for (i = 0; i < b->nusers; i++) {
		const struct ua_cache_user *in = &b->users[b->uorder[i]];

		memset(&u, 0, sizeof(u));
		u.uid = in->uid;
		u.gid = in->gid;
		u.name = pool_add(b, in->name);
		if (in->email != NULL &&
		    ua_cache_email_digest(b->hdr.email_salt, in->email,
			strlen(in->email), u.email_digest) < 0)
			return -EINVAL; /* check_input let it through */
		u.gecos = pool_add(b, in->gecos);
		u.home = pool_add(b, in->home);
		u.shell = pool_add(b, in->shell);
		u.gids_first = first;
		u.ngids = ngids[i];
		first += ngids[i];
		memcpy(b->img + b->l.off[UA_CACHE_T_USERS] +
			(size_t)i * sizeof(u),
		    &u, sizeof(u));
		r = index_add(b, UA_CACHE_T_IDX_USER_NAME, in->name, u.name.len,
		    i, same_user_name);
		if (r == 0)
			r = index_add(b, UA_CACHE_T_IDX_USER_UID, &in->uid, 4,
			    i, same_never);
		if (r == 0 && in->email != NULL)
			r = index_add(b, UA_CACHE_T_IDX_USER_EMAIL,
			    u.email_digest, sizeof(u.email_digest), i,
			    same_user_email);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An email equal to some login name would make getpwnam ambiguous. */
static int
check_alias_clash(struct builder *b)
{
	char email[UA_CACHE_MAX_EMAIL];
	size_t i;
	int n, r;

	for (i = 0; i < b->nusers; i++) {
		if (b->users[i].email == NULL)
			continue;
		n = ua_cache_email_normalize(b->users[i].email,
		    strlen(b->users[i].email), email);
		if (n < 0)
			return -EINVAL;
		r = index_probe(b, UA_CACHE_T_IDX_USER_NAME, email, (size_t)n,
		    0, same_user_name, false);
		if (r < 0)
			return r;
	}
	return 0;
}

static void
fill_marks(struct builder *b)
{
	struct ua_cache_mark_rec m;
	size_t i;

	for (i = 0; i < b->nmarks; i++) {
		memset(&m, 0, sizeof(m));
		m.pool = pool_add(b, b->marks[i].pool);
		m.uid_next = b->marks[i].uid_next;
		m.gid_next = b->marks[i].gid_next;
		memcpy(b->img + b->l.off[UA_CACHE_T_MARKS] + i * sizeof(m), &m,
		    sizeof(m));
	}
}

/*
 * The index seed and the email salt.  Blocking only if the kernel's
 * generator is not ready yet (early boot): a guessable salt would hand
 * out the alias list to precomputation.
 */
static int
random_fill(struct builder *b)
{
	uint8_t r[sizeof(b->hdr.seed) + UA_CACHE_SALT_LEN];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	memcpy(&b->hdr.seed, r, sizeof(b->hdr.seed));
	memcpy(b->hdr.email_salt, r + sizeof(b->hdr.seed), UA_CACHE_SALT_LEN);
	return 0;
}

/* The header, then the block sums and the checksum over both. */
static int
finish_header(struct builder *b)
{
	int t;

	b->hdr.magic = UA_CACHE_MAGIC;
	b->hdr.version = UA_CACHE_VERSION;
	b->hdr.size = b->l.total;
	b->hdr.created = (uint64_t)time(NULL);
	for (t = 0; t < UA_CACHE_NTABLES; t++) {
		b->hdr.tables[t].off = (uint32_t)b->l.off[t];
		b->hdr.tables[t].count = b->l.count[t];
	}
	b->hdr.block_size = UA_CACHE_BLOCK_SIZE;
	b->hdr.sums.off = (uint32_t)b->l.data_end;
	b->hdr.sums.count = b->l.nblocks;
	memcpy(b->img, &b->hdr, sizeof(b->hdr));
	return ua_cache_seal(b->img, (size_t)b->l.total);
}

int
ua_cache_build_input(const struct ua_cache_input *in, uint8_t **ret,
    size_t *ret_len)
{
	struct builder b;
	uint32_t *ngids = NULL;
	int r;

	memset(&b, 0, sizeof(b));
	b.users = in->users;
	b.nusers = in->nusers;
	b.groups = in->groups;
	b.ngroups = in->ngroups;
	b.marks = in->marks;
	b.nmarks = in->nmarks;
	if ((b.nusers > 0 && b.users == NULL) ||
	    (b.ngroups > 0 && b.groups == NULL) ||
	    (b.nmarks > 0 && b.marks == NULL))
		return -EINVAL;
	if ((r = check_input(&b)) < 0 || (r = plan(&b)) < 0 ||
	    (r = compute_layout(&b)) < 0 || (r = random_fill(&b)) < 0)
		goto out;
	b.img = calloc(1, (size_t)b.l.total);
	ngids = calloc(b.nusers + 1, sizeof(uint32_t));
	if (b.img == NULL || ngids == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = fill_groups(&b, ngids)) < 0 || (r = fill_users(&b, ngids)) < 0)
		goto out;
	r = check_alias_clash(&b);
	if (r < 0)
		goto out;
	fill_marks(&b);
	r = finish_header(&b);
	if (r < 0)
		goto out; /* our own layout: cannot happen */
	*ret = b.img;
	*ret_len = (size_t)b.l.total;
	b.img = NULL;
out:
	free(b.img);
	free(ngids);
	free(b.uorder);
	free(b.urec);
	free(b.gorder);
	return r;
}

int
ua_cache_build(const struct ua_cache_user *users, size_t nusers,
    const struct ua_cache_group *groups, size_t ngroups, uint8_t **ret,
    size_t *ret_len)
{
	const struct ua_cache_input in = { users, nusers, groups, ngroups, NULL,
		0 };

	return ua_cache_build_input(&in, ret, ret_len);
}
