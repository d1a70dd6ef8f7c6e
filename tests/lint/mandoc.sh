#!/bin/sh
# SPDX-License-Identifier: MIT
# Every man page passes mandoc -Tlint at WARNING level: no syntax or
# structure mistakes.  (STYLE-level notes such as "referenced manual not
# found" depend on what is installed and are not counted.)
. "$top_srcdir/tests/lint/lib.sh"
lint_need_tool mandoc
for m in "$top_srcdir"/man/*.[0-9]; do
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	lint_ok "$([ -z "$out" ]; echo $?)" "mandoc -Tlint $(basename "$m")" "$out"
done
lint_done
