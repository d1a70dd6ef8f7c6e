/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for SECRET_HASH and SigV4 (helpers/userauthd/pool/
 * cognito_sign.c): the COGNITO.md §2 vector, the AWS SigV4 test-suite
 * vectors of §8, canonicalisation rules and the refusals.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "userauthd/pool/cognito_sign.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define DATE "20150830T123600Z"
#define SCOPE AKID "/20150830/us-east-1/service/aws4_request"

static const char get_vanilla[] =
    "AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host;x-amz-date, "
    "Signature="
    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
static const char post_vanilla[] =
    "AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=host;x-amz-date, "
    "Signature="
    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b";

static struct cg_sigv4_req
vanilla(const char *method, const struct cg_header *h, size_t n)
{
	return (struct cg_sigv4_req){ .method = method,
		.path = "/",
		.query = "",
		.headers = h,
		.nheaders = n,
		.body = NULL,
		.body_len = 0,
		.region = "us-east-1",
		.service = "service",
		.amz_date = DATE,
		.access_key = AKID,
		.secret_key = SECRET };
}

static void
test_secret_hash_vector(void **state)
{
	char out[CG_SECRET_HASH_LEN];

	(void)state;
	assert_int_equal(cg_secret_hash("secret123", 9, "alice", "client123",
			     out, sizeof(out)),
	    0);
	assert_string_equal(out,
	    "QgeCLjIe1S+HisiX9HLLYE91zUfklvoG+exwFBMYlqY=");
}

static void
test_secret_hash_refuses_small_buffer_and_null(void **state)
{
	char out[CG_SECRET_HASH_LEN] = "untouched";

	(void)state;
	assert_int_equal(
	    cg_secret_hash("s", 1, "alice", "c", out, CG_SECRET_HASH_LEN - 1),
	    -ENOSPC);
	assert_string_equal(out, "untouched");
	assert_int_equal(
	    cg_secret_hash(NULL, 0, "alice", "c", out, sizeof(out)), -EINVAL);
	assert_int_equal(cg_secret_hash("s", 1, NULL, "c", out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(cg_secret_hash("s", 1, "a", NULL, out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(cg_secret_hash("s", 1, "a", "c", NULL, 45), -EINVAL);
	assert_int_equal(cg_secret_hash("", 0, "a", "c", out, sizeof(out)),
	    -EINVAL);
}

static void
test_sigv4_get_vanilla(void **state)
{
	const struct cg_header h[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE } };
	struct cg_sigv4_req rq = vanilla("GET", h, 2);
	char out[512];

	(void)state;
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    (int)strlen(get_vanilla));
	assert_string_equal(out, get_vanilla);
}

static void
test_sigv4_post_vanilla(void **state)
{
	const struct cg_header h[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE } };
	struct cg_sigv4_req rq = vanilla("POST", h, 2);
	char out[512];

	(void)state;
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);
	assert_string_equal(out, post_vanilla);
}

static void
test_sigv4_header_order_and_case_do_not_matter(void **state)
{
	const struct cg_header h[] = { { "x-amz-date", DATE },
		{ "HOST", "example.amazonaws.com" } };
	struct cg_sigv4_req rq = vanilla("GET", h, 2);
	char out[512];

	(void)state;
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);
	assert_string_equal(out, get_vanilla);
}

static void
test_sigv4_trims_and_collapses_values(void **state)
{
	const struct cg_header h[] = { { "Host", "  example.amazonaws.com\t" },
		{ "X-Amz-Date", " " DATE "  " } };
	const struct cg_header spaced[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE }, { "My-Header1", "  a   b \t c  " } };
	const struct cg_header single[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE }, { "My-Header1", "a b c" } };
	struct cg_sigv4_req rq = vanilla("GET", h, 2);
	char out[512], want[512];

	(void)state;
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);
	assert_string_equal(out, get_vanilla);

	rq = vanilla("GET", single, 3);
	assert_true(cg_sigv4_authorization(&rq, want, sizeof(want)) > 0);
	rq = vanilla("GET", spaced, 3);
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);
	assert_string_equal(out, want);
	assert_non_null(
	    strstr(out, "SignedHeaders=host;my-header1;x-amz-date,"));
}

static void
test_sigv4_repeated_name_joins_values(void **state)
{
	const struct cg_header twice[] = { { "Host", "example.amazonaws.com" },
		{ "My-Header1", "a" }, { "X-Amz-Date", DATE },
		{ "my-header1", "b" } };
	const struct cg_header joined[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE }, { "My-Header1", "a,b" } };
	struct cg_sigv4_req rq = vanilla("GET", twice, 4);
	char out[512], want[512];

	(void)state;
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);
	rq = vanilla("GET", joined, 3);
	assert_true(cg_sigv4_authorization(&rq, want, sizeof(want)) > 0);
	assert_string_equal(out, want);
}

static void
test_sigv4_cognito_post(void **state)
{
	/*
	 * Expected value computed independently at development time with
	 * Python 3 hmac/hashlib from the SigV4 definition (COGNITO.md §8):
	 * sorted lower-cased headers, hex SHA-256 of the body "{}", key
	 * HMAC chain over "AWS4"+secret, 20150830, eu-west-1, cognito-idp,
	 * aws4_request.
	 */
	static const char want[] =
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
	    "20150830/eu-west-1/cognito-idp/aws4_request, "
	    "SignedHeaders=content-type;host;x-amz-date;"
	    "x-amz-target, Signature=95a3a3a6f6cc286c8ab7"
	    "da567da79b7b3a58cbeac24829a5ffdb5cbbc46b52ed";
	const struct cg_header h[] = {
		{ "X-Amz-Target",
		    "AWSCognitoIdentityProviderService.ListUsers" },
		{ "Content-Type", "application/x-amz-json-1.1" },
		{ "X-Amz-Date", DATE },
		{ "Host", "cognito-idp.eu-west-1.amazonaws.com" },
	};
	struct cg_sigv4_req rq = vanilla("POST", h, 4);
	char out[512];

	(void)state;
	rq.body = "{}";
	rq.body_len = 2;
	rq.region = "eu-west-1";
	rq.service = "cognito-idp";
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);
	assert_string_equal(out, want);
}

static void
test_sigv4_small_buffer(void **state)
{
	const struct cg_header h[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE } };
	struct cg_sigv4_req rq = vanilla("GET", h, 2);
	char out[512];

	(void)state;
	assert_int_equal(cg_sigv4_authorization(&rq, out, strlen(get_vanilla)),
	    -ENOSPC);
	assert_string_equal(out, "");
	assert_int_equal(
	    cg_sigv4_authorization(&rq, out, strlen(get_vanilla) + 1),
	    (int)strlen(get_vanilla));
}

static void
test_sigv4_refuses_bad_input(void **state)
{
	const struct cg_header h[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE } };
	const struct cg_header crlf[] = { { "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", DATE "\r\nx-evil: 1" } };
	const struct cg_header badname[] = { { "Ho st", "x" } };
	const struct cg_header noval[] = { { "Host", NULL } };
	struct cg_sigv4_req rq = vanilla("GET", h, 2);
	char out[512];

	(void)state;
	assert_int_equal(cg_sigv4_authorization(NULL, out, sizeof(out)),
	    -EINVAL);
	rq.amz_date = "20150830 123600Z";
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    -EINVAL);
	rq = vanilla("GET", h, 2);
	rq.region = "us/east";
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    -EINVAL);
	rq = vanilla("GET", h, 2);
	rq.path = "no-slash";
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    -EINVAL);
	rq = vanilla("GET", crlf, 2);
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    -EINVAL);
	rq = vanilla("GET", badname, 1);
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    -EINVAL);
	rq = vanilla("GET", noval, 1);
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    -EINVAL);
	rq = vanilla("GET", h, 0);
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)),
	    -EINVAL);
}

static void
test_sigv4_refuses_absurd_sizes(void **state)
{
	struct cg_header many[CG_SIGV4_MAX_HEADERS + 1];
	struct cg_header big[2] = { { "Host", "example.amazonaws.com" },
		{ "X-Big", NULL } };
	struct cg_sigv4_req rq;
	char out[512], *v;
	size_t i;

	(void)state;
	for (i = 0; i < CG_SIGV4_MAX_HEADERS + 1; i++)
		many[i] = (struct cg_header){ "Host", "x" };
	rq = vanilla("GET", many, CG_SIGV4_MAX_HEADERS + 1);
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)), -E2BIG);
	rq = vanilla("GET", many, CG_SIGV4_MAX_HEADERS);
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);

	v = malloc(CG_SIGV4_MAX_HEADER + 1);
	assert_non_null(v);
	memset(v, 'a', CG_SIGV4_MAX_HEADER);
	v[CG_SIGV4_MAX_HEADER] = '\0';
	big[1].value = v;
	rq = vanilla("GET", big, 2);
	assert_int_equal(cg_sigv4_authorization(&rq, out, sizeof(out)), -E2BIG);
	/* Name (5) + value exactly at the limit is fine. */
	v[CG_SIGV4_MAX_HEADER - 5] = '\0';
	assert_true(cg_sigv4_authorization(&rq, out, sizeof(out)) > 0);
	free(v);
}

static void
test_amz_date(void **state)
{
	char out[CG_AMZ_DATE_LEN];

	(void)state;
	assert_int_equal(cg_amz_date(1440938160, out, sizeof(out)), 0);
	assert_string_equal(out, DATE);
	assert_int_equal(cg_amz_date(0, out, sizeof(out)), 0);
	assert_string_equal(out, "19700101T000000Z");
	assert_int_equal(cg_amz_date(0, out, sizeof(out) - 1), -ENOSPC);
	assert_int_equal(cg_amz_date(0, NULL, 17), -EINVAL);
	assert_int_equal(cg_amz_date((time_t)1 << 40, out, sizeof(out)),
	    -ERANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_hash_vector),
		cmocka_unit_test(
		    test_secret_hash_refuses_small_buffer_and_null),
		cmocka_unit_test(test_sigv4_get_vanilla),
		cmocka_unit_test(test_sigv4_post_vanilla),
		cmocka_unit_test(
		    test_sigv4_header_order_and_case_do_not_matter),
		cmocka_unit_test(test_sigv4_trims_and_collapses_values),
		cmocka_unit_test(test_sigv4_repeated_name_joins_values),
		cmocka_unit_test(test_sigv4_cognito_post),
		cmocka_unit_test(test_sigv4_small_buffer),
		cmocka_unit_test(test_sigv4_refuses_bad_input),
		cmocka_unit_test(test_sigv4_refuses_absurd_sizes),
		cmocka_unit_test(test_amz_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
