/* SPDX-License-Identifier: MIT */
/*
 * The pool-backend seam: what the login conversation (auth.c, auth/)
 * asks of the place a pool's users live.  It sits at the level of
 * challenges, as Cognito's InitiateAuth / RespondToAuthChallenge do: a
 * backend picks challenges, mails codes, checks passwords and TOTP
 * itself; the conversation above it owns the public socket, the session,
 * the fake challenges for unknown, disabled and foreign users, the pool's
 * service policy and the audit log, the same for every backend.
 *
 * A backend is a struct pool_backend (its operations and its own state);
 * each request of a client connection gets a struct pool_login from it.
 *
 * Every call returns
 *   0   the reply is filled in (a challenge, a result or an error);
 *   1   pending: the backend handed work to the daemon's worker queue
 *       (workq_submit, owner = conv.owner) and fills the reply later, in
 *       ->complete, when the event loop hands the job back through
 *       auth_job_done.  complete may in turn return 1 (a second job).
 *       A backend that talks to a server over the network does the same:
 *       its job's run() does the blocking request in a worker thread;
 *   < 0 -errno: the call failed outright (-ENOMEM, the queue refused a
 *       job); the conversation closes the connection.
 * Nothing is ever written to the client by a backend.
 *
 * Strings in a reply (and in reply->user) belong to the pool_login and
 * stay valid until its next call or login_free; reason strings are
 * static, as the conversation may keep them for the rest of the login.
 */
#ifndef UA_POOL_BACKEND_H
#define UA_POOL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/conf.h"
#include "userauthd/keys.h"
#include "userauthd/policy.h"
#include "userauthd/store/store.h"
#include "userauthd/workq.h"

enum pool_status {
	POOL_CHALLENGE,   /* ask the client reply->challenge */
	POOL_OK,          /* authenticated (found, for ->account) */
	POOL_FAIL,        /* refused: reason (and message) */
	POOL_FAKE,        /* ->initiate only: no real login is possible
			   * (reason): the conversation goes on with
			   * fake challenges */
	POOL_UNAVAILABLE, /* could not decide: fail closed */
};

/* The factors a reply can have judged (throttling counts every answer
 * before it is judged, in the conversation). */
enum pool_factor {
	POOL_FACTOR_NONE = 0,  /* this reply judged no answer */
	POOL_FACTOR_PASSWORD,  /* a login's password or CHPASS's old one */
	POOL_FACTOR_EMAIL_OTP, /* an emailed code (or invitation code) */
	POOL_FACTOR_TOTP,      /* SOFTWARE_TOKEN_MFA, MFA_SETUP's first code */
};

struct pool_verdict {
	enum pool_factor factor;
	bool ok;
	const char *reason; /* why not: "bad_password", "bad_code", ... */
};

/* A pool user as the conversation sees it: never a secret. */
struct pool_user {
	const char *login; /* the canonical login name */
	uint32_t uid;
	bool enabled;
	bool has_password;
	const char *masked;        /* the masked address codes go to, for
				    * the fakes of a found user (disabled,
				    * foreign): NULL if none */
	const char *const *groups; /* the user's named groups */
	size_t ngroups;
	/*
	 * ->account for a login only: a backend that learns who the user
	 * is only once it has signed in (Cognito) says so.  Login, uid and
	 * groups are not known yet (the identifier as typed, uid 0): the
	 * conversation counts failures against the identifier, and the
	 * backend decides everything else.
	 */
	bool provisional;
};

struct pool_reply {
	enum pool_status status;
	/* Set when the call judged a factor; every verdict passes
	 * the conversation (audit; the answer was counted by throttling
	 * before). */
	struct pool_verdict verdict;
	/*
	 * A wrong answer that may be tried again: audited as result=retry
	 * with this reason before the rest of the reply is used (also when
	 * asking again then fails: the audit comes first, as it did).
	 */
	const char *retry;
	unsigned tries_left; /* EMAIL_OTP retry: what remains */
	/* FAIL, FAKE: why; UNAVAILABLE: audited as result=error when set */
	const char *reason;
	/*
	 * FAIL only: the login failed before an MFA step it would have had
	 * (a wrong password where the pool requires MFA, or where it is
	 * optional and the user is enrolled; MFA required but not
	 * enrolled).  The conversation still asks for a TOTP that cannot
	 * succeed, as for fakes where the pool requires MFA, so the
	 * transcript is the same as after a right password.
	 */
	bool before_mfa;
	/* POOL_CHALLENGE.  Texts left NULL get the conversation's own:
	 * PASSWORD the "code instead" hint where the pool allows it,
	 * EMAIL_OTP "A code was sent to <destination>", SELECT_CHALLENGE
	 * "PASSWORD,EMAIL_OTP", retries of EMAIL_OTP and TOTP the "wrong
	 * code" sentences: fakes say exactly what real logins say. */
	enum policy_challenge challenge;
	const char *info;        /* shown before the prompt */
	const char *destination; /* EMAIL_OTP: masked address */
	const char *available;   /* SELECT_CHALLENGE: "A,B" */
	const char *message;     /* why asked again; FAIL: shown */
	/* PASSWORD: no emailed code can be sent instead (the backend's
	 * server did not offer one): no "code instead" hint */
	bool no_code_hint;
	/* POOL_OK (login, CHPASS: login only; ->account: all of it) */
	struct pool_user user;
	/* UNAVAILABLE from ->account: what failed, for the caller's log */
	const char *error;
};

/*
 * What the conversation passes as the answer to a code or TOTP it refused
 * unjudged (throttled, locked: auth.c's AUTH_NO_ANSWER must be this).  It
 * never matches, and a backend judges it as a wrong answer of the right
 * shape (it spends a try), so that it looks like one.
 */
#define POOL_UNJUDGED_ANSWER "unjudged"

/* Who asks, once per request (ident and service as the client sent). */
struct pool_request {
	const struct ua_pool_conf *pc; /* NULL only for session_open */
	const char *pool;
	const char *ident;        /* login name or email, as typed */
	const uint8_t *ident_mac; /* keyed MAC of ident: KEYS_MAC_LEN */
	const char *service;
	const char *rhost; /* "" when none */
	/* keyed MAC of the host code budgets count for (a non-root peer's
	 * own, whatever it names); NULL before the user is known */
	const uint8_t *host_mac;
	enum policy_challenge preferred; /* client's hint, or NONE */
	bool login; /* INITIATE: ->account may be provisional */
};

/* What a backend gets of the conversation a login belongs to. */
struct pool_conv {
	uint64_t owner; /* the client's serial: owner of its jobs */
	/* One audit line about this login (event=EVENT result=RESULT
	 * [reason=REASON]); the conversation adds pool, user, service. */
	void (*audit)(void *arg, const char *event, const char *result,
	    const char *reason);
	void *arg;
};

struct pool_backend {
	const struct pool_ops *ops;
};

/* The base of a backend's per-login state (its first member). */
struct pool_login {
	struct pool_backend *be;
	struct pool_conv conv;
};

/* A pending call's work: the backend's job types start with this. */
struct pool_job {
	struct workq_job wq;                /* what the queue holds */
	void (*free)(struct pool_job *job); /* wipes and frees */
};

struct pool_ops {
	const char *name;
	/* A new login (one per request of a connection): 0 or -ENOMEM. */
	int (*login_new)(struct pool_backend *be, const struct pool_conv *conv,
	    struct pool_login **ret);
	/* Wipe and free a login (NULL is fine). */
	void (*login_free)(struct pool_login *bl);
	/*
	 * ACCT (enabled, groups), and the first call of INITIATE, CHPASS
	 * and SESSION: the user rq->ident names.  OK with reply->user; FAIL
	 * (reason "unknown") when there is none; UNAVAILABLE (reply->error)
	 * when it cannot tell.  Logs nothing.  Whether the user may log in
	 * (enabled, the peer's uid) is the conversation's decision.
	 */
	int (*account)(struct pool_login *bl, const struct pool_request *rq,
	    struct pool_reply *rp);
	/*
	 * INITIATE, for the user ->account found: the first challenge
	 * (rq->preferred is the client's hint), or FAKE when none can be
	 * given.  May issue and mail a code.
	 */
	int (*initiate)(struct pool_login *bl, const struct pool_request *rq,
	    struct pool_reply *rp);
	/*
	 * The answer to challenge c (the one last asked; a SELECT_CHALLENGE
	 * answer is PASSWORD or EMAIL_OTP).  An empty PASSWORD answer asks
	 * for an emailed code instead; the conversation sends one only where
	 * policy_code_fallback allows it, and never an invalid password.
	 * pc is NULL when a reload dropped the pool.  An EMAIL_OTP answer
	 * that is no code (otp_answer_is_code: not 8 bytes) is refused
	 * without spending a try: asked again (retry, tries_left
	 * unchanged), no verdict.
	 */
	int (*respond)(struct pool_login *bl, const struct ua_pool_conf *pc,
	    enum policy_challenge c, const char *answer, struct pool_reply *rp);
	/*
	 * CHPASS for the user ->account found (it has a password, old is a
	 * valid one): check old, apply new under the pool's rules.  OK,
	 * or FAIL with the reason and the rule as message.
	 */
	int (*change_password)(struct pool_login *bl,
	    const struct ua_pool_conf *pc, const char *old_pw,
	    const char *new_pw, struct pool_reply *rp);
	/*
	 * Would a right first factor of the user ->account found be
	 * followed by a TOTP prompt (mfa = required, or optional and the
	 * user enrolled)?  Asked when the conversation refused a password
	 * unjudged (throttled, locked), so that the prompts stay those of a
	 * wrong password; the same store work as after a wrong one.  0, or
	 * -EIO when it cannot tell (the login is then unavailable).  NULL:
	 * only where the pool requires MFA.
	 */
	int (*mfa_follows)(struct pool_login *bl, const struct ua_pool_conf *pc,
	    bool *ret);
	/* SESSION: record a login of the user ->account found. */
	int (*session_open)(struct pool_login *bl, struct pool_reply *rp);
	/* A job of this login came back: the reply of the pending call. */
	int (*complete)(struct pool_login *bl, const struct ua_pool_conf *pc,
	    struct pool_job *job, struct pool_reply *rp);
	/*
	 * A fake login was "sent" a code: count it against the issuance
	 * limits of the identifier, as a real one would be, so limits treat
	 * unknown identifiers like known ones.  NULL when the backend keeps
	 * no such limits.  Logs its own errors.
	 */
	int (*count_code)(struct pool_backend *be, const uint8_t *host_mac,
	    const struct ua_pool_conf *pc,
	    const uint8_t ident_mac[KEYS_MAC_LEN], bool *ret_limited);
	/*
	 * Users and groups of every pool for the NSS cache, in the shape
	 * the publisher consumes (free with store_nss_free).  On the event
	 * loop's thread, like every other call.
	 */
	int (*list)(struct pool_backend *be, struct store_nss *ret,
	    struct store_err *err);
	/* Free the backend (NULL-safe through pool_backend_free). */
	void (*free)(struct pool_backend *be);
};

/* Free a job of any backend (what auth_job_free does). */
void pool_job_free(struct workq_job *job);

/* Free a backend; NULL is fine. */
void pool_backend_free(struct pool_backend *be);

#endif
