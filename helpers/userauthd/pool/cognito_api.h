/* SPDX-License-Identifier: MIT */
/*
 * The Cognito wire (COGNITO.md): requests as the AWS SDKs send them (a
 * POST of awsJson 1.1 to the pool's endpoint, the operation in
 * X-Amz-Target) and what comes back, decoded into a bounded struct.
 * Nothing here logs a password, a code, a Session or a token.
 */
#ifndef UA_POOL_COGNITO_API_H
#define UA_POOL_COGNITO_API_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "server/conf.h"
#include "userauthd/net/http.h"

#define CG_MAX_SESSION 2048 /* Cognito's Session: 20 to 2048 chars */
#define CG_MAX_USERNAME 128
#define CG_MAX_TOKEN 16384

/* The challenges we can answer (and "none": tokens, or an error). */
enum cg_challenge {
	CG_NONE = 0,
	CG_SELECT_CHALLENGE,
	CG_PASSWORD,
	CG_EMAIL_OTP,
	CG_SOFTWARE_TOKEN_MFA,
	CG_SELECT_MFA_TYPE,
	CG_MFA_SETUP,
	CG_NEW_PASSWORD_REQUIRED,
	CG_OTHER, /* a name we do not answer: fail closed */
};

/* What came back, decoded (strings owned; cg_answer_clear wipes). */
struct cg_answer {
	/* transport: set when no Cognito answer could be read */
	int error; /* -errno; 0 = Cognito answered */
	char error_text[128];
	/* a service error: its name ("NotAuthorizedException"), else "" */
	char type[64];
	char message[128]; /* its text, for logs only */
	/* a challenge */
	enum cg_challenge challenge;
	char name[40]; /* the challenge as sent, for logs */
	char *session;
	bool offers_password, offers_email_otp; /* AvailableChallenges */
	bool mfa_totp, mfa_email; /* MFAS_CAN_CHOOSE / MFAS_CAN_SETUP */
	bool required_attributes; /* NEW_PASSWORD_REQUIRED asks for more */
	char destination[128];    /* CODE_DELIVERY_DESTINATION */
	char username[CG_MAX_USERNAME + 1]; /* USERNAME / USER_ID_FOR_SRP */
	/* tokens */
	char *id_token, *access_token;
	/* AssociateSoftwareToken / VerifySoftwareToken */
	char *secret_code;
	bool verified; /* Status SUCCESS */
};

/*
 * Make rq a POST of op with body (its JSON is dumped, then body is
 * released): the URL, headers and time-out from the pool.  0 or -errno.
 */
int cg_request(struct http_req *rq, const struct ua_pool_conf *pc,
    const char *op, json_t *body);

/* A GET of the pool's JWKS (issuer/.well-known/jwks.json). */
int cg_request_jwks(struct http_req *rq, const struct ua_pool_conf *pc);

/* Decode the outcome of rq (transport, service error or a result). */
void cg_answer_read(const struct http_req *rq, struct cg_answer *ret);
void cg_answer_clear(struct cg_answer *a);

/* AuthParameters / ChallengeResponses: USERNAME and SECRET_HASH (when the
 * client has a secret) plus the pairs given, NULL-terminated. */
json_t *cg_params(const char *username, const char *client_id,
    const char *secret, const char *key, ...);

#endif
