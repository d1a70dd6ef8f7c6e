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
#    "run-fuzz-sources:" line of the target (and pkg-config modules on an
#    optional "run-fuzz-pkgs:" line), so it needs no edit for a new target.
#
# Adding a target <t>: write fuzz_<t>.c and corpus/<t>/, then add two lines
#	UA_FUZZ_REPLAYS += tests/fuzz/replay_<t>
#	tests_fuzz_replay_<t>_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_<t>.c
# and, if the target needs more than libua_client, a third line:
#	tests_fuzz_replay_<t>_LDADD = common/server/libua_server.la \
#	    $(UA_FUZZ_LDADD) $(JANSSON_LIBS)
UA_FUZZ_MAIN = tests/fuzz/replay.c
UA_FUZZ_LDADD = common/client/libua_client.la
UA_FUZZ_REPLAYS =

UA_FUZZ_REPLAYS += tests/fuzz/replay_frame
tests_fuzz_replay_frame_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_frame.c

UA_FUZZ_REPLAYS += tests/fuzz/replay_valid
tests_fuzz_replay_valid_SOURCES = $(UA_FUZZ_MAIN) tests/fuzz/fuzz_valid.c

check_PROGRAMS += $(UA_FUZZ_REPLAYS)
TESTS += $(UA_FUZZ_REPLAYS)
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/run-fuzz.sh

UA_FUZZ_SECONDS = 60
fuzz:
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz.sh -b $(abs_top_builddir) \
	    $(UA_FUZZ_SECONDS)
.PHONY: fuzz
