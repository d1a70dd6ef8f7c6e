# SPDX-License-Identifier: MIT
# Shared by the lint tests: TAP output and the paths of the built modules.
# Sourced with top_builddir exported (make check does this).

: "${top_builddir:?run through make check}"
LINT_N=0
PAM_SO="$top_builddir/pam_userauth/.libs/pam_userauth.so"
NSS_SO="$top_builddir/nss_userauth/.libs/libnss_userauth.so.2"

# lint_ok STATUS DESCRIPTION [DETAIL]: one TAP line; DETAIL as comments.
lint_ok() {
	LINT_N=$((LINT_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $LINT_N - $2"
	else
		echo "not ok $LINT_N - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return 0
}

lint_skip() {
	LINT_N=$((LINT_N + 1))
	echo "ok $LINT_N - $1 # SKIP $2"
}

lint_done() {
	echo "1..$LINT_N"
}

# lint_need_tool TOOL: skip the whole script when TOOL is missing.
lint_need_tool() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "1..0 # SKIP $1 not installed (binutils)"
		exit 0
	}
}
