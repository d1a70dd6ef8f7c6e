# SPDX-License-Identifier: MIT
# Cognito pools: SECRET_HASH and SigV4 vectors, canonicalisation, limits.
check_PROGRAMS += tests/unit/test_cognito_sign
TESTS += tests/unit/test_cognito_sign
tests_unit_test_cognito_sign_SOURCES = tests/unit/test_cognito_sign.c
tests_unit_test_cognito_sign_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_cognito_sign_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
