#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/hoststate.sh, which install-deps.sh and the suite use to show
# that the host's PAM stacks, nsswitch.conf and services were left alone,
# run against a throwaway tree: every kind of change is reported, and an
# untouched tree compares equal.  Needs no root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
HS="sh $top_srcdir/tests/tools/hoststate.sh"
R=$TB/root
mkdir -p "$R/etc/pam.d" "$R/etc/systemd/system/multi-user.target.wants" "$R/etc/rc2.d"
printf 'password [success=1 default=ignore] pam_unix.so obscure yescrypt\n' \
	>"$R/etc/pam.d/common-password"
printf 'passwd: files\ngroup: files\n' >"$R/etc/nsswitch.conf"
ln -s /lib/systemd/system/cron.service "$R/etc/systemd/system/multi-user.target.wants/cron.service"
mkdir -p "$R/dev/pts" && : >"$R/dev/null" && : >"$R/dev/urandom" && ln -s /proc/self/fd "$R/dev/fd"

hs() { HOSTSTATE_ROOT=$R $HS "$@"; }
fresh() { hs save "$TB/rec" >/dev/null 2>&1; }

fresh
expect_rc 0 "an untouched tree compares equal" hs compare "$TB/rec"
cp -a "$R" "$TB/orig"

printf 'password requisite pam_pwquality.so retry=3\n' >>"$R/etc/pam.d/common-password"
expect_rc 1 "an edited PAM stack is reported" hs compare "$TB/rec"
grep_last "  ... by name, with the added line" 'pam_pwquality'
rm -rf "$R" && cp -a "$TB/orig" "$R"

printf 'passwd: files userauth\ngroup: files\n' >"$R/etc/nsswitch.conf"
expect_rc 1 "an edited nsswitch.conf is reported" hs compare "$TB/rec"
rm -rf "$R" && cp -a "$TB/orig" "$R"

ln -s /lib/systemd/system/ssh.service "$R/etc/systemd/system/multi-user.target.wants/ssh.service"
expect_rc 1 "a newly enabled systemd service is reported" hs compare "$TB/rec"
grep_last "  ... by its link" 'multi-user.target.wants/ssh.service'
rm -rf "$R" && cp -a "$TB/orig" "$R"

ln -s ../init.d/ssh "$R/etc/rc2.d/S01ssh"
expect_rc 1 "a new SysV start link is reported" hs compare "$TB/rec"
rm -rf "$R" && cp -a "$TB/orig" "$R"

rm "$R/etc/systemd/system/multi-user.target.wants/cron.service"
expect_rc 1 "a disabled service is reported" hs compare "$TB/rec"
rm -rf "$R" && cp -a "$TB/orig" "$R"

printf 'auth required pam_deny.so\n' >"$R/etc/pam.d/newservice"
expect_rc 1 "a new PAM service file is reported (install-deps.sh allows only a new package's own)" \
	hs compare "$TB/rec"
rm -rf "$R" && cp -a "$TB/orig" "$R"

rm "$R/dev/urandom" "$R/dev/fd"
expect_rc 1 "entries gone from /dev are reported" hs compare "$TB/rec"
grep_last "  ... by name" 'urandom'
rm -rf "$R" && cp -a "$TB/orig" "$R"

: >"$R/dev/loop9"
expect_rc 0 "a new entry in /dev is not (the kernel makes them)" hs compare "$TB/rec"
rm -rf "$R" && cp -a "$TB/orig" "$R"

expect_rc 0 "the restored tree compares equal again" hs compare "$TB/rec"
expect_rc 2 "comparing with no record is an error, not a pass" hs compare "$TB/none"
ua_finish
