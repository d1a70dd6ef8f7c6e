#!/bin/sh
# SPDX-License-Identifier: MIT
# The modules link libc (and libpam for the PAM module) and nothing else,
# carry no run path, and are built hardened: BIND_NOW, GNU_RELRO and a
# stack that is not executable (STYLE.md 3.1 and 3.10, SECURITY.md S23).
. "$top_srcdir/tests/lint/lib.sh"
lint_need_tool objdump
lint_need_tool readelf

# Sanitizer builds link the sanitizer runtimes as well.
san=""
[ "${UA_SANITIZERS:-no}" = yes ] && san='|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+'

# check_deps FILE ALLOWED-ERE WHAT
check_deps() {
	file=$1
	allowed="^(${2}${san})\$"
	what=$3
	name=$(basename "$file")
	if [ ! -f "$file" ]; then
		lint_ok 1 "$name is built" "missing: $file"
		return
	fi
	needed=$(objdump -p "$file" | awk '$1 == "NEEDED" { print $2 }')
	extra=$(printf '%s\n' "$needed" | grep -v -E "$allowed" | grep -v '^$')
	lint_ok "$([ -n "$needed" ] && [ -z "$extra" ]; echo $?)" \
	    "$name needs only $what" "NEEDED: $(echo $needed)"
	dyn=$(readelf -d "$file")
	printf '%s\n' "$dyn" | grep -E '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' \
	    >/dev/null
	lint_ok $? "$name is linked with BIND_NOW (-z now)"
	printf '%s\n' "$dyn" | grep -E '\((RPATH|RUNPATH)\)' >/dev/null
	lint_ok "$([ $? -ne 0 ]; echo $?)" "$name has no RPATH or RUNPATH" \
	    "$(printf '%s\n' "$dyn" | grep -E 'RPATH|RUNPATH')"
	printf '%s\n' "$dyn" | grep -E '\(TEXTREL\)' >/dev/null
	lint_ok "$([ $? -ne 0 ]; echo $?)" "$name has no text relocations"
	phdr=$(readelf -lW "$file")
	printf '%s\n' "$phdr" | grep -E '^ *GNU_RELRO ' >/dev/null
	lint_ok $? "$name has a GNU_RELRO segment (-z relro)"
	printf '%s\n' "$phdr" | awk '$1 == "GNU_STACK" { print $7 }' |
	    grep -qx 'RW'
	lint_ok $? "$name has a non-executable stack"
}

check_deps "$PAM_SO" 'libc\.so\.6|libpam\.so\.0' "libc and libpam"
check_deps "$NSS_SO" 'libc\.so\.6' "libc"
lint_done
