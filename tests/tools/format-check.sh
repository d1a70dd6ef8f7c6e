#!/bin/sh
# SPDX-License-Identifier: MIT
# make format-check: the whole tree against .clang-format (STYLE.md 3.2),
# as tests/lint/format.sh checks it in make check, with the diff that
# clang-format-14 wants for each file that differs.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
cf=${UA_CLANG_FORMAT:-clang-format-14}
command -v "$cf" >/dev/null 2>&1 || {
	echo "format-check: $cf is not installed (tests/tools/install-deps.sh installs it)" >&2
	exit 1
}
rc=0
diffs=$(mktemp)
trap 'rm -f "$diffs"' EXIT
for f in $(find common pam_userauth nss_userauth helpers tests bench -name '*.[ch]' \
	-not -path 'tests/cognito-sdk/*' | sort); do
	if ! "$cf" --style=file "$f" | diff -u "$f" - >"$diffs" 2>&1; then
		cat "$diffs"
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "format-check: every C file is formatted"
exit $rc
