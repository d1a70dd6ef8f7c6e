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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/buf.h"
#include "client/valid.h"
#include "server/conf.h"
#include "server/conf_policy.h"
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
	K_ADDR,		/* email address, or empty for none */
	K_TEXT,		/* UTF-8 line of min..max bytes (min 0: may be empty) */
	K_OPTPATH,	/* absolute path, or empty for none */
	K_URL,		/* smtp:// or smtps:// URL */
	K_STARTTLS,	/* enum ua_starttls */
	K_TEMPLATE,	/* mail template file, read now; empty: built-in */
	K_POLICY,	/* a login-policy word list (conf_policy.c); min 0: may be empty */
};

enum kscope {
	S_DAEMON,	/* [daemon] */
	S_POOL,		/* [defaults] and [pool NAME] */
	S_MAIL,		/* [mail] */
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
	KI_SMTP_URL, KI_SMTP_USER, KI_SMTP_PASSWORD_FILE, KI_SMTP_CA_FILE,
	KI_SMTP_STARTTLS, KI_SENDMAIL, KI_RETRY_MAX_INTERVAL,
	KI_BACKEND, KI_UID_MIN, KI_UID_MAX, KI_GID_MIN, KI_GID_MAX, KI_HOME,
	KI_SHELL, KI_MAIL_FROM, KI_MAIL_SUBJECT, KI_MAIL_TEMPLATE,
	KI_FIRST_FACTORS, KI_SELECT_CHALLENGE, KI_GROUP_CHALLENGE,
	KI_ALLOW_GROUPS, KI_SERVICE_GROUPS, KI_OTP_LIFETIME, KI_OTP_TRIES,
	KI_OTP_PER_HOUR, KI_OTP_PER_DAY, KI_OTP_RESEND_COOLDOWN,
	KI_MFA, KI_TOTP_DIGITS, KI_TOTP_ALGORITHM, KI_TOTP_PERIOD,
	KI_MFA_ENROL_AT_LOGIN, KI_PASSWORD_MIN_LENGTH, KI_INVITE_LIFETIME,
	NKEYS
};

#define D(f) offsetof(struct ua_conf, f)
#define P(f) offsetof(struct ua_pool_conf, f)
#define M(f) offsetof(struct ua_conf, mail.f)
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
	[KI_SMTP_URL] = { "smtp_url", S_MAIL, K_URL, M(smtp_url), 0, 0 },
	[KI_SMTP_USER] = { "smtp_user", S_MAIL, K_TEXT, M(smtp_user), 0,
	    UA_MAX_SMTP_USER },
	[KI_SMTP_PASSWORD_FILE] = { "smtp_password_file", S_MAIL, K_OPTPATH,
	    M(smtp_password_file), 0, 0 },
	[KI_SMTP_CA_FILE] = { "smtp_ca_file", S_MAIL, K_OPTPATH,
	    M(smtp_ca_file), 0, 0 },
	[KI_SMTP_STARTTLS] = { "smtp_starttls", S_MAIL, K_STARTTLS,
	    M(smtp_starttls), 0, 0 },
	[KI_SENDMAIL] = { "sendmail", S_MAIL, K_OPTPATH, M(sendmail), 0, 0 },
	[KI_RETRY_MAX_INTERVAL] = { "retry_max_interval", S_MAIL, K_SECONDS,
	    M(retry_max_interval_ms), UA_MIN_RETRY_MAX_INTERVAL,
	    UA_MAX_RETRY_MAX_INTERVAL },
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
	[KI_MAIL_FROM] = { "mail_from", S_POOL, K_ADDR, P(mail_from), 0, 0 },
	[KI_MAIL_SUBJECT] = { "mail_subject", S_POOL, K_TEXT,
	    P(mail_subject), 1, UA_MAX_MAIL_SUBJECT },
	[KI_MAIL_TEMPLATE] = { "mail_template", S_POOL, K_TEMPLATE,
	    P(mail_template), 0, 0 },
	[KI_FIRST_FACTORS] = { "first_factors", S_POOL, K_POLICY,
	    P(first_factors), 1, 0 },
	[KI_SELECT_CHALLENGE] = { "select_challenge", S_POOL, K_POLICY,
	    P(select_challenge_s), 1, 0 },
	[KI_GROUP_CHALLENGE] = { "group_challenge", S_POOL, K_POLICY,
	    P(group_challenge), 0, 0 },
	[KI_ALLOW_GROUPS] = { "allow_groups", S_POOL, K_POLICY,
	    P(allow_groups_s), 1, 0 },
	[KI_SERVICE_GROUPS] = { "service_groups", S_POOL, K_POLICY,
	    P(service_groups), 0, 0 },
	[KI_OTP_LIFETIME] = { "otp_lifetime", S_POOL, K_UINT, P(otp_lifetime),
	    UA_MIN_OTP_LIFETIME, UA_MAX_OTP_LIFETIME },
	[KI_OTP_TRIES] = { "otp_tries", S_POOL, K_UINT, P(otp_tries), 1,
	    UA_MAX_OTP_TRIES },
	[KI_OTP_PER_HOUR] = { "otp_per_hour", S_POOL, K_UINT, P(otp_per_hour),
	    1, 100 },
	[KI_OTP_PER_DAY] = { "otp_per_day", S_POOL, K_UINT, P(otp_per_day), 1,
	    1000 },
	[KI_OTP_RESEND_COOLDOWN] = { "otp_resend_cooldown", S_POOL, K_UINT,
	    P(otp_resend_cooldown), 0, 600 },
	[KI_MFA] = { "mfa", S_POOL, K_POLICY, P(mfa_s), 1, 0 },
	[KI_TOTP_DIGITS] = { "totp_digits", S_POOL, K_UINT, P(totp_digits),
	    6, 8 },
	[KI_TOTP_ALGORITHM] = { "totp_algorithm", S_POOL, K_POLICY,
	    P(totp_algorithm_s), 1, 0 },
	[KI_TOTP_PERIOD] = { "totp_period", S_POOL, K_UINT, P(totp_period),
	    UA_MIN_TOTP_PERIOD, UA_MAX_TOTP_PERIOD },
	[KI_MFA_ENROL_AT_LOGIN] = { "mfa_enrol_at_login", S_POOL, K_POLICY,
	    P(mfa_enrol_at_login_s), 1, 0 },
	[KI_PASSWORD_MIN_LENGTH] = { "password_min_length", S_POOL, K_UINT,
	    P(password_min_length), UA_MIN_PASSWORD_MIN_LENGTH,
	    UA_MAX_PASSWORD_MIN_LENGTH },
	[KI_INVITE_LIFETIME] = { "invite_lifetime", S_POOL, K_UINT,
	    P(invite_lifetime), UA_MIN_INVITE_LIFETIME,
	    UA_MAX_INVITE_LIFETIME },
};
#undef D
#undef P
#undef M

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

enum section { SEC_NONE, SEC_DAEMON, SEC_DEFAULTS, SEC_POOL, SEC_MAIL };

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
	int daemon_sec, dflt_sec, mail_sec; /* line of the section header */
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

/* An empty value means "none" (or "built-in") for these keys. */
static bool
empty_ok(const struct conf_key *k)
{
	return k->type == K_GROUP || k->type == K_ADDR ||
	    k->type == K_OPTPATH || k->type == K_TEMPLATE ||
	    ((k->type == K_TEXT || k->type == K_POLICY) && k->min == 0);
}

/* One line of UTF-8 text: no C0 or C1 control characters, no DEL. */
static int
text_check(const char *s, const char **ret_why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n = strlen(s);

	if (!ua_valid_utf8(s, n)) {
		*ret_why = "not valid UTF-8";
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0)) {
			*ret_why = "control characters are not allowed";
			return -EINVAL;
		}
	return 0;
}

/* Dotted decimal a.b.c.d with each part 0..255; *ret_first = a. */
static bool
ipv4_first(const char *h, unsigned *ret_first)
{
	unsigned part = 0, parts = 0, digits = 0;

	for (;; h++) {
		if (*h >= '0' && *h <= '9') {
			part = part * 10 + (unsigned)(*h - '0');
			if (++digits > 3 || part > 255)
				return false;
			continue;
		}
		if (digits == 0 || (*h != '.' && *h != '\0'))
			return false;
		if (parts++ == 0)
			*ret_first = part;
		if (*h == '\0')
			return parts == 4;
		part = digits = 0;
	}
}

/*
 * smtp://HOST[:PORT][/NAME] or smtps://...: HOST a host name, an IPv4
 * address or [IPv6]; NAME (what curl says in EHLO) letters, digits, '.'
 * and '-'.  No user or password, query or fragment.
 */
static int
smtp_url_check(const char *url, bool *ret_tls, bool *ret_loopback,
    const char **ret_why)
{
	char host[256], port[8];
	const char *h, *e;
	unsigned first = 0;
	uint64_t v;
	size_t n;

	*ret_tls = strncmp(url, "smtps://", 8) == 0;
	if (strncmp(url, "smtp://", 7) != 0 && !*ret_tls) {
		*ret_why = "only smtp:// and smtps:// URLs are allowed";
		return -EINVAL;
	}
	if (strpbrk(url, "@?#") != NULL) {
		*ret_why = "no user, password, query or fragment in the URL "
		    "(use smtp_user and smtp_password_file)";
		return -EINVAL;
	}
	h = url + (*ret_tls ? 8 : 7);
	*ret_why = "bad host";
	if (*h == '[') {
		e = strchr(h, ']');
		if (e == NULL || e - h < 3 || e - h > 46 ||
		    strspn(h + 1, "0123456789abcdefABCDEF:.") !=
			(size_t)(e - h - 1))
			return -EINVAL;
		e++;
	} else {
		e = h + strspn(h, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (e == h || e - h > 253 || *h == '.' || *h == '-' ||
		    strstr(h, "..") != NULL)
			return -EINVAL;
	}
	n = (size_t)(e - h);
	memcpy(host, h, n);
	host[n] = '\0';
	if (*e == ':') {
		n = strcspn(e + 1, "/");
		*ret_why = "the port must be a number from 1 to 65535";
		if (n == 0 || n >= sizeof(port))
			return -EINVAL;
		memcpy(port, e + 1, n);
		port[n] = '\0';
		if (ua_parse_uint(port, 1, 65535, &v) < 0)
			return -EINVAL;
		e += 1 + n;
	}
	if (*e == '/') {
		e++;
		if (e[strspn(e, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")] != '\0') {
			*ret_why = "the path (the EHLO name) may hold only "
			    "letters, digits, '.' and '-'";
			return -EINVAL;
		}
	} else if (*e != '\0') {
		*ret_why = "unexpected text after the host";
		return -EINVAL;
	}
	*ret_loopback = strcasecmp(host, "localhost") == 0 ||
	    strcmp(host, "[::1]") == 0 ||
	    (ipv4_first(host, &first) && first == 127);
	return 0;
}

/* Case-insensitive: does the n bytes at t contain a link? */
static bool
has_link(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		if (memcmp(t + i, "://", 3) == 0)
			return true;
		if (i + 4 <= n && strncasecmp(t + i, "www.", 4) == 0)
			return true;
	}
	return false;
}

/*
 * A mail template's text: UTF-8, LF line ends, tabs allowed, escapes %c
 * %m %p %% only, at least one %c, every line within UA_MAX_MAIL_LINE
 * bytes once expanded, no link.
 */
static int
template_check(const char *t, size_t n, const char **ret_why)
{
	size_t i, line = 0;
	bool code = false;
	unsigned char ch;

	*ret_why = "the template is empty";
	if (n == 0)
		return -EINVAL;
	*ret_why = "the template is not valid UTF-8";
	if (!ua_valid_utf8(t, n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)t[i];
		if (ch == '\n') {
			line = 0;
			continue;
		}
		*ret_why = "the template holds a control character other "
		    "than tab and newline";
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f ||
		    (ch == 0xc2 && i + 1 < n && (unsigned char)t[i + 1] < 0xa0))
			return -EINVAL;
		line++;
		if (ch == '%') {
			ch = i + 1 < n ? (unsigned char)t[++i] : 0;
			*ret_why = "unknown % escape in the template: use %c "
			    "(code), %m (minutes), %p (pool) or %%";
			if (ch != 'c' && ch != 'm' && ch != 'p' && ch != '%')
				return -EINVAL;
			code |= ch == 'c';
			/* Widest expansions: 8 digits, "10", a pool name. */
			line += ch == 'c' ? 7 : ch == 'm' ? 1 : ch == 'p' ?
			    UA_MAX_POOL - 1 : 0;
		}
		*ret_why = "a template line is longer than 900 bytes";
		if (line > UA_MAX_MAIL_LINE)
			return -EINVAL;
	}
	*ret_why = "the template has no %c (the code)";
	if (!code)
		return -EINVAL;
	*ret_why = "links are not allowed in the code mail";
	if (has_link(t, n))
		return -EINVAL;
	return 0;
}

/* Read the template file at path (checked like the config file). */
static int
template_read(const struct parser *P, const char *path, char **ret_text)
{
	char buf[UA_MAX_MAIL_TEMPLATE + 2], q[96];
	const char *why = NULL;
	size_t len = 0, i, o;
	struct stat st;
	ssize_t n;
	int fd, r;

	(void)ua_log_quote(path, q, sizeof(q));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0)
		return conf_err(P, P->lineno, "mail_template %s: cannot open: "
		    "%m", q);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = conf_err(P, P->lineno, "mail_template %s: not a regular "
		    "file", q);
		goto out;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		r = conf_err(P, P->lineno, "mail_template %s: must be owned "
		    "by root (or uid %u) and not writable by group or others",
		    q, (unsigned)geteuid());
		goto out;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = conf_err(P, P->lineno, "mail_template %s: read: "
			    "%m", q);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > UA_MAX_MAIL_TEMPLATE) {
		r = conf_err(P, P->lineno, "mail_template %s: larger than %d "
		    "bytes", q, UA_MAX_MAIL_TEMPLATE);
		goto out;
	}
	/* CRLF files are fine: keep LF; a lone CR is refused below. */
	for (i = o = 0; i < len; i++)
		if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
			buf[o++] = buf[i];
	len = o;
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL)
		why = "the template holds a NUL byte";
	else if (template_check(buf, len, &why) == 0)
		why = NULL;
	if (why != NULL) {
		r = conf_err(P, P->lineno, "mail_template %s: %s", q, why);
		goto out;
	}
	*ret_text = strdup(buf);
	r = *ret_text != NULL ? 0 : -ENOMEM;
out:
	(void)close(fd);
	return r;
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

/* mail_template = PATH (read now), or empty for the built-in text. */
static int
set_template(const struct parser *P, const struct conf_key *k,
    struct ua_mail_template *t, const char *val)
{
	const char *why = NULL;
	char *path = NULL, *text = NULL;
	int r;

	if (*val != '\0') {
		if (valid_path(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		r = template_read(P, val, &text);
		if (r < 0)
			return r;
		if ((path = strdup(val)) == NULL) {
			free(text);
			return -ENOMEM;
		}
	}
	free(t->path);
	free(t->text);
	t->path = path;
	t->text = text;
	return 0;
}

static int
copy_template(struct ua_mail_template *d, const struct ua_mail_template *s)
{
	char *path = NULL, *text = NULL;

	if ((s->path != NULL && (path = strdup(s->path)) == NULL) ||
	    (s->text != NULL && (text = strdup(s->text)) == NULL)) {
		free(path);
		return -ENOMEM;
	}
	free(d->path);
	free(d->text);
	d->path = path;
	d->text = text;
	return 0;
}

/* The mail keys' values other than the template. */
static int
set_mail_value(const struct parser *P, const struct conf_key *k,
    void *field, const char *val)
{
	char addr[UA_MAX_EMAIL + 1], msg[64];
	const char *why = NULL;
	bool tls, loopback;

	if (*val == '\0')	/* empty_ok(k) held */
		return set_str(field, NULL);
	switch (k->type) {
	case K_ADDR:
		if (ua_email_normalize(val, addr, sizeof(addr), &why) < 0)
			return bad_value(P, k, val, why ? why :
			    "not an email address");
		return set_str(field, addr);
	case K_TEXT:
		if (strlen(val) > k->max) {
			(void)snprintf(msg, sizeof(msg), "longer than %u bytes",
			    k->max);
			return bad_value(P, k, val, msg);
		}
		if (text_check(val, &why) < 0)
			return bad_value(P, k, val, why);
		return set_str(field, val);
	case K_OPTPATH:
		if (valid_path(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		return set_str(field, val);
	case K_URL:
		if (smtp_url_check(val, &tls, &loopback, &why) < 0)
			return bad_value(P, k, val, why);
		return set_str(field, val);
	case K_STARTTLS:
		if (strcmp(val, "auto") == 0 || strcmp(val, "required") == 0) {
			*(enum ua_starttls *)field = val[0] == 'a' ?
			    UA_STARTTLS_AUTO : UA_STARTTLS_REQUIRED;
			return 0;
		}
		return bad_value(P, k, val, "expected required or auto");
	default:
		break;
	}
	return -EINVAL;
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

	if (*val == '\0' && !empty_ok(k))
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
	case K_TEMPLATE:
		return set_template(P, k, field, val);
	case K_POLICY:
		if (*val == '\0')
			return set_str(field, NULL);
		if (ua_policy_check(k->name, val, &why) < 0)
			return bad_value(P, k, val, why);
		return set_str(field, val);
	case K_ADDR:
	case K_TEXT:
	case K_OPTPATH:
	case K_URL:
	case K_STARTTLS:
		return set_mail_value(P, k, field, val);
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
	case K_ADDR:
	case K_TEXT:
	case K_OPTPATH:
	case K_URL:
	case K_POLICY:
		return set_str((char **)(void *)d,
		    *(char *const *)(const void *)s);
	case K_TEMPLATE:
		return copy_template((struct ua_mail_template *)(void *)d,
		    (const struct ua_mail_template *)(const void *)s);
	case K_STARTTLS:
		memcpy(d, s, sizeof(enum ua_starttls));
		return 0;
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
		    "expected [daemon], [mail], [defaults] or [pool NAME]");
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
	if (strcmp(in, "mail") == 0) {
		if (P->mail_sec != 0)
			return conf_err(P, P->lineno, "duplicate section [mail] "
			    "(first at line %d)", P->mail_sec);
		P->mail_sec = P->lineno;
		P->sec = SEC_MAIL;
		return 0;
	}
	if (strncmp(in, "pool", 4) != 0 ||
	    (in[4] != ' ' && in[4] != '\t' && in[4] != '\0'))
		return conf_err(P, P->lineno, "unknown section [%s]: expected "
		    "[daemon], [mail], [defaults] or [pool NAME]",
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
	if (k->scope == S_MAIL && P->sec != SEC_MAIL)
		return conf_err(P, P->lineno, "key '%s' belongs in [mail], "
		    "not in %s", key, sec_name(P, sb, sizeof(sb)));
	if (k->scope == S_POOL && (P->sec == SEC_DAEMON || P->sec == SEC_MAIL))
		return conf_err(P, P->lineno, "key '%s' belongs in [defaults] "
		    "or [pool NAME], not in %s", key,
		    sec_name(P, sb, sizeof(sb)));
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
	/* TOTP: 6 or 8 digits; Cognito's rule: no MFA beside email_otp. */
	if (p->totp_digits == 7) {
		line = P->pool_line[pi][KI_TOTP_DIGITS];
		return conf_err(P, line ? line : P->dflt_line[KI_TOTP_DIGITS],
		    "[pool %s]: totp_digits must be 6 or 8", p->name);
	}
	if (strcmp(p->mfa_s, "required") == 0 &&
	    strstr(p->first_factors, "email_otp") != NULL) {
		line = P->pool_line[pi][KI_MFA];
		if (line == 0)
			line = P->dflt_line[KI_MFA];
		return conf_err(P, line ? line : p->line, "[pool %s]: mfa = "
		    "required cannot be combined with email_otp in "
		    "first_factors (a mailed code would bypass the second "
		    "factor); set first_factors = password", p->name);
	}
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

/* [mail] as a whole; fills the fields derived from smtp_url. */
static int
check_mail(struct parser *P)
{
	struct ua_mail_conf *m = &P->c->mail;
	const char *why = NULL;
	int line;

	if (smtp_url_check(m->smtp_url, &m->smtp_tls, &m->smtp_loopback,
		&why) < 0)
		return conf_err(P, P->daemon_line[KI_SMTP_URL], "smtp_url: %s",
		    why);
	if ((m->smtp_user == NULL) != (m->smtp_password_file == NULL)) {
		line = P->daemon_line[m->smtp_user != NULL ? KI_SMTP_USER :
		    KI_SMTP_PASSWORD_FILE];
		return conf_err(P, line, "[mail]: smtp_user and "
		    "smtp_password_file go together: set both or neither");
	}
	return 0;
}

/*
 * A pool that mails codes needs a sender.  Without one every real user's
 * login would fail at issuance while unknown users got the normal prompts:
 * an oracle for which names exist.
 */
static int
check_pool_mail(const struct parser *P, size_t pi)
{
	const struct ua_pool_conf *p = &P->c->pools[pi];
	int line;

	if (!p->allow_email_otp || p->mail_from != NULL)
		return 0;
	line = P->pool_line[pi][KI_FIRST_FACTORS];
	if (line == 0)
		line = P->dflt_line[KI_FIRST_FACTORS];
	return conf_err(P, line ? line : p->line, "[pool %s]: first_factors "
	    "offers email_otp but the pool has no mail_from: set mail_from "
	    "(the sender of code mails) in [pool %s] or [defaults]", p->name,
	    p->name);
}

static int
conf_finish(struct parser *P)
{
	size_t i, j;
	int r;

	r = check_mail(P);
	if (r < 0)
		return r;
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
		if (ua_policy_derive(&P->c->pools[i]) < 0)
			return -ENOMEM;
	}
	for (j = 1; j < P->c->npools; j++)
		for (i = 0; i < j; i++) {
			r = check_pair(P, i, j);
			if (r < 0)
				return r;
		}
	for (i = 0; i < P->c->npools; i++) {
		r = check_pool_mail(P, i);
		if (r < 0)
			return r;
	}
	return 0;
}

static void
pool_fields_free(struct ua_pool_conf *p)
{
	free(p->name);
	free(p->home);
	free(p->shell);
	free(p->mail_from);
	free(p->mail_subject);
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
	c->log_level = UA_DEFAULT_LOG_LEVEL;
	c->mail.smtp_url = strdup(UA_DEFAULT_SMTP_URL);
	c->mail.smtp_starttls = UA_DEFAULT_SMTP_STARTTLS;
	c->mail.retry_max_interval_ms = UA_DEFAULT_RETRY_MAX_INTERVAL * 1000;
	P->dflt.mail_subject = strdup(UA_DEFAULT_MAIL_SUBJECT);
	P->dflt.backend = UA_DEFAULT_BACKEND;
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
	P->dflt.mfa_s = strdup(UA_DEFAULT_MFA);
	P->dflt.totp_digits = UA_DEFAULT_TOTP_DIGITS;
	P->dflt.totp_algorithm_s = strdup(UA_DEFAULT_TOTP_ALGORITHM);
	P->dflt.totp_period = UA_DEFAULT_TOTP_PERIOD;
	P->dflt.password_min_length = UA_DEFAULT_PASSWORD_MIN_LENGTH;
	P->dflt.invite_lifetime = UA_DEFAULT_INVITE_LIFETIME;
	P->dflt.mfa_enrol_at_login_s = strdup(UA_DEFAULT_MFA_ENROL_AT_LOGIN);
	if (P->dflt.mfa_s == NULL || P->dflt.totp_algorithm_s == NULL ||
	    P->dflt.mfa_enrol_at_login_s == NULL)
		return -ENOMEM;
	if (c->pools == NULL || P->pool_line == NULL || c->path == NULL ||
	    c->user == NULL || c->runtime_dir == NULL || c->state_dir == NULL ||
	    c->nss_cache == NULL || P->dflt.home == NULL ||
	    P->dflt.shell == NULL || c->mail.smtp_url == NULL ||
	    P->dflt.mail_subject == NULL || P->dflt.first_factors == NULL ||
	    P->dflt.select_challenge_s == NULL || P->dflt.allow_groups_s == NULL)
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
	case K_ADDR:
	case K_TEXT:
	case K_OPTPATH:
	case K_URL:
	case K_POLICY:
		s = *(char *const *)(const void *)f;
		if (s == NULL)	/* admin_group, the mail keys: none */
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
	case K_STARTTLS:
		(void)fprintf(out, "%s = %s\n", k->name,
		    *(const enum ua_starttls *)(const void *)f ==
			UA_STARTTLS_REQUIRED ? "required" : "auto");
		return;
	case K_TEMPLATE:
		s = ((const struct ua_mail_template *)(const void *)f)->path;
		(void)fprintf(out, "%s =%s%s\n", k->name, s ? " " : "",
		    s ? s : "");
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
	(void)fprintf(out, "\n[mail]\n");
	for (i = 0; i < NKEYS; i++)
		if (keys[i].scope == S_MAIL)
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
