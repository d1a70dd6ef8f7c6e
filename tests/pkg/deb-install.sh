#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package end to end, on a throwaway Debian 12: build it with
# dpkg-buildpackage from a clean export of HEAD (git archive), run lintian,
# check its layout, install it with apt into a minimal Debian 12 root (in
# a chroot inside private mount and PID namespaces, with a policy-rc.d
# that forbids every start), run the installed daemon, provision a pool
# user with userauthctl, log in with pamtester through the installed
# module (on its own and through pam-auth-update's common-auth and
# common-account), then purge the package and show that it left nothing
# behind.  Then, where systemd-nspawn is installed, a second such root with
# systemd and the package is booted (no network) to run userauthd.service
# under a real systemd: started at boot, READY=1, sandboxed logins,
# reload, restart after kill -9, stop.  Nothing on the host changes but a
# scratch dir under /var/tmp, removed at the end (--keep keeps it), and
# the cgroups and /run/systemd/nspawn that systemd-nspawn makes, removed
# after it.  Needs root, git, dpkg-dev, debhelper (lintian if there: its
# findings are shown) and a Debian mirror.  Takes about a minute; ends
# with "N passed, N failed".
#
#   sh tests/pkg/deb-install.sh [--tarball FILE] [--keep]
#
# --tarball takes a minbase root (a tarball holding root/, such as
# /srv/fresh/minbase.tgz, the default when it exists) instead of running
# debootstrap --variant=minbase bookworm.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
tarball=
[ -f /srv/fresh/minbase.tgz ] && tarball=/srv/fresh/minbase.tgz
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--tarball) tarball=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: deb-install.sh [--tarball FILE] [--keep]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "deb-install.sh: needs root (chroot, namespaces)" >&2; exit 2; }
for t in git dpkg-buildpackage dh unshare; do
	command -v $t >/dev/null ||
		{ echo "deb-install.sh: needs $t (sh tests/tools/install-deps.sh)" >&2; exit 2; }
done
start=$(date +%s)
work=$(mktemp -d /var/tmp/ua-deb.XXXXXX)
nspid=
cleanup() {
	if [ -n "$nspid" ] && kill -0 "$nspid" 2>/dev/null; then
		kill -TERM "$nspid" 2>/dev/null; sleep 2
		kill -TERM "$nspid" 2>/dev/null; sleep 1
		kill -KILL "$nspid" 2>/dev/null || true
		wait "$nspid" 2>/dev/null || true
	fi
	if [ -n "$nspid" ]; then nspawn_tidy || true; fi
	if [ -n "$keep" ]; then echo "# kept: $work" >&2; else rm -rf "$work"; fi
}
# systemd-nspawn leaves its (empty) cgroups and /run/systemd/nspawn on a
# host that systemd does not run: take out what was not there before.
nspawn_tidy() {
	[ -f "$work/cgroups.before" ] || return 0
	find /sys/fs/cgroup -maxdepth 2 -mindepth 2 -type d 2>/dev/null | LC_ALL=C sort |
		LC_ALL=C comm -13 "$work/cgroups.before" - >"$work/cgroups.new"
	while IFS= read -r d; do
		# only once no process is left in it (the container is down)
		if [ -z "$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)" ]; then
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
		fi
		[ -d "$d" ] && echo "# left behind (still in use?): $d" >&2
	done <"$work/cgroups.new"
	if [ ! -e "$work/had-nspawn-dir" ]; then rm -rf /run/systemd/nspawn; fi
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}
# st COMMAND...: 0 when COMMAND succeeds, else 1 (set -e stays out of it)
st() { if "$@"; then echo 0; else echo 1; fi; }
elapsed() { echo "$(($(date +%s) - start)) s"; }
finish() {
	echo "# total time: $(elapsed)"
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

# --- build -------------------------------------------------------------------
ver=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$src/debian/changelog")
mkdir -p "$work/build"
git -C "$src" archive --format=tar --prefix="userauth-$ver/" HEAD | tar -C "$work/build" -x
echo "# building userauth $ver from $(git -C "$src" rev-parse --short HEAD) (git archive) in $work/build"
if (cd "$work/build/userauth-$ver" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	ok 0 "dpkg-buildpackage -us -uc -b ($(elapsed))"
else
	ok 1 "dpkg-buildpackage -us -uc -b"
	tail -30 "$work/build.log" | sed 's/^/# /'
	finish
fi
deb=$(ls "$work"/build/userauth_"$ver"_*.deb)
ok "$(st test ! -e "$work/build/userauth-$ver/.git")" "  ... from an export, not a checkout"
if command -v lintian >/dev/null; then
	lintian -I "$work"/build/userauth_"$ver"_*.changes >"$work/lintian.txt" 2>&1 || true
	sed 's/^/# lintian: /' "$work/lintian.txt"
	ok "$(st sh -c '! grep -q "^E: " "$1"' sh "$work/lintian.txt")" "lintian reports no error"
else
	echo "# lintian not installed: not run"
fi
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/contents"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
missing=
for f in /lib/$ma/security/pam_userauth.so /lib/$ma/libnss_userauth.so.2 \
	/usr/sbin/userauthd /usr/bin/userauthctl /usr/sbin/userauth-nsswitch \
	/etc/userauth/userauth.conf /lib/systemd/system/userauthd.service \
	/usr/lib/tmpfiles.d/userauthd.conf /usr/share/pam-configs/userauth \
	/usr/share/man/man8/userauthd.8.gz /usr/share/man/man8/userauth-nsswitch.8.gz; do
	grep -qx "$f" "$work/contents" || missing="$missing $f"
done
ok "$(st test -z "$missing")" "the package holds the modules, programs, config, unit, profile, man pages${missing:+ (missing:$missing)}"
ok "$(st sh -c '! grep -qE "\.la$|\.a$|/libnss_userauth\.so$|\.so\.2\.0\.0$" "$1"' sh "$work/contents")" \
	"  ... and no .la, .a, development link or libtool-versioned file"
dpkg-deb -e "$deb" "$work/ctl"
ok "$(st grep -qx /etc/userauth/userauth.conf "$work/ctl/conffiles")" \
	"/etc/userauth/userauth.conf is a conffile"

# --- a throwaway Debian 12 -----------------------------------------------------
root=$work/root
if [ -n "$tarball" ]; then
	tar -C "$work" -xzf "$tarball"
else
	command -v debootstrap >/dev/null ||
		{ echo "deb-install.sh: needs debootstrap or --tarball" >&2; exit 2; }
	debootstrap --variant=minbase bookworm "$root" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; exit 1; }
fi
[ -x "$root/bin/sh" ] || { echo "deb-install.sh: no root/ in $tarball" >&2; exit 1; }
tar -C "$work" -cf "$work/base.tar" root
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\n# deb-install.sh: no service starts in this root\nexit 101\n' \
	>"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/root/debs"
cp "$deb" "$root/root/debs/"

# inroot COMMAND: run COMMAND (sh) as root in the root, in private mount
# and PID namespaces (the root bound onto itself first, so that mounts
# inside work as on a real /), with /proc, /dev, /sys, and /tmp and /run
# on tmpfs.  A daemon started inside dies with the namespace.
inroot() {
	unshare -m -p -f --propagation private sh -c '
		r=$1
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --rbind /sys "$r/sys"
		mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
		mount -t tmpfs -o mode=0755 tmpfs "$r/run"
		exec chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb LC_ALL=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/sh -c "$2"
	' sh "${R:-$root}" "$1"
}

# snapshot FILE: every path of the root with its type, mode and owner, and
# the checksum of each regular file, leaving out the API mounts and the
# package manager's own state, caches and logs.
snapshot() {
	(cd "$root" && find . \( -path ./proc -o -path ./sys -o -path ./dev \
		-o -path ./run -o -path ./tmp -o -path ./var/lib/apt \
		-o -path ./var/cache/apt -o -path ./var/lib/dpkg -o -path ./var/log \
		-o -path ./var/cache/debconf -o -path ./root/debs \) -prune \
		-o -printf '%p %y %m %u:%g\n') | LC_ALL=C sort >"$1.list"
	(cd "$root" && find . \( -path ./proc -o -path ./sys -o -path ./dev \
		-o -path ./run -o -path ./tmp -o -path ./var/lib/apt \
		-o -path ./var/cache/apt -o -path ./var/lib/dpkg -o -path ./var/log \
		-o -path ./var/cache/debconf -o -path ./root/debs \) -prune \
		-o -type f -print0 | xargs -0 md5sum) | LC_ALL=C sort -k2 >"$1.sums"
}

# The test's own tools and a local account, before the "before" picture.
if inroot 'apt-get update -q && apt-get install -y -q --no-install-recommends pamtester &&
	useradd -m -s /bin/sh localu && echo "localu:Local-Pass-1" | chpasswd' \
	>"$work/prepare.log" 2>&1; then
	ok 0 "the root: apt-get update, pamtester, a local user ($(elapsed))"
else
	ok 1 "the root: apt-get update, pamtester, a local user"
	tail -20 "$work/prepare.log" | sed 's/^/# /'
	finish
fi
snapshot "$work/before"

# --- in the root: install, run, log in, purge -----------------------------------
cat >"$root/root/pkgcheck.sh" <<'INNER'
set -u
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}
t() {	# t DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@" >/tmp/out 2>&1; then ok 0 "$d"; else
		ok 1 "$d"
		sed 's/^/#   /' /tmp/out | head -20
	fi
}
sums() { find /etc/pam.d -type f | LC_ALL=C sort | xargs md5sum; md5sum /etc/nsswitch.conf; }
uid_of() { getent passwd "$1" | cut -d: -f3; }
waitfor() { i=0; while [ $i -lt 100 ]; do "$@" && return 0; sleep 0.1; i=$((i + 1)); done; return 1; }
PW=Correct-Horse-9

sums >/tmp/pam.before
t "apt-get install ./userauth_*.deb (dependencies from the mirror)" \
	apt-get install -y -q --no-install-recommends ./root/debs/userauth_*.deb
sums >/tmp/pam.installed
t "installing changed no PAM stack and not nsswitch.conf" cmp /tmp/pam.before /tmp/pam.installed
t "the profile is there but not enabled" sh -c \
	'test -f /usr/share/pam-configs/userauth && ! grep -q pam_userauth /etc/pam.d/common-*'
t "the userauth system user: uid below 1000, no login shell, no home" sh -c \
	'u=$(getent passwd userauth) && [ "$(echo "$u" | cut -d: -f3)" -lt 1000 ] &&
	 echo "$u" | grep -q ":/nonexistent:/usr/sbin/nologin$" && [ ! -e /nonexistent ]'
t "dpkg -V: the installed files are intact" dpkg -V userauth
t "pam-auth-update --package (what other packages' scripts run)" pam-auth-update --package
sums >/tmp/pam.pkg
t "  ... leaves the profile off and the stacks as they were" cmp /tmp/pam.before /tmp/pam.pkg
t "userauthd -t accepts the packaged /etc/userauth/userauth.conf" /usr/sbin/userauthd -t
echo "# starting /usr/sbin/userauthd -f"
/usr/sbin/userauthd -f >/tmp/daemon.log 2>&1 &
dpid=$!
waitfor test -S /run/userauth/admin.sock
t "the daemon serves: its sockets are up" test -S /run/userauth/public.sock
t "  ... and it runs as the userauth user" sh -c \
	"grep -q \"^Uid:[[:space:]]*$(uid_of userauth)[[:space:]]\" /proc/$dpid/status"
t "  ... its directories are the daemon user's (0755 /run, 0700 state, 0755 cache)" sh -c \
	'[ "$(stat -c "%a %U" /run/userauth /var/lib/userauth /var/cache/userauth | tr "\n" " ")" = "755 userauth 700 userauth 755 userauth " ]'
t "userauthctl pool list names the packaged pool" sh -c 'userauthctl pool list | grep -q default'
t "userauthctl user add default alice" userauthctl user add default alice --email alice@example.com
t "userauthctl passwd alice --stdin" sh -c "printf '%s\n' '$PW' | userauthctl passwd alice --stdin"
printf 'auth required pam_userauth.so pool=default\naccount required pam_userauth.so pool=default\n' \
	>/etc/pam.d/ua-direct
t "pamtester: alice logs in with her password (the installed pam_userauth.so)" sh -c \
	"printf '%s\n' '$PW' | pamtester ua-direct alice authenticate acct_mgmt"
t "  ... a wrong password is refused" sh -c \
	"! printf 'wrong-one\n' | pamtester ua-direct alice authenticate"
t "userauth-nsswitch enable" userauth-nsswitch enable
t "getent passwd alice: the installed NSS module answers" sh -c \
	'getent passwd alice | grep -q "^alice:\*:[0-9]*:[0-9]*:"'
t "pam-auth-update --enable userauth" pam-auth-update --enable userauth
grep -h -E 'pam_(unix|localuser|userauth|deny|permit)' /etc/pam.d/common-auth /etc/pam.d/common-account |
	sed 's/^/#   /'
printf '@include common-auth\n@include common-account\n' >/etc/pam.d/ua-common
t "common-*: a local user logs in through pam_unix (one prompt)" sh -c \
	"printf 'Local-Pass-1\n' | pamtester ua-common localu authenticate acct_mgmt"
t "common-*: alice logs in with one password (pam_unix asks and fails, pam_userauth takes it)" sh -c \
	"printf '%s\n' '$PW' | pamtester ua-common alice authenticate acct_mgmt"
t "common-*: alice's wrong password is refused" sh -c \
	"! printf 'wrong-one\n' | pamtester ua-common alice authenticate"
t "common-*: a local user's wrong password is refused" sh -c \
	"! printf 'wrong-one\n' | pamtester ua-common localu authenticate"
t "  ... and never reached the daemon (pam_localuser)" sh -c "! grep -q localu /tmp/daemon.log"
printf '@include common-password\n' >/etc/pam.d/ua-passwd
NEWPW=Battery-Staple-42
t "common-password: alice changes her password (current, new, again)" sh -c \
	"{ printf '%s\n' '$PW'; sleep 1; printf '%s\n' '$NEWPW'; sleep 1; printf '%s\n' '$NEWPW'; } |
	 pamtester ua-passwd alice chauthtok"
t "  ... and logs in with the new one" sh -c \
	"printf '%s\n' '$NEWPW' | pamtester ua-common alice authenticate"
t "  ... not with the old one" sh -c \
	"! printf '%s\n' '$PW' | pamtester ua-common alice authenticate"
kill "$dpid"
wait "$dpid"
t "the daemon stops on SIGTERM and removes its sockets" sh -c '! test -e /run/userauth/public.sock'
t "daemon down: a local user still logs in and passes account" sh -c \
	"printf 'Local-Pass-1\n' | pamtester ua-common localu authenticate acct_mgmt"
t "daemon down: alice's account phase fails closed" sh -c "! pamtester ua-common alice acct_mgmt"
rm -f /etc/pam.d/ua-direct /etc/pam.d/ua-common /etc/pam.d/ua-passwd
t "apt-get purge userauth" apt-get purge -y -q userauth
t "purge took the enabled profile out of the stacks" sh -c '! grep -q pam_userauth /etc/pam.d/common-*'
t "purge undid userauth-nsswitch's edit" sh -c '! grep -q userauth /etc/nsswitch.conf'
sums >/tmp/pam.after
t "the PAM stacks and nsswitch.conf are byte for byte as before the install" cmp /tmp/pam.before /tmp/pam.after
t "purge removed the state, cache and config dirs" sh -c \
	'! test -e /var/lib/userauth && ! test -e /var/cache/userauth && ! test -e /etc/userauth'
t "the userauth user stays (documented)" getent passwd userauth
t "apt-get autoremove --purge (the libraries the package pulled in)" apt-get autoremove --purge -y -q
INNER
inroot 'sh /root/pkgcheck.sh' >"$work/inner.out" 2>&1
# renumber the inner cases into ours
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "${line#ok - }" ;;
	"not ok - "*) ok 1 "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$work/inner.out"
rm -f "$root/root/pkgcheck.sh"
snapshot "$work/after"

# --- nothing left behind -------------------------------------------------------
if diff -u "$work/before.list" "$work/after.list" >"$work/list.diff"; then
	ok 0 "after purge the root has exactly the paths it had before the install"
else
	ok 1 "after purge the root has exactly the paths it had before the install"
	grep '^[-+][^-+]' "$work/list.diff" | sed 's/^/# /'
fi
LC_ALL=C join -1 2 -2 2 "$work/before.sums" "$work/after.sums" |
	awk '$2 != $3 { print $1 }' >"$work/changed"
# Expected: the userauth user stays (passwd, group, shadow, gshadow and
# their backups) and ldconfig's caches are rebuilt.
grep -vxE '\./etc/(passwd|group|shadow|gshadow)-?|\./etc/ld\.so\.cache|\./var/cache/ldconfig/aux-cache' "$work/changed" >"$work/unexpected" || true
sed 's/^/# content changed (expected: the userauth user, ldconfig): /' "$work/changed" |
	grep -v -F -f "$work/unexpected" 2>/dev/null || true
ok "$(st test ! -s "$work/unexpected")" \
	"no other file's contents differ from before the install"
sed 's/^/# content changed: /' "$work/unexpected"

# --- under systemd: a second root booted with systemd-nspawn ---------------------
if ! command -v systemd-nspawn >/dev/null 2>&1; then
	echo "# not run: the unit under a real systemd (no systemd-nspawn: systemd-container)"
	finish
fi
sd=$work/sd
mkdir -p "$sd"
tar -C "$sd" -xf "$work/base.tar"
cp /etc/resolv.conf "$sd/root/etc/resolv.conf"
cp "$root/usr/sbin/policy-rc.d" "$sd/root/usr/sbin/policy-rc.d"
mkdir -p "$sd/root/root/debs"
cp "$deb" "$sd/root/root/debs/"
if R=$sd/root inroot 'apt-get update -q && apt-get install -y -q --no-install-recommends systemd dbus pamtester ./root/debs/userauth_*.deb' \
	>"$work/sd-install.log" 2>&1; then
	ok 0 "a second root with systemd, dbus, pamtester and the package ($(elapsed))"
else
	ok 1 "a second root with systemd, dbus, pamtester and the package"
	tail -20 "$work/sd-install.log" | sed 's/^/# /'
	finish
fi
rm -f "$sd/root/usr/sbin/policy-rc.d"
find /sys/fs/cgroup -maxdepth 2 -mindepth 2 -type d 2>/dev/null | LC_ALL=C sort >"$work/cgroups.before"
[ -e /run/systemd/nspawn ] && : >"$work/had-nspawn-dir"
systemd-nspawn -q -D "$sd/root" --register=no --keep-unit --private-network \
	-b --console=pipe >"$work/nspawn.log" 2>&1 &
nspid=$!
leader=
i=0
while [ $i -lt 300 ] && [ -z "$leader" ]; do
	# the container's init is nspawn's child
	leader=$(pgrep -x -P "$nspid" systemd 2>/dev/null | head -1) || leader=
	sleep 0.2
	i=$((i + 1))
done
# sdin COMMAND...: run it inside the booted container
sdin() {
	nsenter -t "$leader" -a /usr/bin/env -i LC_ALL=C.UTF-8 \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
state=
i=0
while [ -n "$leader" ] && [ $i -lt 120 ]; do
	state=$(sdin systemctl is-system-running 2>/dev/null) || true
	case $state in running | degraded) break ;; esac
	sleep 0.5
	i=$((i + 1))
done
ok "$(st test "$state" = running -o "$state" = degraded)" \
	"systemd-nspawn -b: systemd 252 boots the root (state: ${state:-none})"
[ "$state" = degraded ] && sdin systemctl --failed --no-legend --plain | sed 's/^/# failed unit: /'
if [ -z "$leader" ]; then
	tail -20 "$work/nspawn.log" | sed 's/^/# nspawn: /'
	finish
fi
# sdt DESCRIPTION COMMAND...: a case run inside the container
sdt() {
	d=$1
	shift
	if sdin "$@" >"$work/sd.out" 2>&1; then ok 0 "$d"; else
		ok 1 "$d"
		sed 's/^/#   /' "$work/sd.out" | head -20
		sdin journalctl -u userauthd -n 15 --no-pager 2>&1 | sed 's/^/#   journal: /'
	fi
}
sdt "userauthd.service was enabled by the package and started at boot" sh -c \
	'systemctl is-enabled userauthd && systemctl is-active userauthd'
sdt "  ... as Type=notify: systemd took its READY=1" sh -c \
	'[ "$(systemctl show -p Type --value userauthd)" = notify ] &&
	 journalctl -u userauthd --no-pager | grep -q "Started userauthd.service"'
sdt "  ... its stderr is in the journal (-f) with each line's priority" sh -c \
	'journalctl -u userauthd -p notice..notice -o cat --no-pager | grep -q "^userauthd [0-9.]* serving 1 pool" &&
	 journalctl -u userauthd -p info..info -o cat --no-pager | grep -q "^mailer: sending through"'
sdt "  ... the daemon runs as userauth with no capability left" sh -c \
	'p=$(systemctl show -p MainPID --value userauthd);
	 grep -q "^Uid:[[:space:]]*$(id -u userauth)[[:space:]]" /proc/$p/status &&
	 grep -q "^CapEff:[[:space:]]*0000000000000000$" /proc/$p/status'
sdt "  ... its bounding set is the unit's four capabilities" sh -c \
	'p=$(systemctl show -p MainPID --value userauthd);
	 [ "$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/$p/status)" = 00000000000000c3 ]'
sdt "sandboxed: provision alice (sqlite under ProtectSystem=strict)" sh -c \
	'userauthctl user add default alice --email alice@example.com &&
	 printf "Correct-Horse-9\n" | userauthctl passwd alice --stdin'
printf 'auth required pam_userauth.so pool=default\naccount required pam_userauth.so pool=default\n' \
	>"$sd/root/etc/pam.d/ua-direct"
sdt "  ... alice logs in through the sandboxed daemon (pamtester)" sh -c \
	'printf "Correct-Horse-9\n" | pamtester ua-direct alice authenticate acct_mgmt'
sdt "  ... and the NSS cache it publishes answers getent" sh -c \
	'userauth-nsswitch enable >/dev/null && getent passwd alice'
sdt "systemctl reload: SIGHUP, the configuration reloaded, still active" sh -c \
	'systemctl reload userauthd && sleep 1 && systemctl is-active userauthd &&
	 journalctl -u userauthd --no-pager | grep -q "configuration reloaded"'
sdt "kill -9: Restart=on-failure brings it back with a new pid" sh -c \
	'p=$(systemctl show -p MainPID --value userauthd); kill -9 "$p"; i=0;
	 while [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1));
		q=$(systemctl show -p MainPID --value userauthd);
		[ "$q" != 0 ] && [ "$q" != "$p" ] && systemctl is-active userauthd && exit 0;
	 done; exit 1'
sdt "  ... and alice still logs in" sh -c \
	'sleep 1; printf "Correct-Horse-9\n" | pamtester ua-direct alice authenticate'
sdt "systemctl stop: inactive, its sockets removed" sh -c \
	'systemctl stop userauthd; ! systemctl is-active userauthd && ! test -e /run/userauth/public.sock'
sdin systemd-analyze security userauthd.service 2>/dev/null | tail -1 | sed 's/^/# inside: /'
sdin systemctl poweroff >/dev/null 2>&1 || true
i=0
while kill -0 "$nspid" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
ok "$(st sh -c '! kill -0 "$1" 2>/dev/null' sh "$nspid")" "the container powers off"
wait "$nspid" 2>/dev/null || true
nspawn_tidy
finish
