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
	UA_BACKEND_COGNITO, /* an AWS Cognito user pool */
};

/* smtp_starttls: when the SMTP connection must be encrypted. */
enum ua_starttls {
	UA_STARTTLS_AUTO = 0, /* always, except to a loopback relay */
	UA_STARTTLS_REQUIRED, /* always */
};

/*
 * A pool's mail_template: the file named by path, read and checked when
 * the configuration is loaded (UTF-8, at most UA_MAX_MAIL_TEMPLATE bytes,
 * LF line ends, escapes %c %m %p %% only, at least one %c, no link).
 * path NULL: the built-in UA_DEFAULT_MAIL_TEMPLATE (text is then NULL).
 */
struct ua_mail_template {
	char *path;
	char *text;
};

/* [mail]: how userauthd delivers the one-time-code mail. */
struct ua_mail_conf {
	char *smtp_url;           /* smtp://HOST[:PORT][/NAME] or smtps://... */
	char *smtp_user;          /* NULL: no SMTP AUTH */
	char *smtp_password_file; /* NULL with smtp_user; read at start */
	char *smtp_ca_file;       /* NULL: the system's trust store */
	enum ua_starttls smtp_starttls;
	char *sendmail; /* set: pipe to "PATH -i -f FROM -t", no SMTP */
	uint32_t retry_max_interval_ms;
	/* Derived from smtp_url by the parser. */
	bool smtp_tls;      /* smtps://: TLS from the first byte */
	bool smtp_loopback; /* host is localhost, 127.0.0.0/8 or [::1] */
};

/* A list of group names, or "*" for every user of the pool. */
struct ua_group_list {
	bool any;
	char **names;
	size_t n;
};

/* group_challenge: members of group get this first factor. */
struct ua_group_rule {
	char *group;
	bool email_otp; /* else password */
};

/* service_groups: who may use one PAM service. */
struct ua_service_rule {
	char *service;
	struct ua_group_list groups;
};

/* TOTP MFA of a pool (mfa = ..., totp_algorithm = ...). */
enum ua_mfa { UA_MFA_OFF = 0, UA_MFA_OPTIONAL, UA_MFA_REQUIRED };
enum ua_totp_alg { UA_TOTP_SHA1 = 0, UA_TOTP_SHA256, UA_TOTP_SHA512 };

struct ua_pool_conf {
	char *name;
	enum ua_backend backend;
	uint32_t uid_min, uid_max; /* users; their private group gid = uid */
	uint32_t gid_min, gid_max; /* named groups */
	char *home;                /* template: %u login, %p pool, %% */
	char *shell;
	char *mail_from;    /* From of the code mail; NULL: none */
	char *mail_subject; /* UTF-8, no control characters */
	struct ua_mail_template mail_template;
	int line; /* where [pool NAME] starts, for messages */
	/* login policy, as written (validated, inherited, dumped) ... */
	char *first_factors;      /* "password email_otp" */
	char *select_challenge_s; /* "yes" | "no" */
	char *group_challenge;    /* "GROUP:password GROUP:email_otp" */
	char *allow_groups_s;     /* "*" | "GROUP GROUP" */
	char *service_groups;     /* "SERVICE:GROUP,GROUP SERVICE:*" */
	uint32_t otp_lifetime;    /* seconds */
	uint32_t otp_tries;
	uint32_t otp_per_hour;
	uint32_t otp_per_day;
	uint32_t otp_resend_cooldown; /* seconds */
	uint32_t otp_min_answer_age;  /* seconds */
	uint32_t otp_answer_delay_ms; /* ms */
	char *mfa_s;                  /* "off" | "optional" | "required" */
	uint32_t totp_digits;         /* 6 or 8 */
	char *totp_algorithm_s;       /* "sha1" | "sha256" | "sha512" */
	uint32_t totp_period;         /* seconds */
	char *mfa_enrol_at_login_s;   /* "yes" | "no" */
	char *totp_issuer;            /* apps' label; NULL/"": host name */
	uint32_t login_notice_days;   /* mail a login from a source unused
				       * this long; 0: never */
	uint32_t password_min_length; /* characters, for new passwords */
	uint32_t invite_lifetime;     /* seconds an invitation code lives */
	/* throttling of failed factors (throttle.h, userauthd(8)) */
	uint32_t throttle_pair_after;    /* failures per account and rhost */
	uint32_t throttle_account_after; /* ... per account */
	uint32_t throttle_host_after;    /* ... per rhost, across accounts */
	uint32_t throttle_host_window;   /* seconds a host failure counts */
	uint32_t throttle_max_delay;     /* seconds: the longest wait */
	uint32_t lock_after;             /* consecutive account failures */
	char *fake_domains;              /* "d1 d2": shown for unknown names;
					  * NULL: common mail providers */
	/* backend = cognito (conf_cognito.c) */
	char *cognito_user_pool_id;        /* "eu-west-1_AbC123" */
	char *cognito_client_id;           /* the app client */
	char *cognito_region;              /* NULL: the pool id's prefix */
	char *cognito_endpoint;            /* NULL: the regional https URL */
	char *cognito_client_secret_file;  /* NULL: a client without */
	char *cognito_ca_file;             /* NULL: the system's CAs */
	uint32_t cognito_timeout_ms;       /* per request */
	char *cognito_uid_attribute;       /* "custom:uid"; NULL: hash of sub */
	uint32_t cognito_sync_interval;    /* seconds between syncs; 0: none */
	uint32_t cognito_sync_rate;        /* sync requests per second */
	char *cognito_credentials_file;    /* shared credentials INI, or NULL */
	char *cognito_credentials_profile; /* its section; NULL: default */
	char *cognito_imds_endpoint;       /* NULL: EC2's; "": no IMDS */
	/* ... derived */
	char *cognito_url;    /* where requests go */
	char *cognito_issuer; /* the tokens' iss */
	/* ... and as policy.c reads it (derived by the parser) */
	bool allow_password;
	bool allow_email_otp;
	bool select_challenge;
	enum ua_mfa mfa;
	enum ua_totp_alg totp_algorithm;
	bool mfa_enrol_at_login;
	struct ua_group_rule *group_rules;
	size_t ngroup_rules;
	struct ua_group_list allow_groups;
	struct ua_service_rule *service_rules;
	size_t nservice_rules;
};

struct ua_conf {
	char *path; /* the file it came from */
	/* [daemon] */
	char *user;        /* drop to this user when started as root */
	char *runtime_dir; /* sockets */
	char *state_dir;   /* database */
	char *nss_cache;   /* NSS cache file the daemon writes */
	char *admin_group; /* may use the admin socket besides root; NULL = root
			      only */
	uint32_t max_clients;       /* concurrent connections */
	uint32_t client_timeout_ms; /* per-frame read deadline */
	uint32_t login_lifetime;    /* seconds a conversation may last */
	uint32_t max_queue_wait;    /* seconds of queued hashing: busy */
	uint32_t hash_threads; /* password hashing workers; 0 = one per CPU */
	int log_level;         /* syslog priority: LOG_ERR .. LOG_DEBUG */
	struct ua_mail_conf mail; /* [mail] */
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
 * that ua_conf_parse accepts again.  admin_group without a group and the
 * unset optional mail keys print as empty values.
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
