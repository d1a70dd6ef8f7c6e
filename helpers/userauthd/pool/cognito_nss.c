/* SPDX-License-Identifier: MIT */
/*
 * What the syncs of the Cognito pools found, for NSS and for the account
 * phase: merged into the daemon's NSS cache (as an nss_extra beside the
 * store's users), kept in the state directory (cognito-POOL.json) so that
 * a restart while Cognito is unreachable still has them, and looked up by
 * login name or address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/log.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/pool/cognito_int.h"

static int
dup_into(char **dst, const char *s)
{
	*dst = strdup(s != NULL ? s : "");
	return *dst != NULL ? 0 : -ENOMEM;
}

/*
 * s as a JSON string to f: quote, backslash and control characters
 * escaped, the rest (UTF-8, as jansson parsed it from Cognito's answer)
 * as it is.  The state file holds 100,000 users at a time: one jansson
 * tree per entry and its dump were a tenth of the sync's CPU.  -EILSEQ
 * (and nothing written) for a string that is not UTF-8: the next start
 * could not read the file back.
 */
static int
put_str(FILE *f, const char *s)
{
	static const char special[] =
	    "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d"
	    "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b"
	    "\x1c\x1d\x1e\x1f";
	size_t n;

	if (s == NULL)
		s = "";
	if (!ua_valid_utf8(s, strlen(s)))
		return -EILSEQ;
	(void)putc_unlocked('"', f);
	for (;;) {
		n = strcspn(s, special);
		(void)fwrite_unlocked(s, 1, n, f);
		s += n;
		if (*s == '\0')
			break;
		if (*s == '"' || *s == '\\')
			(void)fprintf(f, "\\%c", *s);
		else
			(void)fprintf(f, "\\u%04x",
			    (unsigned)(unsigned char)*s);
		s++;
	}
	(void)putc_unlocked('"', f);
	return 0;
}

static int
put_user(FILE *f, const struct store_nss_user *u)
{
	int r;

	(void)fputs("{\"login\":", f);
	r = put_str(f, u->login);
	(void)fputs(",\"email\":", f);
	r = r < 0 ? r : put_str(f, u->email);
	(void)fputs(",\"home\":", f);
	r = r < 0 ? r : put_str(f, u->home);
	(void)fputs(",\"shell\":", f);
	r = r < 0 ? r : put_str(f, u->shell);
	(void)fprintf(f, ",\"uid\":%lu}", (unsigned long)u->uid);
	return r;
}

static int
put_group(FILE *f, const struct store_nss_group *g)
{
	size_t j;
	int r;

	(void)fputs("{\"name\":", f);
	r = put_str(f, g->name);
	(void)fprintf(f, ",\"gid\":%lu,\"members\":[", (unsigned long)g->gid);
	for (j = 0; j < g->nmembers; j++)
		(void)fprintf(f, "%s%lu", j > 0 ? "," : "",
		    (unsigned long)g->members[j]);
	(void)fputs("]}", f);
	return r;
}

int
cg_state_write(FILE *f, const struct store_nss *n)
{
	size_t i;
	int r = 0;

	(void)fputs("{\"version\":1,\"users\":[", f);
	for (i = 0; i < n->nusers && r == 0; i++) {
		if (i > 0)
			(void)putc(',', f);
		r = put_user(f, &n->users[i]);
	}
	(void)fputs("],\"groups\":[", f);
	for (i = 0; i < n->ngroups && r == 0; i++) {
		if (i > 0)
			(void)putc(',', f);
		r = put_group(f, &n->groups[i]);
	}
	(void)fputs("]}", f);
	return r;
}

/* The state directory's entries to disk, after a rename in it. */
static int
sync_dir(const char *dir)
{
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	(void)close(fd);
	return r;
}

/*
 * Write y->last to STATE/cognito-POOL.json, atomically (tmp, fsync,
 * rename, fsync of the directory), one entry at a time through a
 * buffered stream: no whole-file tree in memory, no write per token.  A
 * text over cb->state_max (the next start would not read it) is not
 * kept: the last kept file stays.
 */
static void
keep(const struct cognito_backend *cb, const struct cg_sync *y)
{
	const struct store_nss *n;
	char path[4096], tmp[4200];
	FILE *f = NULL;
	int fd, r = 0;

	if (cb->hooks.state_dir == NULL || y->last == NULL)
		return;
	n = nss_extra_get(y->last);
	(void)snprintf(path, sizeof(path), "%s/cognito-%s.json",
	    cb->hooks.state_dir, y->pool);
	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (f == NULL) {
		r = -errno;
		if (fd >= 0)
			(void)close(fd);
		goto out;
	}
	(void)setvbuf(f, NULL, _IOFBF, 1 << 16);
	r = cg_state_write(f, n);
	if (fflush(f) != 0 && r == 0)
		r = -errno;
	if (ferror(f) && r == 0)
		r = -EIO;
	if (r == 0 && (uintmax_t)ftello(f) > cb->state_max)
		r = -EFBIG;
	if (r == 0 && fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r == 0)
		r = sync_dir(cb->hooks.state_dir);
out:
	if (r < 0) {
		(void)unlink(tmp);
		ua_log_errno(LOG_WARNING, r,
		    "cognito pool %s: cannot keep the "
		    "sync in %s: %m%s (NSS keeps it until the daemon stops)",
		    y->pool, path,
		    r == -EFBIG ? ", over the limit of the kept file" : "");
	}
}

void
cg_sync_publish(struct cognito_backend *cb, struct cg_sync *y)
{
	struct nss_extra *parts[UA_CONF_MAX_POOLS], *x;
	size_t i;

	if (y != NULL)
		keep(cb, y);
	for (i = 0; i < cb->nsyncs; i++)
		parts[i] = cb->syncs[i]->last;
	/* every pool's part shared, none copied */
	x = nss_extra_join(parts, cb->nsyncs);
	if (x == NULL) {
		ua_log(LOG_ERR,
		    "cognito pools: out of memory merging the "
		    "synced users; the NSS cache keeps the last ones");
		return;
	}
	if (cb->hooks.nss != NULL)
		cb->hooks.nss(cb->hooks.arg, x);
	nss_extra_unref(x);
}

/* The kept file's users into n: -EBADMSG for one the pool cannot have. */
static int
load_users(const struct ua_pool_conf *pc, const json_t *users,
    struct store_nss *n)
{
	struct store_nss_user *u;
	const char *login;
	json_int_t uid;
	json_t *e;
	size_t i;

	json_array_foreach(users, i, e)
	{
		uid = json_integer_value(json_object_get(e, "uid"));
		login = json_string_value(json_object_get(e, "login"));
		/* only what the pool's range still allows */
		if (login == NULL || ua_valid_name(login, NULL) < 0 ||
		    uid < pc->uid_min || uid > pc->uid_max)
			return -EBADMSG;
		u = &n->users[n->nusers++];
		*u = (struct store_nss_user){ .uid = (uint32_t)uid,
			.gid = (uint32_t)uid };
		if (dup_into(&u->login, login) < 0 ||
		    dup_into(&u->email,
			json_string_value(json_object_get(e, "email"))) < 0 ||
		    dup_into(&u->gecos, "") < 0 ||
		    dup_into(&u->home,
			json_string_value(json_object_get(e, "home"))) < 0 ||
		    dup_into(&u->shell,
			json_string_value(json_object_get(e, "shell"))) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ... and its groups, whose members index the users read. */
static int
load_groups(const struct ua_pool_conf *pc, const json_t *groups,
    struct store_nss *n)
{
	struct store_nss_group *g;
	const char *name;
	json_int_t gid;
	json_t *e, *m;
	size_t i, j, k;

	json_array_foreach(groups, i, e)
	{
		gid = json_integer_value(json_object_get(e, "gid"));
		name = json_string_value(json_object_get(e, "name"));
		m = json_object_get(e, "members");
		if (name == NULL || !json_is_array(m) || gid < pc->gid_min ||
		    gid > pc->gid_max)
			return -EBADMSG;
		g = &n->groups[n->ngroups++];
		g->gid = (uint32_t)gid;
		g->members = calloc(json_array_size(m) + 1, sizeof(uint32_t));
		if (g->members == NULL || dup_into(&g->name, name) < 0)
			return -ENOMEM;
		for (j = 0; j < json_array_size(m); j++) {
			k = (size_t)json_integer_value(json_array_get(m, j));
			if (k >= n->nusers)
				return -EBADMSG;
			g->members[g->nmembers++] = (uint32_t)k;
		}
	}
	return 0;
}

/* json_load_callback's reader: the file, an error past its bound. */
struct bounded {
	int fd;
	size_t left; /* bytes it may still have */
	bool over;
};

static size_t
read_bounded(void *buf, size_t len, void *arg)
{
	struct bounded *b = arg;
	ssize_t n;

	/* one byte more than is left shows a file that grew past it */
	if (len > b->left + 1)
		len = b->left + 1;
	do
		n = read(b->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (size_t)-1;
	if ((size_t)n > b->left) {
		b->over = true;
		return (size_t)-1;
	}
	b->left -= (size_t)n;
	return (size_t)n;
}

/*
 * The JSON of the kept file at path into *ret (NULL when there is none),
 * never more than max bytes of it read: -EFBIG for a larger file (a
 * regular file only, no symbolic link), -EBADMSG for one that is no JSON.
 */
static int
read_kept(const char *path, size_t max, json_t **ret)
{
	struct bounded b = { .fd = -1, .left = max };
	json_error_t jerr;
	struct stat st;
	int r = 0;

	*ret = NULL;
	b.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (b.fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(b.fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EBADMSG;
	else if ((uintmax_t)st.st_size > max)
		r = -EFBIG;
	if (r == 0) {
		*ret = json_load_callback(read_bounded, &b,
		    JSON_REJECT_DUPLICATES, &jerr);
		if (*ret == NULL)
			r = b.over ? -EFBIG : -EBADMSG;
	}
	(void)close(b.fd);
	return r;
}

/* The last sync kept on disk for pc, if any: 0 also when there is none. */
static int
load_one(struct cognito_backend *cb, const struct ua_pool_conf *pc)
{
	struct cg_sync *y = cg_sync_of(cb, pc->name);
	struct store_nss n = { 0 };
	struct nss_extra *x;
	char path[4096];
	json_t *o, *users, *groups;
	int r;

	if (y == NULL)
		return -ENOMEM;
	(void)snprintf(path, sizeof(path), "%s/cognito-%s.json",
	    cb->hooks.state_dir, pc->name);
	r = read_kept(path, cb->state_max, &o);
	if (o == NULL)
		return r;
	r = -EBADMSG;
	users = json_object_get(o, "users");
	groups = json_object_get(o, "groups");
	if (!json_is_array(users) || !json_is_array(groups))
		goto out;
	n.users = calloc(json_array_size(users) + 1, sizeof(*n.users));
	n.groups = calloc(json_array_size(groups) + 1, sizeof(*n.groups));
	r = n.users == NULL || n.groups == NULL ? -ENOMEM : 0;
	if (r == 0)
		r = load_users(pc, users, &n);
	if (r == 0)
		r = load_groups(pc, groups, &n);
	if (r < 0)
		goto out;
	x = nss_extra_new(&n);
	if (x == NULL || cg_sync_set_last(y, x) < 0)
		r = -ENOMEM;
out:
	store_nss_free(&n);
	json_decref(o);
	return r;
}

int
cg_sync_load(struct cognito_backend *cb, const struct ua_conf *c)
{
	size_t i, loaded = 0;
	int r;

	if (cb->hooks.state_dir == NULL)
		return 0;
	for (i = 0; i < c->npools; i++) {
		if (c->pools[i].backend != UA_BACKEND_COGNITO)
			continue;
		r = load_one(cb, &c->pools[i]);
		if (r == -EFBIG)
			ua_log(LOG_WARNING,
			    "cognito pool %s: the kept sync in %s is larger "
			    "than %zu bytes: not read, and left as it is (NSS "
			    "has none of its users until the next sync)",
			    c->pools[i].name, cb->hooks.state_dir,
			    cb->state_max);
		else if (r < 0)
			ua_log_errno(LOG_WARNING, r,
			    "cognito pool %s: the kept "
			    "sync in %s is unusable (%m); NSS has none until "
			    "the next sync",
			    c->pools[i].name, cb->hooks.state_dir);
		else
			loaded++;
	}
	if (loaded > 0)
		cg_sync_publish(cb, NULL);
	return 0;
}

void
cg_index_free(struct cg_index *ix)
{
	free(ix->by_login);
	free(ix->by_email);
	free(ix->gstart);
	free(ix->gidx);
	*ix = (struct cg_index){ 0 };
}

static int
cmp_login(const void *a, const void *b, void *arg)
{
	const struct store_nss_user *u = arg;

	return strcmp(u[*(const uint32_t *)a].login,
	    u[*(const uint32_t *)b].login);
}

static int
cmp_email(const void *a, const void *b, void *arg)
{
	const struct store_nss_user *u = arg;

	return strcasecmp(u[*(const uint32_t *)a].email,
	    u[*(const uint32_t *)b].email);
}

/* Each user's groups, in the groups' order (counted, then filled). */
static int
index_groups(struct cg_index *ix, const struct store_nss *n)
{
	size_t g, k, total = 0;
	uint32_t *fill;

	ix->gstart = calloc(n->nusers + 1, sizeof(uint32_t));
	if (ix->gstart == NULL)
		return -ENOMEM;
	for (g = 0; g < n->ngroups; g++)
		for (k = 0; k < n->groups[g].nmembers; k++)
			ix->gstart[n->groups[g].members[k] + 1]++;
	for (k = 0; k < n->nusers; k++) {
		total += ix->gstart[k + 1];
		ix->gstart[k + 1] = (uint32_t)total;
	}
	ix->gidx = malloc((total > 0 ? total : 1) * sizeof(uint32_t));
	fill = calloc(n->nusers + 1, sizeof(uint32_t));
	if (ix->gidx == NULL || fill == NULL) {
		free(fill);
		return -ENOMEM;
	}
	for (g = 0; g < n->ngroups; g++)
		for (k = 0; k < n->groups[g].nmembers; k++) {
			uint32_t u = n->groups[g].members[k];

			ix->gidx[ix->gstart[u] + fill[u]++] = (uint32_t)g;
		}
	free(fill);
	return 0;
}

int
cg_sync_set_last(struct cg_sync *y, struct nss_extra *x)
{
	const struct store_nss *n = nss_extra_get(x);
	struct cg_index ix = { 0 };
	size_t i;

	ix.by_login = malloc((n->nusers + 1) * sizeof(uint32_t));
	ix.by_email = malloc((n->nusers + 1) * sizeof(uint32_t));
	if (ix.by_login == NULL || ix.by_email == NULL ||
	    index_groups(&ix, n) < 0) {
		cg_index_free(&ix);
		nss_extra_unref(x);
		return -ENOMEM;
	}
	for (i = 0; i < n->nusers; i++) {
		ix.by_login[i] = (uint32_t)i;
		if (n->users[i].email[0] != '\0')
			ix.by_email[ix.nemail++] = (uint32_t)i;
	}
	qsort_r(ix.by_login, n->nusers, sizeof(uint32_t), cmp_login, n->users);
	qsort_r(ix.by_email, ix.nemail, sizeof(uint32_t), cmp_email, n->users);
	nss_extra_unref(y->last);
	cg_index_free(&y->ix);
	y->last = x;
	y->ix = ix;
	return 0;
}

/* The user whose key (login, or address any case) is ident, or -1. */
static long
search(const uint32_t *ix, size_t len, const struct store_nss_user *u,
    const char *ident, bool email)
{
	size_t lo = 0, hi = len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = email ? strcasecmp(ident, u[ix[mid]].email)
			      : strcmp(ident, u[ix[mid]].login);

		if (c == 0)
			return (long)ix[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int
cg_synced_find(struct cognito_backend *cb, const char *pool, const char *ident,
    struct pool_user *ret, const char **groups, size_t maxgroups)
{
	const struct store_nss *n;
	struct cg_sync *y;
	size_t i, j, ng = 0;
	long found;

	for (i = 0; i < cb->nsyncs; i++)
		if (strcmp(cb->syncs[i]->pool, pool) == 0)
			break;
	if (i == cb->nsyncs)
		return -ENOENT;
	y = cb->syncs[i];
	if (y->last == NULL)
		return -ENOENT;
	n = nss_extra_get(y->last);
	found = search(y->ix.by_login, n->nusers, n->users, ident, false);
	if (found < 0 && ident[0] != '\0')
		found =
		    search(y->ix.by_email, y->ix.nemail, n->users, ident, true);
	if (found < 0)
		return -ENOENT;
	i = (size_t)found;
	for (j = y->ix.gstart[i]; j < y->ix.gstart[i + 1] && ng < maxgroups;
	     j++)
		groups[ng++] = n->groups[y->ix.gidx[j]].name;
	*ret = (struct pool_user){ .login = n->users[i].login,
		.uid = n->users[i].uid,
		.enabled = true,
		.has_password = true,
		.groups = groups,
		.ngroups = ng };
	return 0;
}
