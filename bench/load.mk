# SPDX-License-Identifier: MIT
# bench/mail.sh and bench/load.sh: concurrent logins through libpam, one
# process each, with codes read from the SMTP sink's Maildir.
check_PROGRAMS += bench/loginload
bench_loginload_SOURCES = bench/loginload.c
bench_loginload_CFLAGS = $(UA_CFLAGS_BENCH)
bench_loginload_LDFLAGS = $(UA_LDFLAGS_BENCH)
bench_loginload_LDADD = $(PAM_LIBS)
EXTRA_DIST += bench/mail.sh bench/load.sh
