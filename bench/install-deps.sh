#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what the benchmarks need on Debian 12: the project's test
# dependencies, then SSSD (sssd-common, libnss-sss) as a peer for the NSS
# section, and Postfix as the local SMTP server of the mail section (which
# runs its own instance in private namespaces with its own main.cf; the
# host's Postfix is installed unconfigured and never started).  SSSD's maintainer scripts reconfigure the host (they add "sss"
# to /etc/nsswitch.conf and may run pam-auth-update); the benchmarks only
# use SSSD inside a private mount namespace, so that is undone here, and no
# sssd daemon is left running.  Postfix is not installed where it would
# replace another MTA (the mail section then skips its Postfix rows).  Run
# as root; safe to re-run.
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
had_postfix=""
dpkg -s postfix >/dev/null 2>&1 && had_postfix=1
# The postfix postinst creates /etc/aliases whatever the debconf answer.
had_aliases=""
[ -e /etc/aliases ] && had_aliases=1
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
if [ -z "$had_postfix" ]; then
	# Postfix conflicts with every other MTA: where apt would remove one,
	# that is the admin's mail set-up, so leave it and do without Postfix.
	if apt-get install -s -q --no-install-recommends postfix 2>/dev/null |
		grep -q '^Remv '; then
		echo "bench/install-deps.sh: not installing postfix: it would" \
			"replace this host's MTA" >&2
	else
		# "No configuration": the postinst writes no main.cf, touches
		# neither /etc/aliases nor /etc/mailname; the bench writes its
		# own main.cf in a scratch dir.
		echo "postfix postfix/main_mailer_type select No configuration" |
			debconf-set-selections
		apt-get install -y -q --no-install-recommends postfix || rc=$?
	fi
fi
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
# The same for Postfix; without systemd as PID 1 its SysV script is the
# boot path, so update-rc.d disables that.  policy-rc.d kept the postinst
# from starting it; "postfix status" finds a master it may still have
# started anyway (by its pid file, so nothing else is touched).
if [ -z "$had_postfix" ] && dpkg -s postfix >/dev/null 2>&1; then
	if [ -d /run/systemd/system ]; then
		systemctl stop postfix.service >/dev/null 2>&1 || true
	elif [ -f /etc/postfix/main.cf ] && postfix status >/dev/null 2>&1; then
		postfix stop >/dev/null 2>&1 || true
	fi
	command -v systemctl >/dev/null 2>&1 &&
		{ systemctl disable postfix.service >/dev/null 2>&1 || true; }
	update-rc.d postfix disable >/dev/null 2>&1 || true
	# Only the postinst's own one-line file: anything else is an admin's.
	if [ -z "$had_aliases" ] && [ -f /etc/aliases ] &&
		[ "$(grep -cv '^#' /etc/aliases)" -le 1 ] &&
		grep -q '^postmaster: *root$' /etc/aliases; then
		rm -f /etc/aliases /etc/aliases.db
		echo "bench/install-deps.sh: removed the /etc/aliases postfix created"
	fi
fi
exit $rc
