/* SPDX-License-Identifier: MIT */
/*
 * Every default and limit of userauth.conf in one place, so that the
 * parser, --dump-config and userauth.conf(5) cannot drift apart.  Only
 * constants live here; nothing in this header may depend on the host.
 */
#ifndef UA_DEFAULTS_H
#define UA_DEFAULTS_H

#include <syslog.h>

/* config.h (forced in by AM_CPPFLAGS) holds the configure-time paths. */
#define UA_DEFAULT_CONFIG UA_CONFIG_PATH

/* [daemon] */
#define UA_DEFAULT_USER "userauth"
#define UA_DEFAULT_RUNTIME_DIR UA_RUNTIME_DIR
#define UA_DEFAULT_STATE_DIR UA_STATE_DIR
#define UA_DEFAULT_NSS_CACHE UA_NSS_CACHE_PATH
/* admin_group: none, only root may use the admin socket. */
#define UA_DEFAULT_MAX_CLIENTS 256
#define UA_MIN_MAX_CLIENTS 1
#define UA_MAX_MAX_CLIENTS 65536
#define UA_DEFAULT_CLIENT_TIMEOUT 5 /* seconds; SECURITY.md S24 */
#define UA_MIN_CLIENT_TIMEOUT 1
#define UA_MAX_CLIENT_TIMEOUT 60
#define UA_DEFAULT_LOG_LEVEL LOG_INFO

/* Pool keys ([defaults], then the built-in values below). */
#define UA_DEFAULT_BACKEND UA_BACKEND_LOCAL
/*
 * One pool can use these as they are; a second pool must set its own
 * ranges (the parser refuses two pools that both inherit them).  Above
 * the login.defs UID_MAX (60000), below systemd's container ranges.
 */
#define UA_DEFAULT_UID_MIN 200000
#define UA_DEFAULT_UID_MAX 299999
#define UA_DEFAULT_GID_MIN 300000
#define UA_DEFAULT_GID_MAX 399999
#define UA_DEFAULT_HOME "/home/%u"
#define UA_DEFAULT_SHELL "/bin/bash"

/*
 * Pool mail keys.  mail_from has no default: a pool without it sends no
 * mail (a made-up sender is what relays and spam filters reject).
 */
#define UA_DEFAULT_MAIL_SUBJECT "Your sign-in code"
#define UA_MAX_MAIL_SUBJECT 200   /* bytes of UTF-8 */
#define UA_MAX_MAIL_TEMPLATE 4096 /* bytes of the template file */
#define UA_MAX_MAIL_LINE 900      /* a template line, expanded; RFC 5322: 998 */
#define UA_DEFAULT_MAIL_TEMPLATE                                               \
	"Your sign-in code is %c\n"                                            \
	"\n"                                                                   \
	"It is valid for %m minutes. If you did not try to sign in, "          \
	"ignore this message.\n"

/* [mail]; SECURITY.md 6c "Mail retry" and "SMTP timeouts". */
#define UA_DEFAULT_SMTP_URL "smtp://127.0.0.1:25"
#define UA_DEFAULT_SMTP_STARTTLS UA_STARTTLS_AUTO
#define UA_MAX_SMTP_USER 256             /* bytes */
#define UA_MAX_SMTP_PASSWORD 1024        /* bytes of the password file's line */
#define UA_DEFAULT_RETRY_MAX_INTERVAL 30 /* seconds */
#define UA_MIN_RETRY_MAX_INTERVAL 1
#define UA_MAX_RETRY_MAX_INTERVAL 300
#define UA_MAIL_CONNECT_TIMEOUT 5   /* seconds */
#define UA_MAIL_RESPONSE_TIMEOUT 10 /* seconds, banner and each reply */
#define UA_MAIL_ATTEMPT_TIMEOUT 30  /* seconds, one whole attempt */
#define UA_MAIL_EXPIRY_MARGIN 10    /* seconds: give up this long before */

/* Every uid_* and gid_* value lies in [UA_ID_MIN, UA_ID_MAX]. */
#define UA_ID_MIN 1000       /* system accounts live below */
#define UA_ID_MAX 2147483647 /* fits a signed 32-bit id */
/* No range may contain these: nobody/nogroup and (uid_t)-1 as 16 bit. */
#define UA_ID_NOBODY 65534
#define UA_ID_16BIT_INVALID 65535

/* Login policy of a pool (userauth.conf(5)). */
#define UA_DEFAULT_FIRST_FACTORS "password email_otp"
#define UA_DEFAULT_SELECT_CHALLENGE "no"
#define UA_DEFAULT_ALLOW_GROUPS "*"
#define UA_DEFAULT_OTP_LIFETIME 180 /* seconds (SECURITY.md S8) */
#define UA_MIN_OTP_LIFETIME 30
#define UA_MAX_OTP_LIFETIME 600 /* NIST: at most 10 minutes */
#define UA_DEFAULT_OTP_TRIES 3  /* S9 */
#define UA_MAX_OTP_TRIES 10
#define UA_DEFAULT_PASSWORD_MIN_LENGTH 12
#define UA_DEFAULT_INVITE_LIFETIME 259200 /* seconds: 72 hours */
#define UA_MIN_INVITE_LIFETIME 3600
#define UA_MAX_INVITE_LIFETIME 2592000 /* 30 days */
#define UA_INVITE_MAIL_SUBJECT "Your invitation"
#define UA_NOTICE_MAIL_SUBJECT "New sign-in to your account"
/* userauthctl mail test: what the relay is sent */
#define UA_TEST_MAIL_SUBJECT "Test mail from the sign-in service"
#define UA_TEST_MAIL_TEMPLATE                                                  \
	"This is a test of the mail relay of the sign-in service on %h\n"      \
	"(pool %p), sent by its administrator. It needs no action.\n"
/* %h: the host name, %v: the validity in words ("3 days"). */
#define UA_INVITE_MAIL_TEMPLATE                                                \
	"You have been invited to sign in to %h (%p accounts).\n"              \
	"\n"                                                                   \
	"Your invitation code is %c\n"                                         \
	"\n"                                                                   \
	"Sign in to %h with your login name or email address and enter\n"      \
	"this code when asked; then choose your password.\n"                   \
	"The code is valid for %v and can be used once.\n"
/* ... in a pool without passwords (first_factors = email_otp). */
#define UA_INVITE_MAIL_TEMPLATE_CODES                                          \
	"You have been invited to sign in to %h (%p accounts).\n"              \
	"\n"                                                                   \
	"Your invitation code is %c\n"                                         \
	"\n"                                                                   \
	"Sign in to %h with your login name or email address and enter\n"      \
	"this code when asked. After that, each sign-in mails you a new\n"     \
	"code; there is no password to choose.\n"                              \
	"The code is valid for %v and can be used once.\n"
#define UA_MIN_PASSWORD_MIN_LENGTH 8
#define UA_MAX_PASSWORD_MIN_LENGTH 128
#define UA_DEFAULT_OTP_PER_HOUR 5 /* S10 */
#define UA_DEFAULT_OTP_PER_DAY 10
#define UA_DEFAULT_OTP_RESEND_COOLDOWN 30
/* A code's answer is replied to no sooner than this long after its
 * challenge (seconds): the reply then tells nothing of the mail that was
 * being sent meanwhile (SECURITY.md S3; userauth.conf(5)). */
#define UA_DEFAULT_OTP_MIN_ANSWER_AGE 1
#define UA_MAX_OTP_MIN_ANSWER_AGE 5
/* ... and no sooner than this long after the answer itself (ms), however
 * late it came: the real path's own work (its code row is read and
 * written) then tells nothing either (BENCHMARKS.md, the fourth run). */
#define UA_DEFAULT_OTP_ANSWER_DELAY_MS 50
#define UA_MAX_OTP_ANSWER_DELAY_MS 1000

/* TOTP MFA of a pool (SECURITY.md S12, S13; userauth.conf(5)). */
#define UA_DEFAULT_MFA "off"             /* off | optional | required */
#define UA_DEFAULT_TOTP_DIGITS 6         /* 6 or 8 */
#define UA_DEFAULT_TOTP_ALGORITHM "sha1" /* sha1 | sha256 | sha512 */
#define UA_DEFAULT_TOTP_PERIOD 30        /* seconds */
#define UA_MIN_TOTP_PERIOD 15
#define UA_MAX_TOTP_PERIOD 120
#define UA_MAX_TOTP_ISSUER 64 /* bytes of UTF-8 */
#define UA_DEFAULT_MFA_ENROL_AT_LOGIN "no"

/*
 * Throttling of failed factors (SECURITY.md S11, 6c; throttle.h): a
 * bucket past its threshold t waits 2^(n-t) s after its n-th failure, at
 * most max_delay; the account locks at lock_after consecutive failures.
 * The host bucket forgets failures older than its window.
 */
#define UA_DEFAULT_THROTTLE_PAIR_AFTER 5
#define UA_DEFAULT_THROTTLE_ACCOUNT_AFTER 20
#define UA_DEFAULT_THROTTLE_HOST_AFTER 50
#define UA_DEFAULT_THROTTLE_HOST_WINDOW 3600 /* seconds */
#define UA_DEFAULT_THROTTLE_MAX_DELAY 900    /* seconds: 15 min */
#define UA_DEFAULT_LOCK_AFTER 100
#define UA_MAX_LOCK_AFTER 100 /* S27: no higher */

/* Public conversations and the hash queue (userauthd(8)). */
#define UA_DEFAULT_LOGIN_LIFETIME 120 /* seconds: sshd's LoginGraceTime */
#define UA_DEFAULT_MAX_QUEUE_WAIT 30  /* seconds of queued hashing */
#define UA_DEFAULT_COGNITO_TIMEOUT 5  /* seconds per Cognito request */
#define UA_DEFAULT_COGNITO_SYNC_INTERVAL 300 /* seconds between NSS syncs */
#define UA_DEFAULT_COGNITO_SYNC_RATE 5       /* sync requests per second */
#define UA_LOOP_BUSY_MS 250    /* the event loop's wait for a DB lock */
#define UA_MAX_HASH_THREADS 64 /* workq.c's WORKQ_MAX_THREADS */

#endif
