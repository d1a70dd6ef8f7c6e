# SPDX-License-Identifier: MIT
check_PROGRAMS += tests/unit/test_store
TESTS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_store_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
check_PROGRAMS += tests/unit/test_policy tests/unit/test_otp tests/unit/test_workq
TESTS += tests/unit/test_policy tests/unit/test_otp tests/unit/test_workq
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_policy_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
tests_unit_test_otp_SOURCES = tests/unit/test_otp.c
tests_unit_test_otp_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_otp_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
tests_unit_test_workq_SOURCES = tests/unit/test_workq.c
tests_unit_test_workq_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_workq_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST) -lpthread
# TOTP MFA: RFC 6238 vectors, window, replay, config rules, stored steps.
check_PROGRAMS += tests/unit/test_totp
TESTS += tests/unit/test_totp
tests_unit_test_totp_SOURCES = tests/unit/test_totp.c
tests_unit_test_totp_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_totp_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# The local pool backend through the seam (pool/backend.h): replies,
# pending password checks completed through the workers, the NSS list.
check_PROGRAMS += tests/unit/test_pool_local
TESTS += tests/unit/test_pool_local
tests_unit_test_pool_local_SOURCES = tests/unit/test_pool_local.c
tests_unit_test_pool_local_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_pool_local_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# Throttling: bucket arithmetic, lock, reset, persistence (injected clock).
check_PROGRAMS += tests/unit/test_throttle
TESTS += tests/unit/test_throttle
tests_unit_test_throttle_SOURCES = tests/unit/test_throttle.c
tests_unit_test_throttle_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_throttle_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# Opening the store: created only where none exists; empty, schema-less,
# foreign or newer files refused.
check_PROGRAMS += tests/unit/test_store_open
TESTS += tests/unit/test_store_open
tests_unit_test_store_open_SOURCES = tests/unit/test_store_open.c
tests_unit_test_store_open_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_store_open_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# Id high-water marks: a replaced database never hands out an id again.
check_PROGRAMS += tests/unit/test_store_ids
TESTS += tests/unit/test_store_ids
tests_unit_test_store_ids_SOURCES = tests/unit/test_store_ids.c
tests_unit_test_store_ids_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_store_ids_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# The login conversation (auth.c, auth/) against a fake pool backend:
# challenges, fakes, throttling, audit lines (ua_log wrapped at link time).
check_PROGRAMS += tests/unit/test_auth
TESTS += tests/unit/test_auth
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c \
	tests/unit/logcap.c tests/unit/logcap.h
tests_unit_test_auth_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_auth_LDFLAGS = -Wl,--wrap=ua_log
tests_unit_test_auth_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# Publishing the NSS cache from a real store (nsscache.c), read back with
# the module's reader; ua_log_errno wrapped to see failures logged.
check_PROGRAMS += tests/unit/test_nsscache
TESTS += tests/unit/test_nsscache
tests_unit_test_nsscache_SOURCES = tests/unit/test_nsscache.c
tests_unit_test_nsscache_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_nsscache_LDFLAGS = -Wl,--wrap=ua_log_errno
tests_unit_test_nsscache_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# The admin request handler (admin.c) on a real store: replies and error
# codes as doc/PROTOCOL.md has them; ua_log wrapped for the audit lines.
check_PROGRAMS += tests/unit/test_admin
TESTS += tests/unit/test_admin
tests_unit_test_admin_SOURCES = tests/unit/test_admin.c \
	tests/unit/logcap.c tests/unit/logcap.h
tests_unit_test_admin_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_admin_LDFLAGS = -Wl,--wrap=ua_log
tests_unit_test_admin_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# The event loop's listening sockets (server_listen): server.c is built
# into userauthd only, so the test builds it too, against libuad.
check_PROGRAMS += tests/unit/test_server
TESTS += tests/unit/test_server
tests_unit_test_server_SOURCES = tests/unit/test_server.c \
	helpers/userauthd/server.c helpers/userauthd/server.h
tests_unit_test_server_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_server_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# Allocation failures in SQLite, at every point of a store call in turn:
# no transaction left open, no write reported done that is not there; and
# in OpenSSL, a share of a keyed MAC's: the MAC back once memory is; in
# jansson's parser, every point (malloc wrapped at link time): no crash.
check_PROGRAMS += tests/unit/test_nomem
TESTS += tests/unit/test_nomem
tests_unit_test_nomem_SOURCES = tests/unit/test_nomem.c
tests_unit_test_nomem_CFLAGS = $(UA_CFLAGS_TEST) $(OPENSSL_CFLAGS)
tests_unit_test_nomem_LDFLAGS = -Wl,--wrap=malloc
tests_unit_test_nomem_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST) \
	$(OPENSSL_LIBS)
