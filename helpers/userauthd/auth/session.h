/* SPDX-License-Identifier: MIT */
/*
 * Inside the login conversation: the per-connection session and what
 * auth.c (requests, backend replies) and auth/fake.c (the conversation's
 * own challenges: fakes, and the TOTP after a failed first factor) call
 * in each other.  Never included outside auth.c and auth/.
 */
#ifndef UA_AUTH_SESSION_H
#define UA_AUTH_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "client/proto.h"
#include "client/valid.h"
#include "userauthd/auth.h"
#include "userauthd/otp.h"
#include "userauthd/pool/backend.h"
#include "userauthd/throttle.h"

#define AUTH_MAX_IDENT 254
#define AUTH_MAX_SERVICE 64
#define AUTH_MAX_RHOST 255

#define AUTH_OLD_WRONG "The current password is wrong."

enum auth_state { S_NEW, S_ANSWER, S_JOB, S_DONE };

/* What the client asked for. */
enum auth_kind { K_LOGIN, K_ACCT, K_SESSION, K_CHPASS };

/* The backend call a pending job will answer. */
enum auth_call { C_ACCOUNT, C_INITIATE, C_RESPOND, C_CHPASS, C_SESSION };

struct auth_session {
	enum auth_state state;
	enum auth_kind kind;
	enum auth_call pending; /* S_JOB: what the job answers */
	bool fake_job;          /* S_JOB: the fake's dummy check */
	enum policy_challenge expect;
	enum policy_challenge preferred; /* the client's hint */
	const char *fake;                /* why it is fake, or NULL */
	char pool[UA_MAX_POOL + 1];
	char ident[AUTH_MAX_IDENT + 1];
	char service[AUTH_MAX_SERVICE + 1];
	char rhost[AUTH_MAX_RHOST + 1];
	uint8_t ident_mac[KEYS_MAC_LEN]; /* of the normalised identifier */
	/* throttling (throttle.h): the account's key, and why the answer
	 * being handled is refused unjudged ("throttled", "locked") */
	char account[THROTTLE_ACCOUNT_MAX];
	char trhost[AUTH_MAX_RHOST + 1]; /* the host it counts for */
	uint8_t host_mac[KEYS_MAC_LEN];  /* ... keyed, for code budgets */
	const char *unjudged;
	bool real_unjudged; /* a found user's password refused unjudged */
	unsigned charged;   /* answers counted so far */
	/* a found user's masked address, shown by its fake code challenge */
	char masked[UA_MAX_EMAIL + 1];
	uint64_t owner; /* the client's serial */
	uid_t peer_uid;
	struct pool_login *bl; /* the backend's side of the login */
	/* The conversation's own challenges (fakes, a doomed TOTP) */
	unsigned fake_tries;           /* code tries left */
	struct otp_clock code_expires; /* when it dies, on both clocks */
	const char *mfa_doomed;        /* TOTP fails whatever the code: why */
	unsigned totp_tries;           /* TOTP answers left */
	/* mono ns: the last code challenge went out; the reply being sent
	 * waits until hold_until (otp_min_answer_age after the challenge,
	 * otp_answer_delay_ms after the answer: hold_code_reply) */
	int64_t code_asked;
	int64_t hold_until;
	/* CHPASS: held until the backend (or the fake) takes them */
	char *old_password;
	char *new_password;
};

/* auth.c */
const struct ua_pool_conf *auth_pool_of(const struct auth_ctx *ctx,
    const struct auth_session *s);
/* The pool's throttle figures (from its configuration). */
void auth_throttle_limits(const struct ua_pool_conf *pc,
    struct throttle_limits *ret);

/* auth/reply.c: messages (0 or -ENOMEM) and audit lines. */
/* The identifier for a log line: quoted, or "hash:..." when it is no
 * name or address (a password typed at "Email:"). */
const char *auth_log_ident(const struct auth_session *s, char *out,
    size_t outsz);
void auth_audit(const struct auth_session *s, const char *event,
    const char *result, const char *reason);
/* auth_audit for a backend (struct pool_conv), arg the session. */
void auth_conv_audit(void *arg, const char *event, const char *result,
    const char *reason);
/* RESULT with outcome (and user); the login is over. */
int auth_result(struct auth_session *s, struct ua_msg *out, const char *outcome,
    const char *user);
/* Audit a failure and RESULT FAIL (with a sentence for the user). */
int auth_fail(struct auth_session *s, struct ua_msg *out, const char *reason);
int auth_fail_saying(struct auth_session *s, struct ua_msg *out,
    const char *reason, const char *message);
/* RESULT UNAVAILABLE, audited as an error when reason is set. */
int auth_unavailable(struct auth_session *s, struct ua_msg *out,
    const char *reason);
/* ... with a sentence for the user (a backend's server out of reach). */
int auth_unavailable_saying(struct auth_session *s, struct ua_msg *out,
    const char *reason, const char *message);
/* CHALLENGE from a reply (POOL_CHALLENGE), with the conversation's texts. */
int auth_ask(const struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *rp, struct ua_msg *out);
/* Audit OK and RESULT OK with the user's login and groups. */
int auth_success(struct auth_session *s, const struct pool_user *u,
    struct ua_msg *out);

/* auth/fake.c */
/* A fake login's first challenge (policy_fake). */
int auth_fake_start(struct auth_ctx *ctx, struct auth_session *s,
    struct ua_msg *out);
/* An answer to a challenge the conversation asked itself. */
int auth_fake_respond(struct auth_ctx *ctx, struct auth_session *s,
    const char *answer, struct ua_msg *out);
/* A dummy password check on a worker (the cost of a real one): 1. */
int auth_fake_check(struct auth_ctx *ctx, struct auth_session *s,
    const char *password);
int auth_fake_job_done(struct auth_ctx *ctx, struct auth_session *s,
    struct workq_job *job, struct ua_msg *out);
/*
 * A first factor failed: a fake's (s->fake set), or the backend's
 * before_mfa (s->fake NULL).  The TOTP is asked all the same and cannot
 * succeed, for a fake in a pool that requires MFA and for before_mfa
 * always; otherwise FAIL.
 */
int auth_first_factor_failed(struct auth_ctx *ctx, struct auth_session *s,
    const char *reason, struct ua_msg *out);

#endif
