/* SPDX-License-Identifier: MIT */
/*
 * The userauth.conf parser: one INI file to a struct ua_conf with every
 * default resolved.  It must never accept a file it does not fully
 * understand: any doubt is a refusal naming file and line.  This file
 * reads lines, sections and keys; the key table and setters are in
 * conf_keys.c, single-value checks in conf_value.c, inheritance and
 * cross-checks in conf_check.c, --dump-config in conf_dump.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/buf.h"
#include "client/valid.h"
#include "server/conf.h"
#include "server/conf_int.h"
#include "server/conf_policy.h"
#include "server/defaults.h"
#include "server/log.h"

int
conf_err(const struct parser *P, int line, const char *fmt, ...)
{
	int saved = errno, n; /* for %m in fmt */
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
	case SEC_MAIL:
		return "[mail]";
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

static int
conf_section(struct parser *P, char *line)
{
	struct ua_conf *c = P->c;
	size_t len = strlen(line), i;
	const char *why = NULL;
	char *in, *name, q[64];

	if (line[len - 1] != ']')
		return conf_err(P, P->lineno,
		    "malformed section header: "
		    "expected [daemon], [mail], [defaults] or [pool NAME]");
	line[len - 1] = '\0';
	in = trim(line + 1);
	if (strcmp(in, "daemon") == 0 || strcmp(in, "defaults") == 0) {
		bool daemon = strcmp(in, "daemon") == 0;
		int *seen = daemon ? &P->daemon_sec : &P->dflt_sec;

		if (*seen != 0)
			return conf_err(P, P->lineno,
			    "duplicate section [%s] "
			    "(first at line %d)",
			    in, *seen);
		*seen = P->lineno;
		P->sec = daemon ? SEC_DAEMON : SEC_DEFAULTS;
		return 0;
	}
	if (strcmp(in, "mail") == 0) {
		if (P->mail_sec != 0)
			return conf_err(P, P->lineno,
			    "duplicate section [mail] "
			    "(first at line %d)",
			    P->mail_sec);
		P->mail_sec = P->lineno;
		P->sec = SEC_MAIL;
		return 0;
	}
	if (strncmp(in, "pool", 4) != 0 ||
	    (in[4] != ' ' && in[4] != '\t' && in[4] != '\0'))
		return conf_err(P, P->lineno,
		    "unknown section [%s]: expected "
		    "[daemon], [mail], [defaults] or [pool NAME]",
		    ua_log_quote(in, q, sizeof(q)));
	name = trim(in + 4);
	if (*name == '\0')
		return conf_err(P, P->lineno,
		    "missing pool name in "
		    "[pool NAME]");
	if (ua_valid_pool(name, &why) < 0)
		return conf_err(P, P->lineno, "bad pool name %s: %s",
		    ua_log_quote(name, q, sizeof(q)), why ? why : "invalid");
	for (i = 0; i < c->npools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return conf_err(P, P->lineno,
			    "duplicate pool '%s' "
			    "(first at line %d)",
			    name, c->pools[i].line);
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
		return conf_err(P, P->lineno,
		    "expected 'key = value' or "
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
		if (strcmp(conf_keys[i].name, key) == 0)
			k = &conf_keys[i];
	if (k == NULL)
		return conf_err(P, P->lineno, "unknown key %s in %s",
		    ua_log_quote(key, q, sizeof(q)),
		    sec_name(P, sb, sizeof(sb)));
	if (k->scope == S_DAEMON && P->sec != SEC_DAEMON)
		return conf_err(P, P->lineno,
		    "key '%s' belongs in [daemon], "
		    "not in %s",
		    key, sec_name(P, sb, sizeof(sb)));
	if (k->scope == S_MAIL && P->sec != SEC_MAIL)
		return conf_err(P, P->lineno,
		    "key '%s' belongs in [mail], "
		    "not in %s",
		    key, sec_name(P, sb, sizeof(sb)));
	if (k->scope == S_POOL && (P->sec == SEC_DAEMON || P->sec == SEC_MAIL))
		return conf_err(P, P->lineno,
		    "key '%s' belongs in [defaults] "
		    "or [pool NAME], not in %s",
		    key, sec_name(P, sb, sizeof(sb)));
	if (P->sec == SEC_DAEMON || P->sec == SEC_MAIL) {
		lines = P->daemon_line;
		base = P->c;
	} else if (P->sec == SEC_DEFAULTS) {
		lines = P->dflt_line;
		base = &P->dflt;
	} else {
		lines = P->pool_line[P->c->npools - 1];
		base = &P->c->pools[P->c->npools - 1];
	}
	i = (size_t)(k - conf_keys);
	if (lines[i] != 0)
		return conf_err(P, P->lineno,
		    "duplicate key '%s' in %s "
		    "(first at line %d)",
		    key, sec_name(P, sb, sizeof(sb)), lines[i]);
	if (*val == '"' || *val == '\'')
		return conf_err(P, P->lineno,
		    "values are not quoted: remove "
		    "the quotes around the value of %s",
		    key);
	if (strstr(val, " #") || strstr(val, "\t#") || strstr(val, " ;") ||
	    strstr(val, "\t;"))
		return conf_err(P, P->lineno,
		    "comments must be on a line of "
		    "their own (value of %s)",
		    key);
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
			return conf_err(P, P->lineno,
			    "control character "
			    "0x%02x in line%s",
			    ch, ch == '\r' ? " (DOS line end?)" : "");
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

static void
pool_fields_free(struct ua_pool_conf *p)
{
	free(p->name);
	free(p->home);
	free(p->shell);
	free(p->mail_from);
	free(p->mail_subject);
	free(p->fake_domains);
	free(p->totp_issuer);
	free(p->cognito_user_pool_id);
	free(p->cognito_client_id);
	free(p->cognito_region);
	free(p->cognito_endpoint);
	free(p->cognito_client_secret_file);
	free(p->cognito_ca_file);
	free(p->cognito_uid_attribute);
	free(p->cognito_credentials_file);
	free(p->cognito_credentials_profile);
	free(p->cognito_imds_endpoint);
	free(p->cognito_url);
	free(p->cognito_issuer);
	free(p->mail_template.path);
	free(p->mail_template.text);
	free(p->first_factors);
	free(p->select_challenge_s);
	free(p->group_challenge);
	free(p->allow_groups_s);
	free(p->service_groups);
	free(p->mfa_s);
	free(p->totp_algorithm_s);
	free(p->mfa_enrol_at_login_s);
	ua_policy_free(p);
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
	c->login_lifetime = UA_DEFAULT_LOGIN_LIFETIME;
	c->max_queue_wait = UA_DEFAULT_MAX_QUEUE_WAIT;
	c->log_level = UA_DEFAULT_LOG_LEVEL;
	c->mail.smtp_url = strdup(UA_DEFAULT_SMTP_URL);
	c->mail.smtp_starttls = UA_DEFAULT_SMTP_STARTTLS;
	c->mail.retry_max_interval_ms = UA_DEFAULT_RETRY_MAX_INTERVAL * 1000;
	P->dflt.mail_subject = strdup(UA_DEFAULT_MAIL_SUBJECT);
	P->dflt.backend = UA_DEFAULT_BACKEND;
	P->dflt.cognito_timeout_ms = UA_DEFAULT_COGNITO_TIMEOUT * 1000;
	P->dflt.cognito_sync_interval = UA_DEFAULT_COGNITO_SYNC_INTERVAL;
	P->dflt.cognito_sync_rate = UA_DEFAULT_COGNITO_SYNC_RATE;
	P->dflt.uid_min = UA_DEFAULT_UID_MIN;
	P->dflt.uid_max = UA_DEFAULT_UID_MAX;
	P->dflt.gid_min = UA_DEFAULT_GID_MIN;
	P->dflt.gid_max = UA_DEFAULT_GID_MAX;
	P->dflt.home = strdup(UA_DEFAULT_HOME);
	P->dflt.shell = strdup(UA_DEFAULT_SHELL);
	P->dflt.first_factors = strdup(UA_DEFAULT_FIRST_FACTORS);
	P->dflt.select_challenge_s = strdup(UA_DEFAULT_SELECT_CHALLENGE);
	P->dflt.allow_groups_s = strdup(UA_DEFAULT_ALLOW_GROUPS);
	P->dflt.otp_lifetime = UA_DEFAULT_OTP_LIFETIME;
	P->dflt.otp_tries = UA_DEFAULT_OTP_TRIES;
	P->dflt.otp_per_hour = UA_DEFAULT_OTP_PER_HOUR;
	P->dflt.otp_per_day = UA_DEFAULT_OTP_PER_DAY;
	P->dflt.otp_resend_cooldown = UA_DEFAULT_OTP_RESEND_COOLDOWN;
	P->dflt.otp_min_answer_age = UA_DEFAULT_OTP_MIN_ANSWER_AGE;
	P->dflt.otp_answer_delay_ms = UA_DEFAULT_OTP_ANSWER_DELAY_MS;
	P->dflt.mfa_s = strdup(UA_DEFAULT_MFA);
	P->dflt.totp_digits = UA_DEFAULT_TOTP_DIGITS;
	P->dflt.totp_algorithm_s = strdup(UA_DEFAULT_TOTP_ALGORITHM);
	P->dflt.totp_period = UA_DEFAULT_TOTP_PERIOD;
	P->dflt.password_min_length = UA_DEFAULT_PASSWORD_MIN_LENGTH;
	P->dflt.invite_lifetime = UA_DEFAULT_INVITE_LIFETIME;
	P->dflt.throttle_pair_after = UA_DEFAULT_THROTTLE_PAIR_AFTER;
	P->dflt.throttle_account_after = UA_DEFAULT_THROTTLE_ACCOUNT_AFTER;
	P->dflt.throttle_host_after = UA_DEFAULT_THROTTLE_HOST_AFTER;
	P->dflt.throttle_host_window = UA_DEFAULT_THROTTLE_HOST_WINDOW;
	P->dflt.throttle_max_delay = UA_DEFAULT_THROTTLE_MAX_DELAY;
	P->dflt.lock_after = UA_DEFAULT_LOCK_AFTER;
	P->dflt.mfa_enrol_at_login_s = strdup(UA_DEFAULT_MFA_ENROL_AT_LOGIN);
	if (P->dflt.mfa_s == NULL || P->dflt.totp_algorithm_s == NULL ||
	    P->dflt.mfa_enrol_at_login_s == NULL)
		return -ENOMEM;
	if (c->pools == NULL || P->pool_line == NULL || c->path == NULL ||
	    c->user == NULL || c->runtime_dir == NULL || c->state_dir == NULL ||
	    c->nss_cache == NULL || P->dflt.home == NULL ||
	    P->dflt.shell == NULL || c->mail.smtp_url == NULL ||
	    P->dflt.mail_subject == NULL || P->dflt.first_factors == NULL ||
	    P->dflt.select_challenge_s == NULL ||
	    P->dflt.allow_groups_s == NULL)
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
	pool_fields_free(&P.dflt);
	free(P.pool_line);
	return r < 0 ? r : 0;
}

/* The open file fd may be a configuration: a root-owned, safe file. */
static int
conf_file_ok(struct parser *E, int fd)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0) {
		r = -errno;
		errno = -r;
		(void)conf_err(E, 0, "cannot stat: %m");
		return r;
	}
	if (!S_ISREG(st.st_mode))
		return conf_err(E, 0, "not a regular file");
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		(void)conf_err(E, 0,
		    "owned by uid %u; it must be owned by "
		    "root (or uid %u, who reads it)",
		    (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		(void)conf_err(E, 0,
		    "writable by group or others (mode "
		    "%04o); run chmod go-w on it",
		    (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* All of fd into b, under b's ceiling. */
static int
conf_read_all(struct parser *E, int fd, struct ua_buf *b)
{
	char chunk[4096];
	ssize_t n;
	int r;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			errno = -r;
			(void)conf_err(E, 0, "read: %m");
			return r;
		}
		if (n == 0)
			return 0;
		r = ua_buf_put(b, chunk, (size_t)n);
		if (r < 0) {
			if (r == -EMSGSIZE)
				(void)conf_err(E, 0, "larger than %d bytes",
				    UA_CONF_MAX_SIZE);
			else
				(void)conf_err(E, 0, "out of memory");
			return r;
		}
	}
}

/* Opened, checked and read under one ceiling; then ua_conf_parse. */
int
ua_conf_load(const char *path, struct ua_conf **ret, char *reterr, size_t errsz)
{
	struct parser E = { .name = path, .err = reterr, .errsz = errsz };
	struct ua_buf b;
	int fd, r;

	ua_buf_init(&b, (size_t)UA_CONF_MAX_SIZE);
	/* O_NONBLOCK: a FIFO planted here must not hang us before fstat. */
	fd = open(path,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		errno = -r;
		if (r == -ELOOP)
			(void)conf_err(&E, 0,
			    "is a symbolic link; refusing to "
			    "follow it");
		else
			(void)conf_err(&E, 0, "cannot open: %m");
		goto out;
	}
	r = conf_file_ok(&E, fd);
	if (r == 0)
		r = conf_read_all(&E, fd, &b);
	if (r == 0)
		r = ua_conf_parse(path, (const char *)b.data, b.len, ret,
		    reterr, errsz);
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
	for (i = 0; c->pools != NULL && i < c->npools; i++)
		pool_fields_free(&c->pools[i]);
	free(c->pools);
	free(c->mail.smtp_url);
	free(c->mail.smtp_user);
	free(c->mail.smtp_password_file);
	free(c->mail.smtp_ca_file);
	free(c->mail.sendmail);
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
