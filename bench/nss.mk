# SPDX-License-Identifier: MIT
# NSS lookups against the glibc floor, SSSD and nss_files (bench/nss.sh).
check_PROGRAMS += bench/nssbench bench/mkpool
check_LTLIBRARIES = bench/libnss_floor.la
bench_nssbench_SOURCES = bench/nssbench.c
bench_nssbench_CFLAGS = $(UA_CFLAGS_BENCH)
bench_nssbench_LDFLAGS = $(UA_LDFLAGS_BENCH)
bench_mkpool_SOURCES = bench/mkpool.c
bench_mkpool_CFLAGS = $(UA_CFLAGS_PROG)
bench_mkpool_LDFLAGS = $(UA_LDFLAGS_PROG)
bench_mkpool_LDADD = common/server/libua_server.la common/client/libua_client.la
# -rpath: a shared library even though it is never installed.
bench_libnss_floor_la_SOURCES = bench/libnss_floor.c
bench_libnss_floor_la_CFLAGS = $(UA_WARN_CFLAGS) $(UA_HARDEN_CFLAGS) -fPIC
bench_libnss_floor_la_LDFLAGS = -module -shared -avoid-version \
	-rpath /nowhere -Wl,-soname,libnss_floor.so.2
EXTRA_DIST += bench/nss.sh bench/install-deps.sh
