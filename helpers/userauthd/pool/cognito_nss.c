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
#include "userauthd/nsscache.h"
#include "userauthd/pool/cognito_int.h"

#define KEEP_MAX_SIZE (256u << 20)

static int
dup_into(char **dst, const char *s)
{
	*dst = strdup(s != NULL ? s : "");
	return *dst != NULL ? 0 : -ENOMEM;
}

/* Append src's users and groups to dst (members moved by dst's count). */
static int
append(struct store_nss *dst, const struct store_nss *src)
{
	struct store_nss_user *u;
	struct store_nss_group *g;
	size_t i, j, base = dst->nusers;

	u = reallocarray(dst->users, dst->nusers + src->nusers + 1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	dst->users = u;
	g = reallocarray(dst->groups, dst->ngroups + src->ngroups + 1,
	    sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	dst->groups = g;
	for (i = 0; i < src->nusers; i++) {
		u = &dst->users[dst->nusers];
		memset(u, 0, sizeof(*u));
		dst->nusers++;
		*u = (struct store_nss_user){ .uid = src->users[i].uid,
			.gid = src->users[i].gid };
		if (dup_into(&u->login, src->users[i].login) < 0 ||
		    dup_into(&u->email, src->users[i].email) < 0 ||
		    dup_into(&u->gecos, src->users[i].gecos) < 0 ||
		    dup_into(&u->home, src->users[i].home) < 0 ||
		    dup_into(&u->shell, src->users[i].shell) < 0)
			return -ENOMEM;
	}
	for (i = 0; i < src->ngroups; i++) {
		g = &dst->groups[dst->ngroups];
		memset(g, 0, sizeof(*g));
		dst->ngroups++;
		g->gid = src->groups[i].gid;
		g->members = calloc(src->groups[i].nmembers + 1,
		    sizeof(uint32_t));
		if (g->members == NULL ||
		    dup_into(&g->name, src->groups[i].name) < 0)
			return -ENOMEM;
		for (j = 0; j < src->groups[i].nmembers; j++)
			g->members[j] = src->groups[i].members[j] +
			    (uint32_t)base;
		g->nmembers = src->groups[i].nmembers;
	}
	return 0;
}

/* Write y->last to STATE/cognito-POOL.json, atomically. */
static void
keep(const struct cognito_backend *cb, const struct cg_sync *y)
{
	const struct store_nss *n = &y->last;
	char path[4096], tmp[4200];
	json_t *o, *users, *groups, *m;
	size_t i, j;
	int fd, r = -ENOMEM;

	if (cb->hooks.state_dir == NULL)
		return;
	(void)snprintf(path, sizeof(path), "%s/cognito-%s.json",
	    cb->hooks.state_dir, y->pool);
	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	users = json_array();
	groups = json_array();
	o = json_pack("{s:i,s:o,s:o}", "version", 1, "users", users,
	    "groups", groups);
	for (i = 0; o != NULL && i < n->nusers; i++)
		if (json_array_append_new(users, json_pack("{s:s,s:s,s:s,s:s,"
			"s:I}", "login", n->users[i].login, "email",
			n->users[i].email, "home", n->users[i].home, "shell",
			n->users[i].shell, "uid",
			(json_int_t)n->users[i].uid)) < 0)
			goto out;
	for (i = 0; o != NULL && i < n->ngroups; i++) {
		m = json_array();
		for (j = 0; m != NULL && j < n->groups[i].nmembers; j++)
			(void)json_array_append_new(m,
			    json_integer(n->groups[i].members[j]));
		if (json_array_append_new(groups, json_pack("{s:s,s:I,s:o}",
			"name", n->groups[i].name, "gid",
			(json_int_t)n->groups[i].gid, "members", m)) < 0)
			goto out;
	}
	if (o == NULL)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = json_dumpfd(o, fd, JSON_COMPACT) < 0 ? -EIO : 0;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
out:
	json_decref(o);
	if (r < 0) {
		(void)unlink(tmp);
		ua_log_errno(LOG_WARNING, r, "cognito pool %s: cannot keep the "
		    "sync in %s: %m (NSS keeps it until the daemon stops)",
		    y->pool, path);
	}
}

void
cg_sync_publish(struct cognito_backend *cb, struct cg_sync *y)
{
	struct store_nss all = { 0 };
	struct nss_extra *x;
	size_t i;
	int r = 0;

	if (y != NULL)
		keep(cb, y);
	for (i = 0; i < cb->nsyncs && r == 0; i++)
		r = append(&all, &cb->syncs[i]->last);
	x = r == 0 ? nss_extra_new(&all) : NULL;
	store_nss_free(&all);
	if (x == NULL) {
		ua_log(LOG_ERR, "cognito pools: out of memory merging the "
		    "synced users; the NSS cache keeps the last ones");
		return;
	}
	if (cb->hooks.nss != NULL)
		cb->hooks.nss(cb->hooks.arg, x);
	nss_extra_unref(x);
}

static int
load_one(struct cognito_backend *cb, const struct ua_pool_conf *pc)
{
	struct cg_sync *y = cg_sync_of(cb, pc->name);
	struct store_nss n = { 0 };
	char path[4096];
	json_t *o, *users, *groups, *e, *m;
	json_error_t jerr;
	size_t i, j, k;
	int r = -EBADMSG;

	if (y == NULL)
		return -ENOMEM;
	(void)snprintf(path, sizeof(path), "%s/cognito-%s.json",
	    cb->hooks.state_dir, pc->name);
	o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return access(path, F_OK) == 0 ? -EBADMSG : 0;
	users = json_object_get(o, "users");
	groups = json_object_get(o, "groups");
	if (!json_is_array(users) || !json_is_array(groups))
		goto out;
	n.users = calloc(json_array_size(users) + 1, sizeof(*n.users));
	n.groups = calloc(json_array_size(groups) + 1, sizeof(*n.groups));
	if (n.users == NULL || n.groups == NULL) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(users, i, e) {
		json_int_t uid = json_integer_value(json_object_get(e, "uid"));
		const char *login = json_string_value(json_object_get(e,
		    "login"));

		/* only what the pool's range still allows */
		if (login == NULL || ua_valid_name(login, NULL) < 0 ||
		    uid < pc->uid_min || uid > pc->uid_max)
			goto out;
		n.users[n.nusers] = (struct store_nss_user){
			.uid = (uint32_t)uid, .gid = (uint32_t)uid };
		n.nusers++;
		if (dup_into(&n.users[i].login, login) < 0 ||
		    dup_into(&n.users[i].email, json_string_value(
			json_object_get(e, "email"))) < 0 ||
		    dup_into(&n.users[i].gecos, "") < 0 ||
		    dup_into(&n.users[i].home, json_string_value(
			json_object_get(e, "home"))) < 0 ||
		    dup_into(&n.users[i].shell, json_string_value(
			json_object_get(e, "shell"))) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	json_array_foreach(groups, i, e) {
		json_int_t gid = json_integer_value(json_object_get(e, "gid"));
		const char *name = json_string_value(json_object_get(e,
		    "name"));

		m = json_object_get(e, "members");
		if (name == NULL || !json_is_array(m) || gid < pc->gid_min ||
		    gid > pc->gid_max)
			goto out;
		n.groups[n.ngroups].gid = (uint32_t)gid;
		n.groups[n.ngroups].members = calloc(json_array_size(m) + 1,
		    sizeof(uint32_t));
		n.ngroups++;
		if (n.groups[i].members == NULL ||
		    dup_into(&n.groups[i].name, name) < 0) {
			r = -ENOMEM;
			goto out;
		}
		for (j = 0; j < json_array_size(m); j++) {
			k = (size_t)json_integer_value(json_array_get(m, j));
			if (k >= n.nusers)
				goto out;
			n.groups[i].members[n.groups[i].nmembers++] =
			    (uint32_t)k;
		}
	}
	store_nss_free(&y->last);
	y->last = n;
	memset(&n, 0, sizeof(n));
	r = 0;
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
		if (r < 0)
			ua_log_errno(LOG_WARNING, r, "cognito pool %s: the kept "
			    "sync in %s is unusable (%m); NSS has none until "
			    "the next sync", c->pools[i].name,
			    cb->hooks.state_dir);
		else
			loaded++;
	}
	if (loaded > 0)
		cg_sync_publish(cb, NULL);
	return 0;
}

int
cg_synced_find(struct cognito_backend *cb, const char *pool,
    const char *ident, struct pool_user *ret, const char **groups,
    size_t maxgroups)
{
	const struct store_nss *n;
	struct cg_sync *y;
	size_t i, j, ng = 0;

	for (i = 0; i < cb->nsyncs; i++)
		if (strcmp(cb->syncs[i]->pool, pool) == 0)
			break;
	if (i == cb->nsyncs)
		return -ENOENT;
	y = cb->syncs[i];
	n = &y->last;
	for (i = 0; i < n->nusers; i++)
		if (strcmp(n->users[i].login, ident) == 0 ||
		    (n->users[i].email[0] != '\0' &&
			strcasecmp(n->users[i].email, ident) == 0))
			break;
	if (i == n->nusers)
		return -ENOENT;
	for (j = 0; j < n->ngroups && ng < maxgroups; j++) {
		size_t k;

		for (k = 0; k < n->groups[j].nmembers; k++)
			if (n->groups[j].members[k] == i) {
				groups[ng++] = n->groups[j].name;
				break;
			}
	}
	*ret = (struct pool_user){ .login = n->users[i].login,
		.uid = n->users[i].uid, .enabled = true, .has_password = true,
		.groups = groups, .ngroups = ng };
	return 0;
}
