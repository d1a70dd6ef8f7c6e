/* SPDX-License-Identifier: MIT */
/*
 * Emailed one-time codes: 8 digits from the kernel CSPRNG by rejection
 * sampling, stored only as a keyed MAC with expiry and a try budget, and
 * queued for mail in the same transaction that issues them.
 */
#ifndef UA_OTP_H
#define UA_OTP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "server/conf.h"
#include "userauthd/keys.h"
#include "userauthd/store/store.h"

#define OTP_DIGITS 8

struct otp_limits {
	unsigned lifetime; /* seconds a code is valid */
	unsigned tries;    /* wrong answers that kill a code */
	unsigned per_hour; /* codes per identifier */
	unsigned per_day;
	unsigned cooldown; /* seconds between two codes */
	/* S10: codes per remote host too (keyed MAC), NULL for none */
	const uint8_t *host;
	unsigned host_per_hour;
	unsigned host_per_day;
};

/*
 * Both clocks at one moment, or when a code dies.  A code is dead once
 * either clock says so: the wall clock (what its row's expiry is in) or
 * its age on CLOCK_MONOTONIC, so that a wall clock stepped back never
 * brings an expired code back.
 */
struct otp_clock {
	time_t wall;     /* CLOCK_REALTIME, seconds */
	int64_t mono_ms; /* CLOCK_MONOTONIC, milliseconds */
};

/* Both clocks now. */
struct otp_clock otp_clock_now(void);

/* The moment seconds after now, on both clocks (a code's deadline). */
struct otp_clock otp_clock_after(const struct otp_clock *now, unsigned seconds);

/*
 * Whether deadline has passed at now by either clock (true for a zeroed
 * deadline: one never set).
 */
bool otp_clock_passed(const struct otp_clock *deadline,
    const struct otp_clock *now);

/* A fresh code: OTP_DIGITS decimal digits and a NUL. */
int otp_generate(char out[OTP_DIGITS + 1]);

/*
 * Issue a code for a login.  ident is the keyed MAC of the identifier as
 * typed (limits count per identifier, so unknown users hit them the same
 * way).  For a real user (user_id > 0) the code replaces any earlier one,
 * is stored as a MAC and its mail is queued; for a fake (user_id <= 0)
 * only the issuance is counted.  *ret_otp_id is the code's row (0 when
 * none was made: a fake, or a limit was hit).  *ret_limited tells why.
 */
int otp_issue(struct store *s, const struct keys *k,
    const struct ua_pool_conf *pc, const struct otp_limits *lim,
    int64_t user_id, const char *email, const uint8_t ident[KEYS_MAC_LEN],
    time_t now, int64_t *ret_otp_id, bool *ret_limited, struct store_err *err);

/*
 * Check a code typed for the code row otp_id (0 = none: always wrong).
 * *ret_ok when it matches, is unexpired, unused and has tries left; it is
 * then marked used.  A wrong answer spends a try; *ret_tries_left is what
 * remains (0: the code is dead).
 */
int otp_verify(struct store *s, const struct keys *k, int64_t otp_id,
    const char *code, time_t now, bool *ret_ok, unsigned *ret_tries_left,
    struct store_err *err);

/*
 * Whether an answer to a code prompt is to be judged as a code (and
 * spends a try when wrong), or is no code at all (refused without a try).
 * A code is OTP_DIGITS bytes; every answer of that length is judged, also
 * one that is not 8 digits, because for a name it does not know sshd hands
 * on junk of the typed length instead of the answer (OpenSSH's
 * fake_password), and a code typed there must cost what it costs a real
 * user.
 */
bool otp_answer_is_code(const char *answer);

/*
 * What the code row otp_id has left at now, spending nothing: its tries,
 * or 0 when it is used, expired or gone (otp_id 0: none).
 */
int otp_tries_left(struct store *s, int64_t otp_id, time_t now,
    unsigned *ret_tries_left, struct store_err *err);

/*
 * An invitation (user add --invite): a code with purpose 'invite', valid
 * for the pool's invite_lifetime, stored as a MAC, its mail ("Your
 * invitation") queued in the same transaction.  Replaces an earlier
 * unused invitation of the user; login codes leave it alone.
 */
int otp_issue_invite(struct store *s, const struct keys *k,
    const struct ua_pool_conf *pc, int64_t user_id, const char *email,
    time_t now, struct store_err *err);

/* The user's live invitation code row, or *ret_id = 0 when none. */
int otp_find_invite(struct store *s, int64_t user_id, time_t now,
    int64_t *ret_id, struct store_err *err);

/*
 * Queue userauthctl mail test's message to email (no code) from the
 * pool's mail_from: 0 and the queue row's id, or < 0 and err.
 */
int otp_queue_test_mail(struct store *s, const struct ua_pool_conf *pc,
    const char *email, time_t now, int64_t *ret_id, struct store_err *err);

/* Queue a new-login notice (text: the body, '%' doubled) to email. */
int otp_queue_notice(struct store *s, const struct ua_pool_conf *pc,
    const char *email, const char *text, time_t now, struct store_err *err);

/*
 * A made-up login's wrong code: the work of otp_verify on a live row and
 * a wrong code (read, decrement, synchronous commit), on the decoy row,
 * never a match.  0, or < 0 and err (the caller fails closed).
 */
int otp_verify_decoy(struct store *s, const struct keys *k, const char *code,
    time_t now, struct store_err *err);

#endif
