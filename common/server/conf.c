/* SPDX-License-Identifier: MIT */
/*
 * The userauth.conf parser: one INI file to a struct ua_conf with every
 * default resolved.  It must never accept a file it does not fully
 * understand: any doubt is a refusal naming file and line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/buf.h"
#include "client/valid.h"
#include "server/conf.h"
#include "server/defaults.h"
#include "server/log.h"

enum ktype {
	K_NAME,		/* login/group name */
	K_GROUP,	/* group name, or empty for none */
	K_PATH,		/* absolute path */
	K_UINT,		/* uint32_t in [min, max] */
	K_SECONDS,	/* seconds in [min, max], stored as uint32_t ms */
	K_LEVEL,	/* log level name, stored as a syslog priority */
	K_BACKEND,	/* enum ua_backend */
	K_HOME,		/* home directory template */
};

enum kscope {
	S_DAEMON,	/* [daemon] */
	S_POOL,		/* [defaults] and [pool NAME] */
};

struct conf_key {
	const char *name;
	enum kscope scope;
	enum ktype type;
	size_t off;	/* in struct ua_conf or struct ua_pool_conf */
	uint32_t min, max;
};

/* Key indexes: the order ua_conf_dump prints them in. */
enum {
	KI_USER, KI_RUNTIME_DIR, KI_STATE_DIR, KI_NSS_CACHE, KI_ADMIN_GROUP,
	KI_MAX_CLIENTS, KI_CLIENT_TIMEOUT, KI_LOG_LEVEL,
	KI_BACKEND, KI_UID_MIN, KI_UID_MAX, KI_GID_MIN, KI_GID_MAX, KI_HOME,
	KI_SHELL,
	NKEYS
};

#define D(f) offsetof(struct ua_conf, f)
#define P(f) offsetof(struct ua_pool_conf, f)
/* Every key the file may hold. */
static const struct conf_key keys[NKEYS] = {
	[KI_USER] = { "user", S_DAEMON, K_NAME, D(user), 0, 0 },
	[KI_RUNTIME_DIR] = { "runtime_dir", S_DAEMON, K_PATH, D(runtime_dir),
	    0, 0 },
	[KI_STATE_DIR] = { "state_dir", S_DAEMON, K_PATH, D(state_dir), 0, 0 },
	[KI_NSS_CACHE] = { "nss_cache", S_DAEMON, K_PATH, D(nss_cache), 0, 0 },
	[KI_ADMIN_GROUP] = { "admin_group", S_DAEMON, K_GROUP, D(admin_group),
	    0, 0 },
	[KI_MAX_CLIENTS] = { "max_clients", S_DAEMON, K_UINT, D(max_clients),
	    UA_MIN_MAX_CLIENTS, UA_MAX_MAX_CLIENTS },
	[KI_CLIENT_TIMEOUT] = { "client_timeout", S_DAEMON, K_SECONDS,
	    D(client_timeout_ms), UA_MIN_CLIENT_TIMEOUT,
	    UA_MAX_CLIENT_TIMEOUT },
	[KI_LOG_LEVEL] = { "log_level", S_DAEMON, K_LEVEL, D(log_level), 0, 0 },
	[KI_BACKEND] = { "backend", S_POOL, K_BACKEND, P(backend), 0, 0 },
	[KI_UID_MIN] = { "uid_min", S_POOL, K_UINT, P(uid_min), UA_ID_MIN,
	    UA_ID_MAX },
	[KI_UID_MAX] = { "uid_max", S_POOL, K_UINT, P(uid_max), UA_ID_MIN,
	    UA_ID_MAX },
	[KI_GID_MIN] = { "gid_min", S_POOL, K_UINT, P(gid_min), UA_ID_MIN,
	    UA_ID_MAX },
	[KI_GID_MAX] = { "gid_max", S_POOL, K_UINT, P(gid_max), UA_ID_MIN,
	    UA_ID_MAX },
	[KI_HOME] = { "home", S_POOL, K_HOME, P(home), 0, 0 },
	[KI_SHELL] = { "shell", S_POOL, K_PATH, P(shell), 0, 0 },
};
#undef D
#undef P

static const struct {
	const char *name;
	int prio;
} levels[] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

enum section { SEC_NONE, SEC_DAEMON, SEC_DEFAULTS, SEC_POOL };

struct parser {
	const char *name;		/* file name for messages */
	char *err;
	size_t errsz;
	int lineno;
	struct ua_conf *c;		/* pools: UA_CONF_MAX_POOLS slots */
	struct ua_pool_conf dflt;	/* built-in values, then [defaults] */
	int daemon_line[NKEYS];		/* line that set each key; 0 = unset */
	int dflt_line[NKEYS];
	int (*pool_line)[NKEYS];	/* the same, per pool */
	int daemon_sec, dflt_sec;	/* line of the section header */
	enum section sec;		/* where we are */
};

static int conf_err(const struct parser *P, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write "name:line: message" (or "name: message" for line 0); -EINVAL. */
static int
conf_err(const struct parser *P, int line, const char *fmt, ...)
{
	int saved = errno, n;	/* for %m in fmt */
	va_list ap;

	if (P->err == NULL || P->errsz == 0)
		return -EINVAL;
	if (line > 0)
		n = snprintf(P->err, P->errsz, "%s:%d: ", P->name, line);
	else
		n = snprintf(P->err, P->errsz, "%s: ", P->name);
	/* A truncated message is still a refusal: ignore truncation. */
	if (n < 0 || (size_t)n >= P->errsz)
		return -EINVAL;
	errno = saved;
	va_start(ap, fmt);
	(void)vsnprintf(P->err + n, P->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "[daemon]", "[defaults]", "[pool NAME]" for the current section. */
static const char *
sec_name(const struct parser *P, char *buf, size_t bufsz)
{
	switch (P->sec) {
	case SEC_DAEMON:
		return "[daemon]";
	case SEC_DEFAULTS:
		return "[defaults]";
	case SEC_POOL:
		(void)snprintf(buf, bufsz, "[pool %s]",
		    P->c->pools[P->c->npools - 1].name);
		return buf;
	case SEC_NONE:
		break;
	}
	return "(no section)";
}

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* An absolute path without "." or ".." components. */
static int
valid_path(const char *s, const char **ret_why)
{
	const char *p;
	size_t n;

	if (ua_valid_path_field(s, ret_why) < 0)
		return -EINVAL;
	for (p = s; *p != '\0'; p += n) {
		p += strspn(p, "/");
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			*ret_why = "'.' and '..' components are not allowed";
			return -EINVAL;
		}
	}
	return 0;
}

/* Expand tmpl; -EINVAL at an unknown escape, -ENAMETOOLONG. */
static int
home_expand(const char *tmpl, const char *login, const char *pool,
    char *out, size_t outsz)
{
	const char *t, *add;
	size_t n = 0, len;

	if (outsz == 0)
		return -ENAMETOOLONG;
	for (t = tmpl; *t != '\0'; t++) {
		add = t;
		len = 1;
		if (*t == '%') {
			t++;
			if (*t == 'u' || *t == 'p') {
				add = *t == 'u' ? login : pool;
				len = strlen(add);
			} else if (*t != '%')
				return -EINVAL;
		}
		if (len >= outsz - n)
			return -ENAMETOOLONG;
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

/* Template syntax: absolute, known escapes, a valid path field. */
static int
home_check(const char *tmpl, const char **ret_why)
{
	char buf[UA_CONF_MAX_LINE];

	if (tmpl[0] != '/') {
		*ret_why = "the home template must start with '/'";
		return -EINVAL;
	}
	if (home_expand(tmpl, "u", "p", buf, sizeof(buf)) == -EINVAL) {
		*ret_why = "unknown % escape: use %u (login), %p (pool) or "
		    "%% (a literal %)";
		return -EINVAL;
	}
	return valid_path(buf, ret_why);
}

static int
set_str(char **field, const char *val)
{
	char *s = NULL;

	if (val != NULL && (s = strdup(val)) == NULL)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int
bad_value(const struct parser *P, const struct conf_key *k, const char *val,
    const char *why)
{
	char q[96];

	return conf_err(P, P->lineno, "bad value %s for %s: %s",
	    ua_log_quote(val, q, sizeof(q)), k->name, why);
}

/* Parse val for key k into the struct at base. */
static int
conf_set(const struct parser *P, const struct conf_key *k, void *base,
    const char *val)
{
	void *field = (char *)base + k->off;
	const char *why = NULL;
	char msg[96];
	uint64_t n;
	size_t i;

	if (*val == '\0' && k->type != K_GROUP)
		return conf_err(P, P->lineno, "missing value for %s", k->name);
	switch (k->type) {
	case K_GROUP:
		if (*val == '\0')
			return set_str(field, NULL);
		__attribute__((fallthrough));
	case K_NAME:
		if (ua_valid_name(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a name");
		return set_str(field, val);
	case K_PATH:
		if (valid_path(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		return set_str(field, val);
	case K_HOME:
		if (home_check(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		return set_str(field, val);
	case K_UINT:
	case K_SECONDS:
		if (ua_parse_uint(val, k->min, k->max, &n) < 0) {
			(void)snprintf(msg, sizeof(msg), "expected a whole "
			    "number from %u to %u", k->min, k->max);
			return bad_value(P, k, val, msg);
		}
		*(uint32_t *)field = (uint32_t)(k->type == K_SECONDS ?
		    n * 1000 : n);
		return 0;
	case K_LEVEL:
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (strcmp(val, levels[i].name) == 0) {
				*(int *)field = levels[i].prio;
				return 0;
			}
		return bad_value(P, k, val, "expected error, warning, "
		    "notice, info or debug");
	case K_BACKEND:
		if (strcmp(val, "local") == 0) {
			*(enum ua_backend *)field = UA_BACKEND_LOCAL;
			return 0;
		}
		if (strcmp(val, "cognito") == 0)
			return conf_err(P, P->lineno, "backend 'cognito' is "
			    "not supported by this build yet");
		return bad_value(P, k, val, "expected local");
	}
	return -EINVAL;
}

/* Copy the value of key k from src to dst (both of k's scope). */
static int
copy_value(const struct conf_key *k, void *dst, const void *src)
{
	const char *s = (const char *)src + k->off;
	char *d = (char *)dst + k->off;

	switch (k->type) {
	case K_NAME:
	case K_GROUP:
	case K_PATH:
	case K_HOME:
		return set_str((char **)(void *)d,
		    *(char *const *)(const void *)s);
	case K_UINT:
	case K_SECONDS:
		memcpy(d, s, sizeof(uint32_t));
		return 0;
	case K_LEVEL:
		memcpy(d, s, sizeof(int));
		return 0;
	case K_BACKEND:
		memcpy(d, s, sizeof(enum ua_backend));
		return 0;
	}
	return -EINVAL;
}

static int
conf_section(struct parser *P, char *line)
{
	struct ua_conf *c = P->c;
	size_t len = strlen(line), i;
	const char *why = NULL;
	char *in, *name, q[64];

	if (line[len - 1] != ']')
		return conf_err(P, P->lineno, "malformed section header: "
		    "expected [daemon], [defaults] or [pool NAME]");
	line[len - 1] = '\0';
	in = trim(line + 1);
	if (strcmp(in, "daemon") == 0 || strcmp(in, "defaults") == 0) {
		bool daemon = strcmp(in, "daemon") == 0;
		int *seen = daemon ? &P->daemon_sec : &P->dflt_sec;

		if (*seen != 0)
			return conf_err(P, P->lineno, "duplicate section [%s] "
			    "(first at line %d)", in, *seen);
		*seen = P->lineno;
		P->sec = daemon ? SEC_DAEMON : SEC_DEFAULTS;
		return 0;
	}
	if (strncmp(in, "pool", 4) != 0 ||
	    (in[4] != ' ' && in[4] != '\t' && in[4] != '\0'))
		return conf_err(P, P->lineno, "unknown section [%s]: expected "
		    "[daemon], [defaults] or [pool NAME]",
		    ua_log_quote(in, q, sizeof(q)));
	name = trim(in + 4);
	if (*name == '\0')
		return conf_err(P, P->lineno, "missing pool name in "
		    "[pool NAME]");
	if (ua_valid_pool(name, &why) < 0)
		return conf_err(P, P->lineno, "bad pool name %s: %s",
		    ua_log_quote(name, q, sizeof(q)), why ? why : "invalid");
	for (i = 0; i < c->npools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return conf_err(P, P->lineno, "duplicate pool '%s' "
			    "(first at line %d)", name, c->pools[i].line);
	if (c->npools == UA_CONF_MAX_POOLS)
		return conf_err(P, P->lineno, "too many pools (at most %d)",
		    UA_CONF_MAX_POOLS);
	if ((c->pools[c->npools].name = strdup(name)) == NULL)
		return -ENOMEM;
	c->pools[c->npools].line = P->lineno;
	c->npools++;
	P->sec = SEC_POOL;
	return 0;
}

static int
conf_keyval(struct parser *P, char *line)
{
	char *eq = strchr(line, '='), *key, *val, q[64], sb[64];
	const struct conf_key *k = NULL;
	int *lines;
	void *base;
	size_t i;
	int r;

	if (eq == NULL)
		return conf_err(P, P->lineno, "expected 'key = value' or "
		    "a [section] header");
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (*key == '\0')
		return conf_err(P, P->lineno, "missing key before '='");
	if (P->sec == SEC_NONE)
		return conf_err(P, P->lineno, "key %s before any [section]",
		    ua_log_quote(key, q, sizeof(q)));
	for (i = 0; i < NKEYS && k == NULL; i++)
		if (strcmp(keys[i].name, key) == 0)
			k = &keys[i];
	if (k == NULL)
		return conf_err(P, P->lineno, "unknown key %s in %s",
		    ua_log_quote(key, q, sizeof(q)),
		    sec_name(P, sb, sizeof(sb)));
	if (k->scope == S_DAEMON && P->sec != SEC_DAEMON)
		return conf_err(P, P->lineno, "key '%s' belongs in [daemon], "
		    "not in %s", key, sec_name(P, sb, sizeof(sb)));
	if (k->scope == S_POOL && P->sec == SEC_DAEMON)
		return conf_err(P, P->lineno, "key '%s' belongs in [defaults] "
		    "or [pool NAME], not in [daemon]", key);
	if (P->sec == SEC_DAEMON) {
		lines = P->daemon_line;
		base = P->c;
	} else if (P->sec == SEC_DEFAULTS) {
		lines = P->dflt_line;
		base = &P->dflt;
	} else {
		lines = P->pool_line[P->c->npools - 1];
		base = &P->c->pools[P->c->npools - 1];
	}
	i = (size_t)(k - keys);
	if (lines[i] != 0)
		return conf_err(P, P->lineno, "duplicate key '%s' in %s "
		    "(first at line %d)", key, sec_name(P, sb, sizeof(sb)),
		    lines[i]);
	if (*val == '"' || *val == '\'')
		return conf_err(P, P->lineno, "values are not quoted: remove "
		    "the quotes around the value of %s", key);
	if (strstr(val, " #") || strstr(val, "\t#") || strstr(val, " ;") ||
	    strstr(val, "\t;"))
		return conf_err(P, P->lineno, "comments must be on a line of "
		    "their own (value of %s)", key);
	r = conf_set(P, k, base, val);
	if (r < 0)
		return r;
	lines[i] = P->lineno;
	return 0;
}

/* One line, at most UA_CONF_MAX_LINE - 1 bytes, not NUL-terminated. */
static int
conf_line(struct parser *P, const char *p, size_t n)
{
	char buf[UA_CONF_MAX_LINE], *line;
	size_t i;

	if (n >= UA_CONF_MAX_LINE)
		return conf_err(P, P->lineno, "line longer than %d bytes",
		    UA_CONF_MAX_LINE - 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\0')
			return conf_err(P, P->lineno, "NUL byte in line");
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return conf_err(P, P->lineno, "control character "
			    "0x%02x in line%s", ch,
			    ch == '\r' ? " (DOS line end?)" : "");
	}
	if (!ua_valid_utf8(p, n))
		return conf_err(P, P->lineno, "invalid UTF-8");
	memcpy(buf, p, n);
	buf[n] = '\0';
	line = trim(buf);
	if (*line == '\0' || *line == '#' || *line == ';')
		return 0;
	if (*line == '[')
		return conf_section(P, line);
	return conf_keyval(P, line);
}

/* Each pool takes from [defaults] every key it does not set itself. */
static int
conf_inherit(struct parser *P, size_t pi)
{
	size_t i;
	int r;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].scope != S_POOL || P->pool_line[pi][i] != 0)
			continue;
		r = copy_value(&keys[i], &P->c->pools[pi], &P->dflt);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool
overlap(uint32_t lo1, uint32_t hi1, uint32_t lo2, uint32_t hi2)
{
	return lo1 <= hi2 && lo2 <= hi1;
}

/* One pool's ranges and home template on their own. */
static int
check_pool(const struct parser *P, size_t pi)
{
	const struct ua_pool_conf *p = &P->c->pools[pi];
	char buf[UA_MAX_PATHFIELD + 1], login[UA_MAX_LOGIN + 1];
	int line;

	if (p->uid_min > p->uid_max)
		return conf_err(P, p->line, "[pool %s]: uid_min %u is greater "
		    "than uid_max %u", p->name, p->uid_min, p->uid_max);
	if (p->gid_min > p->gid_max)
		return conf_err(P, p->line, "[pool %s]: gid_min %u is greater "
		    "than gid_max %u", p->name, p->gid_min, p->gid_max);
	if (overlap(p->uid_min, p->uid_max, UA_ID_NOBODY, UA_ID_16BIT_INVALID))
		return conf_err(P, p->line, "[pool %s]: uid range %u-%u "
		    "contains %d or %d (nobody, 16-bit -1)", p->name,
		    p->uid_min, p->uid_max, UA_ID_NOBODY, UA_ID_16BIT_INVALID);
	if (overlap(p->gid_min, p->gid_max, UA_ID_NOBODY, UA_ID_16BIT_INVALID))
		return conf_err(P, p->line, "[pool %s]: gid range %u-%u "
		    "contains %d or %d (nogroup, 16-bit -1)", p->name,
		    p->gid_min, p->gid_max, UA_ID_NOBODY, UA_ID_16BIT_INVALID);
	if (overlap(p->uid_min, p->uid_max, p->gid_min, p->gid_max))
		return conf_err(P, p->line, "[pool %s]: uid range %u-%u "
		    "overlaps its gid range %u-%u (user private groups use "
		    "gid = uid)", p->name, p->uid_min, p->uid_max, p->gid_min,
		    p->gid_max);
	/* The longest login must fit, so ua_conf_home cannot fail later. */
	memset(login, 'a', UA_MAX_LOGIN);
	login[UA_MAX_LOGIN] = '\0';
	if (home_expand(p->home, login, p->name, buf, sizeof(buf)) < 0) {
		line = P->pool_line[pi][KI_HOME];
		if (line == 0)
			line = P->dflt_line[KI_HOME];
		return conf_err(P, line ? line : p->line, "[pool %s]: home "
		    "template expands to more than %d bytes for a %d-byte "
		    "login", p->name, UA_MAX_PATHFIELD, UA_MAX_LOGIN);
	}
	return 0;
}

/* Ranges of pool j against those of an earlier pool i. */
static int
check_pair(const struct parser *P, size_t i, size_t j)
{
	const struct ua_pool_conf *a = &P->c->pools[i], *b = &P->c->pools[j];
	uint32_t blo, bhi, alo, ahi;
	bool binh, ainh;
	int kb, ka;

	for (kb = 0; kb < 2; kb++) {
		for (ka = 0; ka < 2; ka++) {
			blo = kb ? b->gid_min : b->uid_min;
			bhi = kb ? b->gid_max : b->uid_max;
			alo = ka ? a->gid_min : a->uid_min;
			ahi = ka ? a->gid_max : a->uid_max;
			if (!overlap(blo, bhi, alo, ahi))
				continue;
			/* KI_GID_MIN/MAX follow KI_UID_MIN/MAX. */
			binh = P->pool_line[j][KI_UID_MIN + 2 * kb] == 0 &&
			    P->pool_line[j][KI_UID_MAX + 2 * kb] == 0;
			ainh = P->pool_line[i][KI_UID_MIN + 2 * ka] == 0 &&
			    P->pool_line[i][KI_UID_MAX + 2 * ka] == 0;
			if (ka == kb && ainh && binh)
				return conf_err(P, b->line, "[pool %s] and "
				    "[pool %s] both inherit the %s range %u-%u "
				    "from the defaults: set uid_min, uid_max, "
				    "gid_min and gid_max in each [pool NAME] "
				    "so that no ranges overlap", a->name,
				    b->name, kb ? "gid" : "uid", blo, bhi);
			return conf_err(P, b->line, "[pool %s]: %s range %u-%u "
			    "overlaps the %s range %u-%u of [pool %s] "
			    "(line %d); uid and gid ranges share one id space",
			    b->name, kb ? "gid" : "uid", blo, bhi,
			    ka ? "gid" : "uid", alo, ahi, a->name, a->line);
		}
	}
	return 0;
}

static int
conf_finish(struct parser *P)
{
	size_t i, j;
	int r;

	if (P->c->npools == 0)
		return conf_err(P, 0, "no [pool NAME] section: at least one "
		    "pool is required");
	for (i = 0; i < P->c->npools; i++) {
		r = conf_inherit(P, i);
		if (r < 0)
			return r;
		r = check_pool(P, i);
		if (r < 0)
			return r;
	}
	for (j = 1; j < P->c->npools; j++)
		for (i = 0; i < j; i++) {
			r = check_pair(P, i, j);
			if (r < 0)
				return r;
		}
	return 0;
}

static int
parser_init(struct parser *P, const char *name)
{
	struct ua_conf *c;

	c = P->c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->pools = calloc(UA_CONF_MAX_POOLS, sizeof(*c->pools));
	P->pool_line = calloc(UA_CONF_MAX_POOLS, sizeof(*P->pool_line));
	c->path = strdup(name);
	c->user = strdup(UA_DEFAULT_USER);
	c->runtime_dir = strdup(UA_DEFAULT_RUNTIME_DIR);
	c->state_dir = strdup(UA_DEFAULT_STATE_DIR);
	c->nss_cache = strdup(UA_DEFAULT_NSS_CACHE);
	c->admin_group = NULL;
	c->max_clients = UA_DEFAULT_MAX_CLIENTS;
	c->client_timeout_ms = UA_DEFAULT_CLIENT_TIMEOUT * 1000;
	c->log_level = UA_DEFAULT_LOG_LEVEL;
	P->dflt.backend = UA_DEFAULT_BACKEND;
	P->dflt.uid_min = UA_DEFAULT_UID_MIN;
	P->dflt.uid_max = UA_DEFAULT_UID_MAX;
	P->dflt.gid_min = UA_DEFAULT_GID_MIN;
	P->dflt.gid_max = UA_DEFAULT_GID_MAX;
	P->dflt.home = strdup(UA_DEFAULT_HOME);
	P->dflt.shell = strdup(UA_DEFAULT_SHELL);
	if (c->pools == NULL || P->pool_line == NULL || c->path == NULL ||
	    c->user == NULL || c->runtime_dir == NULL || c->state_dir == NULL ||
	    c->nss_cache == NULL || P->dflt.home == NULL ||
	    P->dflt.shell == NULL)
		return -ENOMEM;
	return 0;
}

int
ua_conf_parse(const char *name, const char *text, size_t len,
    struct ua_conf **ret, char *reterr, size_t errsz)
{
	struct parser P;
	const char *p, *end, *nl;
	int r;

	/*
	 * No struct ua_buf here: the text is already in memory and bounded
	 * by len, and each line is bounded before it is copied.
	 */
	memset(&P, 0, sizeof(P));
	P.name = name;
	P.err = reterr;
	P.errsz = errsz;
	if (reterr != NULL && errsz > 0)
		reterr[0] = '\0';
	if (len > (size_t)UA_CONF_MAX_SIZE) {
		(void)conf_err(&P, 0, "larger than %d bytes", UA_CONF_MAX_SIZE);
		return -EMSGSIZE;
	}
	r = parser_init(&P, name);
	/* len 0 may come with text NULL: no arithmetic on it then. */
	p = len > 0 ? text : NULL;
	end = len > 0 ? text + len : NULL;
	while (r == 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		P.lineno++;
		r = conf_line(&P, p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	if (r == 0)
		r = conf_finish(&P);
	if (r == -ENOMEM)
		(void)conf_err(&P, 0, "out of memory");
	if (r == 0) {
		*ret = P.c;
		P.c = NULL;
	}
	ua_conf_free(P.c);
	free(P.dflt.home);
	free(P.dflt.shell);
	free(P.pool_line);
	return r < 0 ? r : 0;
}

/* Opened, checked and read under one ceiling; then ua_conf_parse. */
int
ua_conf_load(const char *path, struct ua_conf **ret, char *reterr,
    size_t errsz)
{
	struct parser E = { .name = path, .err = reterr, .errsz = errsz };
	char chunk[4096];
	struct ua_buf b;
	struct stat st;
	ssize_t n;
	int fd, r;

	ua_buf_init(&b, (size_t)UA_CONF_MAX_SIZE);
	/* O_NONBLOCK: a FIFO planted here must not hang us before fstat. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		errno = -r;
		if (r == -ELOOP)
			(void)conf_err(&E, 0, "is a symbolic link; refusing to "
			    "follow it");
		else
			(void)conf_err(&E, 0, "cannot open: %m");
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		errno = -r;
		(void)conf_err(&E, 0, "cannot stat: %m");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = conf_err(&E, 0, "not a regular file");
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		(void)conf_err(&E, 0, "owned by uid %u; it must be owned by "
		    "root (or uid %u, who reads it)", (unsigned)st.st_uid,
		    (unsigned)geteuid());
		r = -EPERM;
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		(void)conf_err(&E, 0, "writable by group or others (mode "
		    "%04o); run chmod go-w on it",
		    (unsigned)(st.st_mode & 07777));
		r = -EPERM;
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			errno = -r;
			(void)conf_err(&E, 0, "read: %m");
			goto out;
		}
		if (n == 0)
			break;
		r = ua_buf_put(&b, chunk, (size_t)n);
		if (r < 0) {
			if (r == -EMSGSIZE)
				(void)conf_err(&E, 0, "larger than %d bytes",
				    UA_CONF_MAX_SIZE);
			else
				(void)conf_err(&E, 0, "out of memory");
			goto out;
		}
	}
	r = ua_conf_parse(path, (const char *)b.data, b.len, ret, reterr,
	    errsz);
out:
	if (fd >= 0)
		(void)close(fd);
	ua_buf_free(&b);
	return r;
}

void
ua_conf_free(struct ua_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->pools != NULL && i < c->npools; i++) {
		free(c->pools[i].name);
		free(c->pools[i].home);
		free(c->pools[i].shell);
	}
	free(c->pools);
	free(c->path);
	free(c->user);
	free(c->runtime_dir);
	free(c->state_dir);
	free(c->nss_cache);
	free(c->admin_group);
	free(c);
}

const struct ua_pool_conf *
ua_conf_pool(const struct ua_conf *c, const char *name)
{
	size_t i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->npools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return &c->pools[i];
	return NULL;
}

static void
dump_key(const struct conf_key *k, const void *base, FILE *out)
{
	const char *f = (const char *)base + k->off;
	const char *s = NULL;
	uint32_t u;
	int prio;
	size_t i;

	switch (k->type) {
	case K_NAME:
	case K_GROUP:
	case K_PATH:
	case K_HOME:
		s = *(char *const *)(const void *)f;
		if (s == NULL)	/* admin_group: none */
			(void)fprintf(out, "%s =\n", k->name);
		else
			(void)fprintf(out, "%s = %s\n", k->name, s);
		return;
	case K_UINT:
	case K_SECONDS:
		memcpy(&u, f, sizeof(u));
		if (k->type == K_SECONDS)
			u = u < 1000 ? 1 : u / 1000;
		(void)fprintf(out, "%s = %u\n", k->name, u);
		return;
	case K_LEVEL:
		memcpy(&prio, f, sizeof(prio));
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (levels[i].prio == prio)
				s = levels[i].name;
		(void)fprintf(out, "%s = %s\n", k->name, s ? s : "info");
		return;
	case K_BACKEND:
		(void)fprintf(out, "%s = local\n", k->name);
		return;
	}
}

void
ua_conf_dump(const struct ua_conf *c, FILE *out)
{
	size_t i, p;

	(void)fprintf(out, "# userauth: effective configuration, every "
	    "default resolved\n[daemon]\n");
	for (i = 0; i < NKEYS; i++)
		if (keys[i].scope == S_DAEMON)
			dump_key(&keys[i], c, out);
	for (p = 0; p < c->npools; p++) {
		(void)fprintf(out, "\n[pool %s]\n", c->pools[p].name);
		for (i = 0; i < NKEYS; i++)
			if (keys[i].scope == S_POOL)
				dump_key(&keys[i], &c->pools[p], out);
	}
}

int
ua_conf_home(const struct ua_pool_conf *p, const char *login, char *out,
    size_t outsz)
{
	char buf[UA_MAX_PATHFIELD + 1];
	size_t n;
	int r;

	if (p == NULL || p->home == NULL || login == NULL ||
	    ua_valid_name(login, NULL) < 0)
		return -EINVAL;
	r = home_expand(p->home, login, p->name ? p->name : "", buf,
	    sizeof(buf));
	if (r < 0)
		return r;
	if (ua_valid_path_field(buf, NULL) < 0)
		return -EINVAL;
	n = strlen(buf);
	if (n >= outsz)
		return -ENAMETOOLONG;
	memcpy(out, buf, n + 1);
	return 0;
}
