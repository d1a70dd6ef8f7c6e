#!/bin/sh
# SPDX-License-Identifier: MIT
# make install DESTDIR=... puts exactly the shipped files in place (the two
# modules without their .la files or a libnss_userauth.so development link,
# the daemon, the CLI, the nsswitch.conf helper, the man pages), and make uninstall takes every one
# of them out again.  Needs no root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
D=$TB/dest
: "${UA_PAMDIR:?}" "${UA_NSSDIR:?}" "${UA_SBINDIR:?}" "${UA_BINDIR:?}" "${UA_MANDIR:?}"

# A make of its own: not the jobserver of the make check that runs us.
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@"
}
listing() { (cd "$D" && find . ! -type d | sed 's|^\.||' | LC_ALL=C sort); }

expect_rc 0 "make install DESTDIR=... succeeds" submake install DESTDIR="$D"
listing >"$TB/installed"
sed 's/^/# installed: /' "$TB/installed"

LC_ALL=C sort >"$TB/expected" <<LIST
$UA_PAMDIR/pam_userauth.so
$UA_NSSDIR/libnss_userauth.so.2
$UA_SBINDIR/userauthd
$UA_SBINDIR/userauth-nsswitch
$UA_BINDIR/userauthctl
$UA_MANDIR/man5/userauth.conf.5
$UA_MANDIR/man8/nss_userauth.8
$UA_MANDIR/man8/pam_userauth.8
$UA_MANDIR/man8/userauth-nsswitch.8
$UA_MANDIR/man8/userauthctl.8
$UA_MANDIR/man8/userauthd.8
LIST
if diff -u "$TB/expected" "$TB/installed" >"$TB/diff"; then ok 0 "exactly the shipped files are installed"; else
	ok 1 "exactly the shipped files are installed"
	sed 's/^/# /' "$TB/diff"
fi
n=$(grep -cE '\.la$|\.a$|/libnss_userauth\.so$' "$TB/installed")
ok "$n" "no .la, .a or libnss_userauth.so link is left ($n found)"
ok "$([ -f "$D$UA_NSSDIR/libnss_userauth.so.2" ] && [ ! -L "$D$UA_NSSDIR/libnss_userauth.so.2" ]; echo $?)" \
	"libnss_userauth.so.2 is the library itself, as glibc's NSS modules are"
soname=$(objdump -p "$D$UA_NSSDIR/libnss_userauth.so.2" 2>/dev/null |
	awk '$1 == "SONAME" { print $2 }')
ok "$([ "$soname" = libnss_userauth.so.2 ]; echo $?)" \
	"the NSS module's soname is libnss_userauth.so.2 (got '$soname')"
ok "$([ -f "$D$UA_PAMDIR/pam_userauth.so" ] && [ ! -L "$D$UA_PAMDIR/pam_userauth.so" ]; echo $?)" \
	"pam_userauth.so is a plain file (loaded by name, no version)"

expect_rc 0 "make uninstall DESTDIR=... succeeds" submake uninstall DESTDIR="$D"
listing >"$TB/left"
if [ -s "$TB/left" ]; then
	ok 1 "make uninstall leaves no file behind"
	sed 's/^/# left: /' "$TB/left"
else ok 0 "make uninstall leaves no file behind"; fi
ua_finish
