/* SPDX-License-Identifier: MIT */
/*
 * MFA recovery codes: ten single-use codes made at enrolment (at login
 * and by userauthctl mfa enroll) or by userauthctl mfa recovery-codes,
 * shown once and kept only as keyed MACs (store_mfa.h), usable once each
 * in place of a TOTP code at SOFTWARE_TOKEN_MFA.
 *
 * Why a keyed MAC and not yescrypt: a code is 50 random bits (not a
 * password a person chose), so there is no dictionary to slow down, and
 * the MAC's key (daemon.key) is not in the database: the database alone
 * gives nothing to guess against.  Whoever has the key as well has the
 * TOTP secrets beside the codes in plain, which a slow hash would not
 * protect.  A fast MAC also keeps the answer's cost near a TOTP check's.
 */
#ifndef UA_RECOVERY_H
#define UA_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "userauthd/keys.h"

#define RECOVERY_COUNT 10 /* codes in a set */
#define RECOVERY_LEN 10   /* characters of a code (5 bits each) */
#define RECOVERY_SHOWN 12 /* "abcde-fghij" and its NUL */

struct recovery_codes {
	/* the codes as shown: wipe them after showing */
	char shown[RECOVERY_COUNT][RECOVERY_SHOWN];
	uint8_t mac[RECOVERY_COUNT][KEYS_MAC_LEN];
};

/*
 * A new set for the user with row id user_id: codes from getrandom(2)
 * (lowercase base32, no bias: 32 divides 256) and their MACs.  0, -EIO.
 * Wipe it with recovery_clear.
 */
int recovery_new(const struct keys *k, int64_t user_id,
    struct recovery_codes *ret);
void recovery_clear(struct recovery_codes *rc);
/* Forget the shown codes, keeping the MACs. */
void recovery_forget_shown(struct recovery_codes *rc);

/*
 * Whether answer has the shape of a recovery code: RECOVERY_LEN letters
 * of the code alphabet in any case, '-' and blanks ignored.  When it
 * has, norm holds it lowercased without them (wipe it).
 */
bool recovery_answer(const char *answer, char norm[RECOVERY_LEN + 1]);

/* The MAC of a normalised code of user_id: HMAC(daemon key, ...).  0/-EIO. */
int recovery_mac(const struct keys *k, int64_t user_id, const char *norm,
    uint8_t out[KEYS_MAC_LEN]);

/*
 * The text that shows a set: a heading and the codes, two to a line.  A
 * malloc'ed string (wipe it with ua_erase_free), or NULL.
 */
char *recovery_text(const struct recovery_codes *rc);

#endif
