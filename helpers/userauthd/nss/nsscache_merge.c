/* SPDX-License-Identifier: MIT */
/*
 * Another backend's users and groups (a Cognito pool's sync) checked
 * against what is published before them: the store's, then earlier
 * parts.  The cache writer refuses any duplicate name, id or address,
 * and one would stop the whole cache from being published, every pool
 * with it.  So a user whose name or uid is taken is left out, one whose
 * address is taken (or no address at all) keeps no alias, and a group
 * whose name or gid is taken (private groups included) is left out; a
 * few of each are logged by name, all of them counted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/cache.h"
#include "server/log.h"
#include "userauthd/nss/nsscache_merge.h"

#define MERGE_LOG_MAX 5 /* names logged per kind and publish */

struct keyed {
	int (*cmp)(const void *v, uint32_t x, uint32_t y);
	const void *v; /* the users or the groups */
};

static int
user_name(const void *v, uint32_t x, uint32_t y)
{
	const struct ua_cache_user *u = v;

	return strcmp(u[x].name, u[y].name);
}

static int
user_uid(const void *v, uint32_t x, uint32_t y)
{
	const struct ua_cache_user *u = v;

	return (u[x].uid > u[y].uid) - (u[x].uid < u[y].uid);
}

/* Addresses compare as the cache's alias index sees them. */
static int
user_email(const void *v, uint32_t x, uint32_t y)
{
	const struct ua_cache_user *u = v;
	char a[UA_CACHE_MAX_EMAIL + 1], b[UA_CACHE_MAX_EMAIL + 1];

	(void)ua_cache_email_normalize(u[x].email, strlen(u[x].email), a);
	(void)ua_cache_email_normalize(u[y].email, strlen(u[y].email), b);
	return strcmp(a, b);
}

static int
group_name(const void *v, uint32_t x, uint32_t y)
{
	const struct ua_cache_group *g = v;

	return strcmp(g[x].name, g[y].name);
}

static int
group_gid(const void *v, uint32_t x, uint32_t y)
{
	const struct ua_cache_group *g = v;

	return (g[x].gid > g[y].gid) - (g[x].gid < g[y].gid);
}

/* The key, then the place: the first of equal keys sorts first. */
static int
by_key(const void *a, const void *b, void *arg)
{
	const struct keyed *k = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = k->cmp(k->v, x, y);

	return c != 0 ? c : (x > y) - (x < y);
}

/*
 * Of idx's n entries (places in v), flag in later[] each one whose key
 * an earlier place has.  idx is sorted on the way.
 */
static void
flag_later(uint32_t *idx, size_t n, struct keyed *k, bool *later)
{
	size_t i, first = 0;

	qsort_r(idx, n, sizeof(*idx), by_key, k);
	for (i = 1; i < n; i++) {
		if (k->cmp(k->v, idx[first], idx[i]) == 0)
			later[idx[i]] = true;
		else
			first = i;
	}
}

/* The places of the users not dropped (and, with_email, with one). */
static size_t
places(const struct ua_cache_user *u, size_t nu, const bool *drop,
    bool with_email, uint32_t *idx)
{
	size_t i, n = 0;

	for (i = 0; i < nu; i++)
		if (!drop[i] && (!with_email || u[i].email != NULL))
			idx[n++] = (uint32_t)i;
	return n;
}

int
nss_merge_users(struct ua_cache_user *u, size_t nu, size_t nfirst,
    uint32_t *map, size_t *ret_nu, struct nss_merge_stats *st)
{
	struct keyed k = { .v = u };
	char norm[UA_CACHE_MAX_EMAIL + 1];
	uint32_t *idx = calloc(nu + 1, sizeof(*idx));
	bool *drop = calloc(nu + 1, sizeof(*drop));
	bool *taken = calloc(nu + 1, sizeof(*taken));
	size_t i, n, kept = 0;

	if (idx == NULL || drop == NULL || taken == NULL) {
		free(idx);
		free(drop);
		free(taken);
		return -ENOMEM;
	}
	/* an address the alias index cannot hold: no alias, not no cache */
	for (i = nfirst; i < nu; i++)
		if (u[i].email != NULL &&
		    ua_cache_email_normalize(u[i].email, strlen(u[i].email),
			norm) < 0)
			u[i].email = NULL;
	k.cmp = user_name;
	flag_later(idx, places(u, nu, drop, false, idx), &k, drop);
	k.cmp = user_uid;
	flag_later(idx, places(u, nu, drop, false, idx), &k, drop);
	k.cmp = user_email;
	n = places(u, nu, drop, true, idx);
	flag_later(idx, n, &k, taken);
	for (i = 0; i < nu; i++) {
		if (drop[i]) {
			map[i] = UINT32_MAX;
			st->users++;
			if (st->users <= MERGE_LOG_MAX)
				ua_log(LOG_WARNING,
				    "NSS cache: user %s (uid %u) "
				    "of another pool is left out: its name or "
				    "uid is taken",
				    u[i].name, u[i].uid);
			continue;
		}
		if (taken[i]) {
			st->emails++;
			if (st->emails <= MERGE_LOG_MAX)
				ua_log(LOG_WARNING,
				    "NSS cache: user %s of "
				    "another pool gets no email alias: its "
				    "address is another user's",
				    u[i].name);
			u[i].email = NULL;
		}
		map[i] = (uint32_t)kept;
		u[kept++] = u[i];
	}
	*ret_nu = kept;
	free(idx);
	free(drop);
	free(taken);
	return 0;
}

int
nss_merge_groups(struct ua_cache_group *g, size_t ng, size_t *ret_ng,
    struct nss_merge_stats *st)
{
	struct keyed k = { .v = g };
	uint32_t *idx = calloc(ng + 1, sizeof(*idx));
	bool *drop = calloc(ng + 1, sizeof(*drop));
	size_t i, n, kept = 0;

	if (idx == NULL || drop == NULL) {
		free(idx);
		free(drop);
		return -ENOMEM;
	}
	for (i = 0; i < ng; i++)
		idx[i] = (uint32_t)i;
	k.cmp = group_name;
	flag_later(idx, ng, &k, drop);
	for (i = n = 0; i < ng; i++)
		if (!drop[i])
			idx[n++] = (uint32_t)i;
	k.cmp = group_gid;
	flag_later(idx, n, &k, drop);
	for (i = 0; i < ng; i++) {
		if (drop[i]) {
			st->groups++;
			if (st->groups <= MERGE_LOG_MAX)
				ua_log(LOG_WARNING,
				    "NSS cache: group %s (gid "
				    "%u) of another pool is left out: its name "
				    "or gid is taken",
				    g[i].name, g[i].gid);
			continue;
		}
		g[kept++] = g[i];
	}
	*ret_ng = kept;
	free(idx);
	free(drop);
	return 0;
}
