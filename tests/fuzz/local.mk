# SPDX-License-Identifier: MIT
# Fuzzing.  A target <t> is tests/fuzz/fuzz_<t>.c defining
# LLVMFuzzerTestOneInput; its seeds, and every crash once fixed, live in
# tests/fuzz/corpus/<t>/ (the whole corpus directory is distributed).
#  - make check builds tests/fuzz/replay_<t> with the normal compiler and
#    flags (replay.c + fuzz_<t>.c) and runs each corpus file once: one TAP
#    line per corpus.  The replay finds its corpus from its own name and
#    $top_srcdir, so out-of-tree builds and distcheck work.
#  - tests/fuzz/run-fuzz.sh (or `make fuzz`) builds every fuzz_*.c with
#    clang-14 -fsanitize=fuzzer,address,undefined and runs each for
#    UA_FUZZ_SECONDS (default 60).  It links the files named on the
#    "run-fuzz-sources:" lines of the target (and pkg-config modules on
#    optional "run-fuzz-pkgs:" lines), so it needs no edit for a new
#    target.  Repeat the key rather than wrap a line.
#
# Adding a target <t>: write fuzz_<t>.c and corpus/<t>/, then add
#	UA_FUZZ_REPLAYS += tests/fuzz/replay_<t>
#	tests_fuzz_replay_<t>_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_<t>.c
#	tests_fuzz_replay_<t>_LDADD = $(UA_FUZZ_LDADD)
# with more libraries on the last line if the target needs them, e.g.
#	... = common/server/libua_server.la $(UA_FUZZ_LDADD) $(JANSSON_LIBS)
# (UA_FUZZ_REPLAYS feeds check_PROGRAMS and TESTS below.  The _LDADD line
# stays explicit: a default would mean setting the global LDADD, which
# every other program in the tree would inherit.)
UA_FUZZ_MAIN = tests/fuzz/replay.c
UA_FUZZ_LDADD = common/client/libua_client.la
UA_FUZZ_REPLAYS =

UA_FUZZ_REPLAYS += tests/fuzz/replay_frame
tests_fuzz_replay_frame_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_frame.c
tests_fuzz_replay_frame_LDADD = $(UA_FUZZ_LDADD)

UA_FUZZ_REPLAYS += tests/fuzz/replay_valid
tests_fuzz_replay_valid_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_valid.c
tests_fuzz_replay_valid_LDADD = $(UA_FUZZ_LDADD)

UA_FUZZ_REPLAYS += tests/fuzz/replay_conf
tests_fuzz_replay_conf_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_conf.c
tests_fuzz_replay_conf_LDADD = common/server/libua_server.la \
	$(UA_FUZZ_LDADD) $(JANSSON_LIBS)

check_PROGRAMS += $(UA_FUZZ_REPLAYS)
TESTS += $(UA_FUZZ_REPLAYS)
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/run-fuzz.sh tests/fuzz/cache-seeds.sh

UA_FUZZ_SECONDS = 60
fuzz:
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz.sh -b $(abs_top_builddir) \
	    $(UA_FUZZ_SECONDS)
.PHONY: fuzz

UA_FUZZ_REPLAYS += tests/fuzz/replay_cache
tests_fuzz_replay_cache_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_cache.c
tests_fuzz_replay_cache_LDADD = $(UA_FUZZ_LDADD)

UA_FUZZ_REPLAYS += tests/fuzz/replay_cgapi
tests_fuzz_replay_cgapi_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_cgapi.c
tests_fuzz_replay_cgapi_LDADD = helpers/userauthd/libuad.la $(UA_FUZZ_LDADD) \
	$(JANSSON_LIBS)

UA_FUZZ_REPLAYS += tests/fuzz/replay_jwt
tests_fuzz_replay_jwt_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_jwt.c
tests_fuzz_replay_jwt_LDADD = helpers/userauthd/libuad.la $(UA_FUZZ_LDADD) \
	$(OPENSSL_LIBS) $(JANSSON_LIBS)

UA_FUZZ_REPLAYS += tests/fuzz/replay_msg
tests_fuzz_replay_msg_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_msg.c
tests_fuzz_replay_msg_LDADD = $(UA_FUZZ_LDADD)

UA_FUZZ_REPLAYS += tests/fuzz/replay_admin
tests_fuzz_replay_admin_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_admin.c
tests_fuzz_replay_admin_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
tests_fuzz_replay_admin_LDADD = helpers/userauthd/libuad.la $(UA_FUZZ_LDADD) \
	$(JANSSON_LIBS)
