#!/bin/sh
# SPDX-License-Identifier: MIT
# dist/userauth-nsswitch against copies of nsswitch.conf: enable puts
# userauth right after files on the passwd: and group: lines only, twice
# is once, disable gives back the very same bytes, status says which, and
# a file it cannot edit safely is left as it was.  Needs no root; TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
H=$top_srcdir/dist/userauth-nsswitch
F=$TB/etc/nsswitch.conf
mkdir -p "$TB/etc"
nss() { sh "$H" -f "$F" "$@"; }
same() {	# same DESCRIPTION A B
	if cmp -s "$2" "$3"; then ok 0 "$1"; else
		ok 1 "$1"
		diff "$2" "$3" | sed 's/^/# /'
	fi
}

expect_rc 0 "the helper is valid POSIX sh (sh -n)" sh -n "$H"

# Debian 12's own file (or a copy of it where this host has another).
cat >"$TB/debian.conf" <<'CONF'
# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.

passwd:         files systemd
group:          files systemd
shadow:         files systemd
gshadow:        files systemd

hosts:          files dns
networks:       files
netgroup:       nis
CONF
for src in "$TB/debian.conf" /etc/nsswitch.conf; do
	[ -f "$src" ] || continue
	name=${src##*/}
	cp "$src" "$F"
	chmod 0640 "$F"
	expect_rc 1 "$name: status of an untouched file is 'not enabled' (exit 1)" nss status
	expect_rc 0 "$name: enable" nss enable
	grep -E '^(passwd|group):' "$F" >"$TB/lines"
	ok "$(grep -cE '^(passwd|group):.*[[:space:]]files userauth([[:space:]]|$)' "$TB/lines" |
		grep -qx 2; echo $?)" "$name: userauth right after files on passwd: and group:"
	diff "$src" "$F" | grep '^[<>]' | grep -vE '^[<>] (passwd|group):' >"$TB/other"
	ok "$([ ! -s "$TB/other" ]; echo $?)" "$name: no other line changed"
	ok "$(grep -E '^(shadow|gshadow|hosts):' "$F" | grep -q userauth; [ $? -ne 0 ]; echo $?)" \
		"$name: shadow:, gshadow: and hosts: get no userauth"
	ok "$([ "$(stat -c %a "$F")" = 640 ]; echo $?)" "$name: the file keeps its mode"
	expect_rc 0 "$name: status says enabled (exit 0)" nss status
	grep_last "  ... for both lines" 'passwd: enabled.*'
	cp "$F" "$TB/once"
	expect_rc 0 "$name: enable again succeeds" nss enable
	same "$name: ... and changes nothing (no second userauth)" "$TB/once" "$F"
	expect_rc 0 "$name: disable" nss disable
	same "$name: disable gives back the original bytes" "$src" "$F"
	expect_rc 0 "$name: disable again succeeds and does nothing" nss disable
	same "$name:   ... still the original bytes" "$src" "$F"
done

# Odd but valid files.
printf 'passwd:files [NOTFOUND=return] ldap # comment\ngroup:\tcompat\n' >"$F"
cp "$F" "$TB/odd"
expect_rc 0 "tabs, no space after ':', compat, an [action] and a comment: enable" nss enable
ok "$(grep -qx 'passwd:files \[NOTFOUND=return\] userauth ldap # comment' "$F" &&
	grep -qx "$(printf 'group:\tcompat userauth')" "$F"; echo $?)" \
	"  ... userauth after files' [action] item, after compat, before the comment"
expect_rc 0 "  ... disable" nss disable
same "  ... gives back the original bytes" "$TB/odd" "$F"

printf 'passwd: files userauth systemd\ngroup: userauth files\n' >"$F"
expect_rc 1 "status: userauth placed by hand elsewhere is not ours (exit 1)" nss status
grep_last "  ... and says so" 'group: userauth is listed, but not where'
cp "$F" "$TB/hand"
expect_rc 0 "enable with userauth already on both lines" nss enable
same "  ... adds no second one" "$TB/hand" "$F"

printf 'passwd: ldap\ngroup: files\n' >"$F"
cp "$F" "$TB/noplace"
expect_rc 1 "a passwd: line without files or compat is refused" nss enable
same "  ... and the file is left as it was (group: untouched too)" "$TB/noplace" "$F"
printf 'passwd: filesystem\ngroup: files\n' >"$F"
expect_rc 1 "'filesystem' is not 'files'" nss enable
printf 'group: files\n' >"$F"
expect_rc 1 "a file without a passwd: line is refused" nss enable
ls -A "$TB/etc" >"$TB/ls"
ok "$([ "$(cat "$TB/ls")" = nsswitch.conf ]; echo $?)" "no temporary file is left beside it"

printf 'passwd: files\ngroup: files\n' >"$TB/real.conf"
ln -sf "$TB/real.conf" "$F"
expect_rc 0 "a symlinked nsswitch.conf: enable" nss enable
ok "$([ -L "$F" ] && grep -q 'files userauth' "$TB/real.conf"; echo $?)" \
	"  ... edits the target and keeps the link"
rm -f "$F"
expect_rc 1 "a missing file is an error" nss status
expect_rc 2 "an unknown command is a usage error" nss frobnicate
expect_rc 2 "no command is a usage error" sh "$H"
ua_finish
