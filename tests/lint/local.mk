# SPDX-License-Identifier: MIT
# Lint of the built modules (exported symbols, libraries, hardening), of
# the sources (banned calls, include rules, function length), of the tests
# (none that nobody runs) and of the man pages (mandoc -Tlint).
TESTS += tests/lint/exports.sh tests/lint/deps.sh tests/lint/banned.sh tests/lint/layers.sh \
	tests/lint/funclen.sh tests/lint/orphans.sh tests/lint/format.sh \
	tests/lint/mandoc.sh
EXTRA_DIST += tests/lint/lib.sh tests/lint/exports.sh tests/lint/deps.sh tests/lint/layers.sh \
	tests/lint/funclen.sh tests/lint/funclen.allow tests/lint/orphans.sh \
	tests/lint/format.sh \
	tests/lint/banned.sh tests/lint/mandoc.sh

# Gates outside make check (STYLE.md 3.2, 3.12), each its own target:
#  make analyze        gcc -fanalyzer over the daemon, the CLI, the modules
#                      and common/ with the build's flags; fails on any
#                      finding not justified in tests/tools/analyze.ignore
#  make format-check   every C file against .clang-format, with the diff
#                      clang-format-14 wants (make check's format.sh says
#                      only which files differ)
analyze:
	$(SHELL) $(top_srcdir)/tests/tools/analyze.sh $(top_srcdir) \
	    $(COMPILE) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS) \
	    $(OPENSSL_CFLAGS) $(OATH_CFLAGS) $(QRENCODE_CFLAGS) $(CRYPT_CFLAGS)
format-check:
	$(SHELL) $(top_srcdir)/tests/tools/format-check.sh
.PHONY: analyze format-check
EXTRA_DIST += .clang-format tests/tools/analyze.sh tests/tools/analyze.ignore \
	tests/tools/format-check.sh
CLEANFILES += analyze.log
