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
			if (strcmp(y->g[i].name, pc->allow_groups.names[k]) == 0)
				for (j = 0; j < y->g[i].n; j++)
					ok[y->g[i].members[j]] = true;
	return ok;
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
	struct cg_claims c;
	uint32_t *newidx = NULL, *order = NULL, *gids = NULL;
	char home[UA_MAX_PATHFIELD + 1];
	size_t i, j, k, dropped = 0;
	bool *ok = allowed_users(pc, y);
	int r = -ENOMEM;

	if (ok == NULL)
		return -ENOMEM;
	/* uids; a user without one (no attribute, out of range) is left out */
	for (i = 0; i < y->nu; i++) {
		memset(&c, 0, sizeof(c));
		(void)snprintf(c.sub, sizeof(c.sub), "%s",
		    y->u[i].sub ? y->u[i].sub : y->u[i].login);
		c.attr = y->u[i].attr;
		y->u[i].keep = ok[i] &&
		    cg_uid_of(pc, &c, &y->u[i].uid) == 0;
		y->u[i].index = (uint32_t)i;
	}
	/* the older of two users with one uid keeps it */
	order = calloc(y->nu + 1, sizeof(*order));
	newidx = calloc(y->nu + 1, sizeof(*newidx));
	if (order == NULL || newidx == NULL)
		goto out;
	qsort(y->u, y->nu, sizeof(*y->u), by_id_then_age);
	for (i = 0; i < y->nu; i++) {
		order[y->u[i].index] = (uint32_t)i;
		if (i > 0 && y->u[i].keep && y->u[i - 1].uid == y->u[i].uid &&
		    (y->u[i - 1].keep || y->u[i - 1].collided)) {
			ua_log(LOG_WARNING, "cognito pool %s: user %s has the "
			    "uid %u of the older user %s; left out of NSS",
			    y->pool, y->u[i].login, y->u[i].uid,
			    y->u[i - 1].login);
			y->u[i].keep = false;
			y->u[i].collided = true;
			dropped++;
		}
	}
	n.users = calloc(y->nu + 1, sizeof(*n.users));
	n.groups = calloc(y->ng + 1, sizeof(*n.groups));
	if (n.users == NULL || n.groups == NULL)
		goto out;
	for (i = 0; i < y->nu; i++) {
		struct sy_user *u = &y->u[i];

		newidx[i] = UINT32_MAX;
		if (!u->keep)
			continue;
		if (ua_conf_home(pc, u->login, home, sizeof(home)) < 0)
			continue;
		n.users[n.nusers] = (struct store_nss_user){
			.login = strdup(u->login),
			.email = strdup(u->email ? u->email : ""),
			.gecos = strdup(""), .home = strdup(home),
			.shell = strdup(pc->shell), .uid = u->uid,
			.gid = u->uid };
		if (!n.users[n.nusers].login || !n.users[n.nusers].email ||
		    !n.users[n.nusers].gecos || !n.users[n.nusers].home ||
		    !n.users[n.nusers].shell) {
			n.nusers++;
			goto out;
		}
		newidx[i] = (uint32_t)n.nusers++;
	}
	/* groups: gid from the name; the older of two keeps it */
	gids = calloc(y->ng + 1, sizeof(*gids));
	if (gids == NULL)
		goto out;
	for (i = 0; i < y->ng; i++)
		gids[i] = hash_into(y->g[i].name, pc->gid_min, pc->gid_max);
	for (i = 0; i < y->ng; i++) {
		uint32_t gid = gids[i];
		bool taken = false;

		for (j = 0; j < y->ng && !taken; j++)
			taken = j != i && gids[j] == gid &&
			    (y->g[j].created < y->g[i].created ||
				(y->g[j].created == y->g[i].created && j < i));
		if (taken) {
			ua_log(LOG_WARNING, "cognito pool %s: group %s has "
			    "the gid %u of an older group; left out of NSS",
			    y->pool, y->g[i].name, gid);
			continue;
		}
		n.groups[n.ngroups].name = strdup(y->g[i].name);
		n.groups[n.ngroups].gid = gid;
		n.groups[n.ngroups].members = calloc(y->g[i].n + 1,
		    sizeof(uint32_t));
		if (n.groups[n.ngroups].name == NULL ||
		    n.groups[n.ngroups].members == NULL) {
			n.ngroups++;
			goto out;
		}
		for (k = 0; k < y->g[i].n; k++) {
			uint32_t at = newidx[order[y->g[i].members[k]]];

			if (at != UINT32_MAX)
				n.groups[n.ngroups].members[
				    n.groups[n.ngroups].nmembers++] = at;
		}
		n.ngroups++;
	}
	ua_log(LOG_INFO, "cognito pool %s: synced %zu users and %zu groups "
	    "in %u requests (%zu left out: disabled, unconfirmed, not in "
	    "allow_groups, no valid name or uid; %zu by uid collisions)",
	    y->pool, n.nusers, n.ngroups, y->requests,
	    y->nu - n.nusers + y->skipped, dropped);
	*out = n;
	memset(&n, 0, sizeof(n));
	r = 0;
out:
	free(ok);
	free(gids);
	store_nss_free(&n);
	free(order);
	free(newidx);
	return r;
}

