/* SPDX-License-Identifier: MIT */
/*
 * The userauth.conf key table and the setters that parse one value into
 * its field (or copy it for inheritance).  A value it does not fully
 * understand is refused, naming file, line and key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/valid.h"
#include "server/conf_int.h"
#include "server/conf_policy.h"
#include "server/defaults.h"
#include "server/log.h"

#define D(f) offsetof(struct ua_conf, f)
#define P(f) offsetof(struct ua_pool_conf, f)
#define M(f) offsetof(struct ua_conf, mail.f)
/* Every key the file may hold. */
const struct conf_key conf_keys[NKEYS] = {
	[KI_USER] = { "user", S_DAEMON, K_NAME, D(user), 0, 0 },
	[KI_RUNTIME_DIR] = { "runtime_dir", S_DAEMON, K_PATH, D(runtime_dir), 0,
	    0 },
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
	[KI_MAIL_SUBJECT] = { "mail_subject", S_POOL, K_TEXT, P(mail_subject),
	    1, UA_MAX_MAIL_SUBJECT },
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
	[KI_OTP_MIN_ANSWER_AGE] = { "otp_min_answer_age", S_POOL, K_UINT,
	    P(otp_min_answer_age), 0, UA_MAX_OTP_MIN_ANSWER_AGE },
	[KI_OTP_ANSWER_DELAY_MS] = { "otp_answer_delay_ms", S_POOL, K_UINT,
	    P(otp_answer_delay_ms), 0, UA_MAX_OTP_ANSWER_DELAY_MS },
	[KI_MFA] = { "mfa", S_POOL, K_POLICY, P(mfa_s), 1, 0 },
	[KI_TOTP_DIGITS] = { "totp_digits", S_POOL, K_UINT, P(totp_digits), 6,
	    8 },
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
	[KI_THROTTLE_PAIR_AFTER] = { "throttle_pair_after", S_POOL, K_UINT,
	    P(throttle_pair_after), 1, 100 },
	[KI_THROTTLE_ACCOUNT_AFTER] = { "throttle_account_after", S_POOL,
	    K_UINT, P(throttle_account_after), 1, 1000 },
	[KI_THROTTLE_HOST_AFTER] = { "throttle_host_after", S_POOL, K_UINT,
	    P(throttle_host_after), 1, 100000 },
	[KI_THROTTLE_HOST_WINDOW] = { "throttle_host_window", S_POOL, K_UINT,
	    P(throttle_host_window), 60, 86400 },
	[KI_THROTTLE_MAX_DELAY] = { "throttle_max_delay", S_POOL, K_UINT,
	    P(throttle_max_delay), 1, 86400 },
	[KI_LOCK_AFTER] = { "lock_after", S_POOL, K_UINT, P(lock_after), 1,
	    UA_MAX_LOCK_AFTER },
	[KI_LOGIN_LIFETIME] = { "login_lifetime", S_DAEMON, K_UINT,
	    D(login_lifetime), 10, 3600 },
	[KI_MAX_QUEUE_WAIT] = { "max_queue_wait", S_DAEMON, K_UINT,
	    D(max_queue_wait), 1, 600 },
	[KI_HASH_THREADS] = { "hash_threads", S_DAEMON, K_UINT, D(hash_threads),
	    0, UA_MAX_HASH_THREADS },
	[KI_FAKE_DOMAINS] = { "fake_domains", S_POOL, K_TEXT, P(fake_domains),
	    0, 512 },
	[KI_COGNITO_USER_POOL_ID] = { "cognito_user_pool_id", S_POOL, K_TEXT,
	    P(cognito_user_pool_id), 0, 55 },
	[KI_COGNITO_CLIENT_ID] = { "cognito_client_id", S_POOL, K_TEXT,
	    P(cognito_client_id), 0, 128 },
	[KI_COGNITO_REGION] = { "cognito_region", S_POOL, K_TEXT,
	    P(cognito_region), 0, 32 },
	[KI_COGNITO_ENDPOINT] = { "cognito_endpoint", S_POOL, K_TEXT,
	    P(cognito_endpoint), 0, 256 },
	[KI_COGNITO_CLIENT_SECRET_FILE] = { "cognito_client_secret_file",
	    S_POOL, K_OPTPATH, P(cognito_client_secret_file), 0, 0 },
	[KI_COGNITO_CA_FILE] = { "cognito_ca_file", S_POOL, K_OPTPATH,
	    P(cognito_ca_file), 0, 0 },
	[KI_COGNITO_TIMEOUT] = { "cognito_timeout", S_POOL, K_SECONDS,
	    P(cognito_timeout_ms), 1, 30 },
	[KI_COGNITO_UID_ATTRIBUTE] = { "cognito_uid_attribute", S_POOL, K_TEXT,
	    P(cognito_uid_attribute), 0, 64 },
	[KI_COGNITO_SYNC_INTERVAL] = { "cognito_sync_interval", S_POOL, K_UINT,
	    P(cognito_sync_interval), 0, 86400 },
	[KI_COGNITO_SYNC_RATE] = { "cognito_sync_rate", S_POOL, K_UINT,
	    P(cognito_sync_rate), 1, 100 },
	[KI_COGNITO_CREDENTIALS_FILE] = { "cognito_credentials_file", S_POOL,
	    K_OPTPATH, P(cognito_credentials_file), 0, 0 },
	[KI_COGNITO_CREDENTIALS_PROFILE] = { "cognito_credentials_profile",
	    S_POOL, K_TEXT, P(cognito_credentials_profile), 0, 64 },
	[KI_COGNITO_IMDS_ENDPOINT] = { "cognito_imds_endpoint", S_POOL, K_TEXT,
	    P(cognito_imds_endpoint), 0, 256 },
	[KI_LOGIN_NOTICE_DAYS] = { "login_notice_days", S_POOL, K_UINT,
	    P(login_notice_days), 0, 3650 },
	[KI_TOTP_ISSUER] = { "totp_issuer", S_POOL, K_TEXT, P(totp_issuer), 0,
	    UA_MAX_TOTP_ISSUER },
};
#undef D
#undef P
#undef M

const struct conf_level conf_levels[CONF_NLEVELS] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

/* An empty value means "none" (or "built-in") for these keys. */
static bool
empty_ok(const struct conf_key *k)
{
	return k->type == K_GROUP || k->type == K_ADDR ||
	    k->type == K_OPTPATH || k->type == K_TEMPLATE ||
	    ((k->type == K_TEXT || k->type == K_POLICY) && k->min == 0);
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
		if (conf_valid_path(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		r = conf_template_read(P, val, &text);
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
set_mail_value(const struct parser *P, const struct conf_key *k, void *field,
    const char *val)
{
	char addr[UA_MAX_EMAIL + 1], msg[64];
	const char *why = NULL;
	bool tls, loopback;

	if (*val == '\0') /* empty_ok(k) held */
		return set_str(field, NULL);
	switch (k->type) {
	case K_ADDR:
		if (ua_email_normalize(val, addr, sizeof(addr), &why) < 0)
			return bad_value(P, k, val,
			    why ? why : "not an email address");
		return set_str(field, addr);
	case K_TEXT:
		if (strlen(val) > k->max) {
			(void)snprintf(msg, sizeof(msg), "longer than %u bytes",
			    k->max);
			return bad_value(P, k, val, msg);
		}
		if (conf_text_check(val, &why) < 0)
			return bad_value(P, k, val, why);
		return set_str(field, val);
	case K_OPTPATH:
		if (conf_valid_path(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		return set_str(field, val);
	case K_URL:
		if (conf_smtp_url_check(val, &tls, &loopback, &why) < 0)
			return bad_value(P, k, val, why);
		return set_str(field, val);
	case K_STARTTLS:
		if (strcmp(val, "auto") == 0 || strcmp(val, "required") == 0) {
			*(enum ua_starttls *)field = val[0] == 'a'
			    ? UA_STARTTLS_AUTO
			    : UA_STARTTLS_REQUIRED;
			return 0;
		}
		return bad_value(P, k, val, "expected required or auto");
	default:
		break;
	}
	return -EINVAL;
}

int
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
		if (conf_valid_path(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		return set_str(field, val);
	case K_HOME:
		if (conf_home_check(val, &why) < 0)
			return bad_value(P, k, val, why ? why : "not a path");
		return set_str(field, val);
	case K_UINT:
	case K_SECONDS:
		if (ua_parse_uint(val, k->min, k->max, &n) < 0) {
			(void)snprintf(msg, sizeof(msg),
			    "expected a whole "
			    "number from %u to %u",
			    k->min, k->max);
			return bad_value(P, k, val, msg);
		}
		*(uint32_t *)field =
		    (uint32_t)(k->type == K_SECONDS ? n * 1000 : n);
		return 0;
	case K_LEVEL:
		for (i = 0; i < CONF_NLEVELS; i++)
			if (strcmp(val, conf_levels[i].name) == 0) {
				*(int *)field = conf_levels[i].prio;
				return 0;
			}
		return bad_value(P, k, val,
		    "expected error, warning, "
		    "notice, info or debug");
	case K_BACKEND:
		if (strcmp(val, "local") == 0) {
			*(enum ua_backend *)field = UA_BACKEND_LOCAL;
			return 0;
		}
		if (strcmp(val, "cognito") == 0) {
			*(enum ua_backend *)field = UA_BACKEND_COGNITO;
			return 0;
		}
		return bad_value(P, k, val, "expected local or cognito");
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

int
conf_copy_value(const struct conf_key *k, void *dst, const void *src)
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
