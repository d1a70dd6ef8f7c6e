/* SPDX-License-Identifier: MIT */
/*
 * The SQL of one-time codes and of queuing a mail (otp.c owns the rules:
 * limits, generation, judging; this file only reads and writes rows).
 * Each call runs inside the caller's transaction where it has one
 * (store_begin): none begins or commits.
 */
#ifndef UA_STORE_OTP_H
#define UA_STORE_OTP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "userauthd/keys.h"
#include "userauthd/store/store.h"

/* Issues for key since `since`, and the last one at or before now (0). */
int store_otp_issued(struct store *s, const uint8_t key[KEYS_MAC_LEN],
    time_t since, time_t now, int64_t *ret_count, int64_t *ret_last,
    struct store_err *err);
/* Record an issue for key at now; issues over a day old are dropped. */
int store_otp_record_issue(struct store *s, const uint8_t key[KEYS_MAC_LEN],
    time_t now, struct store_err *err);

/* A new code row; every earlier unused one of the user and purpose dies. */
struct store_otp_code {
	int64_t user_id;
	const char *purpose; /* "login", "invite" */
	const uint8_t *mac;  /* KEYS_MAC_LEN bytes */
	time_t created, expires;
	unsigned tries;
};
int store_otp_insert(struct store *s, const struct store_otp_code *c,
    int64_t *ret_id, struct store_err *err);

/* A code row as stored (found false: no such row). */
struct store_otp_row {
	bool found;
	bool has_mac; /* mac holds KEYS_MAC_LEN stored bytes */
	uint8_t mac[KEYS_MAC_LEN];
	int64_t expires, tries_left;
	bool used;
};
/* Row id of otp_codes, or of the decoy row (the same columns). */
int store_otp_row(struct store *s, bool decoy, int64_t id,
    struct store_otp_row *ret, struct store_err *err);
/* Spend a code row: used (the right code) or one try (a wrong one). */
int store_otp_spend(struct store *s, int64_t id, bool used,
    struct store_err *err);
/* The decoy row: one try spent, or refilled when refill. */
int store_otp_decoy_spend(struct store *s, bool refill, struct store_err *err);
/* The user's newest live invitation code, or 0. */
int store_otp_find_invite(struct store *s, int64_t user_id, time_t now,
    int64_t *ret_id, struct store_err *err);

/* One composed mail into the queue (otp_id 0: none); *ret_id its row. */
struct store_mail {
	const char *pool, *recipient, *message_id, *body;
	int64_t otp_id;
	time_t now;
	unsigned lifetime; /* seconds it may wait for the relay */
};
int store_mail_queue(struct store *s, const struct store_mail *m,
    int64_t *ret_id, struct store_err *err);

#endif
