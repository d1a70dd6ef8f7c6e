#!/bin/sh
# SPDX-License-Identifier: MIT
# Every C file of the tree is as .clang-format (STYLE.md 3.2's KNF, as
# far as clang-format-14 says it) writes it: the tree was formatted once,
# and this keeps it so.  clang-format-14 is a test dependency
# (tests/tools/install-deps.sh): without it this fails, saying so.
. "$top_srcdir/tests/lint/lib.sh"
cd "$top_srcdir" || exit 1
cf=${UA_CLANG_FORMAT:-clang-format-14}
if ! command -v "$cf" >/dev/null 2>&1; then
	lint_ok 1 "the C sources are formatted" "$cf is not installed (tests/tools/install-deps.sh installs clang-format-14)"
	lint_done
	exit 0
fi
files=$(find common pam_userauth nss_userauth helpers tests bench -name '*.[ch]' \
	-not -path 'tests/cognito-sdk/*' | sort)
bad=$(for f in $files; do
	"$cf" --style=file --dry-run "$f" 2>&1 | grep -q . && echo "$f"
done)
lint_ok "$([ -z "$bad" ]; echo $?)" "the $(echo "$files" | wc -l) C files are as .clang-format writes them (clang-format-14 -i FILE mends one)" "$bad"
lint_done
