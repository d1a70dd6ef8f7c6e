#!/bin/sh
# SPDX-License-Identifier: MIT
# dist/pam-configs/userauth, the pam-auth-update profile, field by field:
# never enabled by default, after pam_unix, local users never reach
# pam_userauth (pam_localuser skips it), and its controls can neither deny
# a user it does not know nor let one in on its own; the pool it names is
# in the packaged dist/userauth.conf, which userauthd -t accepts.
# Needs no root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
P=$top_srcdir/dist/pam-configs/userauth
CONF=$top_srcdir/dist/userauth.conf

field() { sed -n "s/^$1: *//p" "$P"; }
# section NAME: its lines (tab-indented, after "NAME:"), tabs squeezed
section() {
	awk -v s="$1:" '$0 == s { on = 1; next } /^[^\t]/ { on = 0 } on' "$P" |
		tr -s '\t' ' ' | sed 's/^ //'
}

ok "$([ -n "$(field Name)" ]; echo $?)" "Name: is set"
ok "$([ "$(field Default)" = no ]; echo $?)" \
	"Default: no (installing never changes a host's stacks)"
pri=$(field Priority)
ok "$([ "$pri" -gt 0 ] 2>/dev/null && [ "$pri" -lt 256 ]; echo $?)" \
	"Priority $pri is below pam_unix's 256: after it in every stack"
for t in Auth:Primary Account:Additional Session:Additional Password:Primary; do
	ok "$([ "$(field "${t%%:*}-Type")" = "${t#*:}" ]; echo $?)" "${t%%:*}-Type: ${t#*:}"
done

for s in Auth Auth-Initial Account Session Password Password-Initial; do
	section "$s" >"$TB/$s"
	ok "$([ "$(wc -l <"$TB/$s")" -eq 2 ]; echo $?)" "$s: two lines"
	ok "$(sed -n 1p "$TB/$s" | grep -qx '\[success=1 default=ignore\] pam_localuser.so'; echo $?)" \
		"$s: pam_localuser first, skipping pam_userauth for users in /etc/passwd"
	mod=$(sed -n 2p "$TB/$s")
	ok "$(echo "$mod" | grep -q ' pam_userauth.so pool=default\( \|$\)'; echo $?)" \
		"$s: then pam_userauth.so pool=default"
	args=$(echo "$mod" | sed 's/.*pam_userauth\.so//')
	bad=$(for a in $args; do
		echo "$a" | grep -qxE 'pool=[a-z][a-z0-9_-]{0,31}|try_first_pass|try_authtok|use_authtok|debug' ||
			echo "$a"
	done)
	ok "$([ -z "$bad" ]; echo $?)" "$s: only options pam_userauth(8) knows ('$bad')"
done
for s in Auth Auth-Initial Password Password-Initial; do
	ok "$(sed -n 2p "$TB/$s" | grep -q '^\[success=end default=ignore\] '; echo $?)" \
		"$s: [success=end default=ignore]: a failure falls through to pam_deny, never denies alone"
done
ok "$(sed -n 2p "$TB/Account" | grep -q '^\[success=ok user_unknown=ignore default=bad\] '; echo $?)" \
	"Account: success=ok user_unknown=ignore default=bad (a non-pool user is ignored; a denied or unreachable pool answer fails)"
ok "$(sed -n 2p "$TB/Session" | grep -q '^optional '; echo $?)" \
	"Session: optional (the session note is best effort)"
ok "$(grep -q 'try_first_pass' "$TB/Auth" && ! grep -q 'first_pass' "$TB/Auth-Initial"; echo $?)" \
	"Auth takes the password pam_unix asked for (try_first_pass: one prompt); Auth-Initial asks"
ok "$(grep -q 'try_authtok' "$TB/Password" && ! grep -q 'authtok' "$TB/Password-Initial"; echo $?)" \
	"Password takes the new password a module before it set (try_authtok); Password-Initial asks"
n=$(grep -cE '(^|[[:space:]])(required|requisite|sufficient)[[:space:]]+pam_userauth' "$P")
ok "$n" "no required, requisite or sufficient pam_userauth line ($n found)"

# as installed (0644): a checkout or an archive may have it group-writable
cp "$CONF" "$TB/userauth.conf" && chmod 0644 "$TB/userauth.conf"
expect_rc 0 "the packaged userauth.conf passes userauthd -t" \
	"$top_builddir/userauthd" -t -c "$TB/userauth.conf"
ok "$(grep -qx '\[pool default\]' "$CONF"; echo $?)" \
	"  ... and defines the pool the profile names (default)"
ua_finish
