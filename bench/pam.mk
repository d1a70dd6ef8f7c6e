# SPDX-License-Identifier: MIT
# bench/pam.sh and its programs: bench/pamlogin, the libpam driver (timed
# full logins in worker processes, the RSS a stack adds, one hash's time).
# It opens libcrypt with dlopen (see the file), so it is not linked here.
check_PROGRAMS += bench/pamlogin
bench_pamlogin_SOURCES = bench/pamlogin.c
bench_pamlogin_CFLAGS = $(UA_CFLAGS_BENCH)
bench_pamlogin_LDFLAGS = $(UA_LDFLAGS_BENCH)
bench_pamlogin_LDADD = $(PAM_LIBS)
EXTRA_DIST += bench/pam.sh
