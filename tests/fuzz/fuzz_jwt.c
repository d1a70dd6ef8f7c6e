/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for Cognito tokens: the input up to its first NUL is a
 * JWKS for cg_jwks_parse, the rest a token for cg_jwt_verify (against
 * that key set, or a built-in one when it is refused or there is no
 * NUL), and the same bytes go to cg_jwt_check_claims as a payload, so
 * the claim code is reached without a valid signature.  The input's
 * size picks an ID (odd) or access (even) expectation.  Nothing may
 * crash, leak or read past the input, and a reason stays short.
 *
 * The built-in key set is the public half of an RSA-2048 key made once
 * with Python's cryptography package to sign the seeds in corpus/jwt/
 * (the private half was not kept).
 *
 * run-fuzz-sources: helpers/userauthd/pool/cognito_jwt.c
 * run-fuzz-sources: helpers/userauthd/pool/cognito_claims.c
 * run-fuzz-pkgs: libcrypto jansson
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/userauthd/pool/cognito_jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char builtin_jwks[] =
    "{\"keys\":[{\"alg\":\"RS256\",\"e\":\"AQAB\",\"kid\":\"fz1\",\"kty\":"
    "\"RSA\",\""
    "n\":\"iupmciHhYpq2tlrm56fSrXvP4O5Hu9PhRArVcG2SNyzUl2e6vu38A5fB"
    "oePfuzK1C0EEJBrKQcdZanYZrfN8oY3adpm7o0lHNIqT0Jg_qppvXkZmVpLA"
    "1M4nw8Km9riDF4i0L0x-SHiOye7k_uA58z0WDSn8gPjVdkDInK3GY4_GjlHV"
    "RjUy8uW13c32-AlYJNnxhkFovQbWM2plXzknAt7GpL7bBT52VfdFLuXOj5Gl"
    "QKfsYGyXrU5mwdzhQ9zYlr7RwP5dTZekpu6GJOlYHFvQ1IK_M6t-au1ZMqE8"
    "x19ABFKzf-aLMz8_tn5qi_-N1dMQ1CDsWHhBK_fsm_97FQ\",\"use\":\"sig\"}"
    "]}";

static const struct cg_jwks *
builtin(void)
{
	static struct cg_jwks *ks;

	if (ks == NULL &&
	    cg_jwks_parse(builtin_jwks, sizeof(builtin_jwks) - 1, &ks) < 0)
		abort();
	return ks;
}

/* A reason must be a short NUL-terminated text. */
static void
check_why(const char *why, size_t whysz)
{
	if (memchr(why, '\0', whysz) == NULL || strlen(why) > 40)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_expect ex = { .iss = "https://cognito-idp.eu-west-1."
				       "amazonaws.com/eu-west-1_AbCdEf",
		.client_id = "client123",
		.attr = "custom:uid",
		.now = 1700000000,
		.skew = 300 };
	const uint8_t *nul = memchr(data, 0, size);
	size_t jlen = nul != NULL ? (size_t)(nul - data) : size;
	struct cg_jwks *ks = NULL;
	struct cg_claims c = { 0 };
	char why[64], *tok;
	size_t tlen;

	ex.token_use = size % 2 == 1 ? "id" : "access";
	(void)cg_jwks_parse((const char *)data, jlen, &ks);
	if (nul != NULL) {
		tlen = size - jlen - 1;
		data = nul + 1;
	} else {
		tlen = size;
	}
	tok = malloc(tlen + 1);
	if (tok == NULL)
		goto out;
	memcpy(tok, data, tlen);
	tok[tlen] = '\0';
	if (cg_jwt_verify(ks != NULL ? ks : builtin(), tok, &ex, &c, why,
		sizeof(why)) == 0)
		cg_claims_clear(&c);
	check_why(why, sizeof(why));
	if (cg_jwt_check_claims(tok, tlen, &ex, &c, why, sizeof(why)) == 0)
		cg_claims_clear(&c);
	check_why(why, sizeof(why));
	free(tok);
out:
	cg_jwks_free(ks);
	return 0;
}
