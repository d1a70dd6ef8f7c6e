#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what building and testing userauth needs on Debian 12, and the
# userauth system user the daemon drops to.  Run as root; safe to re-run.
#
# It changes nothing else on the host: no service is started (a policy-rc.d
# refuses starts for the length of the install) and no service the install
# enabled stays enabled; no existing PAM stack is edited (profiles that
# pam-auth-update added for newly installed packages are taken out again);
# /etc/nsswitch.conf is left alone.  The state before and after is recorded
# under _build/host-state/ in this checkout and compared: if anything but the
# packages' own new files changed, this script says what and exits 1.  The
# suite compares the host with the "after" record once more at its end.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get and useradd)" >&2
	exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
state=$src/_build/host-state
hoststate="sh $here/hoststate.sh"
export DEBIAN_FRONTEND=noninteractive

mkdir -p "$state"
$hoststate save "$state/before"
dpkg-query -W -f '${Package}\n' 2>/dev/null | LC_ALL=C sort -u >"$state/packages-before"

# No service starts while we install (invoke-rc.d asks policy-rc.d; 101 =
# action forbidden).  An existing policy-rc.d is put back afterwards.
prc=/usr/sbin/policy-rc.d
saved=
restore_policy() {
	rm -f "$prc"
	if [ -n "$saved" ]; then mv "$saved" "$prc"; fi
}
if [ -e "$prc" ] || [ -L "$prc" ]; then
	saved=$prc.userauth-install-deps
	mv "$prc" "$saved"
fi
trap restore_policy EXIT
trap 'exit 130' INT TERM
printf '#!/bin/sh\n# userauth install-deps.sh: no service starts during the install\nexit 101\n' >"$prc"
chmod 0755 "$prc"

# npm: Debian's, unless the installed nodejs brings its own (a NodeSource
# build provides npm and conflicts with Debian's package).
npm=npm
if command -v npm >/dev/null 2>&1; then npm=; fi
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config make \
	libpam0g-dev libssl-dev libcurl4-openssl-dev libjansson-dev \
	liboath-dev oathtool libqrencode-dev libsqlite3-dev sqlite3 libcrypt-dev \
	libcmocka-dev libpam-wrapper libnss-wrapper libpamtest0-dev pamtester \
	python3 python3-aiosmtpd python3-paramiko python3-cryptography nodejs $npm \
	libpam-pwquality cracklib-runtime \
	openssh-server openssh-client expect faketime fiu-utils nscd \
	mandoc clang-format-14 clang-14 iproute2 netcat-openbsd curl util-linux passwd \
	ca-certificates openssl sudo \
	systemd systemd-container debhelper dpkg-dev lintian debootstrap git

restore_policy
saved=
trap - EXIT

dpkg-query -W -f '${Package}\n' 2>/dev/null | LC_ALL=C sort -u >"$state/packages-after"
LC_ALL=C comm -13 "$state/packages-before" "$state/packages-after" >"$state/packages-new"

# Services the install enabled: take their new links out again (systemd's
# wants/ links and SysV rc links), so nothing starts at the next boot that
# did not start before.  Links that were there before are left alone.
$hoststate save "$state/installed"
LC_ALL=C comm -13 "$state/before/enabled" "$state/installed/enabled" |
	while IFS= read -r line; do
		link=${line%% -> *}
		echo "install-deps.sh: not enabling what the install enabled: /$link"
		rm -f "/$link"
	done

# PAM profiles that pam-auth-update enabled for a package installed just now
# (libpam-pwquality adds pam_pwquality to common-password) are taken out
# again: the host's stacks stay as they were.
if command -v pam-auth-update >/dev/null 2>&1 && [ -d /usr/share/pam-configs ]; then
	for prof in /usr/share/pam-configs/*; do
		[ -f "$prof" ] || continue
		pkg=$(dpkg-query -S "$prof" 2>/dev/null | sed -n '1s/:.*//p')
		[ -n "$pkg" ] || continue
		if grep -qx "$pkg" "$state/packages-new"; then
			echo "install-deps.sh: leaving the host's PAM stacks alone: pam-auth-update --remove $(basename "$prof")"
			pam-auth-update --package --remove "$(basename "$prof")"
		fi
	done
fi

# The daemon's unprivileged account (a package's postinst would do this).
if ! getent passwd userauth >/dev/null; then
	useradd --system --user-group --home-dir /nonexistent \
		--no-create-home --shell /usr/sbin/nologin userauth
fi

# Check: apart from files the new packages brought (their own PAM service
# files such as /etc/pam.d/sshd), nothing that was recorded changed.
$hoststate save "$state/after"
bad=0
for part in enabled running ports; do
	if ! diff -u "$state/before/$part" "$state/after/$part" >"$state/diff.$part"; then
		echo "install-deps.sh: the host's $part changed:" >&2
		grep '^[-+][^-+]' "$state/diff.$part" >&2 || true
		bad=1
	fi
done
LC_ALL=C comm -3 "$state/before/config" "$state/after/config" |
	while IFS= read -r line; do
		case $line in
		"	"*)	# only after: a new file, allowed if a new package owns it
			path=/$(printf '%s\n' "$line" | sed 's/^	//; s/ .*//')
			pkg=$(dpkg-query -S "$path" 2>/dev/null | sed -n '1s/:.*//p')
			if [ -n "$pkg" ] && grep -qx "$pkg" "$state/packages-new" &&
				! grep -q "^${path#/} " "$state/before/config"; then
				echo "install-deps.sh: new file of package $pkg: $path"
				continue
			fi
			echo "install-deps.sh: changed on the host: $path" >&2
			echo bad >>"$state/config-bad"
			;;
		*)
			echo "install-deps.sh: changed or removed on the host: /${line%% *}" >&2
			echo bad >>"$state/config-bad"
			;;
		esac
	done
if [ -s "$state/config-bad" ]; then
	rm -f "$state/config-bad"
	diff -ru "$state/before/files" "$state/after/files" >&2 || true
	bad=1
fi
rm -f "$state/config-bad"
if [ "$bad" -ne 0 ]; then
	echo "install-deps.sh: the host's PAM, NSS or service state changed (see above); records in $state" >&2
	exit 1
fi
echo "install-deps.sh: done; the host's PAM stacks, nsswitch.conf and services are as they were"
