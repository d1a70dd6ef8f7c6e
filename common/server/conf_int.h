/* SPDX-License-Identifier: MIT */
/*
 * Inside the userauth.conf parser: the key table, the parser's state and
 * the helpers its files share (conf.c, conf_keys.c, conf_value.c,
 * conf_check.c, conf_dump.c).  Never included outside common/server/conf*.c.
 */
#ifndef UA_CONF_INT_H
#define UA_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/conf.h"

enum ktype {
	K_NAME,     /* login/group name */
	K_GROUP,    /* group name, or empty for none */
	K_PATH,     /* absolute path */
	K_UINT,     /* uint32_t in [min, max] */
	K_SECONDS,  /* seconds in [min, max], stored as uint32_t ms */
	K_LEVEL,    /* log level name, stored as a syslog priority */
	K_BACKEND,  /* enum ua_backend */
	K_HOME,     /* home directory template */
	K_ADDR,     /* email address, or empty for none */
	K_TEXT,     /* UTF-8 line of min..max bytes (min 0: may be empty) */
	K_OPTPATH,  /* absolute path, or empty for none */
	K_URL,      /* smtp:// or smtps:// URL */
	K_STARTTLS, /* enum ua_starttls */
	K_TEMPLATE, /* mail template file, read now; empty: built-in */
	K_POLICY,   /* a login-policy word list (conf_policy.c); min 0: may be
		       empty */
};

enum kscope {
	S_DAEMON, /* [daemon] */
	S_POOL,   /* [defaults] and [pool NAME] */
	S_MAIL,   /* [mail] */
};

struct conf_key {
	const char *name;
	enum kscope scope;
	enum ktype type;
	size_t off; /* in struct ua_conf or struct ua_pool_conf */
	uint32_t min, max;
};

/* Key indexes: the order ua_conf_dump prints them in. */
enum {
	KI_USER,
	KI_RUNTIME_DIR,
	KI_STATE_DIR,
	KI_NSS_CACHE,
	KI_ADMIN_GROUP,
	KI_MAX_CLIENTS,
	KI_CLIENT_TIMEOUT,
	KI_LOG_LEVEL,
	KI_SMTP_URL,
	KI_SMTP_USER,
	KI_SMTP_PASSWORD_FILE,
	KI_SMTP_CA_FILE,
	KI_SMTP_STARTTLS,
	KI_SENDMAIL,
	KI_RETRY_MAX_INTERVAL,
	KI_BACKEND,
	KI_UID_MIN,
	KI_UID_MAX,
	KI_GID_MIN,
	KI_GID_MAX,
	KI_HOME,
	KI_SHELL,
	KI_MAIL_FROM,
	KI_MAIL_SUBJECT,
	KI_MAIL_TEMPLATE,
	KI_FIRST_FACTORS,
	KI_SELECT_CHALLENGE,
	KI_GROUP_CHALLENGE,
	KI_ALLOW_GROUPS,
	KI_SERVICE_GROUPS,
	KI_OTP_LIFETIME,
	KI_OTP_TRIES,
	KI_OTP_PER_HOUR,
	KI_OTP_PER_DAY,
	KI_OTP_RESEND_COOLDOWN,
	KI_OTP_MIN_ANSWER_AGE,
	KI_OTP_ANSWER_DELAY_MS,
	KI_MFA,
	KI_TOTP_DIGITS,
	KI_TOTP_ALGORITHM,
	KI_TOTP_PERIOD,
	KI_MFA_ENROL_AT_LOGIN,
	KI_PASSWORD_MIN_LENGTH,
	KI_INVITE_LIFETIME,
	KI_THROTTLE_PAIR_AFTER,
	KI_THROTTLE_ACCOUNT_AFTER,
	KI_THROTTLE_HOST_AFTER,
	KI_THROTTLE_HOST_WINDOW,
	KI_THROTTLE_MAX_DELAY,
	KI_LOCK_AFTER,
	KI_LOGIN_LIFETIME,
	KI_MAX_QUEUE_WAIT,
	KI_FAKE_DOMAINS,
	KI_HASH_THREADS,
	KI_COGNITO_USER_POOL_ID,
	KI_COGNITO_CLIENT_ID,
	KI_COGNITO_REGION,
	KI_COGNITO_ENDPOINT,
	KI_COGNITO_CLIENT_SECRET_FILE,
	KI_COGNITO_CA_FILE,
	KI_COGNITO_TIMEOUT,
	KI_COGNITO_UID_ATTRIBUTE,
	KI_COGNITO_SYNC_INTERVAL,
	KI_COGNITO_SYNC_RATE,
	KI_COGNITO_CREDENTIALS_FILE,
	KI_COGNITO_CREDENTIALS_PROFILE,
	KI_COGNITO_IMDS_ENDPOINT,
	KI_TOTP_ISSUER,
	KI_LOGIN_NOTICE_DAYS,
	NKEYS
};

/* Every key the file may hold (conf_keys.c), indexed by KI_*. */
extern const struct conf_key conf_keys[NKEYS];

/* log_level names and their syslog priorities (conf_keys.c). */
#define CONF_NLEVELS 5
struct conf_level {
	const char *name;
	int prio;
};
extern const struct conf_level conf_levels[CONF_NLEVELS];

enum section { SEC_NONE, SEC_DAEMON, SEC_DEFAULTS, SEC_POOL, SEC_MAIL };

struct parser {
	const char *name; /* file name for messages */
	char *err;
	size_t errsz;
	int lineno;
	struct ua_conf *c;        /* pools: UA_CONF_MAX_POOLS slots */
	struct ua_pool_conf dflt; /* built-in values, then [defaults] */
	int daemon_line[NKEYS];   /* line that set each key; 0 = unset */
	int dflt_line[NKEYS];
	int (*pool_line)[NKEYS];            /* the same, per pool */
	int daemon_sec, dflt_sec, mail_sec; /* line of the section header */
	enum section sec;                   /* where we are */
};

/* Write "name:line: message" (or "name: message" for line 0); -EINVAL. */
int conf_err(const struct parser *P, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* conf_keys.c: parse val for key k into the struct at base. */
int conf_set(const struct parser *P, const struct conf_key *k, void *base,
    const char *val);
/* conf_keys.c: copy the value of key k from src to dst (k's scope). */
int conf_copy_value(const struct conf_key *k, void *dst, const void *src);

/* conf_value.c: the checks of single values. */
/* An absolute path without "." or ".." components. */
int conf_valid_path(const char *s, const char **ret_why);
/* Expand tmpl; -EINVAL at an unknown escape, -ENAMETOOLONG. */
int conf_home_expand(const char *tmpl, const char *login, const char *pool,
    char *out, size_t outsz);
/* Template syntax: absolute, known escapes, a valid path field. */
int conf_home_check(const char *tmpl, const char **ret_why);
/* One line of UTF-8 text: no C0 or C1 control characters, no DEL. */
int conf_text_check(const char *s, const char **ret_why);
/* smtp://HOST[:PORT][/NAME] or smtps://...; tells TLS and loopback. */
int conf_smtp_url_check(const char *url, bool *ret_tls, bool *ret_loopback,
    const char **ret_why);
/* Read the template file at path (checked like the config file). */
int conf_template_read(const struct parser *P, const char *path,
    char **ret_text);

/* conf_check.c: after the last line, inheritance and the cross-checks. */
int conf_finish(struct parser *P);
/* backend = cognito: its keys together, the derived URLs (conf_cognito.c). */
int conf_check_cognito(struct parser *P, size_t pi);
/* Whether key k means anything for a pool of backend b. */
bool conf_key_applies(size_t k, enum ua_backend b);

#endif
