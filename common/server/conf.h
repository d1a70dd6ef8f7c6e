/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration: one strict INI parser.  [daemon] holds the
 * process settings, [defaults] the pool settings every [pool NAME]
 * inherits and may override.  Unknown keys, duplicate keys, bad values,
 * over-long lines and overlapping id ranges are refused with file:line.
 */
#ifndef UA_CONF_H
#define UA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UA_CONF_MAX_POOLS 64
#define UA_CONF_MAX_LINE 1024
#define UA_CONF_MAX_SIZE (1024 * 1024)

enum ua_backend {
	UA_BACKEND_LOCAL = 0,
};

struct ua_pool_conf {
	char *name;
	enum ua_backend backend;
	uint32_t uid_min, uid_max;	/* users; their private group gid = uid */
	uint32_t gid_min, gid_max;	/* named groups */
	char *home;			/* template: %u login, %p pool, %% */
	char *shell;
	int line;			/* where [pool NAME] starts, for messages */
};

struct ua_conf {
	char *path;		/* the file it came from */
	/* [daemon] */
	char *user;		/* drop to this user when started as root */
	char *runtime_dir;	/* sockets */
	char *state_dir;	/* database */
	char *nss_cache;	/* NSS cache file the daemon writes */
	char *admin_group;	/* may use the admin socket besides root; NULL = root only */
	uint32_t max_clients;	/* concurrent connections */
	uint32_t client_timeout_ms; /* per-frame read deadline */
	int log_level;		/* syslog priority: LOG_ERR .. LOG_DEBUG */
	/* pools in file order */
	struct ua_pool_conf *pools;
	size_t npools;
};

/*
 * Parse the file at path.  On success *ret is a new config (ua_conf_free).
 * On failure returns -EINVAL (or -errno for I/O) and writes
 * "path:line: message" into reterr (errsz bytes).
 * The file is opened O_NOFOLLOW and must be a regular file owned by root
 * or the effective uid and not writable by group or others: a symlink
 * gives -ELOOP, a wrong owner or mode -EPERM, a file over
 * UA_CONF_MAX_SIZE -EMSGSIZE.  Messages about the whole file read
 * "path: message".
 */
int ua_conf_load(const char *path, struct ua_conf **ret, char *reterr,
    size_t errsz);

/*
 * Same, from len bytes at text (tests, fuzzing; need not be
 * NUL-terminated); name is used in messages and becomes c->path.
 * Refuses NUL bytes, invalid UTF-8, control characters other than tab
 * and lines longer than UA_CONF_MAX_LINE - 1 bytes before the newline
 * (-EINVAL, like every other refusal); text over UA_CONF_MAX_SIZE gives
 * -EMSGSIZE; -ENOMEM.  Whole-file refusals (no pool) read "name: message".
 */
int ua_conf_parse(const char *name, const char *text, size_t len,
    struct ua_conf **ret, char *reterr, size_t errsz);

void ua_conf_free(struct ua_conf *c);

/* The pool called name, or NULL. */
const struct ua_pool_conf *ua_conf_pool(const struct ua_conf *c,
    const char *name);

/*
 * Print the effective configuration (every key, defaults resolved) as INI
 * that ua_conf_parse accepts again.  admin_group without a group prints
 * as an empty value.
 */
void ua_conf_dump(const struct ua_conf *c, FILE *out);

/*
 * Expand a home template for login in pool into out.  Returns 0;
 * -ENAMETOOLONG (longer than outsz - 1 or UA_MAX_PATHFIELD), -EINVAL
 * (unknown % escape, login not a valid name, result not a valid path).
 * A template accepted by the parser never fails for a valid login.
 */
int ua_conf_home(const struct ua_pool_conf *p, const char *login, char *out,
    size_t outsz);

#endif
