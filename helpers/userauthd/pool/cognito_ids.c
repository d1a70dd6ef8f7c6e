/* SPDX-License-Identifier: MIT */
/*
 * The end of a sync: uids (the pool's attribute, or a hash of sub), gids
 * (a hash of the group name), the older of two claimants keeping an id,
 * and who is kept (allow_groups), as the pool's new NSS part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "server/log.h"
#include "userauthd/pool/cognito_int.h"

static uint32_t
hash_into(const char *s, uint32_t lo, uint32_t hi)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	uint64_t v = 0;
	size_t i;

	(void)SHA256((const unsigned char *)s, strlen(s), h);
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	return (uint32_t)(lo + v % ((uint64_t)hi - lo + 1));
}

static int
by_id_then_age(const void *a, const void *b)
{
	const struct sy_user *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->login, y->login);
}

/* Who may sign in by allow_groups: a flag per user (login order). */
static bool *
allowed_users(const struct ua_pool_conf *pc, const struct cg_sync *y)
{
	bool *ok = calloc(y->nu + 1, sizeof(*ok));
	size_t i, j, k;

	if (ok == NULL)
		return NULL;
	for (i = 0; i < y->nu && pc->allow_groups.any; i++)
		ok[i] = true;
	for (i = 0; i < y->ng && !pc->allow_groups.any; i++)
		for (k = 0; k < pc->allow_groups.n; k++)
			if (strcmp(y->g[i].name, pc->allow_groups.names[k]) ==
			    0)
				for (j = 0; j < y->g[i].n; j++)
					ok[y->g[i].members[j]] = true;
	return ok;
}

/* uids; a user without one (no attribute, out of range) is left out. */
static void
assign_uids(struct cg_sync *y, const struct ua_pool_conf *pc, const bool *ok)
{
	struct cg_claims c;
	size_t i;

	for (i = 0; i < y->nu; i++) {
		memset(&c, 0, sizeof(c));
		(void)snprintf(c.sub, sizeof(c.sub), "%s",
		    y->u[i].sub ? y->u[i].sub : y->u[i].login);
		c.attr = y->u[i].attr;
		y->u[i].keep = ok[i] && cg_uid_of(pc, &c, &y->u[i].uid) == 0;
		y->u[i].index = (uint32_t)i;
	}
}

/*
 * The older of two users with one uid keeps it: users sorted by uid,
 * then age; order[login order] = the new place.  The number left out.
 */
static size_t
drop_uid_collisions(struct cg_sync *y, uint32_t *order)
{
	size_t i, dropped = 0;

	qsort(y->u, y->nu, sizeof(*y->u), by_id_then_age);
	for (i = 0; i < y->nu; i++) {
		order[y->u[i].index] = (uint32_t)i;
		if (i > 0 && y->u[i].keep && y->u[i - 1].uid == y->u[i].uid &&
		    (y->u[i - 1].keep || y->u[i - 1].collided)) {
			ua_log(LOG_WARNING,
			    "cognito pool %s: user %s has the "
			    "uid %u of the older user %s; left out of NSS",
			    y->pool, y->u[i].login, y->u[i].uid,
			    y->u[i - 1].login);
			y->u[i].keep = false;
			y->u[i].collided = true;
			dropped++;
		}
	}
	return dropped;
}

/* The users kept into n; newidx[sorted place] = their index, or MAX. */
static int
nss_users(const struct cg_sync *y, const struct ua_pool_conf *pc,
    struct store_nss *n, uint32_t *newidx)
{
	char home[UA_MAX_PATHFIELD + 1];
	struct store_nss_user *o;
	size_t i;

	for (i = 0; i < y->nu; i++) {
		const struct sy_user *u = &y->u[i];

		newidx[i] = UINT32_MAX;
		if (!u->keep ||
		    ua_conf_home(pc, u->login, home, sizeof(home)) < 0)
			continue;
		o = &n->users[n->nusers++];
		*o = (struct store_nss_user){ .login = strdup(u->login),
			.email = strdup(u->email ? u->email : ""),
			.gecos = strdup(""),
			.home = strdup(home),
			.shell = strdup(pc->shell),
			.uid = u->uid,
			.gid = u->uid };
		if (!o->login || !o->email || !o->gecos || !o->home ||
		    !o->shell)
			return -ENOMEM;
		newidx[i] = (uint32_t)(n->nusers - 1);
	}
	return 0;
}

/* Does an older group (or an earlier one as old) hold group i's gid? */
static bool
gid_taken(const struct cg_sync *y, const uint32_t *gids, size_t i)
{
	size_t j;

	for (j = 0; j < y->ng; j++)
		if (j != i && gids[j] == gids[i] &&
		    (y->g[j].created < y->g[i].created ||
			(y->g[j].created == y->g[i].created && j < i)))
			return true;
	return false;
}

/* Groups into n: gid from the name, the older of two keeps it. */
static int
nss_groups(const struct cg_sync *y, const struct ua_pool_conf *pc,
    struct store_nss *n, const uint32_t *newidx, const uint32_t *order)
{
	struct store_nss_group *o;
	uint32_t *gids, at;
	size_t i, k;

	gids = calloc(y->ng + 1, sizeof(*gids));
	if (gids == NULL)
		return -ENOMEM;
	for (i = 0; i < y->ng; i++)
		gids[i] = hash_into(y->g[i].name, pc->gid_min, pc->gid_max);
	for (i = 0; i < y->ng; i++) {
		if (gid_taken(y, gids, i)) {
			ua_log(LOG_WARNING,
			    "cognito pool %s: group %s has "
			    "the gid %u of an older group; left out of NSS",
			    y->pool, y->g[i].name, gids[i]);
			continue;
		}
		o = &n->groups[n->ngroups++];
		o->name = strdup(y->g[i].name);
		o->gid = gids[i];
		o->members = calloc(y->g[i].n + 1, sizeof(uint32_t));
		if (o->name == NULL || o->members == NULL) {
			free(gids);
			return -ENOMEM;
		}
		for (k = 0; k < y->g[i].n; k++) {
			at = newidx[order[y->g[i].members[k]]];
			if (at != UINT32_MAX)
				o->members[o->nmembers++] = at;
		}
	}
	free(gids);
	return 0;
}

/*
 * The pages are all in: ids, collisions, who is kept, the pool's new
 * NSS part.  Users were sorted by login for the member lookups; groups'
 * members index that order.
 */
int
cg_sync_finish(struct cg_sync *y, const struct ua_pool_conf *pc,
    struct store_nss *out)
{
	struct store_nss n = { 0 };
	uint32_t *newidx = NULL, *order = NULL;
	bool *ok = allowed_users(pc, y);
	size_t dropped;
	int r = -ENOMEM;

	if (ok == NULL)
		return -ENOMEM;
	assign_uids(y, pc, ok);
	order = calloc(y->nu + 1, sizeof(*order));
	newidx = calloc(y->nu + 1, sizeof(*newidx));
	n.users = calloc(y->nu + 1, sizeof(*n.users));
	n.groups = calloc(y->ng + 1, sizeof(*n.groups));
	if (order == NULL || newidx == NULL || n.users == NULL ||
	    n.groups == NULL)
		goto out;
	dropped = drop_uid_collisions(y, order);
	r = nss_users(y, pc, &n, newidx);
	if (r == 0)
		r = nss_groups(y, pc, &n, newidx, order);
	if (r < 0)
		goto out;
	ua_log(LOG_INFO,
	    "cognito pool %s: synced %zu users and %zu groups "
	    "in %u requests (%zu left out: disabled, unconfirmed, not in "
	    "allow_groups, no valid name or uid; %zu by uid collisions)",
	    y->pool, n.nusers, n.ngroups, y->requests,
	    y->nu - n.nusers + y->skipped, dropped);
	*out = n;
	memset(&n, 0, sizeof(n));
out:
	free(ok);
	store_nss_free(&n);
	free(order);
	free(newidx);
	return r;
}
