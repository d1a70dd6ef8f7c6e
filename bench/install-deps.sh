#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what the benchmarks need on Debian 12: the project's test
# dependencies, then SSSD (sssd-common, libnss-sss) as a peer for the NSS
# section.  SSSD's maintainer scripts reconfigure the host (they add "sss"
# to /etc/nsswitch.conf and may run pam-auth-update); the benchmarks only
# use SSSD inside a private mount namespace, so that is undone here, and no
# sssd daemon is left running.  Run as root; safe to re-run.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/install-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
here=$(dirname "$0")
sh "$here/../tests/tools/install-deps.sh"

export DEBIAN_FRONTEND=noninteractive
# Installed before us?  Then its services are the admin's: leave them.
had_sssd=""
dpkg -s sssd-common >/dev/null 2>&1 && had_sssd=1
saved=$(mktemp /tmp/nsswitch.conf.XXXXXX)
trap 'rm -f "$saved"' EXIT
# cp -p keeps mode and owner for the restore below.
cp -p /etc/nsswitch.conf "$saved"
# policy-rc.d 101: the postinst must not start the daemon on the host.
prc=/usr/sbin/policy-rc.d
prc_ours=""
if [ ! -e "$prc" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$prc"
	chmod 755 "$prc"
	prc_ours=1
fi
rc=0
apt-get install -y -q --no-install-recommends sssd-common libnss-sss || rc=$?
[ -n "$prc_ours" ] && rm -f "$prc"
# Put the host's name service back as it was, whatever apt did.
if ! cmp -s "$saved" /etc/nsswitch.conf; then
	cat "$saved" >/etc/nsswitch.conf
	echo "bench/install-deps.sh: restored /etc/nsswitch.conf"
fi
if dpkg -s libpam-sss >/dev/null 2>&1 && command -v pam-auth-update \
	>/dev/null 2>&1; then
	pam-auth-update --package --remove sss
fi
# Newly installed: stop what the postinst may have started and keep it
# from starting at boot (systemctl disable works without a running
# systemd; stop only with one).
if [ -z "$had_sssd" ] && command -v systemctl >/dev/null 2>&1; then
	[ -d /run/systemd/system ] && systemctl stop sssd.service \
		sssd-nss.socket sssd-pam.socket sssd-pam-priv.socket \
		sssd-autofs.socket sssd-ssh.socket sssd-sudo.socket \
		sssd-pac.socket >/dev/null 2>&1 || true
	systemctl disable sssd.service >/dev/null 2>&1 || true
fi
exit $rc
