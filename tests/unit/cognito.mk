# SPDX-License-Identifier: MIT
# Cognito pools: SECRET_HASH and SigV4 vectors, canonicalisation, limits.
check_PROGRAMS += tests/unit/test_cognito_sign
TESTS += tests/unit/test_cognito_sign
tests_unit_test_cognito_sign_SOURCES = tests/unit/test_cognito_sign.c
tests_unit_test_cognito_sign_CFLAGS = $(UA_CFLAGS_TEST) $(OPENSSL_CFLAGS)
tests_unit_test_cognito_sign_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# Cognito tokens: JWKS from keys made at run time, RS256 pinned, claims,
# and the classic attacks (alg none, HS256 with the public key, bad kid).
check_PROGRAMS += tests/unit/test_cognito_jwt
TESTS += tests/unit/test_cognito_jwt
tests_unit_test_cognito_jwt_SOURCES = tests/unit/test_cognito_jwt.c
tests_unit_test_cognito_jwt_CFLAGS = $(UA_CFLAGS_TEST) $(OPENSSL_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_unit_test_cognito_jwt_LDADD = helpers/userauthd/libuad.la \
	$(UA_LIBS_TEST) $(OPENSSL_LIBS) $(JANSSON_LIBS)
# The synced users' lookup: by login and by address (any case) through the
# index built with each result, each user's groups, a result replacing one;
# the kept state file and its bound (ua_log, ua_log_errno wrapped).
check_PROGRAMS += tests/unit/test_cognito_index
TESTS += tests/unit/test_cognito_index
tests_unit_test_cognito_index_SOURCES = tests/unit/test_cognito_index.c \
	tests/unit/logcap.c tests/unit/logcap.h
tests_unit_test_cognito_index_CFLAGS = $(UA_CFLAGS_TEST) $(OPENSSL_CFLAGS) \
	$(JANSSON_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_cognito_index_LDFLAGS = -Wl,--wrap=ua_log \
	-Wl,--wrap=ua_log_errno
tests_unit_test_cognito_index_LDADD = helpers/userauthd/libuad.la \
	$(UA_LIBS_TEST) $(OPENSSL_LIBS) $(JANSSON_LIBS)
