#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's demo, run once (demo/run.sh --once) against this build tree
# (UA_DEMO_BUILDDIR: no second build) in a network namespace of its own, so
# its 127.0.0.1:2222 and :2525 are nobody else's.  Checks that it exits 0,
# that its output shows the NSS part, the mail and the SSH login, and that
# it left nothing listening.  Prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
getent passwd userauth >/dev/null ||
	skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
[ -x /usr/sbin/sshd ] || skip_all "needs /usr/sbin/sshd (openssh-server)"
$PY -c 'import aiosmtpd, paramiko' 2>/dev/null ||
	skip_all "needs python3-aiosmtpd and python3-paramiko for $PY"
command -v ip >/dev/null || skip_all "needs ip"
[ -f "$top_builddir/pam_userauth/.libs/pam_userauth.so" ] ||
	skip_all "pam_userauth.so was not built (no PAM headers?)"
unshare -n true 2>/dev/null || skip_all "unshare -n failed"
ua_scratch

t0=$(date +%s)
# In the new network namespace: bring lo up, run the demo, then report
# whether anything still accepts connections on its two ports.
UA_DEMO_BUILDDIR=$top_builddir unshare -n sh -c '
	ip link set lo up || exit 99
	sh "$1/demo/run.sh" --once </dev/null >"$2/demo.out" 2>&1
	echo $? >"$2/demo.rc"
	sleep 0.5
	for p in 2222 2525; do
		"$3" -c "import socket, sys
socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 1)" "$p" \
			2>/dev/null && echo "listening $p"
	done >"$2/after.out"
	exit 0' sh "$top_srcdir" "$TB" "$PY"
ok $? "the demo ran in its own network namespace"
t1=$(date +%s)
rc=$(cat "$TB/demo.rc" 2>/dev/null || echo none)
ok "$([ "$rc" = 0 ] && echo 0 || echo 1)" \
	"demo/run.sh --once exits 0 (exit $rc, $((t1 - t0)) s)"
[ "$rc" = 0 ] || sed 's/^/# /' "$TB/demo.out" | tail -40

has() {
	if grep -Eq -- "$2" "$TB/demo.out"; then ok 0 "$1"; else
		ok 1 "$1"
		echo "#   (no line matches: $2)"
	fi
}
has "it used this build and did not build again" \
	"^== using the build in $top_builddir\$"
if grep -q '^== building' "$TB/demo.out"; then ok 1 "  ... no build step"; else
	ok 0 "  ... no build step"
fi
has "the NSS part: id alice shows the pool's groups by name" \
	'^uid=200000\(alice\) gid=200000\(alice\) groups=200000\(alice\),300000\(developers\)$'
has "the SMTP sink printed the code mail" '^  Subject: Your sign-in code$'
has "  ... with the code in it" '^  Your sign-in code is [0-9]{8}$'
has "the code-sent text came with the Code: prompt" \
	'^\(alice@127\.0\.0\.1\) A code was sent to a\*\*\*@e\*+\.com$'
has "  ... answered with the code from the mail" \
	'^Code: [0-9]{8}   \[from the mail\]$'
has "id in the SSH session shows alice and her groups by name" \
	'^uid=200000\(alice\) gid=200000\(alice\) groups=200000\(alice\),300000\(developers\)$'
# The same id line appears twice: once from NSS, once from the session.
expect_rc 0 "  ... (the id line appears twice: NSS and the SSH session)" \
	test "$(grep -c '^uid=200000(alice) gid=200000(alice) groups=200000(alice),300000(developers)$' "$TB/demo.out")" -ge 2
has "userauthctl mailq shows the mail sent" 'a\*\*\*@e\*+\.com +sent'
has "it says it is done" '^== demo done'
expect_rc 0 "nothing listens on 127.0.0.1:2222 or :2525 afterwards" \
	test ! -s "$TB/after.out"
ua_finish
