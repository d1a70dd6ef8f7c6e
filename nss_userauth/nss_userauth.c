/* SPDX-License-Identifier: MIT */
/*
 * libnss_userauth.so.2 entry points: passwd and group answers from the
 * daemon's memory-mapped cache (cache_reader.c).  It must never log, talk
 * to the daemon, fork, or answer in a process that had USERAUTH_NSS_BYPASS
 * set at its first lookup.
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "client/cache.h"
#include "nss_userauth/cache_reader.h"

#define UANSS_EXPORT __attribute__((visibility("default")))
#define GID_CHUNK 64

UANSS_EXPORT enum nss_status _nss_userauth_getpwnam_r(const char *name,
    struct passwd *pw, char *buf, size_t buflen, int *errnop);
UANSS_EXPORT enum nss_status _nss_userauth_getpwuid_r(uid_t uid,
    struct passwd *pw, char *buf, size_t buflen, int *errnop);
UANSS_EXPORT enum nss_status _nss_userauth_setpwent(int stayopen);
UANSS_EXPORT enum nss_status _nss_userauth_getpwent_r(struct passwd *pw,
    char *buf, size_t buflen, int *errnop);
UANSS_EXPORT enum nss_status _nss_userauth_endpwent(void);
UANSS_EXPORT enum nss_status _nss_userauth_getgrnam_r(const char *name,
    struct group *gr, char *buf, size_t buflen, int *errnop);
UANSS_EXPORT enum nss_status _nss_userauth_getgrgid_r(gid_t gid,
    struct group *gr, char *buf, size_t buflen, int *errnop);
UANSS_EXPORT enum nss_status _nss_userauth_setgrent(int stayopen);
UANSS_EXPORT enum nss_status _nss_userauth_getgrent_r(struct group *gr,
    char *buf, size_t buflen, int *errnop);
UANSS_EXPORT enum nss_status _nss_userauth_endgrent(void);
UANSS_EXPORT enum nss_status _nss_userauth_initgroups_dyn(const char *user,
    gid_t group, long int *start, long int *size, gid_t **groupsp,
    long int limit, int *errnop);

/*
 * Process-wide by nature: the mapping is shared by every thread, and glibc
 * keeps one enumeration per database, serialising the *ent calls itself.
 */
static struct uanss_reader reader = UANSS_READER_INIT(UA_NSS_CACHE_PATH);
static size_t pwent_next;
static size_t grent_next;

/*
 * USERAUTH_NSS_BYPASS, looked up once per process (secure_getenv walks the
 * whole environment: a fifth of a getpwent pass): 0 not yet, 1 set, 2 not.
 * Caching is safe because the variable's one user, userauthd, sets it at
 * the top of main, before its first NSS call, and never clears it; a fork
 * inherits both the environment and this answer, and an exec starts a new
 * image with 0 here, so no process can see a stale answer unless it
 * changes the variable after its own first lookup, which nothing does (and
 * a setenv racing another thread's lookup was undefined anyway).  Two
 * threads filling it at once compute the same value.
 */
static int bypass_state;

static bool
bypass(void)
{
	int s = __atomic_load_n(&bypass_state, __ATOMIC_RELAXED);

	if (s == 0) {
		s = secure_getenv("USERAUTH_NSS_BYPASS") != NULL ? 1 : 2;
		__atomic_store_n(&bypass_state, s, __ATOMIC_RELAXED);
	}
	return s == 1;
}

/* Pin the cache, unless the daemon asked us to stay out of its way. */
static int
begin(struct uanss_gen **ret)
{
	if (bypass())
		return -ECANCELED;
	return uanss_acquire(&reader, ret);
}

/* No cache, a refused cache, or the bypass: nothing to say. */
static enum nss_status
unavail(int *errnop)
{
	*errnop = ENOENT;
	return NSS_STATUS_UNAVAIL;
}

static enum nss_status
uanss_status(int r, int *errnop)
{
	switch (r) {
	case 0:
		return NSS_STATUS_SUCCESS;
	case -ENOENT:
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	case -ERANGE:
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	default: /* a corrupt entry */
		return unavail(errnop);
	}
}

enum nss_status
_nss_userauth_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t buflen, int *errnop)
{
	struct uanss_gen *g;
	int r;

	if (begin(&g) < 0)
		return unavail(errnop);
	r = ua_cache_getpwnam(&g->cache, name, pw, buf, buflen);
	uanss_release(g);
	return uanss_status(r, errnop);
}

enum nss_status
_nss_userauth_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
    int *errnop)
{
	struct uanss_gen *g;
	int r;

	if (begin(&g) < 0)
		return unavail(errnop);
	r = ua_cache_getpwuid(&g->cache, uid, pw, buf, buflen);
	uanss_release(g);
	return uanss_status(r, errnop);
}

enum nss_status
_nss_userauth_setpwent(int stayopen)
{
	(void)stayopen;
	pwent_next = 0;
	return NSS_STATUS_SUCCESS;
}

/* Entries by index: a cache replaced mid-walk continues in the new one. */
enum nss_status
_nss_userauth_getpwent_r(struct passwd *pw, char *buf, size_t buflen,
    int *errnop)
{
	struct uanss_gen *g;
	int r;

	if (begin(&g) < 0)
		return unavail(errnop);
	r = ua_cache_getpwent(&g->cache, pwent_next, pw, buf, buflen);
	uanss_release(g);
	if (r == 0)
		pwent_next++;
	return uanss_status(r, errnop);
}

enum nss_status
_nss_userauth_endpwent(void)
{
	pwent_next = 0;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_userauth_getgrnam_r(const char *name, struct group *gr, char *buf,
    size_t buflen, int *errnop)
{
	struct uanss_gen *g;
	int r;

	if (begin(&g) < 0)
		return unavail(errnop);
	r = ua_cache_getgrnam(&g->cache, name, gr, buf, buflen);
	uanss_release(g);
	return uanss_status(r, errnop);
}

enum nss_status
_nss_userauth_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen,
    int *errnop)
{
	struct uanss_gen *g;
	int r;

	if (begin(&g) < 0)
		return unavail(errnop);
	r = ua_cache_getgrgid(&g->cache, gid, gr, buf, buflen);
	uanss_release(g);
	return uanss_status(r, errnop);
}

enum nss_status
_nss_userauth_setgrent(int stayopen)
{
	(void)stayopen;
	grent_next = 0;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_userauth_getgrent_r(struct group *gr, char *buf, size_t buflen,
    int *errnop)
{
	struct uanss_gen *g;
	int r;

	if (begin(&g) < 0)
		return unavail(errnop);
	r = ua_cache_getgrent(&g->cache, grent_next, gr, buf, buflen);
	uanss_release(g);
	if (r == 0)
		grent_next++;
	return uanss_status(r, errnop);
}

enum nss_status
_nss_userauth_endgrent(void)
{
	grent_next = 0;
	return NSS_STATUS_SUCCESS;
}

/*
 * Append gid to glibc's array unless it is the primary group or already
 * there, growing it as nss_files does.  -ENOSPC at glibc's limit.
 */
static int
add_gid(gid_t gid, gid_t skip, long int *start, long int *size, gid_t **groupsp,
    long int limit)
{
	gid_t *groups = *groupsp;
	long int i, newsize;

	if (gid == skip)
		return 0;
	for (i = 0; i < *start; i++)
		if (groups[i] == gid)
			return 0;
	if (*start >= *size) {
		if (limit > 0 && *size >= limit)
			return -ENOSPC;
		newsize = *size > 0 ? 2 * *size : GID_CHUNK;
		if (limit > 0 && newsize > limit)
			newsize = limit;
		groups = reallocarray(groups, (size_t)newsize, sizeof(gid_t));
		if (groups == NULL)
			return -ENOMEM;
		*groupsp = groups;
		*size = newsize;
	}
	groups[(*start)++] = gid;
	return 0;
}

enum nss_status
_nss_userauth_initgroups_dyn(const char *user, gid_t group, long int *start,
    long int *size, gid_t **groupsp, long int limit, int *errnop)
{
	gid_t chunk[GID_CHUNK];
	struct uanss_gen *g;
	size_t first = 0, total = 0;
	int n = 0, i, r = 0;

	if (begin(&g) < 0)
		return unavail(errnop);
	do {
		n = ua_cache_user_gids(&g->cache, user, first, chunk, GID_CHUNK,
		    &total);
		for (i = 0; i < n && r == 0; i++)
			r = add_gid(chunk[i], group, start, size, groupsp,
			    limit);
		first += n > 0 ? (size_t)n : 0;
	} while (n > 0 && r == 0 && first < total);
	uanss_release(g);
	if (n < 0)
		return uanss_status(n, errnop);
	if (r == -ENOMEM) {
		*errnop = ENOMEM;
		return NSS_STATUS_TRYAGAIN;
	}
	return NSS_STATUS_SUCCESS; /* -ENOSPC: glibc's limit reached */
}
