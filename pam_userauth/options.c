/* SPDX-License-Identifier: MIT */
/*
 * Module arguments: one table, one pass, every word checked.  It must
 * refuse anything it does not understand, so that a typo in a PAM stack
 * turns into PAM_SERVICE_ERR instead of a weaker login.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pam_userauth/options.h"

/* UA_RUNTIME_DIR comes from config.h (included by the build). */
#define DEFAULT_SOCKET UA_RUNTIME_DIR "/public.sock"
_Static_assert(sizeof(DEFAULT_SOCKET) <= UAPAM_SOCKET_MAX,
    "the default socket path does not fit a sockaddr_un");

struct opt_def {
	const char *name;
	bool has_value; /* name=VALUE, else a bare flag */
	int (*set)(struct uapam_opts *o, const char *val, const char **why);
};

static int
set_pool(struct uapam_opts *o, const char *val, const char **why)
{
	int r;

	r = ua_valid_pool(val, why);
	if (r < 0)
		return r;
	/* Cannot fail: ua_valid_pool capped the length at UA_MAX_POOL. */
	if (ua_snprintf(o->pool, sizeof(o->pool), "%s", val) < 0)
		return -EINVAL;
	return 0;
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int
set_socket(struct uapam_opts *o, const char *val, const char **why)
{
	if (val[0] != '/') {
		*why = "must be an absolute path";
		return -EINVAL;
	}
	if (has_control(val)) {
		*why = "contains a control character";
		return -EINVAL;
	}
	if (ua_snprintf(o->socket, sizeof(o->socket), "%s", val) < 0) {
		*why = "is too long for a Unix socket path";
		return -EINVAL;
	}
	return 0;
}

static int
set_preferred(struct uapam_opts *o, const char *val, const char **why)
{
	if (strcmp(val, "password") == 0)
		o->preferred = "PASSWORD";
	else if (strcmp(val, "email_otp") == 0)
		o->preferred = "EMAIL_OTP";
	else {
		*why = "must be password or email_otp";
		return -EINVAL;
	}
	return 0;
}

static int
set_timeout(struct uapam_opts *o, const char *val, const char **why)
{
	uint64_t v;

	if (ua_parse_uint(val, 1, UAPAM_TIMEOUT_MAX, &v) < 0) {
		*why = "must be a whole number of seconds from 1 to 60";
		return -EINVAL;
	}
	o->timeout_ms = (int)v * 1000;
	return 0;
}

/* An option another part reads (pam_get_authtok): accepted, no value. */
static int
set_nothing(struct uapam_opts *o, const char *val, const char **why)
{
	(void)o;
	(void)val;
	(void)why;
	return 0;
}

static int
set_debug(struct uapam_opts *o, const char *val, const char **why)
{
	(void)val;
	(void)why;
	o->debug = true;
	return 0;
}

static int
set_try_first_pass(struct uapam_opts *o, const char *val, const char **why)
{
	(void)val;
	(void)why;
	o->try_first_pass = true;
	return 0;
}

static const struct opt_def opt_table[] = {
	{ "pool", true, set_pool },
	{ "socket", true, set_socket },
	{ "preferred", true, set_preferred },
	{ "timeout", true, set_timeout },
	{ "debug", false, set_debug },
	{ "try_first_pass", false, set_try_first_pass },
	/* read by pam_get_authtok(3) itself (chauthtok) */
	{ "use_authtok", false, set_nothing },
	{ "try_authtok", false, set_nothing },
};
#define N_OPTS (sizeof(opt_table) / sizeof(opt_table[0]))

/*
 * arg is "name" or "name=value" for this name: true, and *ret_val is the
 * value or NULL when there is no '='.
 */
static bool
opt_match(const char *arg, const char *name, const char **ret_val)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '\0') {
		*ret_val = NULL;
		return true;
	}
	if (arg[n] == '=') {
		*ret_val = arg + n + 1;
		return true;
	}
	return false;
}

/* Apply one word; *seen has a bit per option already given. */
static int
apply(struct uapam_opts *o, const char *arg, unsigned *seen, const char **why)
{
	const char *val = NULL;
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (opt_match(arg, opt_table[i].name, &val))
			break;
	if (i == N_OPTS) {
		*why = "unknown option";
		return -EINVAL;
	}
	if (*seen & (1u << i)) {
		*why = "given more than once";
		return -EINVAL;
	}
	*seen |= 1u << i;
	if (opt_table[i].has_value && val == NULL) {
		*why = "needs a value (name=value)";
		return -EINVAL;
	}
	if (!opt_table[i].has_value && val != NULL) {
		*why = "takes no value";
		return -EINVAL;
	}
	return opt_table[i].set(o, val, why);
}

int
uapam_opts_parse(int argc, const char **argv, struct uapam_opts *ret,
    const char **reterr_arg, const char **reterr_why)
{
	struct uapam_opts o;
	const char *why = "invalid value";
	unsigned seen = 0;
	int i, r;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = UAPAM_TIMEOUT_DEFAULT * 1000;
	memcpy(o.socket, DEFAULT_SOCKET, sizeof(DEFAULT_SOCKET));
	for (i = 0; i < argc; i++) {
		if (argv == NULL || argv[i] == NULL)
			goto fail;
		r = apply(&o, argv[i], &seen, &why);
		if (r < 0)
			goto fail;
	}
	if (o.pool[0] == '\0') {
		why = "pool=NAME is required";
		if (reterr_arg != NULL)
			*reterr_arg = NULL;
		if (reterr_why != NULL)
			*reterr_why = why;
		return -EINVAL;
	}
	*ret = o;
	return 0;
fail:
	if (reterr_arg != NULL)
		*reterr_arg = (argv != NULL) ? argv[i] : NULL;
	if (reterr_why != NULL)
		*reterr_why = why;
	return -EINVAL;
}
