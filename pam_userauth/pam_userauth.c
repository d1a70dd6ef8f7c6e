/* SPDX-License-Identifier: MIT */
/*
 * pam_userauth.so entry points: module options and PAM items in, PAM
 * return values out; userauthd decides everything in between.  It must
 * never return success (or PAM_IGNORE) from authentication without the
 * daemon's OK, and must fail closed when the daemon cannot be asked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client/proto.h"
#include "client/wipe.h"
#include "pam_userauth/client.h"
#include "pam_userauth/converse.h"
#include "pam_userauth/login.h"
#include "pam_userauth/options.h"

#define UAPAM_EXPORT __attribute__((visibility("default")))
/* SECURITY.md 6c: at least 2 s on every failure; libpam randomises it. */
#define UAPAM_FAIL_DELAY_US 2000000u
/* Asked when the application has no user yet (login, screen lockers). */
#define UAPAM_USER_PROMPT "Email: "

/* Parse the arguments; a bad one is logged and fails the phase. */
static int
load_opts(pam_handle_t *pamh, int argc, const char **argv, struct uapam_opts *o)
{
	const char *arg = NULL, *why = NULL;

	if (uapam_opts_parse(argc, argv, o, &arg, &why) == 0)
		return PAM_SUCCESS;
	if (arg != NULL)
		pam_syslog(pamh, LOG_ERR, "option '%.128s': %s", arg, why);
	else
		pam_syslog(pamh, LOG_ERR, "%s", why);
	return PAM_SERVICE_ERR;
}

static int
get_user(pam_handle_t *pamh, const char *prompt, const char **ret_user)
{
	const char *user = NULL;
	int rc;

	rc = pam_get_user(pamh, &user, prompt);
	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS)
		return rc;
	if (user == NULL)
		return PAM_SERVICE_ERR;
	*ret_user = user;
	return PAM_SUCCESS;
}

/*
 * Log why the daemon could not be asked (never the answer itself), naming
 * the user: when the daemon never saw the login, or not its end, this is
 * the only trace of the failure.  The service is in pam_syslog's prefix.
 */
static void
log_error(pam_handle_t *pamh, const struct uapam_opts *o, int r,
    const char *user)
{
	switch (-r) {
	case UAPAM_E_UNKNOWN_CHALLENGE:
		break; /* login.c named the challenge */
	case UAPAM_E_CONV:
		if (o->debug)
			pam_syslog(pamh, LOG_DEBUG, "conversation failed");
		break;
	case UAPAM_E_ANSWER_TOO_LONG:
		pam_syslog(pamh, LOG_NOTICE,
		    "refusing an answer longer than %d bytes", UA_MAX_PASSWORD);
		break;
	case UAPAM_E_BAD_CHOICE:
		pam_syslog(pamh, LOG_NOTICE, "no valid sign-in choice made");
		break;
	case EPERM:
		pam_syslog(pamh, LOG_ERR,
		    "user '%s': '%s' is not trusted: the socket and its "
		    "listener must be root's and its directory not writable "
		    "by others",
		    user, o->socket);
		break;
	case ELOOP:
		pam_syslog(pamh, LOG_ERR,
		    "user '%s': userauthd at '%s' sent more than %d challenges",
		    user, o->socket, UAPAM_MAX_ROUNDS);
		break;
	default:
		errno = -r;
		pam_syslog(pamh, LOG_ERR,
		    "user '%s': userauthd at '%s': %m; "
		    "result=unavailable",
		    user, o->socket);
		break;
	}
}

/*
 * What each phase returns for the daemon's outcome: one row per phase,
 * one column per outcome (UNAVAILABLE and anything unknown:
 * PAM_AUTHINFO_UNAVAIL).
 */
enum phase { PH_AUTH, PH_ACCT, PH_CHPASS };
static const int outcome_pam[][UAPAM_OUTCOME_UNAVAILABLE + 1] = {
	[PH_AUTH] = {
		[UAPAM_OUTCOME_OK] = PAM_SUCCESS,
		[UAPAM_OUTCOME_FAIL] = PAM_AUTH_ERR,
		[UAPAM_OUTCOME_DENIED] = PAM_PERM_DENIED,
		[UAPAM_OUTCOME_UNAVAILABLE] = PAM_AUTHINFO_UNAVAIL,
	},
	[PH_ACCT] = {
		[UAPAM_OUTCOME_OK] = PAM_SUCCESS,
		[UAPAM_OUTCOME_FAIL] = PAM_USER_UNKNOWN,
		[UAPAM_OUTCOME_DENIED] = PAM_PERM_DENIED,
		[UAPAM_OUTCOME_UNAVAILABLE] = PAM_AUTHINFO_UNAVAIL,
	},
	[PH_CHPASS] = {
		[UAPAM_OUTCOME_OK] = PAM_SUCCESS,
		[UAPAM_OUTCOME_FAIL] = PAM_AUTHTOK_ERR,
		[UAPAM_OUTCOME_DENIED] = PAM_AUTHTOK_ERR,
		[UAPAM_OUTCOME_UNAVAILABLE] = PAM_AUTHINFO_UNAVAIL,
	},
};

static int
phase_status(enum phase ph, int outcome)
{
	if (outcome < 0 || outcome > UAPAM_OUTCOME_UNAVAILABLE)
		return PAM_AUTHINFO_UNAVAIL;
	return outcome_pam[ph][outcome];
}

/* An outcome (>= 0) or an error as the return value of auth. */
static int
auth_status(int r)
{
	return r < 0 ? uapam_status(r) : phase_status(PH_AUTH, r);
}

/* The daemon may name the canonical login for what the user typed. */
static int
set_canonical_user(pam_handle_t *pamh, const char *user, const char *canon)
{
	if (canon == NULL || strcmp(canon, user) == 0)
		return PAM_SUCCESS;
	return pam_set_item(pamh, PAM_USER, canon);
}

UAPAM_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct uapam_opts o;
	const char *user = NULL;
	char *canon = NULL;
	int r, rc;

	rc = load_opts(pamh, argc, argv, &o);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = get_user(pamh, UAPAM_USER_PROMPT, &user);
	if (rc != PAM_SUCCESS)
		return rc;
	/*
	 * A malformed identifier cannot name anybody: refuse it before any
	 * prompt.  What it reveals is only that it is malformed.
	 */
	if (!uapam_valid_identifier(user)) {
		pam_syslog(pamh, LOG_NOTICE,
		    "refusing a malformed identifier (%zu bytes)",
		    strlen(user));
		rc = PAM_AUTH_ERR;
		goto out;
	}
	r = uapam_login(pamh, &o, flags, user, &canon);
	if (r < 0)
		log_error(pamh, &o, r, user);
	rc = auth_status(r);
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "user '%s'%s%s: %s", user,
		    canon != NULL ? " is " : "", canon != NULL ? canon : "",
		    pam_strerror(pamh, rc));
	if (rc == PAM_SUCCESS)
		rc = set_canonical_user(pamh, user, canon);
out:
	free(canon);
	if (rc == PAM_AUTH_ERR)
		(void)pam_fail_delay(pamh, UAPAM_FAIL_DELAY_US);
	return rc;
}

UAPAM_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct uapam_opts o;

	(void)flags;
	/* No credentials to set: groups come from NSS. */
	return load_opts(pamh, argc, argv, &o);
}

UAPAM_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct uapam_opts o;
	const char *user = NULL;
	int r, rc;

	rc = load_opts(pamh, argc, argv, &o);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = get_user(pamh, NULL, &user);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!uapam_valid_identifier(user))
		return PAM_USER_UNKNOWN;
	r = uapam_ask(pamh, &o, flags, UA_MSG_ACCT, user);
	if (r < 0) {
		log_error(pamh, &o, r, user);
		return uapam_status(r);
	}
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "account '%s': outcome %d", user,
		    r);
	return phase_status(PH_ACCT, r);
}

UAPAM_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct uapam_opts o;
	const char *user = NULL;
	int r, rc;

	rc = load_opts(pamh, argc, argv, &o);
	if (rc != PAM_SUCCESS)
		return rc;
	/* Best effort: a session note must not keep anyone out. */
	rc = get_user(pamh, NULL, &user);
	if (rc != PAM_SUCCESS || !uapam_valid_identifier(user)) {
		pam_syslog(pamh, LOG_WARNING,
		    "session not recorded: no valid user");
		return PAM_SUCCESS;
	}
	r = uapam_ask(pamh, &o, flags, UA_MSG_SESSION, user);
	if (r < 0)
		log_error(pamh, &o, r, user);
	else if (r != UAPAM_OUTCOME_OK)
		pam_syslog(pamh, LOG_WARNING,
		    "session of '%s' not recorded (outcome %d)", user, r);
	return PAM_SUCCESS;
}

UAPAM_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct uapam_opts o;

	(void)flags;
	return load_opts(pamh, argc, argv, &o);
}

/* Is user a pool user?  1 yes, 0 no, < 0 the daemon cannot say. */
static int
pool_user(pam_handle_t *pamh, const struct uapam_opts *o, const char *user)
{
	int r;

	if (!uapam_valid_identifier(user))
		return 0;
	r = uapam_ask(pamh, o, PAM_SILENT, UA_MSG_ACCT, user);
	if (r < 0) {
		log_error(pamh, o, r, user);
		return r;
	}
	if (r == UAPAM_OUTCOME_UNAVAILABLE)
		return -EIO;
	return r == UAPAM_OUTCOME_OK || r == UAPAM_OUTCOME_DENIED;
}

/*
 * Password change for pool users (passwd(1)).  PAM_PRELIM_CHECK: is this
 * a pool user (else PAM_IGNORE) and is the daemon there.
 * PAM_UPDATE_AUTHTOK: the current password (PAM_OLDAUTHTOK, or asked as
 * "Current password: "), the new one from pam_get_authtok(3) (which
 * honours use_authtok, so pam_pwquality can be stacked before us), then
 * one CHPASS: the daemon checks the old password and the pool's policy.
 */
UAPAM_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct uapam_opts o;
	const char *user = NULL, *old = NULL, *new = NULL;
	char *typed = NULL;
	int r, rc;

	rc = load_opts(pamh, argc, argv, &o);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = get_user(pamh, NULL, &user);
	if (rc != PAM_SUCCESS)
		return rc;
	r = pool_user(pamh, &o, user);
	if (r < 0)
		return (flags & PAM_PRELIM_CHECK) ? PAM_TRY_AGAIN
						  : PAM_AUTHINFO_UNAVAIL;
	if (r == 0)
		return PAM_IGNORE;
	if (flags & PAM_PRELIM_CHECK)
		return PAM_SUCCESS;
	if (!(flags & PAM_UPDATE_AUTHTOK))
		return PAM_SERVICE_ERR;
	if (pam_get_item(pamh, PAM_OLDAUTHTOK, (const void **)&old) !=
		PAM_SUCCESS ||
	    old == NULL) {
		rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &typed,
		    UAPAM_PROMPT_CURRENT);
		if (rc != PAM_SUCCESS || typed == NULL) {
			ua_erase_free(typed);
			return PAM_AUTHTOK_RECOVERY_ERR;
		}
		rc = pam_set_item(pamh, PAM_OLDAUTHTOK, typed);
		ua_erase_free(typed);
		if (rc != PAM_SUCCESS ||
		    pam_get_item(pamh, PAM_OLDAUTHTOK, (const void **)&old) !=
			PAM_SUCCESS ||
		    old == NULL)
			return PAM_AUTHTOK_RECOVERY_ERR;
	}
	rc = pam_get_authtok(pamh, PAM_AUTHTOK, &new, NULL);
	if (rc != PAM_SUCCESS || new == NULL)
		return rc != PAM_SUCCESS ? rc : PAM_AUTHTOK_ERR;
	r = uapam_chpass(pamh, &o, flags, user, old, new);
	if (r < 0) {
		log_error(pamh, &o, r, user);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "password change '%s': outcome %d",
		    user, r);
	return phase_status(PH_CHPASS, r);
}
