/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/server/conf.c: defaults and inheritance, every
 * refusal with its file:line message, id-range rules, caps, the dump
 * round trip, home templates and the file checks of ua_conf_load.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/valid.h"
#include "server/conf.h"
#include "server/defaults.h"

static char err[512];

/*
 * Pools offer email_otp by default and then need a sender: a text that
 * names neither [defaults] nor mail_from gets one appended (after its last
 * line, so every line number it is checked by stays); one that sets
 * first_factors or says "#bare" is parsed exactly as written.
 */
static int
parse(const char *text, struct ua_conf **ret)
{
	static const char sender[] =
	    "\n[defaults]\nmail_from = otp@example.com\n";
	char *t;
	size_t n = strlen(text);
	int r;

	*ret = NULL;
	if (strstr(text, "[defaults]") != NULL ||
	    strstr(text, "mail_from") != NULL ||
	    strstr(text, "first_factors") != NULL ||
	    strstr(text, "#bare") != NULL)
		return ua_conf_parse("t.conf", text, n, ret, err, sizeof(err));
	t = malloc(n + sizeof(sender));
	assert_non_null(t);
	memcpy(t, text, n);
	memcpy(t + n, sender, sizeof(sender));
	r = ua_conf_parse("t.conf", t, strlen(t), ret, err, sizeof(err));
	free(t);
	return r;
}

/* Refused with -EINVAL, and the message starts with want_prefix. */
static void
refused(const char *text, const char *want_prefix, const char *want_sub)
{
	struct ua_conf *c = NULL;
	int r;

	r = parse(text, &c);
	if (r != -EINVAL || strncmp(err, want_prefix, strlen(want_prefix)) ||
	    strstr(err, want_sub) == NULL)
		print_error("input:\n%s\nr=%d err='%s'\nwant '%s' ... '%s'\n",
		    text, r, err, want_prefix, want_sub);
	assert_int_equal(r, -EINVAL);
	assert_null(c);
	assert_true(strncmp(err, want_prefix, strlen(want_prefix)) == 0);
	assert_non_null(strstr(err, want_sub));
}

static struct ua_conf *
accepted(const char *text)
{
	struct ua_conf *c = NULL;
	int r;

	r = parse(text, &c);
	if (r != 0)
		print_error("input:\n%s\nr=%d err='%s'\n", text, r, err);
	assert_int_equal(r, 0);
	assert_non_null(c);
	return c;
}

static void
test_minimal_file_gets_every_default(void **state)
{
	struct ua_conf *c = accepted("[pool staff]\n");
	const struct ua_pool_conf *p;

	(void)state;
	assert_string_equal(c->path, "t.conf");
	assert_string_equal(c->user, UA_DEFAULT_USER);
	assert_string_equal(c->runtime_dir, UA_RUNTIME_DIR);
	assert_string_equal(c->state_dir, UA_STATE_DIR);
	assert_string_equal(c->nss_cache, UA_NSS_CACHE_PATH);
	assert_null(c->admin_group);
	assert_int_equal(c->max_clients, 256);
	assert_int_equal(c->client_timeout_ms, 5000);
	assert_int_equal(c->hash_threads, 0);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->npools, 1);
	p = &c->pools[0];
	assert_string_equal(p->name, "staff");
	assert_int_equal(p->line, 1);
	assert_int_equal(p->backend, UA_BACKEND_LOCAL);
	assert_int_equal(p->uid_min, UA_DEFAULT_UID_MIN);
	assert_int_equal(p->uid_max, UA_DEFAULT_UID_MAX);
	assert_int_equal(p->gid_min, UA_DEFAULT_GID_MIN);
	assert_int_equal(p->gid_max, UA_DEFAULT_GID_MAX);
	assert_string_equal(p->home, "/home/%u");
	assert_string_equal(p->shell, "/bin/bash");
	assert_ptr_equal(ua_conf_pool(c, "staff"), p);
	assert_null(ua_conf_pool(c, "customer"));
	assert_null(ua_conf_pool(NULL, "staff"));
	ua_conf_free(c);
	ua_conf_free(NULL);
}

static void
test_daemon_keys_are_parsed(void **state)
{
	struct ua_conf *c = accepted("[daemon]\n"
				     "user = uad\n"
				     "runtime_dir = /run/x\n"
				     "state_dir = /var/lib/x\n"
				     "nss_cache = /var/cache/x/nss.cache\n"
				     "admin_group = wheel\n"
				     "max_clients = 65536\n"
				     "client_timeout = 60\n"
				     "log_level = debug\n"
				     "hash_threads = 64\n"
				     "[pool a]\n");

	(void)state;
	assert_string_equal(c->user, "uad");
	assert_string_equal(c->runtime_dir, "/run/x");
	assert_string_equal(c->state_dir, "/var/lib/x");
	assert_string_equal(c->nss_cache, "/var/cache/x/nss.cache");
	assert_string_equal(c->admin_group, "wheel");
	assert_int_equal(c->max_clients, 65536);
	assert_int_equal(c->client_timeout_ms, 60000);
	assert_int_equal(c->log_level, LOG_DEBUG);
	assert_int_equal(c->hash_threads, 64);
	ua_conf_free(c);
}

static void
test_log_levels_map_to_syslog_priorities(void **state)
{
	static const struct {
		const char *name;
		int prio;
	} t[] = {
		{ "error", LOG_ERR },
		{ "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	char text[128];
	struct ua_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(text, sizeof(text),
		    "[daemon]\nlog_level = %s\n"
		    "[pool a]\n",
		    t[i].name);
		c = accepted(text);
		assert_int_equal(c->log_level, t[i].prio);
		ua_conf_free(c);
	}
}

static void
test_defaults_are_inherited_and_overridden(void **state)
{
	struct ua_conf *c = accepted("[pool customer]\n"
				     "uid_min = 100000\nuid_max = 199999\n"
				     "gid_min = 400000\ngid_max = 409999\n"
				     "[defaults]\n"
				     "home = /srv/home/%p/%u\n"
				     "mail_from = otp@example.com\n"
				     "shell = /bin/sh\n"
				     "uid_max = 500000\n"
				     "[pool staff]\n"
				     "shell = /usr/bin/zsh\n"
				     "uid_min = 410000\n"
				     "gid_min = 600000\ngid_max = 600999\n");
	const struct ua_pool_conf *cu, *st;

	(void)state;
	assert_int_equal(c->npools, 2);
	cu = ua_conf_pool(c, "customer");
	st = ua_conf_pool(c, "staff");
	assert_non_null(cu);
	assert_non_null(st);
	/* A [defaults] after the pool still applies to it. */
	assert_string_equal(cu->home, "/srv/home/%p/%u");
	assert_string_equal(cu->shell, "/bin/sh");
	assert_int_equal(cu->uid_max, 199999);
	assert_string_equal(st->home, "/srv/home/%p/%u");
	assert_string_equal(st->shell, "/usr/bin/zsh");
	assert_int_equal(st->uid_min, 410000);
	assert_int_equal(st->uid_max, 500000);
	assert_int_equal(st->line, 11);
	ua_conf_free(c);
}

static void
test_comments_blank_lines_and_whitespace(void **state)
{
	struct ua_conf *c = accepted("# comment\n"
				     "; also a comment\n"
				     "\n"
				     "   \t\n"
				     "  [ daemon ]  \n"
				     "\tmax_clients\t=\t7\t\n"
				     "   # indented comment\n"
				     "[pool\tp1]\n"
				     "shell=/bin/sh");

	(void)state;
	assert_int_equal(c->max_clients, 7);
	assert_string_equal(c->pools[0].name, "p1");
	assert_string_equal(c->pools[0].shell, "/bin/sh");
	ua_conf_free(c);
}

static void
test_admin_group_empty_means_none(void **state)
{
	struct ua_conf *c = accepted("[daemon]\nadmin_group =\n[pool a]\n");

	(void)state;
	assert_null(c->admin_group);
	ua_conf_free(c);
}

static void
test_edge_values_are_accepted(void **state)
{
	static const char *const ok[] = {
		"[daemon]\nmax_clients = 1\n[pool a]\n",
		"[daemon]\nclient_timeout = 1\n[pool a]\n",
		"[pool a]\nuid_min = 1000\nuid_max = 1000\n",
		"[pool a]\nuid_min = 1000\nuid_max = 65533\n",
		"[pool a]\ngid_min = 400000\ngid_max = 2147483647\n",
		"[pool a]\nuid_min = 65536\nuid_max = 65536\n",
		"[pool a]\nhome = /home/%%/%p/%u\n",
		"[pool a]\nhome = /nonexistent\n",
		"[pool a]\nshell = /usr/sbin/nologin\n",
		"[defaults]\nbackend = local\nmail_from = otp@example.com\n"
		"[pool a]\nbackend = local\n",
		"[daemon]\nuser = _ua$\n[pool a]\n",
	};
	struct ua_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		c = accepted(ok[i]);
		ua_conf_free(c);
	}
}

/* Every key with bad values; the value is on line 2 of the file. */
/* backend = cognito: the keys, what is derived, what is refused. */
#define CG_IDS                                                                 \
	"cognito_user_pool_id = eu-west-1_AbC123\n"                            \
	"cognito_client_id = client1\n"
static void
test_cognito_pool_is_parsed_and_derived(void **state)
{
	struct ua_conf *c =
	    accepted("[defaults]\n"
		     "otp_lifetime = 60\n"
		     "cognito_timeout = 7\n"
		     "[pool staff]\n"
		     "backend = cognito\n" CG_IDS "first_factors = password\n"
		     "mfa = required\n"
		     "[pool vpc]\n"
		     "backend = cognito\n"
		     "uid_min = 500000\nuid_max = 500999\n"
		     "gid_min = 501000\ngid_max = 501999\n"
		     "cognito_user_pool_id = us-east-2_Zz9\n"
		     "cognito_client_id = c2\n"
		     "cognito_region = us-east-2\n"
		     "cognito_endpoint = https://vpce-1.example.com:8443/\n"
		     "cognito_uid_attribute = custom:uid\n");
	const struct ua_pool_conf *p = ua_conf_pool(c, "staff");
	const struct ua_pool_conf *v = ua_conf_pool(c, "vpc");

	(void)state;
	assert_int_equal(p->backend, UA_BACKEND_COGNITO);
	assert_string_equal(p->cognito_region, "eu-west-1");
	assert_string_equal(p->cognito_url,
	    "https://cognito-idp.eu-west-1.amazonaws.com");
	assert_string_equal(p->cognito_issuer,
	    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
	assert_int_equal(p->cognito_timeout_ms, 7000);
	assert_int_equal(p->mfa, UA_MFA_REQUIRED);
	/* first_factors: what the Cognito pool allows, for the fakes */
	assert_true(p->allow_password && !p->allow_email_otp);
	assert_true(v->allow_password && v->allow_email_otp);
	assert_int_equal(p->totp_digits, 6);
	assert_string_equal(v->cognito_url, "https://vpce-1.example.com:8443");
	/* a VPC endpoint's tokens still name the public issuer */
	assert_string_equal(v->cognito_issuer,
	    "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Zz9");
	assert_string_equal(v->cognito_uid_attribute, "custom:uid");
	ua_conf_free(c);
}

static void
test_cognito_pool_refusals(void **state)
{
	static const struct {
		const char *text, *want;
	} t[] = {
		{ "[pool p]\nbackend = cognito\n",
		    "t.conf:1: [pool p]: backend = cognito needs" },
		{ "[pool p]\nbackend = cognito\ncognito_client_id = c\n",
		    "needs cognito_user_pool_id and cognito_client_id" },
		{ "[pool p]\nbackend = cognito\n"
		  "cognito_user_pool_id = nounderscore\ncognito_client_id = "
		  "c\n",
		    "t.conf:3: [pool p]: cognito_user_pool_id 'nounderscore' "
		    "is no user pool id" },
		{ "[pool p]\nbackend = cognito\n" CG_IDS
		  "cognito_endpoint = http://127.0.0.1:9\n",
		    "t.conf:5: [pool p]: cognito_endpoint must start with "
		    "https://" },
		{ "[pool p]\nbackend = cognito\n" CG_IDS
		  "cognito_endpoint = https://h.example.com/path\n",
		    "without a path" },
		{ "[pool p]\nbackend = cognito\n" CG_IDS
		  "cognito_uid_attribute = uid\n",
		    "t.conf:5: [pool p]: cognito_uid_attribute must name a "
		    "custom attribute" },
		{ "[pool p]\nbackend = cognito\n" CG_IDS
		  "cognito_region = EU-WEST-1\n",
		    "is no AWS region" },
		{ "[pool p]\nbackend = cognito\n"
		  "cognito_user_pool_id = eu-west-1_A\ncognito_client_id = "
		  "c;d\n",
		    "cognito_client_id: letters, digits, _ and + only" },
		{ "[pool p]\nbackend = cognito\n" CG_IDS
		  "mail_from = a@b.example\n",
		    "t.conf:5: [pool p]: mail_from has no effect in a backend "
		    "= "
		    "cognito pool" },
		{ "[pool p]\nbackend = cognito\n" CG_IDS "totp_digits = 8\n",
		    "totp_digits has no effect" },
		/* AWS's rule too: no MFA beside a passwordless factor */
		{ "[pool p]\nbackend = cognito\n" CG_IDS "mfa = required\n",
		    "mfa = required cannot be combined with email_otp" },
		{ "[pool p]\nfirst_factors = password\n"
		  "cognito_client_id = c\n",
		    "t.conf:3: [pool p]: cognito_client_id is for backend = "
		    "cognito pools only" },
	};
	struct ua_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = NULL;
		if (parse(t[i].text, &c) != -EINVAL ||
		    strstr(err, t[i].want) == NULL)
			print_error("input:\n%s\nerr='%s'\nwant '%s'\n",
			    t[i].text, err, t[i].want);
		assert_null(c);
		assert_non_null(strstr(err, t[i].want));
	}
}

static void
test_bad_values_are_refused_with_file_line(void **state)
{
	static const struct {
		const char *sec;
		const char *line;
		const char *want;
	} t[] = {
		{ "daemon", "user =", "missing value for user" },
		{ "daemon", "user = Root", "bad value 'Root' for user" },
		{ "daemon", "user = -x", "bad value '-x' for user" },
		{ "daemon", "user = a b", "bad value 'a b' for user" },
		{ "daemon", "runtime_dir = run/x", "for runtime_dir" },
		{ "daemon", "runtime_dir = /run/../x", "'..' components" },
		{ "daemon", "state_dir = /var/./lib", "for state_dir" },
		{ "daemon", "state_dir =", "missing value for state_dir" },
		{ "daemon", "nss_cache = /a:b", "for nss_cache" },
		{ "daemon", "admin_group = 1wheel", "for admin_group" },
		{ "daemon", "admin_group = Wheel", "for admin_group" },
		{ "daemon", "max_clients = 0", "from 1 to 65536" },
		{ "daemon", "max_clients = 65537", "from 1 to 65536" },
		{ "daemon", "max_clients = -1", "for max_clients" },
		{ "daemon", "max_clients = 010", "for max_clients" },
		{ "daemon", "max_clients = 12a", "for max_clients" },
		{ "daemon", "client_timeout = 0", "from 1 to 60" },
		{ "daemon", "client_timeout = 61", "from 1 to 60" },
		{ "daemon", "client_timeout = 5s", "for client_timeout" },
		{ "daemon", "log_level = verbose", "for log_level" },
		{ "daemon", "log_level = INFO", "for log_level" },
		{ "pool p", "backend = ldap", "bad value 'ldap' for backend" },
		{ "pool p", "backend = Cognito", "expected local or cognito" },
		{ "pool p", "cognito_timeout = 31", "from 1 to 30" },
		{ "pool p", "cognito_client_secret_file = rel/x",
		    "for cognito" },
		{ "pool p", "backend =", "missing value for backend" },
		{ "pool p", "uid_min = 999", "from 1000 to 2147483647" },
		{ "pool p", "uid_min = 2147483648", "for uid_min" },
		{ "pool p", "uid_max = 0", "for uid_max" },
		{ "pool p", "uid_max = 1e6", "for uid_max" },
		{ "pool p", "gid_min = 4294967296", "for gid_min" },
		{ "pool p", "gid_max = 18446744073709551616", "for gid_max" },
		{ "pool p", "gid_max = +5000", "for gid_max" },
		{ "pool p", "home = home/%u", "must start with '/'" },
		{ "pool p", "home = /home/%x", "unknown % escape" },
		{ "pool p", "home = /home/%", "unknown % escape" },
		{ "pool p", "home = /home/%U", "unknown % escape" },
		{ "pool p", "home = /home/%u:x", "for home" },
		{ "pool p", "home = /home/../%u", "'..' components" },
		{ "pool p", "shell = bash", "for shell" },
		{ "pool p", "shell = /bin/../bash", "for shell" },
		{ "pool p", "shell =", "missing value for shell" },
		{ "defaults", "uid_min = 1", "for uid_min" },
		{ "defaults", "home = ~/%u", "must start with '/'" },
		{ "defaults", "backend = cloud", "expected local or cognito" },
		{ "pool p",
		    "first_factors =", "missing value for first_factors" },
		{ "pool p", "first_factors = sms",
		    "password and/or email_otp" },
		{ "pool p", "first_factors = password password",
		    "named twice" },
		{ "pool p", "select_challenge = maybe", "yes or no" },
		{ "pool p", "group_challenge = devs", "GROUP:password" },
		{ "pool p", "group_challenge = devs:totp",
		    "password or email_otp" },
		{ "pool p", "group_challenge = a:password a:email_otp",
		    "named twice" },
		{ "pool p", "group_challenge = Bad:password",
		    "for group_challenge" },
		{ "pool p",
		    "allow_groups =", "missing value for allow_groups" },
		{ "pool p", "allow_groups = * ops", "stands alone" },
		{ "pool p", "service_groups = sshd", "SERVICE:GROUP" },
		{ "pool p", "service_groups = ss/hd:ops", "PAM service name" },
		{ "pool p", "service_groups = sshd:", "expected * or group" },
		{ "pool p", "otp_lifetime = 601", "from 30 to 600" },
		{ "pool p", "otp_lifetime = 29", "from 30 to 600" },
		{ "pool p", "otp_tries = 0", "from 1 to 10" },
		{ "pool p", "otp_resend_cooldown = 601", "from 0 to 600" },
		{ "pool p", "otp_min_answer_age = 6", "from 0 to 5" },
		{ "pool p", "otp_answer_delay_ms = 1001", "from 0 to 1000" },
		/* S27: throttling figures outside their ranges */
		{ "pool p", "lock_after = 101", "from 1 to 100" },
		{ "pool p", "lock_after = 0", "from 1 to 100" },
		{ "defaults", "lock_after = 1000", "from 1 to 100" },
		{ "pool p", "throttle_pair_after = 0", "from 1 to 100" },
		{ "pool p", "throttle_account_after = 1001", "from 1 to 1000" },
		{ "pool p", "throttle_host_after = 0", "from 1 to 100000" },
		{ "pool p", "throttle_host_window = 59", "from 60 to 86400" },
		{ "pool p", "throttle_max_delay = 86401", "from 1 to 86400" },
		{ "daemon", "login_lifetime = 9", "from 10 to 3600" },
		{ "daemon", "max_queue_wait = 0", "from 1 to 600" },
		{ "daemon", "max_queue_wait = 601", "from 1 to 600" },
		{ "daemon", "hash_threads = 65", "from 0 to 64" },
		{ "daemon", "hash_threads = -1",
		    "expected a whole number from 0 to 64" },
	};
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(text, sizeof(text), "[%s]\n%s\n[pool q]\n",
		    t[i].sec, t[i].line);
		refused(text, "t.conf:2: ", t[i].want);
	}
}

static void
test_unknown_key_names_file_line_and_section(void **state)
{
	struct ua_conf *c = NULL;

	(void)state;
	assert_int_equal(
	    parse("[pool staff]\nuid_min = 100000\nuid_mn = 5\n", &c), -EINVAL);
	assert_string_equal(err,
	    "t.conf:3: unknown key 'uid_mn' in [pool staff]");
	refused("[daemon]\nhome = /x\n[pool a]\n", "t.conf:2: ",
	    "key 'home' belongs in [defaults] or [pool NAME], not in [daemon]");
	refused("[defaults]\nfoo = 1\n",
	    "t.conf:2: ", "unknown key 'foo' in [defaults]");
	refused("[pool a]\nUser = x\n", "t.conf:2: ", "unknown key 'User'");
}

static void
test_key_in_wrong_section_is_refused(void **state)
{
	(void)state;
	refused("[pool a]\nuser = x\n",
	    "t.conf:2: ", "key 'user' belongs in [daemon], not in [pool a]");
	refused("[defaults]\nmax_clients = 3\n[pool a]\n", "t.conf:2: ",
	    "key 'max_clients' belongs in [daemon], not in [defaults]");
	refused("[daemon]\nuid_min = 100000\n[pool a]\n",
	    "t.conf:2: ", "not in [daemon]");
	refused("user = x\n[pool a]\n",
	    "t.conf:1: ", "key 'user' before any [section]");
}

static void
test_duplicates_are_refused(void **state)
{
	(void)state;
	refused("[pool a]\nshell = /bin/sh\nshell = /bin/sh\n", "t.conf:3: ",
	    "duplicate key 'shell' in [pool a] (first at line 2)");
	refused("[daemon]\nuser = a\n#\nuser = b\n[pool a]\n",
	    "t.conf:4: ", "duplicate key 'user' in [daemon]");
	refused("[defaults]\nhome = /h/%u\nhome = /h/%u\n[pool a]\n",
	    "t.conf:3: ", "duplicate key 'home' in [defaults]");
	refused("[pool a]\nuid_min = 100000\n\n[pool a]\n",
	    "t.conf:4: ", "duplicate pool 'a' (first at line 1)");
	refused("[daemon]\n[pool a]\n[daemon]\n",
	    "t.conf:3: ", "duplicate section [daemon] (first at line 1)");
	refused("[defaults]\n[defaults]\n[pool a]\n",
	    "t.conf:2: ", "duplicate section [defaults]");
}

static void
test_no_pool_is_refused(void **state)
{
	struct ua_conf *c = NULL;

	(void)state;
	refused("[daemon]\nuser = x\n[defaults]\n",
	    "t.conf: ", "at least one pool is required");
	refused("", "t.conf: ", "at least one pool is required");
	assert_int_equal(ua_conf_parse("t.conf", NULL, 0, &c, err, sizeof(err)),
	    -EINVAL);
	assert_null(c);
}

static void
test_bad_section_headers_are_refused(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} t[] = {
		{ "[pool a\n", "malformed section header" },
		{ "[pool a] # staff\n", "malformed section header" },
		{ "[]\n", "unknown section" },
		{ "[pools a]\n", "unknown section" },
		{ "[Daemon]\n", "unknown section" },
		{ "[pool]\n", "missing pool name" },
		{ "[pool  ]\n", "missing pool name" },
		{ "[pool Staff]\n", "bad pool name 'Staff'" },
		{ "[pool a b]\n", "bad pool name 'a b'" },
		{ "[pool 1a]\n", "bad pool name" },
		{ "[pool aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
		    "bad pool name" },
		{ "just words\n", "expected 'key = value'" },
		{ "[pool a]\n= x\n", "missing key before '='" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		refused(t[i].text, "t.conf:", t[i].want);
}

static void
test_quotes_and_inline_comments_are_refused(void **state)
{
	(void)state;
	refused("[pool a]\nshell = \"/bin/sh\"\n",
	    "t.conf:2: ", "values are not quoted");
	refused("[pool a]\nshell = '/bin/sh'\n",
	    "t.conf:2: ", "values are not quoted");
	refused("[pool a]\nshell = /bin/sh # login shell\n",
	    "t.conf:2: ", "comments must be on a line of their own");
	refused("[pool a]\nshell = /bin/sh\t; x\n",
	    "t.conf:2: ", "comments must be on a line of their own");
}

static const char *const two_pools_fmt =
    "[pool a]\n"
    "uid_min = %s\nuid_max = %s\ngid_min = %s\ngid_max = %s\n"
    "[pool b]\n"
    "uid_min = %s\nuid_max = %s\ngid_min = %s\ngid_max = %s\n";

static void
two_pools(char *out, size_t outsz, const char *const v[8])
{
	(void)snprintf(out, outsz, two_pools_fmt, v[0], v[1], v[2], v[3], v[4],
	    v[5], v[6], v[7]);
}

static void
test_overlapping_ranges_are_refused(void **state)
{
	static const struct {
		const char *v[8];
		const char *want;
	} t[] = {
		{ { "100000", "100999", "110000", "110999", "100500", "101500",
		      "120000", "120999" },
		    "[pool b]: uid range 100500-101500 overlaps the uid range "
		    "100000-100999 of [pool a] (line 1)" },
		{ { "100000", "100999", "110000", "110999", "110999", "111500",
		      "120000", "120999" },
		    "uid range 110999-111500 overlaps the gid range "
		    "110000-110999 of [pool a]" },
		{ { "100000", "100999", "110000", "110999", "130000", "130999",
		      "99000", "100000" },
		    "gid range 99000-100000 overlaps the uid range "
		    "100000-100999 of [pool a]" },
		{ { "100000", "100999", "110000", "110999", "130000", "130999",
		      "110500", "110600" },
		    "gid range 110500-110600 overlaps the gid range "
		    "110000-110999 of [pool a]" },
	};
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		two_pools(text, sizeof(text), t[i].v);
		refused(text, "t.conf:6: ", t[i].want);
	}
}

static void
test_adjacent_ranges_are_accepted(void **state)
{
	static const char *const v[8] = {
		"100000",
		"100999",
		"101000",
		"101999",
		"102000",
		"102999",
		"103000",
		"103999",
	};
	struct ua_conf *c;
	char text[512];

	(void)state;
	two_pools(text, sizeof(text), v);
	c = accepted(text);
	assert_int_equal(c->npools, 2);
	ua_conf_free(c);
}

static void
test_own_uid_and_gid_ranges_must_not_overlap(void **state)
{
	(void)state;
	refused("[pool a]\nuid_min = 100000\nuid_max = 200000\n"
		"gid_min = 150000\ngid_max = 250000\n",
	    "t.conf:1: ",
	    "[pool a]: uid range 100000-200000 overlaps its gid range");
}

static void
test_two_pools_inheriting_ranges_are_told_to_set_them(void **state)
{
	(void)state;
	refused("[pool customer]\n[pool staff]\n", "t.conf:2: ",
	    "[pool customer] and [pool staff] both inherit the uid range "
	    "200000-299999 from the defaults: set uid_min, uid_max, gid_min "
	    "and gid_max in each [pool NAME]");
	refused("[defaults]\nuid_min = 100000\nuid_max = 100999\n"
		"[pool a]\ngid_min = 500000\ngid_max = 500999\n"
		"[pool b]\ngid_min = 600000\ngid_max = 600999\n",
	    "t.conf:7: ", "both inherit the uid range 100000-100999");
	refused("[pool a]\nuid_min = 100000\nuid_max = 100999\n"
		"[pool b]\nuid_min = 101000\nuid_max = 101999\n",
	    "t.conf:4: ", "both inherit the gid range 300000-399999");
}

static void
test_ranges_with_nobody_or_reversed_are_refused(void **state)
{
	(void)state;
	refused("[pool a]\nuid_min = 60000\nuid_max = 70000\n",
	    "t.conf:1: ", "uid range 60000-70000 contains 65534 or 65535");
	refused("[pool a]\nuid_min = 65535\nuid_max = 65535\n",
	    "t.conf:1: ", "contains 65534 or 65535");
	refused("[pool a]\nuid_min = 1000\nuid_max = 65534\n",
	    "t.conf:1: ", "contains 65534 or 65535");
	refused("[pool a]\ngid_min = 65534\ngid_max = 65534\n",
	    "t.conf:1: ", "gid range 65534-65534 contains");
	refused("[pool a]\nuid_min = 250000\nuid_max = 240000\n",
	    "t.conf:1: ", "uid_min 250000 is greater than uid_max 240000");
	refused("[pool a]\ngid_min = 400000\n",
	    "t.conf:1: ", "gid_min 400000 is greater than gid_max 399999");
}

static void
test_line_length_cap(void **state)
{
	char text[UA_CONF_MAX_LINE + 64];
	struct ua_conf *c;
	size_t n;

	(void)state;
	/* A comment of exactly UA_CONF_MAX_LINE - 1 bytes is fine. */
	n = (size_t)snprintf(text, sizeof(text), "[pool a]\n");
	memset(text + n, '#', UA_CONF_MAX_LINE - 1);
	text[n + UA_CONF_MAX_LINE - 1] = '\n';
	text[n + UA_CONF_MAX_LINE] = '\0';
	c = accepted(text);
	ua_conf_free(c);
	/* One more byte is refused, also on the last line without '\n'. */
	memset(text + n, '#', UA_CONF_MAX_LINE);
	text[n + UA_CONF_MAX_LINE] = '\0';
	refused(text, "t.conf:2: ", "line longer than 1023 bytes");
}

static void
test_nul_control_and_bad_utf8_are_refused(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} t[] = {
#define T(s, w) { s, sizeof(s) - 1, w }
		T("[pool a]\nshell = /bin/sh\0x\n", "t.conf:2: NUL byte"),
		T("[pool a]\n\0", "t.conf:2: NUL byte"),
		T("[pool a]\r\n", "t.conf:1: control character 0x0d"),
		T("[pool a]\nshell = /bin/\x1b[0m\n",
		    "t.conf:2: control character 0x1b"),
		T("# \xc3\x28\n[pool a]\n", "t.conf:1: invalid UTF-8"),
		T("[pool a]\n# \xc0\xaf overlong\n", "t.conf:2: invalid UTF-8"),
		T("[pool a]\n# \xed\xa0\x80 surrogate\n",
		    "t.conf:2: invalid UTF-8"),
		T("[pool a]\n# \xf4\x90\x80\x80 too big\n",
		    "t.conf:2: invalid UTF-8"),
		T("[pool a]\n# \xe2\x82\n", "t.conf:2: invalid UTF-8"),
		T("[pool a]\n# \xff\n", "t.conf:2: invalid UTF-8"),
#undef T
	};
	struct ua_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = NULL;
		assert_int_equal(ua_conf_parse("t.conf", t[i].text, t[i].len,
				     &c, err, sizeof(err)),
		    -EINVAL);
		assert_null(c);
		if (strstr(err, t[i].want) == NULL)
			print_error("case %zu: '%s'\n", i, err);
		assert_non_null(strstr(err, t[i].want));
	}
	/* Valid UTF-8 in a comment is fine. */
	c = accepted("# Zoë's pools \xe2\x9c\x93\n[pool a]\n");
	ua_conf_free(c);
}

static void
test_pool_count_cap(void **state)
{
	size_t size = (UA_CONF_MAX_POOLS + 1) * 128, n = 0;
	char *text = malloc(size);
	struct ua_conf *c;
	int i;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < UA_CONF_MAX_POOLS; i++)
		n += (size_t)snprintf(text + n, size - n,
		    "[pool p%d]\n"
		    "uid_min = %d\nuid_max = %d\ngid_min = %d\ngid_max = %d\n",
		    i, 100000 + i * 2000, 100999 + i * 2000, 101000 + i * 2000,
		    101999 + i * 2000);
	c = accepted(text);
	assert_int_equal(c->npools, UA_CONF_MAX_POOLS);
	assert_string_equal(c->pools[UA_CONF_MAX_POOLS - 1].name, "p63");
	ua_conf_free(c);
	(void)snprintf(text + n, size - n, "[pool toomany]\n");
	refused(text, "t.conf:321: ", "too many pools (at most 64)");
	free(text);
}

static void
test_text_over_size_cap_is_emsgsize(void **state)
{
	char *text = malloc(UA_CONF_MAX_SIZE + 1);
	struct ua_conf *c = NULL;

	(void)state;
	assert_non_null(text);
	memset(text, '\n', UA_CONF_MAX_SIZE + 1);
	memcpy(text, "[pool a]\nfirst_factors = password", 33);
	assert_int_equal(ua_conf_parse("t.conf", text, UA_CONF_MAX_SIZE + 1, &c,
			     err, sizeof(err)),
	    -EMSGSIZE);
	assert_null(c);
	assert_non_null(strstr(err, "t.conf: larger than"));
	/* Exactly at the cap is fine. */
	assert_int_equal(ua_conf_parse("t.conf", text, UA_CONF_MAX_SIZE, &c,
			     err, sizeof(err)),
	    0);
	ua_conf_free(c);
	free(text);
}

static void
test_small_error_buffer_is_terminated(void **state)
{
	struct ua_conf *c = NULL;
	char small[12];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(
	    ua_conf_parse("t.conf", "[bad\n", 5, &c, small, sizeof(small)),
	    -EINVAL);
	assert_true(memchr(small, '\0', sizeof(small)) != NULL);
	assert_int_equal(ua_conf_parse("t.conf", "[bad\n", 5, &c, NULL, 0),
	    -EINVAL);
	assert_null(c);
}

static char *
dump_to_string(const struct ua_conf *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	ua_conf_dump(c, f);
	assert_int_equal(fclose(f), 0);
	return s;
}

static void
test_dump_parses_back_to_the_same_config(void **state)
{
	static const char *const inputs[] = {
		"[pool a]\n",
		"[daemon]\nuser = uad\nadmin_group = wheel\nmax_clients = 9\n"
		"client_timeout = 30\nlog_level = warning\n"
		"runtime_dir = /run/u\nstate_dir = /var/lib/u\n"
		"nss_cache = /var/cache/u/c\n"
		"[defaults]\nhome = /home/%p/%u%%\nshell = /bin/zsh\n"
		"mail_from = otp@example.com\n"
		"[pool customer]\nuid_min = 100000\nuid_max = 149999\n"
		"gid_min = 150000\ngid_max = 159999\n"
		"[pool staff]\nuid_min = 160000\nuid_max = 169999\n"
		"gid_min = 170000\ngid_max = 179999\nshell = /bin/bash\n",
	};
	struct ua_conf *c1, *c2;
	char *d1, *d2;
	size_t i, p;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		c1 = accepted(inputs[i]);
		d1 = dump_to_string(c1);
		c2 = accepted(d1);
		d2 = dump_to_string(c2);
		assert_string_equal(d1, d2);
		assert_string_equal(c1->user, c2->user);
		assert_string_equal(c1->runtime_dir, c2->runtime_dir);
		assert_string_equal(c1->state_dir, c2->state_dir);
		assert_string_equal(c1->nss_cache, c2->nss_cache);
		assert_true(
		    (c1->admin_group == NULL) == (c2->admin_group == NULL));
		if (c1->admin_group != NULL)
			assert_string_equal(c1->admin_group, c2->admin_group);
		assert_int_equal(c1->max_clients, c2->max_clients);
		assert_int_equal(c1->client_timeout_ms, c2->client_timeout_ms);
		assert_int_equal(c1->log_level, c2->log_level);
		assert_int_equal(c1->npools, c2->npools);
		for (p = 0; p < c1->npools; p++) {
			const struct ua_pool_conf *a = &c1->pools[p];
			const struct ua_pool_conf *b = &c2->pools[p];

			assert_string_equal(a->name, b->name);
			assert_int_equal(a->backend, b->backend);
			assert_int_equal(a->uid_min, b->uid_min);
			assert_int_equal(a->uid_max, b->uid_max);
			assert_int_equal(a->gid_min, b->gid_min);
			assert_int_equal(a->gid_max, b->gid_max);
			assert_string_equal(a->home, b->home);
			assert_string_equal(a->shell, b->shell);
		}
		/* Every key is printed. */
		assert_non_null(strstr(d1, "admin_group ="));
		assert_non_null(strstr(d1, "log_level ="));
		assert_non_null(strstr(d1, "backend = local"));
		free(d1);
		free(d2);
		ua_conf_free(c1);
		ua_conf_free(c2);
	}
}

static void
test_home_template_expansion(void **state)
{
	struct ua_conf *c = accepted("[pool staff]\nhome = /h/%p/%u/100%%\n");
	char name[] = "x", bad1[] = "/h/%q", bad2[] = "/h/%", good[] = "/h/%u";
	struct ua_pool_conf p = { .name = name };
	char out[UA_MAX_PATHFIELD + 1];

	(void)state;
	assert_int_equal(ua_conf_home(&c->pools[0], "sam", out, sizeof(out)),
	    0);
	assert_string_equal(out, "/h/staff/sam/100%");
	/* Exactly fitting, one byte short. */
	assert_int_equal(ua_conf_home(&c->pools[0], "sam", out, 18), 0);
	assert_int_equal(ua_conf_home(&c->pools[0], "sam", out, 17),
	    -ENAMETOOLONG);
	assert_int_equal(ua_conf_home(&c->pools[0], "sam", out, 0),
	    -ENAMETOOLONG);
	/* Logins that are not names never reach a path. */
	assert_int_equal(ua_conf_home(&c->pools[0], "../etc", out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(ua_conf_home(&c->pools[0], "", out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(ua_conf_home(&c->pools[0], "a/b", out, sizeof(out)),
	    -EINVAL);
	/* Templates built by hand are still checked. */
	p.home = bad1;
	assert_int_equal(ua_conf_home(&p, "sam", out, sizeof(out)), -EINVAL);
	p.home = bad2;
	assert_int_equal(ua_conf_home(&p, "sam", out, sizeof(out)), -EINVAL);
	p.home = good;
	assert_int_equal(ua_conf_home(&p, "sam", out, sizeof(out)), 0);
	assert_string_equal(out, "/h/sam");
	ua_conf_free(c);
}

static void
test_home_template_too_long_for_longest_login(void **state)
{
	char text[512], home[256];

	(void)state;
	/* 220 + 32 = 252 <= 255: fine; 230 + 32 > 255: refused. */
	memset(home, 'h', sizeof(home));
	home[0] = '/';
	memcpy(home + 220, "/%u", 4);
	(void)snprintf(text, sizeof(text), "[pool a]\nhome = %s\n", home);
	ua_conf_free(accepted(text));
	memset(home, 'h', sizeof(home));
	home[0] = '/';
	memcpy(home + 230, "/%u", 4);
	(void)snprintf(text, sizeof(text), "[pool a]\nhome = %s\n", home);
	refused(text, "t.conf:2: ", "home template expands to more than 255");
}

/* --- ua_conf_load: file checks on temp files --- */

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "%s/f", tmpdir);
	(void)unlink(cmd);
	(void)snprintf(cmd, sizeof(cmd), "%s/link", tmpdir);
	(void)unlink(cmd);
	(void)snprintf(cmd, sizeof(cmd), "%s/fifo", tmpdir);
	(void)unlink(cmd);
	return rmdir(tmpdir);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_load_reads_a_safe_file(void **state)
{
	struct ua_conf *c = NULL;
	char path[128];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/f", tmpdir);
	write_file(path,
	    "[pool a]\nshell = /bin/sh\nfirst_factors = password\n", 0644);
	assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c->path, path);
	assert_string_equal(c->pools[0].shell, "/bin/sh");
	ua_conf_free(c);
	/* Parse errors name the real path. */
	write_file(path, "[pool a]\nbogus = 1\n", 0600);
	assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)), -EINVAL);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_non_null(strstr(err, ":2: unknown key 'bogus'"));
}

static void
test_load_refuses_symlink(void **state)
{
	struct ua_conf *c = NULL;
	char path[128], link[128];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/f", tmpdir);
	(void)snprintf(link, sizeof(link), "%s/link", tmpdir);
	write_file(path, "[pool a]\n", 0600);
	(void)unlink(link);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ua_conf_load(link, &c, err, sizeof(err)), -ELOOP);
	assert_null(c);
	assert_non_null(strstr(err, "is a symbolic link"));
}

static void
test_load_refuses_group_or_world_writable(void **state)
{
	static const mode_t modes[] = { 0620, 0602, 0666, 0777 };
	struct ua_conf *c = NULL;
	char path[128];
	size_t i;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/f", tmpdir);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_file(path, "[pool a]\n", modes[i]);
		assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)),
		    -EPERM);
		assert_null(c);
		assert_non_null(strstr(err, "writable by group or others"));
	}
	/* Readable by all, writable by the owner only: fine. */
	write_file(path, "[pool a]\nfirst_factors = password\n", 0644);
	assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)), 0);
	ua_conf_free(c);
}

static void
test_load_refuses_foreign_owner(void **state)
{
	struct ua_conf *c = NULL;
	char path[128];

	(void)state;
	if (geteuid() != 0)
		skip();
	(void)snprintf(path, sizeof(path), "%s/f", tmpdir);
	write_file(path, "[pool a]\n", 0644);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)), -EPERM);
	assert_null(c);
	assert_non_null(strstr(err, "owned by uid 65534"));
}

static void
test_load_refuses_non_regular_and_missing(void **state)
{
	struct ua_conf *c = NULL;
	char path[128];

	(void)state;
	assert_int_equal(ua_conf_load(tmpdir, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	(void)snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	(void)snprintf(path, sizeof(path), "%s/absent", tmpdir);
	assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open: No such file"));
	assert_null(c);
}

static void
test_load_refuses_oversized_file(void **state)
{
	struct ua_conf *c = NULL;
	char path[128];
	char *big = malloc(UA_CONF_MAX_SIZE + 2);

	(void)state;
	assert_non_null(big);
	memset(big, '\n', UA_CONF_MAX_SIZE + 1);
	big[UA_CONF_MAX_SIZE + 1] = '\0';
	(void)snprintf(path, sizeof(path), "%s/f", tmpdir);
	write_file(path, big, 0600);
	free(big);
	assert_int_equal(ua_conf_load(path, &c, err, sizeof(err)), -EMSGSIZE);
	assert_null(c);
	assert_non_null(strstr(err, "larger than"));
}

static void
test_example_config_parses(void **state)
{
	const char *top = getenv("top_srcdir");
	struct ua_conf *c = NULL;
	char path[4096], *text;
	size_t n;
	FILE *f;

	(void)state;
	if (top == NULL)
		skip();
	(void)snprintf(path, sizeof(path), "%s/doc/userauth.conf.example", top);
	f = fopen(path, "re");
	assert_non_null(f);
	text = malloc(UA_CONF_MAX_SIZE);
	assert_non_null(text);
	n = fread(text, 1, UA_CONF_MAX_SIZE, f);
	(void)fclose(f);
	if (ua_conf_parse(path, text, n, &c, err, sizeof(err)) != 0)
		print_error("%s\n", err);
	assert_non_null(c);
	assert_non_null(ua_conf_pool(c, "customer"));
	assert_non_null(ua_conf_pool(c, "staff"));
	ua_conf_free(c);
	free(text);
}

/* ---- [mail] and the pool mail keys ---------------------------------- */

/* A pool that mails codes and has no sender is refused at its line. */
static void
test_email_otp_without_mail_from_is_refused(void **state)
{
	struct ua_conf *c;

	(void)state;
	refused("#bare\n[pool customer]\n", "t.conf:2: ",
	    "[pool customer]: first_factors offers email_otp but the pool "
	    "has no mail_from");
	refused("[defaults]\nfirst_factors = email_otp\n[pool c]\n",
	    "t.conf:2: ", "[pool c]: first_factors offers email_otp");
	refused("[defaults]\nmail_from = otp@example.com\n[pool a]\n"
		"mail_from =\nfirst_factors = password email_otp\n",
	    "t.conf:5: ", "[pool a]: first_factors offers email_otp");
	refused("[pool a]\nmail_from = otp@example.com\n"
		"fake_domains = example.com localhost\n",
	    "t.conf:3: ", "fake_domains: 'localhost' is not a mail domain");
	c = accepted("[pool a]\nmail_from = otp@example.com\n"
		     "fake_domains = example.com mail.example.org\n");
	assert_string_equal(c->pools[0].fake_domains,
	    "example.com mail.example.org");
	ua_conf_free(c);
	/* password-only pools and pools with a sender are fine */
	c = accepted("[pool a]\nfirst_factors = password\n");
	ua_conf_free(c);
	c = accepted("[pool a]\nmail_from = otp@example.com\n");
	ua_conf_free(c);
}

static void
test_mail_defaults(void **state)
{
	struct ua_conf *c = accepted("[pool a]\nfirst_factors = password\n");
	const struct ua_pool_conf *p = &c->pools[0];

	(void)state;
	assert_string_equal(c->mail.smtp_url, UA_DEFAULT_SMTP_URL);
	assert_int_equal(c->mail.smtp_starttls, UA_STARTTLS_AUTO);
	assert_int_equal(c->mail.retry_max_interval_ms,
	    UA_DEFAULT_RETRY_MAX_INTERVAL * 1000);
	assert_true(c->mail.smtp_loopback);
	assert_false(c->mail.smtp_tls);
	assert_null(c->mail.smtp_user);
	assert_null(c->mail.smtp_password_file);
	assert_null(c->mail.smtp_ca_file);
	assert_null(c->mail.sendmail);
	assert_null(p->mail_from);
	assert_string_equal(p->mail_subject, UA_DEFAULT_MAIL_SUBJECT);
	assert_null(p->mail_template.path);
	assert_null(p->mail_template.text);
	ua_conf_free(c);
}

static void
test_mail_keys_are_read_and_inherited(void **state)
{
	struct ua_conf *c = accepted(
	    "[mail]\n"
	    "smtp_url = smtps://Mail.Example.com:465/ehlo.example.com\n"
	    "smtp_user = otp@example.com\n"
	    "smtp_password_file = /etc/userauth/smtp.pw\n"
	    "smtp_ca_file = /etc/ssl/ca.pem\n"
	    "smtp_starttls = required\n"
	    "sendmail = /usr/sbin/sendmail\n"
	    "retry_max_interval = 300\n"
	    "[defaults]\nmail_from = Sign-In@Example.COM\n"
	    "[pool a]\nuid_min = 100000\nuid_max = 100009\n"
	    "gid_min = 110000\ngid_max = 110009\n"
	    "[pool b]\nmail_subject = Ihr Code f\xc3\xbcr %p\n"
	    "mail_from =\nfirst_factors = password\n");

	(void)state;
	assert_string_equal(c->mail.smtp_url,
	    "smtps://Mail.Example.com:465/ehlo.example.com");
	assert_true(c->mail.smtp_tls);
	assert_false(c->mail.smtp_loopback);
	assert_string_equal(c->mail.smtp_user, "otp@example.com");
	assert_string_equal(c->mail.smtp_password_file,
	    "/etc/userauth/smtp.pw");
	assert_string_equal(c->mail.smtp_ca_file, "/etc/ssl/ca.pem");
	assert_int_equal(c->mail.smtp_starttls, UA_STARTTLS_REQUIRED);
	assert_string_equal(c->mail.sendmail, "/usr/sbin/sendmail");
	assert_int_equal(c->mail.retry_max_interval_ms, 300000);
	/* Stored lowercase; an empty value overrides the default: none. */
	assert_string_equal(c->pools[0].mail_from, "sign-in@example.com");
	assert_string_equal(c->pools[0].mail_subject, UA_DEFAULT_MAIL_SUBJECT);
	assert_null(c->pools[1].mail_from);
	assert_string_equal(c->pools[1].mail_subject, "Ihr Code f\xc3\xbcr %p");
	ua_conf_free(c);
}

static void
test_mail_url_loopback_and_tls(void **state)
{
	static const struct {
		const char *url;
		bool loopback, tls;
	} cases[] = {
		{ "smtp://127.0.0.1:25", true, false },
		{ "smtp://127.9.8.7", true, false },
		{ "smtp://LOCALHOST:2525/", true, false },
		{ "smtp://[::1]:25", true, false },
		{ "smtps://localhost", true, true },
		{ "smtp://mail.example.com", false, false },
		{ "smtp://10.0.0.1:587", false, false },
		{ "smtp://127.0.0.1.example.com", false, false },
		{ "smtp://[2001:db8::1]:25", false, false },
		{ "smtp://1270.0.0.1", false, false },
	};
	char text[256];
	struct ua_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(text, sizeof(text),
		    "[mail]\nsmtp_url = %s\n[pool a]\n", cases[i].url);
		c = accepted(text);
		if (c->mail.smtp_loopback != cases[i].loopback)
			print_error("%s\n", cases[i].url);
		assert_int_equal(c->mail.smtp_loopback, cases[i].loopback);
		assert_int_equal(c->mail.smtp_tls, cases[i].tls);
		ua_conf_free(c);
	}
}

static void
test_mail_bad_values_are_refused(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[mail]\nsmtp_url = http://mail.example.com\n",
		    "only smtp:// and smtps://" },
		{ "[mail]\nsmtp_url = SMTP://mail.example.com\n",
		    "only smtp:// and smtps://" },
		{ "[mail]\nsmtp_url = smtp://u:pw@mail.example.com\n",
		    "no user, password" },
		{ "[mail]\nsmtp_url = smtp://mail.example.com/?x\n",
		    "no user, password" },
		{ "[mail]\nsmtp_url = smtp://mail.example.com:0\n", "port" },
		{ "[mail]\nsmtp_url = smtp://mail.example.com:65536\n",
		    "port" },
		{ "[mail]\nsmtp_url = smtp://mail.example.com:\n", "port" },
		{ "[mail]\nsmtp_url = smtp://\n", "bad host" },
		{ "[mail]\nsmtp_url = smtp://-x.example.com\n", "bad host" },
		{ "[mail]\nsmtp_url = smtp://a..b\n", "bad host" },
		{ "[mail]\nsmtp_url = smtp://[zz::1]\n", "bad host" },
		{ "[mail]\nsmtp_url = smtp://mail.example.com x\n",
		    "unexpected text" },
		{ "[mail]\nsmtp_url = smtp://h.example.com/a_b\n",
		    "EHLO name" },
		{ "[mail]\nsmtp_starttls = yes\n",
		    "expected required or auto" },
		{ "[mail]\nsmtp_starttls =\n", "missing value" },
		{ "[mail]\nretry_max_interval = 0\n", "from 1 to 300" },
		{ "[mail]\nretry_max_interval = 301\n", "from 1 to 300" },
		{ "[mail]\nsmtp_password_file = pw\n", "bad value 'pw'" },
		{ "[mail]\nsmtp_ca_file = /etc/../ca\n", "'..'" },
		{ "[mail]\nsendmail = sendmail\n", "bad value" },
		{ "[mail]\nsmtp_user = otp\n", "go together" },
		{ "[mail]\nsmtp_password_file = /pw\n", "go together" },
		{ "[mail]\nsmtp_user = a\xc2\x85z\n", "control characters" },
		{ "[mail]\nmail_from = a@example.com\n",
		    "belongs in [defaults] or [pool NAME], not in [mail]" },
		{ "[defaults]\nsmtp_url = smtp://localhost\n",
		    "belongs in [mail], not in [defaults]" },
		{ "[daemon]\nsendmail = /usr/sbin/sendmail\n",
		    "belongs in [mail], not in [daemon]" },
		{ "[mail]\nuser = x\n", "belongs in [daemon], not in [mail]" },
		{ "[mail]\n[mail]\n", "duplicate section [mail]" },
		{ "[mail]\nsmtp_url = smtp://a.example.com\n"
		  "smtp_url = smtp://b.example.com\n",
		    "duplicate key" },
		{ "[defaults]\nmail_from = not-an-address\n", "bad value" },
		{ "[defaults]\nmail_from = a@localhost\n", "bad value" },
		{ "[defaults]\nmail_subject =\n", "missing value" },
		{ "[defaults]\nmail_template = relative.txt\n", "bad value" },
	};
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(text, sizeof(text), "%s[pool a]\n",
		    cases[i].text);
		refused(text, "t.conf:", cases[i].want);
	}
}

static void
test_mail_subject_length_cap(void **state)
{
	char text[512], subj[UA_MAX_MAIL_SUBJECT + 2];
	struct ua_conf *c;

	(void)state;
	memset(subj, 's', sizeof(subj) - 1);
	subj[UA_MAX_MAIL_SUBJECT] = '\0';
	(void)snprintf(text, sizeof(text), "[pool a]\nmail_subject = %s\n",
	    subj);
	c = accepted(text);
	assert_int_equal(strlen(c->pools[0].mail_subject), UA_MAX_MAIL_SUBJECT);
	ua_conf_free(c);
	subj[UA_MAX_MAIL_SUBJECT] = 's';
	subj[UA_MAX_MAIL_SUBJECT + 1] = '\0';
	(void)snprintf(text, sizeof(text), "[pool a]\nmail_subject = %s\n",
	    subj);
	refused(text, "t.conf:2: ", "longer than 200 bytes");
}

/* Write a template file tmpdir/f with mode; returns its path. */
static const char *
write_template(const char *text, size_t n, mode_t mode)
{
	static char path[256];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/f", tmpdir);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static struct ua_conf *
template_conf(const char *path, int *ret_r)
{
	char text[640];
	struct ua_conf *c = NULL;

	(void)snprintf(text, sizeof(text),
	    "[defaults]\nmail_template = %s\nmail_from = otp@example.com\n"
	    "[pool a]\n",
	    path);
	*ret_r = parse(text, &c);
	return c;
}

static void
test_mail_template_is_read_at_load(void **state)
{
	const char *t = "Hello,\r\n\r\nyour code for %p is %c (%m min, 100%%)."
			"\r\n\tThanks\n";
	struct ua_conf *c;
	const char *path;
	int r;

	(void)state;
	path = write_template(t, strlen(t), 0644);
	c = template_conf(path, &r);
	assert_int_equal(r, 0);
	assert_string_equal(c->pools[0].mail_template.path, path);
	/* CRLF became LF. */
	assert_string_equal(c->pools[0].mail_template.text,
	    "Hello,\n\nyour code for %p is %c (%m min, 100%%).\n\tThanks\n");
	ua_conf_free(c);
	/* An empty value is the built-in text again. */
	c = accepted("[defaults]\nmail_template =\n"
		     "mail_from = otp@example.com\n[pool a]\n");
	assert_null(c->pools[0].mail_template.path);
	ua_conf_free(c);
}

static void
test_mail_template_bad_files_are_refused(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "no code here\n", "has no %c" },
		{ "%c %x\n", "unknown % escape" },
		{ "%c %", "unknown % escape" },
		{ "%c https://example.com/login\n", "links are not allowed" },
		{ "%c see WWW.example.com\n", "links are not allowed" },
		{ "%c\rx\n", "control character" },
		{ "%c \x1b[31m\n", "control character" },
		{ "%c \xff\n", "not valid UTF-8" },
		{ "", "empty" },
	};
	char big[UA_MAX_MAIL_TEMPLATE + 2], err2[sizeof(err)];
	const char *path;
	struct ua_conf *c;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path =
		    write_template(cases[i].text, strlen(cases[i].text), 0644);
		c = template_conf(path, &r);
		if (r != -EINVAL || strstr(err, cases[i].want) == NULL)
			print_error("'%s': r=%d err='%s'\n", cases[i].text, r,
			    err);
		assert_int_equal(r, -EINVAL);
		assert_null(c);
		assert_non_null(strstr(err, cases[i].want));
		assert_non_null(strstr(err, "t.conf:2: mail_template '"));
	}
	path = write_template("%c\0x\n", 5, 0644);
	assert_null(template_conf(path, &r));
	assert_non_null(strstr(err, "NUL byte"));
	/* Caps: whole file and one expanded line. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "%c\n", 3);
	path = write_template(big, UA_MAX_MAIL_TEMPLATE + 1, 0644);
	assert_null(template_conf(path, &r));
	assert_non_null(strstr(err, "larger than 4096 bytes"));
	path = write_template(big, 904, 0644); /* "%c\n" + 901 x */
	assert_null(template_conf(path, &r));
	assert_non_null(strstr(err, "longer than 900 bytes"));
	/* Group-writable, missing, a symlink. */
	path = write_template("%c\n", 3, 0664);
	assert_null(template_conf(path, &r));
	assert_non_null(strstr(err, "not writable by group or others"));
	(void)snprintf(err2, sizeof(err2), "%s/nosuch", tmpdir);
	assert_null(template_conf(err2, &r));
	assert_non_null(strstr(err, "cannot open"));
	path = write_template("%c\n", 3, 0644);
	(void)snprintf(err2, sizeof(err2), "%s/link", tmpdir);
	assert_int_equal(symlink(path, err2), 0);
	assert_null(template_conf(err2, &r));
	assert_non_null(strstr(err, "cannot open"));
}

static void
test_mail_dump_round_trip(void **state)
{
	char text[1024], *d1, *d2;
	struct ua_conf *c1, *c2;
	const char *path;

	(void)state;
	path = write_template("Code: %c\n", 9, 0644);
	(void)snprintf(text, sizeof(text),
	    "[mail]\n"
	    "smtp_url = smtp://relay.example.com:587\n"
	    "smtp_user = otp\nsmtp_password_file = /etc/u/pw\n"
	    "smtp_starttls = required\nretry_max_interval = 10\n"
	    "[defaults]\nmail_from = otp@example.com\n"
	    "mail_template = %s\n"
	    "[pool a]\nmail_subject = Dein Code \xe2\x80\x93 jetzt\n",
	    path);
	c1 = accepted(text);
	d1 = dump_to_string(c1);
	c2 = accepted(d1);
	d2 = dump_to_string(c2);
	assert_string_equal(d1, d2);
	assert_non_null(strstr(d1,
	    "\n[mail]\nsmtp_url = "
	    "smtp://relay.example.com:587\nsmtp_user = otp\n"
	    "smtp_password_file = /etc/u/pw\nsmtp_ca_file =\n"
	    "smtp_starttls = required\nsendmail =\n"
	    "retry_max_interval = 10\n"));
	assert_non_null(strstr(d1, "mail_from = otp@example.com\n"));
	assert_string_equal(c2->pools[0].mail_template.text, "Code: %c\n");
	assert_string_equal(c2->pools[0].mail_subject,
	    "Dein Code \xe2\x80\x93 jetzt");
	assert_false(c2->mail.smtp_loopback);
	free(d1);
	free(d2);
	ua_conf_free(c1);
	ua_conf_free(c2);
	/* Unset optional keys dump as empty values and parse back. */
	c1 = accepted("[pool a]\nfirst_factors = password\n");
	d1 = dump_to_string(c1);
	assert_non_null(strstr(d1, "\nmail_from =\n"));
	assert_non_null(strstr(d1, "\nmail_template =\n"));
	assert_non_null(strstr(d1, "\nsmtp_user =\n"));
	c2 = accepted(d1);
	assert_null(c2->pools[0].mail_from);
	free(d1);
	ua_conf_free(c1);
	ua_conf_free(c2);
}

static void
test_policy_keys_are_derived_and_inherited(void **state)
{
	struct ua_conf *c;
	const struct ua_pool_conf *a, *b;

	(void)state;
	c = accepted("[defaults]\n"
		     "mail_from = otp@example.com\n"
		     "group_challenge = partners:email_otp devs:password\n"
		     "service_groups = sshd:ops,devs login:*\n"
		     "[pool a]\n"
		     "uid_min = 200000\nuid_max = 200999\n"
		     "gid_min = 300000\ngid_max = 300999\n"
		     "[pool b]\n"
		     "uid_min = 400000\nuid_max = 400999\n"
		     "gid_min = 500000\ngid_max = 500999\n"
		     "first_factors = password\n"
		     "select_challenge = yes\n"
		     "allow_groups = ops, devs\n");
	a = ua_conf_pool(c, "a");
	b = ua_conf_pool(c, "b");
	assert_true(a->allow_password && a->allow_email_otp);
	assert_false(a->select_challenge);
	assert_true(a->allow_groups.any);
	assert_int_equal(a->ngroup_rules, 2);
	assert_string_equal(a->group_rules[0].group, "partners");
	assert_true(a->group_rules[0].email_otp);
	assert_false(a->group_rules[1].email_otp);
	assert_int_equal(a->nservice_rules, 2);
	assert_string_equal(a->service_rules[0].service, "sshd");
	assert_int_equal(a->service_rules[0].groups.n, 2);
	assert_true(a->service_rules[1].groups.any);
	assert_true(b->allow_password);
	assert_false(b->allow_email_otp);
	assert_true(b->select_challenge);
	assert_false(b->allow_groups.any);
	assert_int_equal(b->allow_groups.n, 2);
	assert_string_equal(b->allow_groups.names[1], "devs");
	assert_int_equal(b->ngroup_rules, 2);
	assert_int_equal(b->otp_lifetime, 180);
	ua_conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_file_gets_every_default),
		cmocka_unit_test(test_daemon_keys_are_parsed),
		cmocka_unit_test(test_log_levels_map_to_syslog_priorities),
		cmocka_unit_test(test_defaults_are_inherited_and_overridden),
		cmocka_unit_test(test_comments_blank_lines_and_whitespace),
		cmocka_unit_test(test_admin_group_empty_means_none),
		cmocka_unit_test(test_edge_values_are_accepted),
		cmocka_unit_test(test_bad_values_are_refused_with_file_line),
		cmocka_unit_test(test_cognito_pool_is_parsed_and_derived),
		cmocka_unit_test(test_cognito_pool_refusals),
		cmocka_unit_test(test_unknown_key_names_file_line_and_section),
		cmocka_unit_test(test_key_in_wrong_section_is_refused),
		cmocka_unit_test(test_duplicates_are_refused),
		cmocka_unit_test(test_no_pool_is_refused),
		cmocka_unit_test(test_bad_section_headers_are_refused),
		cmocka_unit_test(test_quotes_and_inline_comments_are_refused),
		cmocka_unit_test(test_overlapping_ranges_are_refused),
		cmocka_unit_test(test_adjacent_ranges_are_accepted),
		cmocka_unit_test(test_own_uid_and_gid_ranges_must_not_overlap),
		cmocka_unit_test(
		    test_two_pools_inheriting_ranges_are_told_to_set_them),
		cmocka_unit_test(
		    test_ranges_with_nobody_or_reversed_are_refused),
		cmocka_unit_test(test_line_length_cap),
		cmocka_unit_test(test_nul_control_and_bad_utf8_are_refused),
		cmocka_unit_test(test_pool_count_cap),
		cmocka_unit_test(test_text_over_size_cap_is_emsgsize),
		cmocka_unit_test(test_small_error_buffer_is_terminated),
		cmocka_unit_test(test_dump_parses_back_to_the_same_config),
		cmocka_unit_test(test_home_template_expansion),
		cmocka_unit_test(test_home_template_too_long_for_longest_login),
		cmocka_unit_test_setup_teardown(test_load_reads_a_safe_file,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_refuses_symlink,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(
		    test_load_refuses_group_or_world_writable, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_refuses_foreign_owner,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(
		    test_load_refuses_non_regular_and_missing, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(
		    test_load_refuses_oversized_file, setup_dir, teardown_dir),
		cmocka_unit_test(test_example_config_parses),
		cmocka_unit_test(test_mail_defaults),
		cmocka_unit_test(test_email_otp_without_mail_from_is_refused),
		cmocka_unit_test(test_mail_keys_are_read_and_inherited),
		cmocka_unit_test(test_mail_url_loopback_and_tls),
		cmocka_unit_test(test_mail_bad_values_are_refused),
		cmocka_unit_test(test_mail_subject_length_cap),
		cmocka_unit_test(test_policy_keys_are_derived_and_inherited),
		cmocka_unit_test_setup_teardown(
		    test_mail_template_is_read_at_load, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(
		    test_mail_template_bad_files_are_refused, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_mail_dump_round_trip,
		    setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
