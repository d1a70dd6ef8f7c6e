# SPDX-License-Identifier: MIT
# The code mail: email masking (common/client/mask.c) and the message
# composer (helpers/userauthd/mail/mailmsg.c).
check_PROGRAMS += tests/unit/test_mask tests/unit/test_mailmsg
TESTS += tests/unit/test_mask tests/unit/test_mailmsg
tests_unit_test_mask_SOURCES = tests/unit/test_mask.c
tests_unit_test_mask_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_mask_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)
tests_unit_test_mailmsg_SOURCES = tests/unit/test_mailmsg.c
tests_unit_test_mailmsg_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_mailmsg_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# The mail sender's schedule (helpers/userauthd/mail/mailq.c), injected clocks.
check_PROGRAMS += tests/unit/test_mailq
TESTS += tests/unit/test_mailq
tests_unit_test_mailq_SOURCES = tests/unit/test_mailq.c
tests_unit_test_mailq_CFLAGS = $(UA_CFLAGS_TEST) $(CURL_CFLAGS)
tests_unit_test_mailq_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
# The sender (mailer.c) without a relay, and the queue row transitions
# it drives (mailq.c); ua_log wrapped for the event=mail lines.
check_PROGRAMS += tests/unit/test_mailer
TESTS += tests/unit/test_mailer
tests_unit_test_mailer_SOURCES = tests/unit/test_mailer.c \
	tests/unit/logcap.c tests/unit/logcap.h
tests_unit_test_mailer_CFLAGS = $(UA_CFLAGS_TEST) $(CURL_CFLAGS)
tests_unit_test_mailer_LDFLAGS = -Wl,--wrap=ua_log
tests_unit_test_mailer_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
