/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the admin request handler (helpers/userauthd/admin/admin.c)
 * against a real store in a temp dir: requests as the admin socket
 * would hand them over (parsed JSON), replies as doc/PROTOCOL.md
 * ("Admin socket: JSON") documents them.  A refused request must leave
 * the database as it was: every error case compares the store's
 * generation and its users and groups before and after.
 *
 * ua_log is wrapped at link time (-Wl,--wrap=ua_log, this test's
 * LDFLAGS): the audit lines land in logcap_lines[] (logcap.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "logcap.h"

#include "server/conf.h"
#include "server/log.h"
#include "userauthd/admin/admin.h"
#include "userauthd/store/store.h"

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"mail_from = codes@example.com\n"
				"[pool customer]\n"
				"uid_min = 200000\n"
				"uid_max = 200099\n"
				"gid_min = 300000\n"
				"gid_max = 300099\n"
				"[pool staff]\n"
				"uid_min = 210000\n"
				"uid_max = 210099\n"
				"gid_min = 310000\n"
				"gid_max = 310099\n"
				"home = /srv/%p/%u\n";

struct fx {
	char dir[64];
	char db[128];
	struct ua_conf *conf;
	struct store *s;
	struct admin_ctx ctx;
};

/* What the database holds, to see that a refused request changed nothing. */
struct seen {
	uint64_t gen;
	char *users; /* user.list and group.list, dumped */
	char *groups;
};

static void
rm_db(const struct fx *f)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[160];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s%s", f->db, suffix[i]);
		(void)unlink(path);
	}
}

static int
setup(void **state)
{
	struct store_err err = { 0 };
	char msg[256];
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/ua-admin-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	if (ua_conf_parse("test.conf", conf_text, strlen(conf_text), &f->conf,
		msg, sizeof(msg)) < 0)
		fail_msg("%s", msg);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	/* no mailer, keys or workers: what the handler does without them */
	f->ctx =
	    (struct admin_ctx){ .conf = f->conf, .store = f->s, .peer_uid = 0 };
	logcap_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	ua_conf_free(f->conf);
	rm_db(f);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

/* Hand the request text to the handler as the socket would; the reply. */
static json_t *
handle(struct fx *f, const char *text)
{
	json_error_t jerr;
	json_t *req, *reply;

	req = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL)
		fail_msg("bad test request %s: %s", text, jerr.text);
	reply = admin_handle(&f->ctx, req);
	json_decref(req);
	assert_non_null(reply);
	assert_int_equal(json_integer_value(json_object_get(reply, "v")), 1);
	return reply;
}

/* The result of a reply that must be ok (a reference the reply holds). */
static json_t *
ok_result(json_t *reply)
{
	if (!json_is_true(json_object_get(reply, "ok"))) {
		char *d = json_dumps(reply, 0);

		fail_msg("not ok: %s", d != NULL ? d : "?");
	}
	assert_null(json_object_get(reply, "error"));
	return json_object_get(reply, "result");
}

/* A refusal with code; its message (held by the reply). */
static const char *
error_of(json_t *reply, const char *code)
{
	const char *msg = json_string_value(json_object_get(reply, "message"));

	assert_true(json_is_false(json_object_get(reply, "ok")));
	assert_null(json_object_get(reply, "result"));
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
	    code);
	assert_non_null(msg);
	assert_true(msg[0] != '\0');
	return msg;
}

static char *
dump_op(struct fx *f, const char *text)
{
	json_t *reply = handle(f, text);
	char *d = json_dumps(ok_result(reply), JSON_SORT_KEYS | JSON_COMPACT);

	assert_non_null(d);
	json_decref(reply);
	return d;
}

static void
look(struct fx *f, struct seen *s)
{
	s->gen = store_generation(f->s);
	s->users = dump_op(f, "{\"v\":1,\"op\":\"user.list\"}");
	s->groups = dump_op(f, "{\"v\":1,\"op\":\"group.list\"}");
}

/* Nothing in the database changed since before was seen. */
static void
assert_unchanged(struct fx *f, struct seen *before)
{
	struct seen now;

	look(f, &now);
	assert_int_equal(now.gen, before->gen);
	assert_string_equal(now.users, before->users);
	assert_string_equal(now.groups, before->groups);
	free(now.users);
	free(now.groups);
	free(before->users);
	free(before->groups);
}

/* A request that must be refused with code and change nothing. */
static void
refused(struct fx *f, const char *text, const char *code, const char *msg_has)
{
	struct seen before;
	json_t *reply;
	const char *msg;

	look(f, &before);
	reply = handle(f, text);
	msg = error_of(reply, code);
	if (msg_has != NULL && strstr(msg, msg_has) == NULL)
		fail_msg("%s: message '%s' does not name '%s'", text, msg,
		    msg_has);
	json_decref(reply);
	assert_unchanged(f, &before);
}

static void
add_alice(struct fx *f)
{
	json_decref(handle(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":"
	    "\"customer\",\"login\":\"alice\",\"email\":"
	    "\"alice@example.com\"}"));
}

static void
test_user_add_adds_and_audits(void **state)
{
	struct fx *f = *state;
	uint64_t gen = store_generation(f->s);
	json_t *reply, *u;

	reply = handle(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"staff\","
	    "\"login\":\"sam\",\"email\":\"Sam@Example.ORG\","
	    "\"display_name\":\"Sam S\",\"disabled\":true}");
	u = ok_result(reply);
	assert_null(json_object_get(reply, "warning"));
	assert_string_equal(json_string_value(json_object_get(u, "login")),
	    "sam");
	assert_string_equal(json_string_value(json_object_get(u, "pool")),
	    "staff");
	assert_string_equal(json_string_value(json_object_get(u, "email")),
	    "sam@example.org");
	assert_string_equal(
	    json_string_value(json_object_get(u, "display_name")), "Sam S");
	assert_int_equal(json_integer_value(json_object_get(u, "uid")), 210000);
	assert_int_equal(json_integer_value(json_object_get(u, "gid")), 210000);
	assert_string_equal(json_string_value(json_object_get(u, "home")),
	    "/srv/staff/sam");
	assert_string_equal(json_string_value(json_object_get(u, "state")),
	    "disabled");
	assert_true(json_is_false(json_object_get(u, "password_set")));
	json_decref(reply);
	assert_true(store_generation(f->s) > gen);
	assert_int_equal(logged("event=admin", "op=user.add", "peer_uid=0",
			     "target='sam'", "result=ok", NULL),
	    1);
}

static void
test_user_show_by_login_or_email(void **state)
{
	struct fx *f = *state;
	static const char *const asks[] = {
		"{\"v\":1,\"op\":\"user.show\",\"user\":\"alice\"}",
		"{\"v\":1,\"op\":\"user.show\",\"user\":\"ALICE@example.COM\"}",
	};
	struct seen before;
	json_t *reply, *u;
	size_t i;

	add_alice(f);
	look(f, &before);
	logcap_reset();
	for (i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		reply = handle(f, asks[i]);
		u = ok_result(reply);
		assert_string_equal(
		    json_string_value(json_object_get(u, "login")), "alice");
		assert_int_equal(json_integer_value(json_object_get(u, "uid")),
		    200000);
		assert_true(json_is_object(json_object_get(u, "mfa")));
		assert_true(json_is_array(json_object_get(u, "limits")));
		assert_null(json_object_get(u, "hash"));
		assert_null(json_object_get(u, "password"));
		json_decref(reply);
	}
	/* a read: no audit line, nothing written */
	assert_int_equal(logged("event=admin", NULL), 0);
	assert_unchanged(f, &before);
	refused(f, "{\"v\":1,\"op\":\"user.show\",\"user\":\"nobody\"}",
	    "not_found", NULL);
}

static void
test_user_list_all_or_one_pool(void **state)
{
	struct fx *f = *state;
	json_t *reply, *l;

	add_alice(f);
	json_decref(handle(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"staff\","
	    "\"login\":\"sam\",\"email\":\"sam@example.org\"}"));

	reply = handle(f, "{\"v\":1,\"op\":\"user.list\"}");
	l = ok_result(reply);
	assert_true(json_is_array(l));
	assert_int_equal(json_array_size(l), 2);
	json_decref(reply);

	reply = handle(f, "{\"v\":1,\"op\":\"user.list\",\"pool\":\"staff\"}");
	l = ok_result(reply);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(l, 0), "login")),
	    "sam");
	json_decref(reply);

	reply = handle(f,
	    "{\"v\":1,\"op\":\"user.list\",\"pool\":"
	    "\"customer\"}");
	l = ok_result(reply);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(l, 0), "login")),
	    "alice");
	json_decref(reply);
}

static void
test_unknown_op_or_version_is_unsupported(void **state)
{
	struct fx *f = *state;

	add_alice(f);
	refused(f, "{\"v\":1,\"op\":\"user.frobnicate\",\"user\":\"alice\"}",
	    "unsupported", NULL);
	refused(f, "{\"v\":1,\"op\":\"user.\"}", "unsupported", NULL);
	refused(f, "{\"v\":1,\"op\":\"USER.DEL\",\"user\":\"alice\"}",
	    "unsupported", NULL);
	refused(f, "{\"v\":1,\"user\":\"alice\"}", "unsupported", NULL);
	refused(f, "{\"v\":1,\"op\":7}", "unsupported", NULL);
	refused(f, "{\"v\":2,\"op\":\"user.del\",\"user\":\"alice\"}",
	    "unsupported", NULL);
	refused(f, "{\"v\":\"1\",\"op\":\"user.del\",\"user\":\"alice\"}",
	    "unsupported", NULL);
	refused(f, "{\"op\":\"user.del\",\"user\":\"alice\"}", "unsupported",
	    NULL);
}

static void
test_missing_argument_is_invalid(void **state)
{
	struct fx *f = *state;

	add_alice(f);
	logcap_reset();
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\"}",
	    "invalid", "'email'");
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"login\":\"bob\","
	    "\"email\":\"bob@example.com\"}",
	    "invalid", "'pool'");
	refused(f, "{\"v\":1,\"op\":\"user.show\"}", "invalid", "'user'");
	refused(f, "{\"v\":1,\"op\":\"user.del\"}", "invalid", "'user'");
	/* a change refused is audited as one, each time */
	assert_int_equal(logged("op=user.add", "target='bob'", "result=fail",
			     "reason=invalid", NULL),
	    2);
	assert_int_equal(
	    logged("op=user.del", "result=fail", "reason=invalid", NULL), 1);
}

static void
test_wrong_type_is_invalid(void **state)
{
	struct fx *f = *state;

	add_alice(f);
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":42,\"email\":\"bob@example.com\"}",
	    "invalid", "'login'");
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\",\"email\":null}",
	    "invalid", "'email'");
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\",\"email\":\"bob@example.com\","
	    "\"disabled\":\"yes\"}",
	    "invalid", "'disabled'");
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\",\"email\":\"bob@example.com\","
	    "\"groups\":\"ops\"}",
	    "invalid", "'groups'");
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\",\"email\":\"bob@example.com\","
	    "\"groups\":[1]}",
	    "invalid", "'groups'");
	refused(f, "{\"v\":1,\"op\":\"user.show\",\"user\":[\"alice\"]}",
	    "invalid", "'user'");
	refused(f, "{\"v\":1,\"op\":\"user.list\",\"pool\":true}", "invalid",
	    "'pool'");
	/* a member the op does not take, of any type */
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\",\"email\":\"bob@example.com\","
	    "\"uid\":0}",
	    "invalid", "'uid'");
	refused(f,
	    "{\"v\":1,\"op\":\"user.show\",\"user\":\"alice\","
	    "\"pool\":\"customer\"}",
	    "invalid", "'pool'");
}

/* name: one more byte than its cap, as a JSON string member. */
static void
refused_long(struct fx *f, const char *before, size_t len, const char *after,
    const char *msg_has)
{
	char text[2048];
	char *big = malloc(len + 1);

	assert_non_null(big);
	memset(big, 'a', len);
	big[len] = '\0';
	if (strstr(before, "email") != NULL && len > 12)
		memcpy(big + len - 12, "@example.com", 12);
	assert_true((size_t)snprintf(text, sizeof(text), "%s\"%s\"%s", before,
			big, after) < sizeof(text));
	free(big);
	refused(f, text, "invalid", msg_has);
}

static void
test_oversized_string_is_invalid(void **state)
{
	struct fx *f = *state;
	char groups[1024];
	size_t i, n;

	add_alice(f);
	/* login: 32 bytes at most (UA_MAX_LOGIN) */
	refused_long(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\",\"login\":",
	    UA_MAX_LOGIN + 1, ",\"email\":\"bob@example.com\"}", "login");
	/* email: 254 */
	refused_long(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\",\"login\":"
	    "\"bob\",\"email\":",
	    UA_MAX_EMAIL + 1, "}", "email");
	/* display name: 256; home and shell: 255 */
	refused_long(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\",\"login\":"
	    "\"bob\",\"email\":\"bob@example.com\",\"display_name\":",
	    UA_MAX_GECOS + 1, "}", "display name");
	refused_long(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\",\"login\":"
	    "\"bob\",\"email\":\"bob@example.com\",\"shell\":",
	    UA_MAX_PATHFIELD + 1, "}", "shell");
	/* a pool name past its cap is no pool */
	refused_long(f,
	    "{\"v\":1,\"op\":\"user.add\",\"login\":\"bob\",\"email\":"
	    "\"bob@example.com\",\"pool\":",
	    UA_MAX_POOL + 1, "}", "pool");
	/* groups: 64 names at most */
	n = (size_t)snprintf(groups, sizeof(groups),
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\",\"login\":"
	    "\"bob\",\"email\":\"bob@example.com\",\"groups\":[");
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(groups + n, sizeof(groups) - n, "%s\"g\"",
		    i ? "," : "");
	assert_true(n + 3 < sizeof(groups));
	memcpy(groups + n, "]}", 3);
	refused(f, groups, "invalid", "'groups'");
}

/* Whole mail recipients are root's: a non-root admin is refused them. */
static void
test_full_mail_queue_is_root_only(void **state)
{
	struct fx *f = *state;

	add_alice(f);
	f->ctx.peer_uid = 1000;
	refused(f, "{\"v\":1,\"op\":\"mailq.list\",\"full\":true}", "denied",
	    NULL);
	assert_int_equal(logged("op=mailq.list", "peer_uid=1000", "result=fail",
			     "reason=denied", NULL),
	    1);
	/* without full, or as root, the request passes that check (and
	 * meets the sender that is not running here) */
	refused(f, "{\"v\":1,\"op\":\"mailq.list\",\"full\":false}",
	    "unsupported", "not running");
	f->ctx.peer_uid = 0;
	refused(f, "{\"v\":1,\"op\":\"mailq.list\",\"full\":true}",
	    "unsupported", "not running");
	/* and full is a boolean */
	refused(f, "{\"v\":1,\"op\":\"mailq.list\",\"full\":1}", "invalid",
	    "'full'");
}

/*
 * Without a running mail sender every mail op answers the same
 * documented code (doc/PROTOCOL.md lists them), mail.test too.
 */
static void
test_mail_ops_without_sender_are_unsupported(void **state)
{
	struct fx *f = *state;

	refused(f, "{\"v\":1,\"op\":\"mailq.flush\"}", "unsupported",
	    "not running");
	refused(f,
	    "{\"v\":1,\"op\":\"mail.test\",\"pool\":\"customer\","
	    "\"email\":\"ops@example.com\"}",
	    "unsupported", "not running");
	/* its own checks come first */
	refused(f,
	    "{\"v\":1,\"op\":\"mail.test\",\"pool\":\"customer\","
	    "\"email\":\"no-address\"}",
	    "invalid", "no-address");
}

/* A refused add takes no id: the next one gets the first. */
static void
test_refused_add_takes_no_id(void **state)
{
	struct fx *f = *state;
	json_t *reply;

	add_alice(f);
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"alice\",\"email\":\"other@example.com\"}",
	    "exists", "alice");
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\",\"email\":\"ALICE@example.com\"}",
	    "exists", "alice@example.com");
	refused(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"nopool\","
	    "\"login\":\"bob\",\"email\":\"bob@example.com\"}",
	    "not_found", "nopool");
	reply = handle(f,
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"bob\",\"email\":\"bob@example.com\"}");
	assert_int_equal(
	    json_integer_value(json_object_get(ok_result(reply), "uid")),
	    200001);
	json_decref(reply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_add_adds_and_audits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_user_show_by_login_or_email, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_list_all_or_one_pool,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_op_or_version_is_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_missing_argument_is_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type_is_invalid,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_oversized_string_is_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_full_mail_queue_is_root_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mail_ops_without_sender_are_unsupported, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_add_takes_no_id,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
