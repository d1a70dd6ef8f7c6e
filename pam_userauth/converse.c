/* SPDX-License-Identifier: MIT */
/*
 * Turns the daemon's CHALLENGE messages into PAM conversation calls and
 * the user's replies into answers.  It must put each prompt and its text
 * in one call, never let a reply escape unwiped, and refuse a challenge it
 * does not know instead of guessing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "pam_userauth/converse.h"

#define MAX_MSGS 4

/* A conversation call being put together: texts, then one prompt. */
struct convo {
	struct pam_message m[MAX_MSGS];
	int n;
};

/* A way to sign in that SELECT_CHALLENGE may offer. */
struct choice {
	const char *name;  /* challenge name on the wire */
	const char *label; /* what the menu says */
	const char *word;  /* what the user may type instead of a digit */
	const char *word2; /* or NULL */
};

static const struct choice choices[] = {
	{ "PASSWORD", "password", "password", NULL },
	{ "EMAIL_OTP", "a code by email", "email", "code" },
};
#define N_CHOICES (sizeof(choices) / sizeof(choices[0]))

/* Add a message; a NULL text (an absent field) adds nothing. */
static void
convo_add(struct convo *c, int style, const char *text)
{
	if (text == NULL || c->n >= MAX_MSGS)
		return;
	c->m[c->n].msg_style = style;
	c->m[c->n].msg = text;
	c->n++;
}

static void
free_replies(struct pam_response *resp, int n)
{
	int i;

	if (resp == NULL)
		return;
	for (i = 0; i < n; i++)
		ua_erase_free(resp[i].resp);
	free(resp);
}

/*
 * One conversation call; the last message is the prompt and its reply is
 * handed out.  This calls the conversation function itself because
 * pam_prompt() and pam_info() send one message per call, and sshd shows
 * a lone info message only with the next prompt.
 */
static int
convo_ask(pam_handle_t *pamh, const struct convo *c, char **ret_answer)
{
	const struct pam_conv *conv = NULL;
	const struct pam_message *mp[MAX_MSGS];
	struct pam_response *resp = NULL;
	char *answer;
	int i, r;

	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    conv == NULL || conv->conv == NULL || c->n == 0)
		return -ECANCELED;
	for (i = 0; i < c->n; i++)
		mp[i] = &c->m[i];
	r = conv->conv(c->n, mp, &resp, conv->appdata_ptr);
	if (r != PAM_SUCCESS || resp == NULL) {
		free_replies(resp, c->n);
		return -ECANCELED;
	}
	answer = resp[c->n - 1].resp;
	resp[c->n - 1].resp = NULL;
	free_replies(resp, c->n);
	if (answer == NULL)
		return -ECANCELED;
	/* S17: no answer the daemon would take is longer than this. */
	if (strnlen(answer, UA_MAX_PASSWORD + 1) > UA_MAX_PASSWORD) {
		ua_erase_free(answer);
		return -EOVERFLOW;
	}
	*ret_answer = answer;
	return 0;
}

/*
 * One prompt for password users, exactly "Password: " (sudo -S and
 * Ansible depend on it).  The "a code instead" hint is the daemon's INFO:
 * only it knows whether this pool offers codes.  PAM_SILENT leaves the
 * prompt alone.
 */
static int
ask_password(pam_handle_t *pamh, int flags, const struct ua_msg *chal,
    char **ret_answer)
{
	struct convo c = { .n = 0 };

	if (!(flags & PAM_SILENT)) {
		convo_add(&c, PAM_TEXT_INFO, ua_msg_get(chal, UA_T_INFO));
		convo_add(&c, PAM_ERROR_MSG, ua_msg_get(chal, UA_T_MESSAGE));
	}
	convo_add(&c, PAM_PROMPT_ECHO_OFF, UAPAM_PROMPT_PASSWORD);
	return convo_ask(pamh, &c, ret_answer);
}

/*
 * Where the code went and why we ask again belong to the question, so
 * they are shown under PAM_SILENT too.
 */
static int
ask_code(pam_handle_t *pamh, const struct ua_msg *chal, char **ret_answer)
{
	struct convo c = { .n = 0 };
	char sent[UA_MAX_EMAIL + 32];
	const char *info, *dest;

	info = ua_msg_get(chal, UA_T_INFO);
	dest = ua_msg_get(chal, UA_T_DESTINATION);
	if (info == NULL && dest != NULL) {
		if (ua_snprintf(sent, sizeof(sent), "A code was sent to %s.",
			dest) < 0)
			return -EBADMSG;
		info = sent;
	}
	convo_add(&c, PAM_TEXT_INFO, info);
	convo_add(&c, PAM_ERROR_MSG, ua_msg_get(chal, UA_T_MESSAGE));
	convo_add(&c, PAM_PROMPT_ECHO_OFF, UAPAM_PROMPT_CODE);
	return convo_ask(pamh, &c, ret_answer);
}

/*
 * AVAILABLE ("PASSWORD,EMAIL_OTP") as menu entries, in the daemon's order.
 * Names this module cannot prompt for are left out; none left is
 * -ENOTSUP, a repeated name -EBADMSG.
 */
static int
parse_available(const char *s, const struct choice *av[N_CHOICES],
    size_t *ret_n)
{
	size_t n = 0, len, i, k;

	if (s == NULL)
		return -EBADMSG;
	for (;;) {
		len = strcspn(s, ",");
		for (i = 0; i < N_CHOICES; i++)
			if (strlen(choices[i].name) == len &&
			    strncmp(s, choices[i].name, len) == 0)
				break;
		if (i < N_CHOICES) {
			for (k = 0; k < n; k++)
				if (av[k] == &choices[i])
					return -EBADMSG;
			av[n++] = &choices[i];
		}
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	if (n == 0)
		return -ENOTSUP;
	*ret_n = n;
	return 0;
}

static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* s (len bytes) equals word, ASCII case-insensitively (no locale). */
static bool
word_is(const char *s, size_t len, const char *word)
{
	size_t i;

	if (word == NULL || strlen(word) != len)
		return false;
	for (i = 0; i < len; i++)
		if (ascii_lower(s[i]) != ascii_lower(word[i]))
			return false;
	return true;
}

/* The menu entry the user meant: its digit, its word or its name. */
static const struct choice *
pick(const char *answer, const struct choice *const *av, size_t n)
{
	size_t len, k;

	answer += strspn(answer, " \t");
	len = strlen(answer);
	while (len > 0 && (answer[len - 1] == ' ' || answer[len - 1] == '\t'))
		len--;
	if (len == 1 && answer[0] >= '1' && (size_t)(answer[0] - '0') <= n)
		return av[answer[0] - '1'];
	for (k = 0; k < n; k++)
		if (word_is(answer, len, av[k]->word) ||
		    word_is(answer, len, av[k]->word2) ||
		    word_is(answer, len, av[k]->name))
			return av[k];
	return NULL;
}

static int
ask_select(pam_handle_t *pamh, const struct ua_msg *chal, char **ret_answer)
{
	const struct choice *av[N_CHOICES], *chosen = NULL;
	char menu[128], prompt[32], again[32];
	char *answer = NULL;
	size_t n;
	int r, tries;

	r = parse_available(ua_msg_get(chal, UA_T_AVAILABLE), av, &n);
	if (r < 0)
		return r;
	if (n == 1)
		r = ua_snprintf(menu, sizeof(menu), "Sign in with: 1) %s",
		    av[0]->label);
	else
		r = ua_snprintf(menu, sizeof(menu), "Sign in with: 1) %s 2) %s",
		    av[0]->label, av[1]->label);
	if (r >= 0)
		r = ua_snprintf(prompt, sizeof(prompt),
		    "Choice [%s]: ", n == 1 ? "1" : "1/2");
	if (r >= 0)
		r = ua_snprintf(again, sizeof(again), "Please answer %s.",
		    n == 1 ? "1" : "1 or 2");
	if (r < 0)
		return r;
	for (tries = 0; tries < UAPAM_SELECT_TRIES && chosen == NULL; tries++) {
		struct convo c = { .n = 0 };

		convo_add(&c, PAM_TEXT_INFO, menu);
		convo_add(&c, PAM_ERROR_MSG,
		    tries == 0 ? ua_msg_get(chal, UA_T_MESSAGE) : again);
		convo_add(&c, PAM_PROMPT_ECHO_ON, prompt);
		r = convo_ask(pamh, &c, &answer);
		if (r < 0 && r != -EOVERFLOW)
			return r;
		if (r == 0)
			chosen = pick(answer, av, n);
		ua_erase_free(answer);
		answer = NULL;
	}
	if (chosen == NULL)
		return -EDOM;
	answer = strdup(chosen->name);
	if (answer == NULL)
		return -ENOMEM;
	*ret_answer = answer;
	return 0;
}

/*
 * The TOTP after the password: one call.  MFA_SETUP's INFO (the QR code,
 * the key and the URI) is part of the question, so it is shown under
 * PAM_SILENT too, in the same call as the prompt (sshd).
 */
static int
ask_totp(pam_handle_t *pamh, const struct ua_msg *chal, bool setup,
    char **ret_answer)
{
	struct convo c = { .n = 0 };
	const char *info = ua_msg_get(chal, UA_T_INFO);

	if (setup && info == NULL)
		return -EBADMSG;
	if (setup)
		convo_add(&c, PAM_TEXT_INFO, info);
	convo_add(&c, PAM_ERROR_MSG, ua_msg_get(chal, UA_T_MESSAGE));
	convo_add(&c, PAM_PROMPT_ECHO_OFF, UAPAM_PROMPT_TOTP);
	return convo_ask(pamh, &c, ret_answer);
}

/*
 * One call that ends in two prompts; both replies are handed out (the
 * caller wipes them).  A NULL or over-long reply is refused.
 */
static int
convo_ask2(pam_handle_t *pamh, const struct convo *c, char **ret_a,
    char **ret_b)
{
	const struct pam_conv *conv = NULL;
	const struct pam_message *mp[MAX_MSGS];
	struct pam_response *resp = NULL;
	char *a, *b;
	int i, r;

	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    conv == NULL || conv->conv == NULL || c->n < 2)
		return -ECANCELED;
	for (i = 0; i < c->n; i++)
		mp[i] = &c->m[i];
	r = conv->conv(c->n, mp, &resp, conv->appdata_ptr);
	if (r != PAM_SUCCESS || resp == NULL) {
		free_replies(resp, c->n);
		return -ECANCELED;
	}
	a = resp[c->n - 2].resp;
	b = resp[c->n - 1].resp;
	resp[c->n - 2].resp = NULL;
	resp[c->n - 1].resp = NULL;
	free_replies(resp, c->n);
	if (a == NULL || b == NULL) {
		ua_erase_free(a);
		ua_erase_free(b);
		return -ECANCELED;
	}
	if (strnlen(a, UA_MAX_PASSWORD + 1) > UA_MAX_PASSWORD ||
	    strnlen(b, UA_MAX_PASSWORD + 1) > UA_MAX_PASSWORD) {
		ua_erase_free(a);
		ua_erase_free(b);
		return -EOVERFLOW;
	}
	*ret_a = a;
	*ret_b = b;
	return 0;
}

/*
 * NEW_PASSWORD_REQUIRED: "New password: " and "Retype new password: "
 * in one call, with the daemon's INFO (the rules) and MESSAGE (why the
 * last one was refused).  Two different answers are asked again, up to
 * UAPAM_NEWPW_TRIES times; only a matching pair goes to the daemon.
 */
static int
ask_new_password(pam_handle_t *pamh, const struct ua_msg *chal,
    char **ret_answer)
{
	char *a = NULL, *b = NULL;
	int r, tries;

	for (tries = 0; tries < UAPAM_NEWPW_TRIES; tries++) {
		struct convo c = { .n = 0 };

		convo_add(&c, PAM_TEXT_INFO, ua_msg_get(chal, UA_T_INFO));
		convo_add(&c, PAM_ERROR_MSG,
		    tries == 0 ? ua_msg_get(chal, UA_T_MESSAGE)
			       : "The passwords do not match.");
		convo_add(&c, PAM_PROMPT_ECHO_OFF, UAPAM_PROMPT_NEW_PASSWORD);
		convo_add(&c, PAM_PROMPT_ECHO_OFF, UAPAM_PROMPT_RETYPE);
		r = convo_ask2(pamh, &c, &a, &b);
		if (r < 0)
			return r;
		if (strcmp(a, b) == 0) {
			ua_erase_free(b);
			*ret_answer = a;
			return 0;
		}
		ua_erase_free(a);
		ua_erase_free(b);
		a = b = NULL;
	}
	return -EDOM;
}

int
uapam_converse(pam_handle_t *pamh, int flags, const struct ua_msg *chal,
    char **ret_answer)
{
	const char *name;

	name = ua_msg_get(chal, UA_T_CHALLENGE);
	if (chal->type != UA_MSG_CHALLENGE || name == NULL)
		return -EBADMSG;
	if (strcmp(name, "PASSWORD") == 0)
		return ask_password(pamh, flags, chal, ret_answer);
	if (strcmp(name, "EMAIL_OTP") == 0)
		return ask_code(pamh, chal, ret_answer);
	if (strcmp(name, "SELECT_CHALLENGE") == 0)
		return ask_select(pamh, chal, ret_answer);
	if (strcmp(name, "SOFTWARE_TOKEN_MFA") == 0)
		return ask_totp(pamh, chal, false, ret_answer);
	if (strcmp(name, "MFA_SETUP") == 0)
		return ask_totp(pamh, chal, true, ret_answer);
	if (strcmp(name, "NEW_PASSWORD_REQUIRED") == 0)
		return ask_new_password(pamh, chal, ret_answer);
	return -ENOTSUP;
}
