/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for what Cognito answers (cognito_api.c): the input is the
 * body of an HTTP answer, decoded as a success (status 200) when its size
 * is even and as an error (400) when odd, the way the backend reads every
 * InitiateAuth, RespondToAuthChallenge and software-token answer.
 * Nothing may crash, leak, or keep a string past its bound.
 *
 * run-fuzz-sources: helpers/userauthd/pool/cognito_api.c
 * run-fuzz-sources: helpers/userauthd/pool/cognito_sign.c
 * run-fuzz-sources: helpers/userauthd/net/http.c helpers/userauthd/workq.c
 * run-fuzz-sources: common/client/wipe.c common/client/valid.c
 * run-fuzz-sources: common/client/buf.c
 * run-fuzz-pkgs: libcrypto jansson libcurl
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/userauthd/pool/cognito_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req rq;
	struct cg_answer a;

	if (size > HTTP_MAX_RESPONSE)
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.resp = malloc(size + 1);
	if (rq.resp == NULL)
		return 0;
	memcpy(rq.resp, data, size);
	rq.resp[size] = '\0';
	rq.resp_len = size;
	rq.status = size % 2 == 0 ? 200 : 400;
	cg_answer_read(&rq, &a);
	if (strlen(a.type) >= sizeof(a.type) ||
	    strlen(a.destination) >= sizeof(a.destination) ||
	    strlen(a.username) >= sizeof(a.username) ||
	    (a.session != NULL && strlen(a.session) > CG_MAX_SESSION) ||
	    (a.id_token != NULL && strlen(a.id_token) > CG_MAX_TOKEN))
		abort();
	cg_answer_clear(&a);
	free(rq.resp);
	return 0;
}
