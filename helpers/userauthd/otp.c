/* SPDX-License-Identifier: MIT */
/*
 * One-time codes in the store.  Owns generation, issuance limits, the MAC
 * at rest, single use, the try budget, queuing the mail, and expiry on
 * both clocks.  It must never store or log a code in clear except inside
 * the queued mail body, which the mailer wipes when it is done.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "userauthd/mail/mailmsg.h"
#include "userauthd/otp.h"
#include "userauthd/store/store_otp.h"

/* Largest multiple of 10^8 below 2^32: values above it are redrawn. */
#define OTP_LIMIT 4200000000u

struct otp_clock
otp_clock_now(void)
{
	struct timespec w, t;

	(void)clock_gettime(CLOCK_REALTIME, &w);
	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (struct otp_clock){ .wall = w.tv_sec,
		.mono_ms = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000 };
}

struct otp_clock
otp_clock_after(const struct otp_clock *now, unsigned seconds)
{
	return (struct otp_clock){ .wall = now->wall + (time_t)seconds,
		.mono_ms = now->mono_ms + (int64_t)seconds * 1000 };
}

bool
otp_clock_passed(const struct otp_clock *deadline, const struct otp_clock *now)
{
	return now->wall >= deadline->wall || now->mono_ms >= deadline->mono_ms;
}

int
otp_generate(char out[OTP_DIGITS + 1])
{
	uint32_t v;
	int i;

	for (i = 0; i < 64; i++) {
		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
			return -EIO;
		if (v < OTP_LIMIT)
			break;
	}
	if (i == 64)
		return -EIO;
	(void)snprintf(out, OTP_DIGITS + 1, "%08u", v % 100000000u);
	ua_wipe(&v, sizeof(v));
	return 0;
}

static bool
limited_key(struct store *s, const uint8_t key[KEYS_MAC_LEN], unsigned per_day,
    unsigned per_hour, unsigned cooldown, time_t now, int *r,
    struct store_err *err)
{
	int64_t day = 0, hour = 0, last = 0;

	*r = store_otp_issued(s, key, now - 86400, now, &day, &last, err);
	if (*r == 0)
		*r =
		    store_otp_issued(s, key, now - 3600, now, &hour, NULL, err);
	if (*r < 0)
		return true;
	/*
	 * A wall clock set back leaves issues "in the future": they still
	 * count in the hour and the day (budgets err on the safe side), but
	 * the cooldown, a spacing rule, looks at the last issue at or before
	 * now only (else no code for as long as the jump).
	 */
	return day >= per_day || hour >= per_hour ||
	    (last > 0 && now - last < (int64_t)cooldown);
}

/* The identifier's budget, and the remote host's where one is given. */
static bool
limited(struct store *s, const struct otp_limits *lim,
    const uint8_t ident[KEYS_MAC_LEN], time_t now, int *r,
    struct store_err *err)
{
	if (limited_key(s, ident, lim->per_day, lim->per_hour, lim->cooldown,
		now, r, err))
		return true;
	return lim->host != NULL &&
	    limited_key(s, lim->host, lim->host_per_day, lim->host_per_hour, 0,
		now, r, err);
}

/* A new code row (every earlier one of the user and purpose dies). */
static int
insert_code(struct store *s, const struct keys *k, const struct otp_limits *lim,
    const char *purpose, int64_t user_id, const char *code, time_t now,
    int64_t *ret_id, struct store_err *err)
{
	uint8_t mac[KEYS_MAC_LEN];
	const struct store_otp_code c = { .user_id = user_id,
		.purpose = purpose,
		.mac = mac,
		.created = now,
		.expires = now + lim->lifetime,
		.tries = lim->tries };
	int r;

	if (keys_mac(k, "otp", code, OTP_DIGITS, mac) < 0)
		return store_fail(err, -EIO, "internal",
		    "cannot compute a MAC");
	r = store_otp_insert(s, &c, ret_id, err);
	ua_wipe(mac, sizeof(mac));
	return r;
}

/* One composed message into the queue (otp_id 0: none). */
static int
insert_mail(struct store *s, const struct ua_pool_conf *pc, int64_t otp_id,
    const char *email, const char *body, const char *msgid, time_t now,
    unsigned lifetime, int64_t *ret_id, struct store_err *err)
{
	const struct store_mail m = { .pool = pc->name,
		.recipient = email,
		.message_id = msgid,
		.body = body,
		.otp_id = otp_id,
		.now = now,
		.lifetime = lifetime };

	return store_mail_queue(s, &m, ret_id, err);
}

static int
queue_mail(struct store *s, const struct ua_pool_conf *pc,
    const struct otp_limits *lim, int64_t otp_id, const char *email,
    const char *code, time_t now, bool invite, int64_t *ret_id,
    struct store_err *err)
{
	char *body = NULL, *msgid = NULL;
	int r;

	r = code == NULL
	    ? mailmsg_compose_test(pc, email, now, &body, &msgid)
	    : (invite ? mailmsg_compose_invite : mailmsg_compose)(pc, email,
		  code, lim->lifetime, now, &body, &msgid);
	if (r < 0)
		return store_fail(err, r, "internal",
		    "cannot compose the mail for pool '%s'", pc->name);
	r = insert_mail(s, pc, otp_id, email, body, msgid, now, lim->lifetime,
	    ret_id, err);
	ua_erase_free(body);
	free(msgid);
	return r;
}

int
otp_queue_notice(struct store *s, const struct ua_pool_conf *pc,
    const char *email, const char *text, time_t now, struct store_err *err)
{
	char *body = NULL, *msgid = NULL;
	int r;

	r = mailmsg_compose_notice(pc, email, text, now, &body, &msgid);
	if (r < 0)
		return store_fail(err, r, "internal",
		    "cannot compose the notice for pool '%s'", pc->name);
	/* a notice may wait a day for the relay */
	r = insert_mail(s, pc, 0, email, body, msgid, now, 86400, NULL, err);
	ua_erase_free(body);
	free(msgid);
	return r;
}

int
otp_issue(struct store *s, const struct keys *k, const struct ua_pool_conf *pc,
    const struct otp_limits *lim, int64_t user_id, const char *email,
    const uint8_t ident[KEYS_MAC_LEN], time_t now, int64_t *ret_otp_id,
    bool *ret_limited, struct store_err *err)
{
	char code[OTP_DIGITS + 1] = "";
	int64_t id = 0;
	bool lim_hit;
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	lim_hit = limited(s, lim, ident, now, &r, err);
	if (r < 0)
		goto out;
	if (!lim_hit)
		r = store_otp_record_issue(s, ident, now, err);
	if (r == 0 && !lim_hit && lim->host != NULL)
		r = store_otp_record_issue(s, lim->host, now, err);
	if (r == 0 && !lim_hit && user_id > 0) {
		r = otp_generate(code);
		if (r < 0)
			r = store_fail(err, r, "internal", "no randomness");
		if (r == 0)
			r = insert_code(s, k, lim, "login", user_id, code, now,
			    &id, err);
		if (r == 0)
			r = queue_mail(s, pc, lim, id, email, code, now, false,
			    NULL, err);
	}
	if (r == 0)
		r = store_commit(s, err);
out:
	ua_wipe(code, sizeof(code));
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	*ret_otp_id = id;
	*ret_limited = lim_hit;
	return 0;
}

/*
 * Read a code row (otp_codes, or the decoy row) and judge mac against it:
 * *live (unexpired, tries left, unused) and *match (constant time).  The
 * same work for both, so a fake's wrong code costs a real one's.
 */
static int
read_code_row(struct store *s, bool decoy, int64_t id,
    const uint8_t mac[KEYS_MAC_LEN], time_t now, int64_t *tries, bool *live,
    bool *match, struct store_err *err)
{
	struct store_otp_row row;
	int r;

	r = store_otp_row(s, decoy, id, &row, err);
	*tries = row.tries_left;
	*live = row.found && row.expires > (int64_t)now && row.tries_left > 0 &&
	    !row.used;
	*match = row.found && row.has_mac &&
	    CRYPTO_memcmp(row.mac, mac, KEYS_MAC_LEN) == 0;
	ua_wipe(&row, sizeof(row));
	return r;
}

int
otp_verify(struct store *s, const struct keys *k, int64_t otp_id,
    const char *code, time_t now, bool *ret_ok, unsigned *ret_tries_left,
    struct store_err *err)
{
	uint8_t mac[KEYS_MAC_LEN];
	int64_t tries = 0;
	bool match = false, live = false;
	int r;

	if (keys_mac(k, "otp", code, strlen(code), mac) < 0)
		return store_fail(err, -EIO, "internal",
		    "cannot compute a MAC");
	r = store_begin(s, err);
	if (r < 0)
		goto out;
	r = read_code_row(s, false, otp_id, mac, now, &tries, &live, &match,
	    err);
	if (r < 0)
		goto out;
	if (otp_id > 0 && live) {
		if (!match)
			tries--;
		r = store_otp_spend(s, otp_id, match, err);
	}
	if (r == 0)
		r = store_commit(s, err);
out:
	ua_wipe(mac, sizeof(mac));
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	*ret_ok = live && match;
	*ret_tries_left =
	    live && !match ? (unsigned)(tries > 0 ? tries : 0) : 0;
	return 0;
}

bool
otp_answer_is_code(const char *answer)
{
	return ua_valid_otp(answer, NULL) == 0 ||
	    strnlen(answer, OTP_DIGITS + 1) == OTP_DIGITS;
}

int
otp_tries_left(struct store *s, int64_t otp_id, time_t now,
    unsigned *ret_tries_left, struct store_err *err)
{
	struct store_otp_row row;
	int r;

	r = store_otp_row(s, false, otp_id, &row, err);
	*ret_tries_left = r == 0 && row.found && row.expires > (int64_t)now &&
		!row.used && row.tries_left > 0
	    ? (unsigned)row.tries_left
	    : 0;
	ua_wipe(&row, sizeof(row));
	return r;
}

int
otp_issue_invite(struct store *s, const struct keys *k,
    const struct ua_pool_conf *pc, int64_t user_id, const char *email,
    time_t now, struct store_err *err)
{
	struct otp_limits lim = { .lifetime = pc->invite_lifetime,
		.tries = pc->otp_tries };
	char code[OTP_DIGITS + 1] = "";
	int64_t id = 0;
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = otp_generate(code);
	if (r < 0)
		r = store_fail(err, r, "internal", "no randomness");
	if (r == 0)
		r = insert_code(s, k, &lim, "invite", user_id, code, now, &id,
		    err);
	if (r == 0)
		r = queue_mail(s, pc, &lim, id, email, code, now, true, NULL,
		    err);
	if (r == 0)
		r = store_commit(s, err);
	ua_wipe(code, sizeof(code));
	if (r < 0)
		store_rollback(s);
	return r;
}

int
otp_find_invite(struct store *s, int64_t user_id, time_t now, int64_t *ret_id,
    struct store_err *err)
{
	return store_otp_find_invite(s, user_id, now, ret_id, err);
}

int
otp_queue_test_mail(struct store *s, const struct ua_pool_conf *pc,
    const char *email, time_t now, int64_t *ret_id, struct store_err *err)
{
	/* a test mail may wait out the relay's troubles for ten minutes */
	const struct otp_limits lim = { .lifetime = 600 };

	return queue_mail(s, pc, &lim, 0, email, NULL, now, false, ret_id, err);
}

int
otp_verify_decoy(struct store *s, const struct keys *k, const char *code,
    time_t now, struct store_err *err)
{
	uint8_t mac[KEYS_MAC_LEN];
	int64_t tries = 0;
	bool live = false, match = false;
	int r;

	/* what otp_verify does for a live row and a wrong code, step by step */
	if (keys_mac(k, "otp", code, strlen(code), mac) < 0)
		return store_fail(err, -EIO, "internal",
		    "cannot compute a MAC");
	r = store_begin(s, err);
	if (r < 0)
		goto out;
	r = read_code_row(s, true, 1, mac, now, &tries, &live, &match, err);
	if (r < 0)
		goto out;
	(void)match; /* the decoy never matches: a zero MAC */
	r = store_otp_decoy_spend(s, !(tries > 1 && live), err);
	if (r == 0)
		r = store_commit(s, err);
out:
	ua_wipe(mac, sizeof(mac));
	if (r < 0)
		store_rollback(s);
	return r;
}
