# SPDX-License-Identifier: MIT
# cmocka tests for common/client (libua_client): one program per unit.
check_PROGRAMS += tests/unit/test_wipe
TESTS += tests/unit/test_wipe
tests_unit_test_wipe_SOURCES = tests/unit/test_wipe.c
tests_unit_test_wipe_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_wipe_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)
tests_unit_test_wipe_LDFLAGS = -Wl,--wrap=free

check_PROGRAMS += tests/unit/test_buf
TESTS += tests/unit/test_buf
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_buf_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_buf_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)

check_PROGRAMS += tests/unit/test_valid
TESTS += tests/unit/test_valid
tests_unit_test_valid_SOURCES = tests/unit/test_valid.c
tests_unit_test_valid_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_valid_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)

check_PROGRAMS += tests/unit/test_frame
TESTS += tests/unit/test_frame
tests_unit_test_frame_SOURCES = tests/unit/test_frame.c
tests_unit_test_frame_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_frame_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)

check_PROGRAMS += tests/unit/test_connect
TESTS += tests/unit/test_connect
tests_unit_test_connect_SOURCES = tests/unit/test_connect.c
tests_unit_test_connect_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_connect_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)

check_PROGRAMS += tests/unit/test_sha256
TESTS += tests/unit/test_sha256
tests_unit_test_sha256_SOURCES = tests/unit/test_sha256.c
tests_unit_test_sha256_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_sha256_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)

# The public socket's message codec (proto.c): every rule of ua_msg_decode.
check_PROGRAMS += tests/unit/test_msg
TESTS += tests/unit/test_msg
tests_unit_test_msg_SOURCES = tests/unit/test_msg.c
tests_unit_test_msg_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_msg_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)
