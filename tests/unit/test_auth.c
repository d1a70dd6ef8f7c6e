/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the login conversation (auth.c, auth/) against a fake
 * pool backend: no root, no sockets.  The backend below is a struct
 * pool_backend whose operations play a script (challenges, OK, FAIL,
 * FAKE, UNAVAILABLE, pending jobs finished through ->complete) and note
 * what the conversation asked of them; the test drives auth_handle() with
 * hand-built requests and reads the replies and the audit lines.
 *
 * Seams used, none of them test-only code in the daemon:
 *  - auth_ctx.local holds the backend every local pool's session uses;
 *    the test sets it itself instead of calling auth_start, which would
 *    build the real local backend (and the Cognito one).
 *  - ua_log is wrapped at link time (-Wl,--wrap=ua_log, test_auth's
 *    LDFLAGS): every line the conversation logs lands in logcap.c.
 *  - auth/session.h, the conversation's own header, for the count of
 *    answers throttling charged (a test may look inside, as
 *    test_pool_local does with pool/local_int.h).
 * The throttle counters, the fakes' dummy password checks (a real worker
 * queue) and the keyed MACs run for real on a scratch store and key in a
 * temp dir.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "logcap.h"

#include "client/proto.h"
#include "server/conf.h"
#include "server/log.h"
#include "userauthd/admin/admin.h"
#include "userauthd/auth.h"
#include "userauthd/auth/session.h"
#include "userauthd/keys.h"
#include "userauthd/password.h"
#include "userauthd/pool/backend.h"
#include "userauthd/store/store.h"
#include "userauthd/store/store_throttle.h"
#include "userauthd/workq.h"

static const char conf_text[] =
    "[defaults]\n"
    "shell = /bin/sh\n"
    "mail_from = codes@example.com\n"
    /* password and emailed codes: the empty password asks for a code */
    "[pool customer]\n"
    "uid_min = 200000\n"
    "uid_max = 200099\n"
    "gid_min = 300000\n"
    "gid_max = 300099\n"
    "otp_tries = 3\n"
    /* password only, TOTP required */
    "[pool staff]\n"
    "uid_min = 220000\n"
    "uid_max = 220099\n"
    "gid_min = 320000\n"
    "gid_max = 320099\n"
    "first_factors = password\n"
    "mfa = required\n"
    "otp_tries = 2\n"
    /* locks an account after two failed answers */
    "[pool locky]\n"
    "uid_min = 230000\n"
    "uid_max = 230099\n"
    "gid_min = 330000\n"
    "gid_max = 330099\n"
    "first_factors = password\n"
    "lock_after = 2\n"
    /* sshd only for staff members */
    "[pool ops]\n"
    "uid_min = 240000\n"
    "uid_max = 240099\n"
    "gid_min = 340000\n"
    "gid_max = 340099\n"
    "first_factors = password\n"
    "service_groups = sshd:staff\n";

#define SCRIPT_MAX 8

/* One scripted answer of the backend: return ret, fill in rp. */
struct step {
	int ret; /* 0, 1 (pending), < 0 */
	struct pool_reply rp;
};

struct fake_be {
	struct pool_backend base;
	struct pool_reply account;      /* what ->account answers */
	struct step script[SCRIPT_MAX]; /* initiate, respond, complete,
					 * change_password, session_open */
	size_t nscript, next;
	/* what the conversation asked */
	unsigned logins, accounts, initiates, responds, completes, chpasses,
	    sessions, count_codes;
	enum policy_challenge last_c;
	char last_answer[128];
	char last_ident[64];
};

struct fake_login {
	struct pool_login base;
};

static struct fake_be *
fb_of(struct pool_backend *be)
{
	return (struct fake_be *)be;
}

static int
fake_login_new(struct pool_backend *be, const struct pool_conv *conv,
    struct pool_login **ret)
{
	struct fake_login *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->base.be = be;
	l->base.conv = *conv;
	fb_of(be)->logins++;
	*ret = &l->base;
	return 0;
}

static void
fake_login_free(struct pool_login *bl)
{
	free(bl);
}

/* The next scripted step; running out of script is a test failure. */
static int
play(struct fake_be *fb, struct pool_reply *rp)
{
	const struct step *st;

	assert_true(fb->next < fb->nscript);
	st = &fb->script[fb->next++];
	*rp = st->rp;
	return st->ret;
}

static int
fake_account(struct pool_login *bl, const struct pool_request *rq,
    struct pool_reply *rp)
{
	struct fake_be *fb = fb_of(bl->be);

	fb->accounts++;
	(void)snprintf(fb->last_ident, sizeof(fb->last_ident), "%s", rq->ident);
	*rp = fb->account;
	return 0;
}

static int
fake_initiate(struct pool_login *bl, const struct pool_request *rq,
    struct pool_reply *rp)
{
	(void)rq;
	fb_of(bl->be)->initiates++;
	return play(fb_of(bl->be), rp);
}

static int
fake_respond(struct pool_login *bl, const struct ua_pool_conf *pc,
    enum policy_challenge c, const char *answer, struct pool_reply *rp)
{
	struct fake_be *fb = fb_of(bl->be);

	(void)pc;
	fb->responds++;
	fb->last_c = c;
	(void)snprintf(fb->last_answer, sizeof(fb->last_answer), "%s", answer);
	return play(fb, rp);
}

static int
fake_change_password(struct pool_login *bl, const struct ua_pool_conf *pc,
    const char *old_pw, const char *new_pw, struct pool_reply *rp)
{
	struct fake_be *fb = fb_of(bl->be);

	(void)pc;
	(void)new_pw;
	fb->chpasses++;
	(void)snprintf(fb->last_answer, sizeof(fb->last_answer), "%s", old_pw);
	return play(fb, rp);
}

static int
fake_session_open(struct pool_login *bl, struct pool_reply *rp)
{
	fb_of(bl->be)->sessions++;
	return play(fb_of(bl->be), rp);
}

static int
fake_complete(struct pool_login *bl, const struct ua_pool_conf *pc,
    struct pool_job *job, struct pool_reply *rp)
{
	(void)pc;
	fb_of(bl->be)->completes++;
	pool_job_free(&job->wq);
	return play(fb_of(bl->be), rp);
}

static int
fake_count_code(struct pool_backend *be, const uint8_t *host_mac,
    const struct ua_pool_conf *pc, const uint8_t ident_mac[KEYS_MAC_LEN],
    bool *ret_limited)
{
	(void)host_mac;
	(void)pc;
	(void)ident_mac;
	fb_of(be)->count_codes++;
	*ret_limited = false;
	return 0;
}

static void
fake_free(struct pool_backend *be)
{
	(void)be;
}

static const struct pool_ops fake_ops = {
	.name = "fake",
	.login_new = fake_login_new,
	.login_free = fake_login_free,
	.account = fake_account,
	.initiate = fake_initiate,
	.respond = fake_respond,
	.change_password = fake_change_password,
	.session_open = fake_session_open,
	.complete = fake_complete,
	.count_code = fake_count_code,
	.free = fake_free,
};

/* A job of the fake backend: what ->complete gets back. */
static void
job_free(struct pool_job *j)
{
	free(j);
}

static struct workq_job *
new_job(void)
{
	struct pool_job *j = calloc(1, sizeof(*j));

	assert_non_null(j);
	j->free = job_free;
	return &j->wq;
}

struct fx {
	char dir[64];
	struct ua_conf *conf;
	struct store *store;
	struct keys keys;
	struct workq *wq;
	char *dummy;
	struct fake_be be;
	struct auth_ctx ctx;
	struct auth_session *sess;
	struct ucred peer;
	struct ua_msg out;
};

static const char *const alice_groups[] = { "buyers", "staff" };

static int
setup(void **state)
{
	struct store_err err = { 0 };
	struct fx *f = calloc(1, sizeof(*f));
	char msg[256];

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/ua-auth-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(ua_conf_parse("test.conf", conf_text,
			     strlen(conf_text), &f->conf, msg, sizeof(msg)),
	    0);
	(void)snprintf(msg, sizeof(msg), "%s/userauth.db", f->dir);
	assert_int_equal(store_open(msg, &f->store, &err), 0);
	assert_int_equal(store_sync_pools(f->store, f->conf, &err), 0);
	assert_int_equal(keys_load(f->dir, &f->keys), 0);
	assert_int_equal(workq_start(1, &f->wq), 0);
	assert_int_equal(password_hash("dummy", &f->dummy), 0);
	f->be.base.ops = &fake_ops;
	/* a known, enabled user with a password, the peer's own uid */
	f->be.account = (struct pool_reply){ .status = POOL_OK,
		.user = { .login = "alice",
		    .uid = 200001,
		    .enabled = true,
		    .has_password = true,
		    .masked = "a***@e******.com",
		    .groups = alice_groups,
		    .ngroups = 2 } };
	f->ctx = (struct auth_ctx){ .conf = f->conf,
		.store = f->store,
		.keys = &f->keys,
		.wq = f->wq,
		.dummy_hash = f->dummy,
		.local = &f->be.base };
	f->peer = (struct ucred){ .pid = 1, .uid = 0, .gid = 0 };
	logcap_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ua_msg_clear(&f->out);
	auth_session_free(f->sess);
	workq_stop(f->wq);
	free(f->dummy);
	store_close(f->store);
	ua_conf_free(f->conf);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Script the backend's next answer. */
static void
then(struct fx *f, int ret, struct pool_reply rp)
{
	assert_true(f->be.nscript < SCRIPT_MAX);
	f->be.script[f->be.nscript].ret = ret;
	f->be.script[f->be.nscript++].rp = rp;
}

static struct pool_reply
ask(enum policy_challenge c)
{
	return (struct pool_reply){ .status = POOL_CHALLENGE, .challenge = c };
}

static int
send_msg(struct fx *f, struct ua_msg *in)
{
	int r;

	ua_msg_clear(&f->out);
	r = auth_handle(&f->ctx, &f->sess, &f->peer, 7, in, &f->out);
	ua_msg_clear(in);
	return r;
}

/* INITIATE pool/user/service (rhost, preferred optional). */
static int
initiate(struct fx *f, const char *pool, const char *user,
    const char *preferred)
{
	struct ua_msg in;

	ua_msg_init(&in, UA_MSG_INITIATE);
	assert_int_equal(ua_msg_add(&in, UA_T_POOL, pool), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_USER, user), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_SERVICE, "sshd"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_RHOST, "192.0.2.7"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_PREFERRED, preferred), 0);
	return send_msg(f, &in);
}

/* ACCT or SESSION for pool/user (ACCT with service and rhost). */
static int
phase(struct fx *f, uint16_t type, const char *pool, const char *user,
    const char *service)
{
	struct ua_msg in;

	ua_msg_init(&in, type);
	assert_int_equal(ua_msg_add(&in, UA_T_POOL, pool), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_USER, user), 0);
	if (service != NULL) {
		assert_int_equal(ua_msg_add(&in, UA_T_SERVICE, service), 0);
		assert_int_equal(ua_msg_add(&in, UA_T_RHOST, "192.0.2.7"), 0);
	}
	return send_msg(f, &in);
}

static int
respond(struct fx *f, const char *challenge, const char *answer)
{
	struct ua_msg in;

	ua_msg_init(&in, UA_MSG_RESPOND);
	assert_int_equal(ua_msg_add(&in, UA_T_CHALLENGE, challenge), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_ANSWER, answer), 0);
	return send_msg(f, &in);
}

/* The backend's pending job comes back. */
static int
job_done(struct fx *f)
{
	ua_msg_clear(&f->out);
	return auth_job_done(&f->ctx, f->sess, new_job(), &f->out);
}

/* The fake's dummy password check, run by the real worker. */
static int
worker_done(struct fx *f)
{
	struct pollfd p = { .fd = workq_fd(f->wq), .events = POLLIN };
	struct workq_job *j;

	for (;;) {
		j = workq_collect(f->wq);
		if (j != NULL)
			break;
		assert_int_equal(poll(&p, 1, 10000), 1);
	}
	assert_int_equal(j->owner, 7);
	ua_msg_clear(&f->out);
	return auth_job_done(&f->ctx, f->sess, j, &f->out);
}

static const char *
field(const struct fx *f, uint16_t tag)
{
	return ua_msg_get(&f->out, tag);
}

static void
assert_challenge(const struct fx *f, const char *name)
{
	assert_int_equal(f->out.type, UA_MSG_CHALLENGE);
	assert_string_equal(field(f, UA_T_CHALLENGE), name);
}

static void
assert_result(const struct fx *f, const char *outcome)
{
	assert_int_equal(f->out.type, UA_MSG_RESULT);
	assert_string_equal(field(f, UA_T_OUTCOME), outcome);
}

static struct pool_reply
ok_alice(const struct fx *f)
{
	return (struct pool_reply){ .status = POOL_OK,
		.user = f->be.account.user,
		.verdict = { POOL_FACTOR_PASSWORD, true, NULL } };
}

/*
 * PASSWORD: the code hint where a code may be asked instead; the answer
 * pends on the backend's job; OK gives the login and its groups, and one
 * audit line says so.
 */
static void
test_password_pends_then_ok(void **state)
{
	struct fx *f = *state;

	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 1, (struct pool_reply){ 0 });
	then(f, 0, ok_alice(f));
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_challenge(f, "PASSWORD");
	assert_non_null(strstr(field(f, UA_T_INFO), "code by email instead"));
	assert_string_equal(f->be.last_ident, "alice");
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), 1);
	assert_int_equal(f->be.last_c, POLICY_PASSWORD);
	assert_string_equal(f->be.last_answer, "correct horse");
	assert_int_equal(f->sess->charged, 1);
	assert_int_equal(job_done(f), 0);
	assert_result(f, "OK");
	assert_string_equal(field(f, UA_T_USER), "alice");
	assert_string_equal(field(f, UA_T_GROUPS), "buyers,staff");
	assert_int_equal(f->be.completes, 1);
	assert_int_equal(logged("event=auth", "pool='customer'", "user='alice'",
			     "service='sshd'", "challenge=PASSWORD",
			     "result=ok", NULL),
	    1);
	/* a success gives the charged answer back */
	assert_int_equal(f->sess->charged, 0);
}

/* No code hint where MFA is required (S13). */
static void
test_password_without_code_hint_where_mfa_required(void **state)
{
	struct fx *f = *state;

	f->be.account.user.uid = 220001;
	then(f, 0, ask(POLICY_PASSWORD));
	assert_int_equal(initiate(f, "staff", "alice", NULL), 0);
	assert_challenge(f, "PASSWORD");
	assert_null(field(f, UA_T_INFO));
}

/* EMAIL_OTP: "A code was sent to", a retry with the tries left, OK. */
static void
test_email_otp_retry_then_ok(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = ask(POLICY_EMAIL_OTP);

	rp.destination = "a***@e******.com";
	then(f, 0, rp);
	rp.retry = "bad_code";
	rp.tries_left = 2;
	rp.verdict =
	    (struct pool_verdict){ POOL_FACTOR_EMAIL_OTP, false, "bad_code" };
	then(f, 0, rp);
	then(f, 0, ok_alice(f));
	assert_int_equal(initiate(f, "customer", "alice", "EMAIL_OTP"), 0);
	assert_challenge(f, "EMAIL_OTP");
	assert_string_equal(field(f, UA_T_INFO),
	    "A code was sent to a***@e******.com");
	assert_string_equal(field(f, UA_T_DESTINATION), "a***@e******.com");
	assert_int_equal(respond(f, "EMAIL_OTP", "11111111"), 0);
	assert_challenge(f, "EMAIL_OTP");
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "Wrong code, 2 tries left.");
	assert_int_equal(logged("result=retry reason=bad_code", NULL), 1);
	assert_int_equal(respond(f, "EMAIL_OTP", "22222222"), 0);
	assert_result(f, "OK");
	assert_int_equal(f->be.responds, 2);
	assert_string_equal(f->be.last_answer, "22222222");
}

/* SELECT_CHALLENGE: the default list; the pick goes to the backend. */
static void
test_select_challenge(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = ask(POLICY_EMAIL_OTP);

	rp.destination = "a***@e******.com";
	then(f, 0, ask(POLICY_SELECT));
	then(f, 0, rp);
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_challenge(f, "SELECT_CHALLENGE");
	assert_string_equal(field(f, UA_T_AVAILABLE), "PASSWORD,EMAIL_OTP");
	assert_int_equal(respond(f, "SELECT_CHALLENGE", "EMAIL_OTP"), 0);
	assert_int_equal(f->be.last_c, POLICY_SELECT);
	assert_string_equal(f->be.last_answer, "EMAIL_OTP");
	assert_challenge(f, "EMAIL_OTP");
	/* a pick is no guess: nothing charged */
	assert_int_equal(f->sess->charged, 0);
}

/* Only PASSWORD or EMAIL_OTP may be picked. */
static void
test_select_of_anything_else_is_a_protocol_error(void **state)
{
	struct fx *f = *state;

	then(f, 0, ask(POLICY_SELECT));
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_int_equal(respond(f, "SELECT_CHALLENGE", "SOFTWARE_TOKEN_MFA"),
	    -EPROTO);
	assert_int_equal(f->be.responds, 0);
}

/* TOTP and MFA_SETUP: a wrong TOTP gets the one message that does not
 * say which factor failed. */
static void
test_totp_and_mfa_setup(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = ask(POLICY_TOTP);

	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 1, (struct pool_reply){ 0 });
	then(f, 0, rp);
	rp.retry = "bad_totp";
	rp.verdict =
	    (struct pool_verdict){ POOL_FACTOR_TOTP, false, "bad_totp" };
	then(f, 0, rp);
	rp = ask(POLICY_MFA_SETUP);
	rp.info = "Key: ABCD";
	then(f, 0, rp);
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), 1);
	assert_int_equal(job_done(f), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_null(field(f, UA_T_MESSAGE));
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "123456"), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "Wrong password or verification code.");
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "654321"), 0);
	assert_challenge(f, "MFA_SETUP");
	assert_string_equal(field(f, UA_T_INFO), "Key: ABCD");
	/* every TOTP answer was a guess the gate charged */
	assert_int_equal(f->sess->charged, 3);
}

/* NEW_PASSWORD_REQUIRED: the answer goes on, uncharged; then OK. */
static void
test_new_password(void **state)
{
	struct fx *f = *state;

	then(f, 0, ask(POLICY_NEW_PASSWORD));
	then(f, 1, (struct pool_reply){ 0 });
	then(f, 0, ok_alice(f));
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_challenge(f, "NEW_PASSWORD_REQUIRED");
	assert_int_equal(respond(f, "NEW_PASSWORD_REQUIRED", "Chosen-pw-42"),
	    1);
	assert_int_equal(f->be.last_c, POLICY_NEW_PASSWORD);
	assert_string_equal(f->be.last_answer, "Chosen-pw-42");
	assert_int_equal(f->sess->charged, 0);
	assert_int_equal(job_done(f), 0);
	assert_result(f, "OK");
}

/* FAIL: RESULT FAIL, audited with the backend's reason. */
static void
test_fail_is_audited(void **state)
{
	struct fx *f = *state;

	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 0,
	    (struct pool_reply){ .status = POOL_FAIL,
		.reason = "bad_password",
		.verdict = { POOL_FACTOR_PASSWORD, false, "bad_password" } });
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_int_equal(respond(f, "PASSWORD", "wrong horse"), 0);
	assert_result(f, "FAIL");
	assert_null(field(f, UA_T_USER));
	assert_int_equal(logged("event=auth", "user='alice'",
			     "result=fail reason=bad_password", NULL),
	    1);
	/* no secret in any line */
	assert_int_equal(logged("wrong horse", NULL), 0);
}

/*
 * FAIL before an MFA step: the TOTP is asked all the same, fails
 * whatever is typed, and the backend hears of none of it.
 */
static void
test_before_mfa_asks_a_doomed_totp(void **state)
{
	struct fx *f = *state;

	f->be.account.user.uid = 220001;
	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 0,
	    (struct pool_reply){ .status = POOL_FAIL,
		.reason = "bad_password",
		.before_mfa = true });
	assert_int_equal(initiate(f, "staff", "alice", NULL), 0);
	assert_int_equal(respond(f, "PASSWORD", "wrong horse"), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "123456"), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "Wrong password or verification code.");
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "123456"), 0);
	assert_result(f, "FAIL");
	assert_int_equal(f->be.responds, 1);
	assert_int_equal(logged("result=fail reason=bad_password", NULL), 1);
}

/*
 * The transcript of a login that cannot succeed in staff (password,
 * MFA required): PASSWORD, the dummy check on a worker, a TOTP that
 * fails twice.  Returns after the RESULT; the backend is asked only
 * ->account.
 */
static void
doomed_staff_login(struct fx *f, const char *user, const char *why)
{
	assert_int_equal(initiate(f, "staff", user, NULL), 0);
	assert_challenge(f, "PASSWORD");
	assert_null(field(f, UA_T_INFO));
	assert_int_equal(f->out.n, 1);
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), 1);
	assert_int_equal(worker_done(f), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "123456"), 0);
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "Wrong password or verification code.");
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "123456"), 0);
	assert_result(f, "FAIL");
	assert_int_equal(f->be.accounts, 1);
	assert_int_equal(f->be.initiates + f->be.responds + f->be.completes, 0);
	assert_int_equal(logged("result=fail", why, NULL), 1);
}

static void
test_unknown_user_gets_the_same_challenges(void **state)
{
	struct fx *f = *state;

	f->be.account =
	    (struct pool_reply){ .status = POOL_FAIL, .reason = "unknown" };
	doomed_staff_login(f, "nobody", "reason=unknown");
}

static void
test_disabled_user_gets_the_same_challenges(void **state)
{
	struct fx *f = *state;

	f->be.account.user.uid = 220001;
	f->be.account.user.enabled = false;
	doomed_staff_login(f, "alice", "reason=disabled");
}

/* A non-root peer asking for another uid is treated as a fake. */
static void
test_foreign_peer_gets_the_same_challenges(void **state)
{
	struct fx *f = *state;

	f->be.account.user.uid = 220001;
	f->peer.uid = 1000;
	doomed_staff_login(f, "alice", "reason=foreign_peer");
}

/* ... while the peer that is the user logs in as usual. */
static void
test_own_peer_is_no_fake(void **state)
{
	struct fx *f = *state;

	f->be.account.user.uid = 220001;
	f->peer.uid = 220001;
	then(f, 0, ask(POLICY_PASSWORD));
	assert_int_equal(initiate(f, "staff", "alice", NULL), 0);
	assert_int_equal(f->be.initiates, 1);
	assert_challenge(f, "PASSWORD");
}

/*
 * A disabled user's fake code prompt names the user's own masked
 * address; the code is counted against the limits, and nothing mailed.
 */
static void
test_fake_code_shows_the_users_address(void **state)
{
	struct fx *f = *state;

	f->be.account.user.enabled = false;
	assert_int_equal(initiate(f, "customer", "alice", "EMAIL_OTP"), 0);
	assert_challenge(f, "EMAIL_OTP");
	assert_string_equal(field(f, UA_T_DESTINATION), "a***@e******.com");
	assert_string_equal(field(f, UA_T_INFO),
	    "A code was sent to a***@e******.com");
	assert_int_equal(f->be.count_codes, 1);
	assert_int_equal(respond(f, "EMAIL_OTP", "12345678"), 0);
	assert_challenge(f, "EMAIL_OTP");
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "Wrong code, 2 tries left.");
	/* no code (not 8 bytes) spends no try, as a backend's would not */
	assert_int_equal(respond(f, "EMAIL_OTP", "12ab"), 0);
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "Wrong code, 2 tries left.");
	assert_int_equal(respond(f, "EMAIL_OTP", "12345678"), 0);
	assert_int_equal(respond(f, "EMAIL_OTP", "12345678"), 0);
	assert_result(f, "FAIL");
	assert_int_equal(f->be.initiates + f->be.responds, 0);
	assert_int_equal(logged("result=fail reason=disabled", NULL), 1);
}

/* POOL_FAKE from ->initiate: the conversation's own challenges. */
static void
test_backend_fake_goes_on_with_fakes(void **state)
{
	struct fx *f = *state;

	f->be.account.user.uid = 220001;
	then(f, 0,
	    (struct pool_reply){ .status = POOL_FAKE, .reason = "no_factor" });
	assert_int_equal(initiate(f, "staff", "alice", NULL), 0);
	assert_challenge(f, "PASSWORD");
	assert_int_equal(respond(f, "PASSWORD", "x-password"), 1);
	assert_int_equal(worker_done(f), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_int_equal(f->be.responds, 0);
}

/*
 * The empty password asks for a code instead where the pool allows it:
 * passed on, and no guess to charge.  Where MFA is required it is only
 * a wrong password: the dummy check, charged, the backend not asked.
 */
static void
test_empty_password_asks_for_a_code(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = ask(POLICY_EMAIL_OTP);

	rp.destination = "a***@e******.com";
	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 0, rp);
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_int_equal(respond(f, "PASSWORD", ""), 0);
	assert_int_equal(f->be.responds, 1);
	assert_string_equal(f->be.last_answer, "");
	assert_challenge(f, "EMAIL_OTP");
	assert_int_equal(f->sess->charged, 0);
}

static void
test_empty_password_is_wrong_where_mfa_required(void **state)
{
	struct fx *f = *state;

	f->be.account.user.uid = 220001;
	then(f, 0, ask(POLICY_PASSWORD));
	assert_int_equal(initiate(f, "staff", "alice", NULL), 0);
	assert_int_equal(respond(f, "PASSWORD", ""), 1);
	assert_int_equal(f->be.responds, 0);
	assert_int_equal(f->sess->charged, 1);
	assert_int_equal(worker_done(f), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
}

/*
 * An identifier whose keyed MAC makes a fake in a password-or-code pool
 * start with PASSWORD (policy_fake: the first byte >= 128); the key is
 * new in every run.
 */
static void
password_first_ident(const struct fx *f, char *out, size_t outsz)
{
	uint8_t mac[KEYS_MAC_LEN];
	unsigned i;

	for (i = 0; i < 1000; i++) {
		(void)snprintf(out, outsz, "nobody%u@example.org", i);
		assert_int_equal(keys_ident_mac(&f->keys, out, mac), 0);
		if (mac[0] >= 128)
			return;
	}
	fail_msg("no identifier found");
}

/* A fake's empty password gets the fake code, as a real one would. */
static void
test_fake_empty_password_gets_a_fake_code(void **state)
{
	struct fx *f = *state;
	const char *dest;
	char ident[64];

	f->be.account =
	    (struct pool_reply){ .status = POOL_FAIL, .reason = "unknown" };
	password_first_ident(f, ident, sizeof(ident));
	assert_int_equal(initiate(f, "customer", ident, "PASSWORD"), 0);
	assert_challenge(f, "PASSWORD");
	assert_non_null(strstr(field(f, UA_T_INFO), "code by email instead"));
	assert_int_equal(respond(f, "PASSWORD", ""), 0);
	assert_challenge(f, "EMAIL_OTP");
	/* the address typed, masked */
	dest = field(f, UA_T_DESTINATION);
	assert_non_null(dest);
	assert_int_equal(dest[0], 'n');
	assert_non_null(strstr(dest, "@e"));
	assert_int_equal(f->be.count_codes, 1);
	assert_int_equal(f->be.initiates + f->be.responds, 0);
}

/*
 * Throttling: the gate charges every answer before it is judged; once
 * the account is locked (lock_after = 2), answers are refused unjudged:
 * a password gets the dummy check, not the backend, and fails as a
 * wrong one does, with reason=locked in the audit line only.
 */
static void
test_throttled_answers_are_refused_unjudged(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct store_bucket b;
	const struct pool_reply fail = { .status = POOL_FAIL,
		.reason = "bad_password",
		.verdict = { POOL_FACTOR_PASSWORD, false, "bad_password" } };
	unsigned i;

	f->be.account.user.uid = 230001;
	for (i = 0; i < 2; i++) {
		then(f, 0, ask(POLICY_PASSWORD));
		then(f, 0, fail);
		assert_int_equal(initiate(f, "locky", "alice", NULL), 0);
		assert_int_equal(respond(f, "PASSWORD", "wrong horse"), 0);
		/* charged to the account first, to the host once judged */
		assert_int_equal(f->sess->charged, 0);
		assert_null(f->sess->unjudged);
		assert_result(f, "FAIL");
	}
	assert_int_equal(store_bucket_get(f->store, "locky", STORE_BUCKET_HOST,
			     "", "192.0.2.7", &b, &err),
	    0);
	assert_int_equal(b.failures, 2);
	assert_int_equal(f->be.responds, 2);
	then(f, 0, ask(POLICY_PASSWORD));
	assert_int_equal(initiate(f, "locky", "alice", NULL), 0);
	assert_challenge(f, "PASSWORD");
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), 1);
	assert_string_equal(f->sess->unjudged, "locked");
	assert_int_equal(f->sess->charged, 0);
	assert_int_equal(worker_done(f), 0);
	assert_result(f, "FAIL");
	assert_null(field(f, UA_T_MESSAGE));
	assert_int_equal(f->be.responds, 2);
	assert_int_equal(
	    logged("pool='locky'", "result=fail reason=locked", NULL), 1);
}

/* A code refused unjudged reaches the backend as one that cannot match. */
static void
test_throttled_code_is_passed_as_unjudged(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = ask(POLICY_TOTP);

	f->be.account.user.uid = 230001;
	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 1, (struct pool_reply){ 0 });
	then(f, 0, rp);
	rp.retry = "bad_totp";
	then(f, 0, rp);
	then(f, 0, rp);
	assert_int_equal(initiate(f, "locky", "alice", NULL), 0);
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), 1);
	assert_int_equal(job_done(f), 0);
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "111111"), 0);
	assert_string_equal(f->be.last_answer, "111111");
	/* two answers charged (password, TOTP): the account is locked */
	assert_int_equal(respond(f, "SOFTWARE_TOKEN_MFA", "222222"), 0);
	assert_string_equal(f->be.last_answer, POOL_UNJUDGED_ANSWER);
	assert_string_equal(f->sess->unjudged, "locked");
	assert_challenge(f, "SOFTWARE_TOKEN_MFA");
	assert_int_equal(logged("result=retry reason=locked", NULL), 1);
}

/* UNAVAILABLE with a sentence for the user: RESULT and MESSAGE. */
static void
test_unavailable_saying(void **state)
{
	struct fx *f = *state;

	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 1, (struct pool_reply){ 0 });
	then(f, 0,
	    (struct pool_reply){ .status = POOL_UNAVAILABLE,
		.reason = "cognito_unreachable",
		.message = "The sign-in service cannot be reached." });
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), 1);
	assert_int_equal(job_done(f), 0);
	assert_result(f, "UNAVAILABLE");
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "The sign-in service cannot be reached.");
	assert_int_equal(
	    logged("result=error reason=cognito_unreachable", NULL), 1);
}

/* ->account cannot tell: UNAVAILABLE, no challenge, logged, audited. */
static void
test_account_unavailable(void **state)
{
	struct fx *f = *state;

	f->be.account = (struct pool_reply){ .status = POOL_UNAVAILABLE,
		.error = "store locked" };
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_result(f, "UNAVAILABLE");
	assert_null(field(f, UA_T_MESSAGE));
	assert_int_equal(f->be.initiates, 0);
	assert_int_equal(logged("login lookup failed: store locked", NULL), 1);
	assert_int_equal(logged("event=auth", "user='alice'",
			     "result=error reason=user_lookup", NULL),
	    1);
}

/*
 * ->account cannot tell in the other phases either: CHPASS, ACCT and
 * SESSION each log the error and write one audit line, result=error
 * reason=user_lookup, and answer UNAVAILABLE without going on.
 */
static void
test_lookup_failure_audited_in_every_phase(void **state)
{
	struct fx *f = *state;
	struct ua_msg in;

	f->be.account = (struct pool_reply){ .status = POOL_UNAVAILABLE,
		.error = "store locked" };
	ua_msg_init(&in, UA_MSG_CHPASS);
	assert_int_equal(ua_msg_add(&in, UA_T_POOL, "customer"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_USER, "alice"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_SERVICE, "passwd"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_OLD_PASSWORD, "old horse"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_NEW_PASSWORD, "New-horse-42"), 0);
	assert_int_equal(send_msg(f, &in), 0);
	assert_result(f, "UNAVAILABLE");
	assert_int_equal(f->be.chpasses, 0);
	assert_int_equal(
	    logged("password change lookup failed: store locked", NULL), 1);
	assert_int_equal(logged("event=auth", "pool='customer'", "user='alice'",
			     "service='passwd'",
			     "result=error reason=user_lookup", NULL),
	    1);
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "UNAVAILABLE");
	assert_int_equal(logged("account lookup failed: store locked", NULL),
	    1);
	assert_int_equal(logged("event=account", "pool='customer'",
			     "user='alice'", "service='sshd'",
			     "rhost='192.0.2.7'",
			     "result=error reason=user_lookup", NULL),
	    1);
	assert_int_equal(phase(f, UA_MSG_SESSION, "customer", "alice", NULL),
	    0);
	assert_result(f, "UNAVAILABLE");
	assert_int_equal(f->be.sessions, 0);
	assert_int_equal(logged("session lookup failed: store locked", NULL),
	    1);
	assert_int_equal(logged("event=session", "pool='customer'",
			     "user='alice'", "result=error reason=user_lookup",
			     NULL),
	    1);
	/* one audit line each, and no other */
	assert_int_equal(logged("reason=user_lookup", NULL), 3);
	assert_int_equal(logged("event=", NULL), 3);
}

/* A backend error closes the connection. */
static void
test_backend_error_closes(void **state)
{
	struct fx *f = *state;

	then(f, -ENOMEM, (struct pool_reply){ 0 });
	assert_int_equal(initiate(f, "customer", "alice", NULL), -ENOMEM);
}

/* RESPOND out of turn: no session, wrong challenge, pending, over. */
static void
test_out_of_turn_respond(void **state)
{
	struct fx *f = *state;
	struct ua_msg in;

	assert_int_equal(respond(f, "PASSWORD", "x"), -EPROTO);
	then(f, 0, ask(POLICY_PASSWORD));
	then(f, 1, (struct pool_reply){ 0 });
	then(f, 0, ok_alice(f));
	assert_int_equal(initiate(f, "customer", "alice", NULL), 0);
	assert_int_equal(respond(f, "EMAIL_OTP", "12345678"), -EPROTO);
	assert_int_equal(respond(f, "NONE", "x"), -EPROTO);
	ua_msg_init(&in, UA_MSG_RESPOND);
	assert_int_equal(ua_msg_add(&in, UA_T_CHALLENGE, "PASSWORD"), 0);
	assert_int_equal(send_msg(f, &in), -EPROTO); /* no ANSWER */
	assert_int_equal(f->be.responds, 0);
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), 1);
	/* while the job runs */
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), -EPROTO);
	assert_int_equal(job_done(f), 0);
	assert_result(f, "OK");
	/* after the verdict */
	assert_int_equal(respond(f, "PASSWORD", "correct horse"), -EPROTO);
	/* a job for a session that waits for none */
	assert_int_equal(job_done(f), -EPROTO);
	assert_int_equal(f->be.responds, 1);
}

/* Malformed requests close the connection; an unknown pool is audited. */
static void
test_malformed_initiate(void **state)
{
	struct fx *f = *state;
	struct ua_msg in;

	ua_msg_init(&in, UA_MSG_INITIATE);
	assert_int_equal(ua_msg_add(&in, UA_T_POOL, "customer"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_SERVICE, "sshd"), 0);
	assert_int_equal(send_msg(f, &in), -EBADMSG); /* no USER */
	assert_int_equal(initiate(f, "customer", "al\nice", NULL), -EBADMSG);
	assert_int_equal(initiate(f, "customer", "\xff\xfe", NULL), -EBADMSG);
	ua_msg_init(&in, UA_MSG_PONG);
	assert_int_equal(send_msg(f, &in), -EPROTO);
	assert_int_equal(f->be.accounts, 0);
	assert_int_equal(initiate(f, "nosuch", "alice", NULL), 0);
	assert_result(f, "UNAVAILABLE");
	assert_int_equal(logged("result=error reason=unknown_pool", NULL), 1);
	assert_int_equal(f->be.logins, 0);
}

/* CHPASS: the backend's FAIL on the old password says so. */
static void
test_chpass_wrong_old_password(void **state)
{
	struct fx *f = *state;
	struct ua_msg in;

	then(f, 1, (struct pool_reply){ 0 });
	then(f, 0,
	    (struct pool_reply){ .status = POOL_FAIL,
		.reason = "bad_password",
		.verdict = { POOL_FACTOR_PASSWORD, false, "bad_password" } });
	ua_msg_init(&in, UA_MSG_CHPASS);
	assert_int_equal(ua_msg_add(&in, UA_T_POOL, "customer"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_USER, "alice"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_SERVICE, "passwd"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_OLD_PASSWORD, "old horse"), 0);
	assert_int_equal(ua_msg_add(&in, UA_T_NEW_PASSWORD, "New-horse-42"), 0);
	assert_int_equal(send_msg(f, &in), 1);
	assert_int_equal(f->be.chpasses, 1);
	assert_string_equal(f->be.last_answer, "old horse");
	assert_int_equal(job_done(f), 0);
	assert_result(f, "FAIL");
	assert_string_equal(field(f, UA_T_MESSAGE),
	    "The current password is wrong.");
}

/*
 * ACCT judges the subject as every phase does (lookup_subject and
 * subject_verdict): OK with the login for the user the peer may speak
 * for; DENIED when disabled or not allowed the service; FAIL, with no
 * name, for the unknown and for another uid asked by a non-root peer,
 * so that such a peer cannot tell the two apart.
 */
static void
test_acct_outcomes(void **state)
{
	struct fx *f = *state;

	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "OK");
	assert_string_equal(field(f, UA_T_USER), "alice");
	assert_int_equal(
	    logged("event=account", "user='alice'", "result=OK", NULL), 1);
	/* alice is in staff: ops lets her use sshd (su has no rule there) */
	assert_int_equal(phase(f, UA_MSG_ACCT, "ops", "alice", "sshd"), 0);
	assert_result(f, "OK");
	assert_int_equal(phase(f, UA_MSG_ACCT, "ops", "alice", "su"), 0);
	assert_result(f, "OK");
	f->be.account.user.ngroups = 1; /* buyers only */
	assert_int_equal(phase(f, UA_MSG_ACCT, "ops", "alice", "sshd"), 0);
	assert_result(f, "DENIED");
	f->be.account.user.ngroups = 2;
	f->be.account.user.enabled = false;
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "DENIED");
	f->be.account.user.enabled = true;
	/* a non-root peer: its own uid, then another's, then a provisional */
	f->peer.uid = 200001;
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "OK");
	f->peer.uid = 1000;
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "FAIL");
	assert_null(field(f, UA_T_USER));
	assert_int_equal(
	    logged("event=account", "result=FAIL", "reason=foreign_peer", NULL),
	    1);
	f->be.account.user.enabled = false; /* not DENIED: as unknown */
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "FAIL");
	f->be.account.user.enabled = true;
	f->peer.uid = 200001;
	f->be.account.user.provisional = true;
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "FAIL");
	f->peer.uid = 0;
	f->be.account = (struct pool_reply){ .status = POOL_FAIL };
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "nobody", "sshd"),
	    0);
	assert_result(f, "FAIL");
	assert_null(field(f, UA_T_USER));
	f->be.account = (struct pool_reply){ .status = POOL_UNAVAILABLE };
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", "sshd"), 0);
	assert_result(f, "UNAVAILABLE");
	/* a pool the configuration does not name; no SERVICE: malformed */
	assert_int_equal(phase(f, UA_MSG_ACCT, "nopool", "alice", "sshd"), 0);
	assert_result(f, "UNAVAILABLE");
	assert_int_equal(phase(f, UA_MSG_ACCT, "customer", "alice", NULL),
	    -EBADMSG);
}

/*
 * SESSION records the login of the user the peer may speak for
 * (disabled too: the account phase has judged that); never for another
 * uid, an unknown user or a pool the configuration does not name.
 */
static void
test_session_outcomes(void **state)
{
	struct fx *f = *state;

	then(f, 0, (struct pool_reply){ .status = POOL_OK });
	assert_int_equal(phase(f, UA_MSG_SESSION, "customer", "alice", NULL),
	    0);
	assert_result(f, "OK");
	assert_int_equal(f->be.sessions, 1);
	f->be.account.user.enabled = false;
	then(f, 0, (struct pool_reply){ .status = POOL_OK });
	assert_int_equal(phase(f, UA_MSG_SESSION, "customer", "alice", NULL),
	    0);
	assert_result(f, "OK");
	assert_int_equal(f->be.sessions, 2);
	f->be.account.user.enabled = true;
	f->peer.uid = 1000;
	assert_int_equal(phase(f, UA_MSG_SESSION, "customer", "alice", NULL),
	    0);
	assert_result(f, "FAIL");
	f->peer.uid = 0;
	assert_int_equal(phase(f, UA_MSG_SESSION, "nopool", "alice", NULL), 0);
	assert_result(f, "UNAVAILABLE");
	f->be.account = (struct pool_reply){ .status = POOL_FAIL };
	assert_int_equal(phase(f, UA_MSG_SESSION, "customer", "ghost", NULL),
	    0);
	assert_result(f, "FAIL");
	assert_int_equal(f->be.sessions, 2);
}

int
main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_password_pends_then_ok),
		T(test_password_without_code_hint_where_mfa_required),
		T(test_email_otp_retry_then_ok),
		T(test_select_challenge),
		T(test_select_of_anything_else_is_a_protocol_error),
		T(test_totp_and_mfa_setup),
		T(test_new_password),
		T(test_fail_is_audited),
		T(test_before_mfa_asks_a_doomed_totp),
		T(test_unknown_user_gets_the_same_challenges),
		T(test_disabled_user_gets_the_same_challenges),
		T(test_foreign_peer_gets_the_same_challenges),
		T(test_own_peer_is_no_fake),
		T(test_fake_code_shows_the_users_address),
		T(test_backend_fake_goes_on_with_fakes),
		T(test_empty_password_asks_for_a_code),
		T(test_empty_password_is_wrong_where_mfa_required),
		T(test_fake_empty_password_gets_a_fake_code),
		T(test_throttled_answers_are_refused_unjudged),
		T(test_throttled_code_is_passed_as_unjudged),
		T(test_unavailable_saying),
		T(test_account_unavailable),
		T(test_lookup_failure_audited_in_every_phase),
		T(test_backend_error_closes),
		T(test_out_of_turn_respond),
		T(test_malformed_initiate),
		T(test_chpass_wrong_old_password),
		T(test_acct_outcomes),
		T(test_session_outcomes),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
