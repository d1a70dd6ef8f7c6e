/* SPDX-License-Identifier: MIT */
/*
 * The benchmark floor: an NSS module that does nothing but fill a fixed
 * entry (libnss_floor.so.2).  Whatever glibc spends around a module call
 * is all a lookup through it costs.
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>

enum nss_status _nss_floor_getpwnam_r(const char *, struct passwd *, char *,
    size_t, int *);
enum nss_status _nss_floor_getpwuid_r(uid_t, struct passwd *, char *, size_t,
    int *);
enum nss_status _nss_floor_getgrnam_r(const char *, struct group *, char *,
    size_t, int *);
enum nss_status _nss_floor_getgrgid_r(gid_t, struct group *, char *, size_t,
    int *);
enum nss_status _nss_floor_initgroups_dyn(const char *, gid_t, long int *,
    long int *, gid_t **, long int, int *);

static char s_x[] = "x", s_empty[] = "", s_home[] = "/nonexistent",
	    s_shell[] = "/bin/sh";

static enum nss_status
fill_pw(const char *name, uid_t uid, struct passwd *pw, char *buf, size_t len,
    int *errnop)
{
	size_t n = strlen(name) + 1;

	if (n > len) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	memcpy(buf, name, n);
	pw->pw_name = buf;
	pw->pw_passwd = s_x;
	pw->pw_uid = uid;
	pw->pw_gid = uid;
	pw->pw_gecos = s_empty;
	pw->pw_dir = s_home;
	pw->pw_shell = s_shell;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_floor_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t len, int *errnop)
{
	return fill_pw(name, 4242, pw, buf, len, errnop);
}

enum nss_status
_nss_floor_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
    int *errnop)
{
	return fill_pw("floor", uid, pw, buf, len, errnop);
}

static enum nss_status
fill_gr(const char *name, gid_t gid, struct group *gr, char *buf, size_t len,
    int *errnop)
{
	size_t n = strlen(name) + 1;

	if (n + sizeof(char *) * 2 > len) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	gr->gr_mem = (char **)(void *)buf;
	gr->gr_mem[0] = NULL;
	memcpy(buf + sizeof(char *) * 2, name, n);
	gr->gr_name = buf + sizeof(char *) * 2;
	gr->gr_passwd = s_x;
	gr->gr_gid = gid;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_floor_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
    int *errnop)
{
	return fill_gr(name, 4242, gr, buf, len, errnop);
}

enum nss_status
_nss_floor_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
    int *errnop)
{
	return fill_gr("floor", gid, gr, buf, len, errnop);
}

enum nss_status
_nss_floor_initgroups_dyn(const char *user, gid_t group, long int *start,
    long int *size, gid_t **groupsp, long int limit, int *errnop)
{
	(void)user, (void)group, (void)start, (void)size, (void)groupsp;
	(void)limit, (void)errnop;
	return NSS_STATUS_SUCCESS;
}
