/* SPDX-License-Identifier: MIT */
/*
 * The public socket's messages (PAM and NSS modules <-> userauthd): a
 * version, a type and a list of tagged string fields, encoded with
 * struct ua_buf.  Decoding is strict: unknown tags, repeated tags, values
 * over their cap, embedded NULs and trailing bytes are refused.  Challenge
 * names follow Cognito's (doc/PROTOCOL.md).
 */
#ifndef UA_PROTO_H
#define UA_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define UA_PROTO_VERSION 1

enum ua_msg_type {
	UA_MSG_PING = 1,
	UA_MSG_PONG = 2,
	UA_MSG_INITIATE = 3,  /* module: start a login */
	UA_MSG_CHALLENGE = 4, /* daemon: answer this */
	UA_MSG_RESPOND = 5,   /* module: the answer */
	UA_MSG_RESULT = 6,    /* daemon: the verdict */
	UA_MSG_ACCT = 7,      /* module: may this user use this service? */
	UA_MSG_SESSION = 8,   /* module: a session opened (last login) */
	UA_MSG_CHPASS = 9,    /* module: change a password (old, new) */
	UA_MSG_WAIT = 10,     /* daemon: still at work on your answer */
	UA_MSG_MAX = 10,
};

enum ua_tag {
	UA_T_POOL = 1,
	UA_T_USER = 2, /* identifier as typed, or canonical login */
	UA_T_SERVICE = 3,
	UA_T_RHOST = 4,
	UA_T_TTY = 5,
	UA_T_RUSER = 6,
	UA_T_PREFERRED = 7,    /* client hint: a challenge name */
	UA_T_CHALLENGE = 8,    /* challenge name */
	UA_T_ANSWER = 9,       /* secret: wiped after use */
	UA_T_INFO = 10,        /* text shown with the prompt */
	UA_T_MESSAGE = 11,     /* error text shown with a re-prompt */
	UA_T_DESTINATION = 12, /* masked email a code went to */
	UA_T_AVAILABLE = 13,   /* comma-separated challenge names */
	UA_T_OUTCOME = 14,     /* OK, FAIL, DENIED, UNAVAILABLE */
	UA_T_VERSION = 15,
	UA_T_GROUPS = 16, /* RESULT OK: the user's groups, comma-separated */
	UA_T_OLD_PASSWORD = 17, /* CHPASS: secret, wiped after use */
	UA_T_NEW_PASSWORD = 18, /* CHPASS: secret, wiped after use */
	UA_T_MAX = 18,
};

#define UA_MSG_MAX_FIELDS 16
#define UA_FIELD_MAX 8192 /* bytes per value (QR codes fit) */

struct ua_field {
	uint16_t tag;
	char *val; /* NUL-terminated, no embedded NUL */
	size_t len;
};

struct ua_msg {
	uint16_t type;
	size_t n;
	struct ua_field f[UA_MSG_MAX_FIELDS];
};

/* Start an empty message of type. */
void ua_msg_init(struct ua_msg *m, uint16_t type);

/* Add a copy of val (NULL is skipped).  -E2BIG when full, -EMSGSIZE, -ENOMEM.
 */
int ua_msg_add(struct ua_msg *m, uint16_t tag, const char *val);

/* The value of tag, or NULL. */
const char *ua_msg_get(const struct ua_msg *m, uint16_t tag);

/* Wipe and free every value (answers are secrets). */
void ua_msg_clear(struct ua_msg *m);

/* Serialise into a new buffer (caller frees with ua_freezero). */
int ua_msg_encode(const struct ua_msg *m, uint8_t **ret, size_t *ret_len);

/* Parse n bytes (one frame's payload); on failure nothing is kept. */
int ua_msg_decode(const uint8_t *p, size_t n, struct ua_msg *ret);

/*
 * While the daemon keeps sending WAIT (its hash queue is long), each WAIT
 * renews the timeout_ms of silence a call allows, up to this many times
 * timeout_ms in all: 60 s at the module's default of 10 s, below sshd's
 * LoginGraceTime (120 s).  The daemon keeps a waiting client at most
 * UA_MSG_WAIT_MAX_MS.
 */
#define UA_MSG_WAIT_FACTOR 6
#define UA_MSG_WAIT_MAX_MS 60000

/*
 * Send m as one frame and read the reply into ret: -ETIMEDOUT after
 * timeout_ms without a frame, or after UA_MSG_WAIT_FACTOR * timeout_ms in
 * all while WAIT frames keep coming.  WAIT is never handed to the caller.
 */
int ua_msg_call(int fd, const struct ua_msg *m, struct ua_msg *ret,
    int timeout_ms);

#endif
