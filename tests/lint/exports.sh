#!/bin/sh
# SPDX-License-Identifier: MIT
# The modules are loaded into foreign processes and export nothing but
# their entry points (STYLE.md 3.2, SECURITY.md S23): the dynamic symbols
# they define are exactly pam_sm_* and _nss_userauth_*.
. "$top_srcdir/tests/lint/lib.sh"
lint_need_tool nm

# check_exports FILE ALLOWED-ERE WHAT REQUIRED...: every defined dynamic
# symbol matches ALLOWED, and each REQUIRED one is there.
check_exports() {
	file=$1
	allowed=$2
	what=$3
	shift 3
	name=$(basename "$file")
	if [ ! -f "$file" ]; then
		lint_ok 1 "$name is built" "missing: $file"
		return
	fi
	syms=$(nm -D --defined-only "$file" | awk 'NF == 3 { print $3 }')
	extra=$(printf '%s\n' "$syms" | grep -v -E "$allowed" | grep -v '^$')
	lint_ok "$([ -z "$extra" ]; echo $?)" \
	    "$name exports only $what" "$extra"
	missing=""
	for s in "$@"; do
		printf '%s\n' "$syms" | grep -qx "$s" || missing="$missing $s"
	done
	lint_ok "$([ -z "$missing" ]; echo $?)" \
	    "$name exports its entry points" "missing:$missing"
}

check_exports "$PAM_SO" '^pam_sm_[a-z_]+$' "pam_sm_*" pam_sm_authenticate \
    pam_sm_setcred pam_sm_acct_mgmt pam_sm_open_session \
    pam_sm_close_session pam_sm_chauthtok
check_exports "$NSS_SO" '^_nss_userauth_[a-z_]+$' "_nss_userauth_*" \
    _nss_userauth_getpwnam_r _nss_userauth_getpwuid_r \
    _nss_userauth_getgrnam_r _nss_userauth_getgrgid_r \
    _nss_userauth_initgroups_dyn
lint_done
