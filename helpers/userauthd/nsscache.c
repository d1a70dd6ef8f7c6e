/* SPDX-License-Identifier: MIT */
/*
 * Turns a store snapshot into the NSS cache's arrays and publishes it.
 * It adds each user's private group; it must never add a secret.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "server/cache_writer.h"
#include "server/log.h"
#include "userauthd/nsscache.h"

int
nsscache_publish(struct store *s, const char *path)
{
	struct store_nss n = { 0 };
	struct store_err err = { 0 };
	struct ua_cache_user *users = NULL;
	struct ua_cache_group *groups = NULL;
	size_t i, ng;
	int r;

	r = store_nss_snapshot(s, &n, &err);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "NSS cache: %s", err.msg);
	users = calloc(n.nusers ? n.nusers : 1, sizeof(*users));
	groups = calloc(n.nusers + n.ngroups + 1, sizeof(*groups));
	if (users == NULL || groups == NULL) {
		r = ua_log_errno(LOG_ERR, -ENOMEM, "NSS cache: %m");
		goto out;
	}
	for (i = 0; i < n.nusers; i++) {
		users[i] = (struct ua_cache_user){
			.name = n.users[i].login,
			.email = n.users[i].email,
			.gecos = n.users[i].gecos,
			.home = n.users[i].home,
			.shell = n.users[i].shell,
			.uid = n.users[i].uid,
			.gid = n.users[i].gid,
		};
		/* The user's private group: gid = uid, no listed members. */
		groups[i] = (struct ua_cache_group){
			.name = n.users[i].login,
			.gid = n.users[i].gid,
		};
	}
	ng = n.nusers;
	for (i = 0; i < n.ngroups; i++)
		groups[ng++] = (struct ua_cache_group){
			.name = n.groups[i].name,
			.gid = n.groups[i].gid,
			.members = n.groups[i].members,
			.nmembers = n.groups[i].nmembers,
		};
	r = ua_cache_write(path, users, n.nusers, groups, ng);
	if (r < 0)
		ua_log_errno(LOG_ERR, r, "cannot publish the NSS cache '%s': %m",
		    path);
	else
		ua_log(LOG_DEBUG, "NSS cache '%s': %zu users, %zu groups",
		    path, n.nusers, ng);
out:
	free(users);
	free(groups);
	store_nss_free(&n);
	/*
	 * The snapshot was one small allocation per field of every user:
	 * hand the pages they leave free back to the kernel, or the
	 * daemon's RSS stays at its peak between rebuilds.
	 */
	(void)malloc_trim(0);
	return r;
}
