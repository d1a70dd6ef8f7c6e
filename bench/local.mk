# SPDX-License-Identifier: MIT
# Benchmarks (BENCHMARKS.md).  Not part of the pass/fail suite except a
# smoke run at tiny sizes; "make bench" runs the real thing.  bench/run
# runs one section script per part; each part's programs are in its .mk.
TESTS += bench/smoke.sh
EXTRA_DIST += bench/run bench/smoke.sh
include bench/nss.mk
include bench/pam.mk
include bench/load.mk
include bench/daemon.mk
include bench/cognito.mk
include bench/enum.mk
bench: $(check_PROGRAMS) $(check_LTLIBRARIES) all
	top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) \
		$(top_srcdir)/bench/run
.PHONY: bench
