/* SPDX-License-Identifier: MIT */
/*
 * The login loop: the daemon asks, the user answers, the daemon decides.
 * It must stay bounded (rounds and deadlines), close its socket and wipe
 * every answer on every path, and never decide anything itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <security/pam_ext.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "pam_userauth/converse.h"
#include "pam_userauth/login.h"

bool
uapam_valid_identifier(const char *s)
{
	size_t n, i;

	n = strnlen(s, UA_MAX_EMAIL + 1);
	if (n == 0 || n > UA_MAX_EMAIL || s[0] == '-' || s[0] == '+')
		return false;
	if (!ua_valid_utf8(s, n))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		/* U+0080..U+009F are C2 80..C2 9F in UTF-8. */
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
			return false;
	}
	return true;
}

/* A challenge name fit for a log line: [A-Z0-9_], at most 64 bytes. */
static bool
loggable_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 ||
		    !((s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0;
}

/* The RESULT's MESSAGE, if any, for the user (not under PAM_SILENT). */
static void
show_message(pam_handle_t *pamh, int flags, const struct ua_msg *res,
    int outcome)
{
	const char *text = ua_msg_get(res, UA_T_MESSAGE);

	if (text == NULL || (flags & PAM_SILENT))
		return;
	if (outcome == UAPAM_OUTCOME_OK)
		(void)pam_info(pamh, "%s", text);
	else
		(void)pam_error(pamh, "%s", text);
}

/* Outcome of a RESULT; for OK and ret_user, the canonical login too. */
static int
take_result(pam_handle_t *pamh, int flags, const struct ua_msg *res,
    char **ret_user)
{
	const char *canon;
	char *copy = NULL;
	int outcome;

	outcome = uapam_outcome(res);
	if (outcome < 0)
		return outcome;
	if (outcome == UAPAM_OUTCOME_OK && ret_user != NULL) {
		canon = ua_msg_get(res, UA_T_USER);
		if (canon != NULL && ua_valid_name(canon, NULL) < 0)
			return -EBADMSG;
		if (canon != NULL && (copy = strdup(canon)) == NULL)
			return -ENOMEM;
		*ret_user = copy;
	}
	show_message(pamh, flags, res, outcome);
	return outcome;
}

/*
 * try_first_pass: the password a module stacked before stored (pam_unix
 * in a pam-auth-update stack asks first), so the user is not asked twice.
 * 1 and a copy in *ret_answer, 0 when there is none (ask as usual).
 */
static int
stored_password(pam_handle_t *pamh, char **ret_answer)
{
	const void *item = NULL;
	char *copy;

	if (pam_get_item(pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS ||
	    item == NULL)
		return 0;
	if (strnlen(item, UA_MAX_PASSWORD + 1) > UA_MAX_PASSWORD)
		return -UAPAM_E_ANSWER_TOO_LONG;
	copy = strdup(item);
	if (copy == NULL)
		return -ENOMEM;
	*ret_answer = copy;
	return 1;
}

/*
 * Ask the user about chal and put the answer into a RESPOND.  *stored is
 * true until the stored password was offered once (try_first_pass).
 */
static int
answer_challenge(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    const struct ua_msg *chal, bool *stored, struct ua_msg *ret_req)
{
	const char *name = ua_msg_get(chal, UA_T_CHALLENGE);
	char *answer = NULL;
	int r = 0;

	if (name == NULL)
		return -EBADMSG;
	if (o->debug && loggable_name(name))
		pam_syslog(pamh, LOG_DEBUG, "challenge %s", name);
	if (*stored && strcmp(name, "PASSWORD") == 0) {
		*stored = false;
		r = stored_password(pamh, &answer);
		if (r > 0 && o->debug)
			pam_syslog(pamh, LOG_DEBUG,
			    "answering PASSWORD with the stored password");
	}
	if (r == 0)
		r = uapam_converse(pamh, flags, chal, &answer);
	if (r == -UAPAM_E_UNKNOWN_CHALLENGE)
		pam_syslog(pamh, LOG_ERR,
		    "the daemon asked for challenge %s, which this module "
		    "cannot prompt for: refusing",
		    loggable_name(name) ? name : "(malformed name)");
	if (r < 0)
		return r;
	ua_msg_init(ret_req, UA_MSG_RESPOND);
	r = ua_msg_add(ret_req, UA_T_CHALLENGE, name);
	if (r == 0)
		r = ua_msg_add(ret_req, UA_T_ANSWER, answer);
	ua_erase_free(answer);
	if (r < 0)
		ua_msg_clear(ret_req);
	return r;
}

int
uapam_login(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    const char *user, char **ret_user)
{
	struct ua_msg req, reply;
	bool stored = o->try_first_pass;
	int fd = -1, round, r;

	ua_msg_init(&req, 0);
	ua_msg_init(&reply, 0);
	r = uapam_connect(o, &fd);
	if (r < 0)
		goto out;
	r = uapam_request(pamh, o, UA_MSG_INITIATE, user, &req);
	if (r < 0)
		goto out;
	for (round = 0;; round++) {
		r = uapam_call(fd, o, &req, UA_MSG_CHALLENGE, &reply);
		ua_msg_clear(&req);
		if (r < 0)
			goto out;
		if (reply.type == UA_MSG_RESULT)
			break;
		if (round >= UAPAM_MAX_ROUNDS) {
			r = -ELOOP;
			goto out;
		}
		r = answer_challenge(pamh, o, flags, &reply, &stored, &req);
		ua_msg_clear(&reply);
		if (r < 0)
			goto out;
	}
	/* Hang up before the result is acted on: the daemon is done. */
	(void)close(fd);
	fd = -1;
	r = take_result(pamh, flags, &reply, ret_user);
out:
	ua_msg_clear(&req);
	ua_msg_clear(&reply);
	if (fd >= 0)
		(void)close(fd);
	return r;
}

/* Send one built request on a connection of its own; its RESULT decides. */
static int
one_round(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    const struct ua_msg *req)
{
	struct ua_msg reply;
	int fd = -1, r;

	ua_msg_init(&reply, 0);
	r = uapam_connect(o, &fd);
	if (r == 0)
		r = uapam_call(fd, o, req, UA_MSG_RESULT, &reply);
	if (r == 0)
		r = take_result(pamh, flags, &reply, NULL);
	ua_msg_clear(&reply);
	if (fd >= 0)
		(void)close(fd);
	return r;
}

int
uapam_ask(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    uint16_t type, const char *user)
{
	struct ua_msg req;
	int r;

	ua_msg_init(&req, 0);
	r = uapam_request(pamh, o, type, user, &req);
	if (r == 0)
		r = one_round(pamh, o, flags, &req);
	ua_msg_clear(&req);
	return r;
}

int
uapam_chpass(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    const char *user, const char *old, const char *new)
{
	struct ua_msg req;
	int r;

	ua_msg_init(&req, 0);
	r = uapam_request(pamh, o, UA_MSG_CHPASS, user, &req);
	if (r == 0)
		r = ua_msg_add(&req, UA_T_OLD_PASSWORD, old);
	if (r == 0)
		r = ua_msg_add(&req, UA_T_NEW_PASSWORD, new);
	if (r == 0)
		r = one_round(pamh, o, flags, &req);
	/* ua_msg_clear wipes: the request held both passwords. */
	ua_msg_clear(&req);
	return r;
}
