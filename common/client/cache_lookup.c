/* SPDX-License-Identifier: MIT */
/*
 * NSS cache lookups (format: cache_format.h, doc/PROTOCOL.md): indexes,
 * records and copying entries into the caller's buffer.  A lookup must
 * never use a value from the image unchecked, allocate, lock or make a
 * syscall; every byte it reads goes through ua_cache_verify first.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "client/cache.h"
#include "client/cache_int.h"
#include "client/sha256.h"

/* ---- records ------------------------------------------------------------ */

struct out {
	char *p;
	size_t left;
};

static int
str_in_pool(const struct ua_cache *c, struct ua_cache_str s)
{
	const struct ua_cache_table *t = &c->tab[UA_CACHE_T_STRINGS];

	if (s.len > UA_CACHE_MAX_STR || s.off > t->count ||
	    s.len > t->count - s.off)
		return -EBADMSG;
	return 0;
}

static int
get_str(const struct ua_cache *c, struct ua_cache_str s, const char **ret)
{
	size_t at = (size_t)c->tab[UA_CACHE_T_STRINGS].off + s.off;
	int r;

	if ((r = str_in_pool(c, s)) < 0 ||
	    (r = ua_cache_verify(c, at, s.len)) < 0)
		return r;
	*ret = (const char *)c->base + at;
	return 0;
}

/* 1 if pool string s equals the n bytes at key, 0 if not, -EBADMSG. */
static int
str_eq(const struct ua_cache *c, struct ua_cache_str s, const char *key,
    size_t n)
{
	const char *p;
	int r;

	/* a length mismatch reads no pool byte: no block to verify */
	r = str_in_pool(c, s);
	if (r < 0 || s.len != n)
		return r;
	r = get_str(c, s, &p);
	if (r < 0)
		return r;
	return memcmp(p, key, n) == 0;
}

static int
put_bytes(struct out *o, const char *src, size_t n, char **ret)
{
	if (o->left <= n)
		return -ERANGE;
	memcpy(o->p, src, n);
	o->p[n] = '\0';
	*ret = o->p;
	o->p += n + 1;
	o->left -= n + 1;
	return 0;
}

static int
put_str(const struct ua_cache *c, struct ua_cache_str s, struct out *o,
    char **ret)
{
	const char *p;
	int r;

	r = get_str(c, s, &p);
	if (r < 0)
		return r;
	return put_bytes(o, p, s.len, ret);
}

/* Pool identities are never root and never (id_t)-1. */
static bool
id_ok(uint32_t id)
{
	return id >= UA_CACHE_MIN_ID && id != UINT32_MAX;
}

static int
get_user(const struct ua_cache *c, uint32_t idx, struct ua_cache_user_rec *ret)
{
	const struct ua_cache_table *t = &c->tab[UA_CACHE_T_USERS];
	size_t at = (size_t)t->off + (size_t)idx * sizeof(*ret);

	if (idx >= t->count || ua_cache_verify(c, at, sizeof(*ret)) < 0)
		return -EBADMSG;
	memcpy(ret, c->base + at, sizeof(*ret));
	if (!id_ok(ret->uid) || !id_ok(ret->gid))
		return -EBADMSG;
	return 0;
}

static int
get_group(const struct ua_cache *c, uint32_t idx,
    struct ua_cache_group_rec *ret)
{
	const struct ua_cache_table *t = &c->tab[UA_CACHE_T_GROUPS];
	size_t at = (size_t)t->off + (size_t)idx * sizeof(*ret);

	if (idx >= t->count || ua_cache_verify(c, at, sizeof(*ret)) < 0)
		return -EBADMSG;
	memcpy(ret, c->base + at, sizeof(*ret));
	if (!id_ok(ret->gid))
		return -EBADMSG;
	return 0;
}

static int
get_u32(const struct ua_cache *c, enum ua_cache_table_id t, uint32_t i,
    uint32_t *ret)
{
	size_t at = (size_t)c->tab[t].off + (size_t)i * sizeof(*ret);

	/* callers checked i < c->tab[t].count */
	if (ua_cache_verify(c, at, sizeof(*ret)) < 0)
		return -EBADMSG;
	memcpy(ret, c->base + at, sizeof(*ret));
	return 0;
}

/* ---- indexes ------------------------------------------------------------ */

struct probe {
	const struct ua_cache *c;
	size_t slots; /* offset of the index in the image */
	uint32_t mask;
	uint32_t pos;
	uint32_t left;
	uint32_t hash;
};

static void
probe_init(struct probe *p, const struct ua_cache *c, enum ua_cache_table_id t,
    const void *key, size_t n)
{
	const struct ua_cache_table *tab = &c->tab[t];
	uint64_t h = ua_cache_hash(c->seed, key, n);

	p->c = c;
	p->slots = tab->off;
	p->mask = tab->count - 1;
	p->pos = (uint32_t)h & p->mask;
	/* validated at open: max_probe <= count, count a power of two */
	p->left =
	    tab->count == 0 ? 0 : c->max_probe[t - UA_CACHE_T_FIRST_INDEX];
	p->hash = (uint32_t)(h >> 32);
}

/*
 * Next record index whose slot hash matches: 1, or 0 at the chain's end,
 * -EBADMSG if a slot's block fails its sum.
 */
static int
probe_next(struct probe *p, uint32_t *ret_idx)
{
	struct ua_cache_slot s;
	size_t at;

	while (p->left > 0) {
		at = p->slots + (size_t)p->pos * sizeof(s);
		if (ua_cache_verify(p->c, at, sizeof(s)) < 0)
			return -EBADMSG;
		memcpy(&s, p->c->base + at, sizeof(s));
		p->pos = (p->pos + 1) & p->mask;
		p->left--;
		if (s.ref == 0)
			break;
		if (s.hash == p->hash) {
			*ret_idx = s.ref - 1;
			return 1;
		}
	}
	p->left = 0;
	return 0;
}

static int
find_user_name(const struct ua_cache *c, const char *key, size_t n,
    struct ua_cache_user_rec *ret)
{
	struct ua_cache_user_rec u;
	struct probe p;
	uint32_t idx;
	int r;

	probe_init(&p, c, UA_CACHE_T_IDX_USER_NAME, key, n);
	while ((r = probe_next(&p, &idx)) > 0) {
		r = get_user(c, idx, &u);
		if (r < 0)
			return r;
		r = str_eq(c, u.name, key, n);
		if (r < 0)
			return r;
		if (r > 0) {
			*ret = u;
			return 0;
		}
	}
	return r < 0 ? r : -ENOENT;
}

/*
 * The index is keyed by the digest too.  The whole digest is compared, in
 * constant time: which of the slot's bytes differ is nobody's business.
 */
static int
find_user_email(const struct ua_cache *c,
    const uint8_t digest[UA_CACHE_DIGEST_LEN], struct ua_cache_user_rec *ret)
{
	struct ua_cache_user_rec u;
	struct probe p;
	uint32_t idx;
	int r;

	probe_init(&p, c, UA_CACHE_T_IDX_USER_EMAIL, digest,
	    UA_CACHE_DIGEST_LEN);
	while ((r = probe_next(&p, &idx)) > 0) {
		r = get_user(c, idx, &u);
		if (r < 0)
			return r;
		if (ua_sha256_equal(u.email_digest, digest)) {
			*ret = u;
			return 0;
		}
	}
	return r < 0 ? r : -ENOENT;
}

static bool
is_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

int
ua_cache_email_normalize(const char *addr, size_t n, char *out)
{
	size_t i;

	while (n > 0 && is_space(addr[0])) {
		addr++;
		n--;
	}
	while (n > 0 && is_space(addr[n - 1]))
		n--;
	if (n == 0 || n > UA_CACHE_MAX_EMAIL || memchr(addr, '@', n) == NULL)
		return -ENOENT;
	for (i = 0; i < n; i++)
		out[i] = addr[i] >= 'A' && addr[i] <= 'Z'
		    ? (char)(addr[i] - 'A' + 'a')
		    : addr[i];
	return (int)n;
}

int
ua_cache_email_digest(const uint8_t salt[UA_CACHE_SALT_LEN], const char *addr,
    size_t n, uint8_t out[UA_CACHE_DIGEST_LEN])
{
	char low[UA_CACHE_MAX_EMAIL];
	struct ua_sha256 h;
	int r;

	r = ua_cache_email_normalize(addr, n, low);
	if (r < 0)
		return r;
	ua_sha256_init(&h);
	ua_sha256_update(&h, salt, UA_CACHE_SALT_LEN);
	ua_sha256_update(&h, low, (size_t)r);
	ua_sha256_final(&h, out);
	return 0;
}

/* By login name, then by the digest of an email alias. */
static int
resolve_user(const struct ua_cache *c, const char *name,
    struct ua_cache_user_rec *ret)
{
	uint8_t digest[UA_CACHE_DIGEST_LEN];
	size_t n;
	int r;

	n = strnlen(name, UA_CACHE_MAX_STR + 1);
	if (n == 0 || n > UA_CACHE_MAX_STR)
		return -ENOENT;
	r = find_user_name(c, name, n, ret);
	if (r != -ENOENT || memchr(name, '@', n) == NULL)
		return r;
	if (ua_cache_email_digest(c->email_salt, name, n, digest) < 0)
		return -ENOENT;
	return find_user_email(c, digest, ret);
}

static int
find_user_uid(const struct ua_cache *c, uint32_t uid,
    struct ua_cache_user_rec *ret)
{
	struct ua_cache_user_rec u;
	struct probe p;
	uint32_t idx;
	int r;

	probe_init(&p, c, UA_CACHE_T_IDX_USER_UID, &uid, sizeof(uid));
	while ((r = probe_next(&p, &idx)) > 0) {
		r = get_user(c, idx, &u);
		if (r < 0)
			return r;
		if (u.uid == uid) {
			*ret = u;
			return 0;
		}
	}
	return r < 0 ? r : -ENOENT;
}

static int
find_group(const struct ua_cache *c, const char *name, uint32_t gid,
    struct ua_cache_group_rec *ret)
{
	enum ua_cache_table_id t;
	struct ua_cache_group_rec g;
	struct probe p;
	uint32_t idx;
	size_t n = 0;
	int r;

	if (name != NULL) {
		n = strnlen(name, UA_CACHE_MAX_STR + 1);
		if (n == 0 || n > UA_CACHE_MAX_STR)
			return -ENOENT;
		t = UA_CACHE_T_IDX_GROUP_NAME;
		probe_init(&p, c, t, name, n);
	} else {
		t = UA_CACHE_T_IDX_GROUP_GID;
		probe_init(&p, c, t, &gid, sizeof(gid));
	}
	while ((r = probe_next(&p, &idx)) > 0) {
		r = get_group(c, idx, &g);
		if (r < 0)
			return r;
		r = name != NULL ? str_eq(c, g.name, name, n) : g.gid == gid;
		if (r < 0)
			return r;
		if (r > 0) {
			*ret = g;
			return 0;
		}
	}
	return r < 0 ? r : -ENOENT;
}

/* ---- filling the caller's structs --------------------------------------- */

static int
fill_passwd(const struct ua_cache *c, const struct ua_cache_user_rec *u,
    struct passwd *ret_pw, char *buf, size_t buflen)
{
	struct out o = { buf, buflen };
	struct passwd pw;
	int r;

	memset(&pw, 0, sizeof(pw));
	if ((r = put_str(c, u->name, &o, &pw.pw_name)) < 0 ||
	    (r = put_bytes(&o, "*", 1, &pw.pw_passwd)) < 0 ||
	    (r = put_str(c, u->gecos, &o, &pw.pw_gecos)) < 0 ||
	    (r = put_str(c, u->home, &o, &pw.pw_dir)) < 0 ||
	    (r = put_str(c, u->shell, &o, &pw.pw_shell)) < 0)
		return r;
	pw.pw_uid = u->uid;
	pw.pw_gid = u->gid;
	*ret_pw = pw;
	return 0;
}

static int
fill_group(const struct ua_cache *c, const struct ua_cache_group_rec *g,
    struct group *ret_gr, char *buf, size_t buflen)
{
	const struct ua_cache_table *mt = &c->tab[UA_CACHE_T_MEMBERS];
	size_t pad = (size_t)(-(uintptr_t)buf) & (_Alignof(char *) - 1);
	struct ua_cache_user_rec u;
	struct group gr;
	struct out o;
	char **mem;
	uint32_t i, m;
	int r;

	if (g->members_first > mt->count ||
	    g->nmembers > mt->count - g->members_first)
		return -EBADMSG;
	/* a pointer-aligned, NULL-terminated gr_mem array first */
	if (buflen < pad || (buflen - pad) / sizeof(char *) <= g->nmembers)
		return -ERANGE;
	mem = (char **)(void *)(buf + pad);
	o.p = buf + pad + ((size_t)g->nmembers + 1) * sizeof(char *);
	o.left = buflen - pad - ((size_t)g->nmembers + 1) * sizeof(char *);
	memset(&gr, 0, sizeof(gr));
	if ((r = put_str(c, g->name, &o, &gr.gr_name)) < 0 ||
	    (r = put_bytes(&o, "*", 1, &gr.gr_passwd)) < 0)
		return r;
	for (i = 0; i < g->nmembers; i++) {
		r = get_u32(c, UA_CACHE_T_MEMBERS, g->members_first + i, &m);
		if (r < 0)
			return r;
		r = get_user(c, m, &u);
		if (r < 0)
			return r;
		r = put_str(c, u.name, &o, &mem[i]);
		if (r < 0)
			return r;
	}
	mem[g->nmembers] = NULL;
	gr.gr_gid = g->gid;
	gr.gr_mem = mem;
	*ret_gr = gr;
	return 0;
}

/* ---- lookups ------------------------------------------------------------ */

int
ua_cache_getpwnam(const struct ua_cache *c, const char *name,
    struct passwd *ret_pw, char *buf, size_t buflen)
{
	struct ua_cache_user_rec u;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	r = resolve_user(c, name, &u);
	if (r < 0)
		return r;
	return fill_passwd(c, &u, ret_pw, buf, buflen);
}

int
ua_cache_getpwuid(const struct ua_cache *c, uid_t uid, struct passwd *ret_pw,
    char *buf, size_t buflen)
{
	struct ua_cache_user_rec u;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	if (!id_ok(uid))
		return -ENOENT;
	r = find_user_uid(c, (uint32_t)uid, &u);
	if (r < 0)
		return r;
	return fill_passwd(c, &u, ret_pw, buf, buflen);
}

int
ua_cache_getpwent(const struct ua_cache *c, size_t idx, struct passwd *ret_pw,
    char *buf, size_t buflen)
{
	struct ua_cache_user_rec u;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	if (idx >= c->tab[UA_CACHE_T_USERS].count)
		return -ENOENT;
	r = get_user(c, (uint32_t)idx, &u);
	if (r < 0)
		return r;
	return fill_passwd(c, &u, ret_pw, buf, buflen);
}

int
ua_cache_getgrnam(const struct ua_cache *c, const char *name,
    struct group *ret_gr, char *buf, size_t buflen)
{
	struct ua_cache_group_rec g;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	r = find_group(c, name, 0, &g);
	if (r < 0)
		return r;
	return fill_group(c, &g, ret_gr, buf, buflen);
}

int
ua_cache_getgrgid(const struct ua_cache *c, gid_t gid, struct group *ret_gr,
    char *buf, size_t buflen)
{
	struct ua_cache_group_rec g;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	if (!id_ok(gid))
		return -ENOENT;
	r = find_group(c, NULL, (uint32_t)gid, &g);
	if (r < 0)
		return r;
	return fill_group(c, &g, ret_gr, buf, buflen);
}

int
ua_cache_getgrent(const struct ua_cache *c, size_t idx, struct group *ret_gr,
    char *buf, size_t buflen)
{
	struct ua_cache_group_rec g;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	if (idx >= c->tab[UA_CACHE_T_GROUPS].count)
		return -ENOENT;
	r = get_group(c, (uint32_t)idx, &g);
	if (r < 0)
		return r;
	return fill_group(c, &g, ret_gr, buf, buflen);
}

int
ua_cache_user_gids(const struct ua_cache *c, const char *name, size_t first,
    gid_t *gids, size_t max, size_t *ret_total)
{
	const struct ua_cache_table *t = &c->tab[UA_CACHE_T_GIDS];
	struct ua_cache_user_rec u;
	size_t n = 0, i;
	uint32_t gid;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	if (max > INT_MAX)
		max = INT_MAX;
	r = resolve_user(c, name, &u);
	if (r < 0)
		return r;
	if (u.gids_first > t->count || u.ngids > t->count - u.gids_first)
		return -EBADMSG;
	for (i = first; i < u.ngids && n < max; i++) {
		r = get_u32(c, UA_CACHE_T_GIDS, u.gids_first + (uint32_t)i,
		    &gid);
		if (r < 0)
			return r;
		if (!id_ok(gid))
			return -EBADMSG;
		gids[n++] = gid;
	}
	if (ret_total != NULL)
		*ret_total = u.ngids;
	return (int)n;
}

int
ua_cache_get_mark(const struct ua_cache *c, size_t idx,
    struct ua_cache_mark *ret, char *buf, size_t buflen)
{
	const struct ua_cache_table *t = &c->tab[UA_CACHE_T_MARKS];
	struct ua_cache_mark_rec m;
	struct out o = { buf, buflen };
	struct ua_cache_mark out;
	size_t at;
	char *name;
	int r;

	if ((r = ua_cache_usable(c)) < 0)
		return r;
	if (idx >= t->count)
		return -ENOENT;
	at = (size_t)t->off + idx * sizeof(m);
	if (ua_cache_verify(c, at, sizeof(m)) < 0)
		return -EBADMSG;
	memcpy(&m, c->base + at, sizeof(m));
	r = put_str(c, m.pool, &o, &name);
	if (r < 0)
		return r;
	out.pool = name;
	out.uid_next = m.uid_next;
	out.gid_next = m.gid_next;
	*ret = out;
	return 0;
}
