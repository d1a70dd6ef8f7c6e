#!/bin/sh
# SPDX-License-Identifier: MIT
# Check the C lines a change touches against .clang-format (STYLE.md 3.2):
#
#   tests/tools/format-check.sh [base]      (make format-check [FORMAT_BASE=])
#
# Only the lines changed since the merge base of HEAD and base (default
# main; the working tree included) are looked at, through git
# clang-format: the tree is hand-written KNF that clang-format-14 cannot
# reproduce line for line, so a whole-file check would fail on code
# nobody touched.  Prints the diff clang-format wants and fails when
# there is one; passes, saying why, outside a git checkout or without
# clang-format-14 (a tarball build has no base to compare with).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
base=${1:-main}
cf=${UA_CLANG_FORMAT:-clang-format-14}
if ! command -v git-clang-format-14 >/dev/null 2>&1 ||
    ! command -v "$cf" >/dev/null 2>&1; then
	echo "format-check: no git-clang-format-14/$cf here: nothing checked"
	exit 0
fi
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "format-check: not a git checkout: nothing checked"
	exit 0
fi
mb=$(git merge-base HEAD "$base")
out=$(git-clang-format-14 --binary "$cf" --style file --diff "$mb" \
    -- '*.c' '*.h' 2>&1) || true
case $out in
'' | *'no modified files to format'* | *'did not modify any files'*)
	echo "format-check: lines changed since $base (${mb%"${mb#???????????}"}) are formatted"
	exit 0 ;;
esac
printf '%s\n' "$out"
echo "format-check: the lines above differ from .clang-format" >&2
exit 1
