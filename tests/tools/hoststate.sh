#!/bin/sh
# SPDX-License-Identifier: MIT
# What the README promises to leave alone on the host, recorded and compared:
# the PAM stacks (/etc/pam.d, /etc/pam.conf), /etc/nsswitch.conf, which
# services are enabled (systemd and SysV links), which are running (systemd's
# view where it runs) and which TCP/UDP ports are bound; and the entries at
# the top of /dev, of which none may go (new ones may come: the kernel makes
# them), since a test's scratch directory once reached the real /dev
# through a bind mount and its clean-up deleted the device nodes.
#
#   hoststate.sh save DIR       record the state into DIR (replaced)
#   hoststate.sh compare DIR    compare the host with DIR; exit 1 with a diff
#
# Needs only coreutils, findutils, diff and awk, so it runs on a fresh
# minimal Debian before anything is installed.  ROOT (default /) lets the
# tests point it at a throwaway tree.
set -eu
root=${HOSTSTATE_ROOT:-}

record() {	# record DIR
	d=$1
	rm -rf "$d"
	mkdir -p "$d"
	# File contents (and link targets) of the PAM and NSS configuration.
	for f in etc/pam.d etc/pam.conf etc/nsswitch.conf; do
		[ -e "$root/$f" ] || continue
		(cd "$root/" && find "$f" \( -type f -o -type l \) -print) |
			LC_ALL=C sort | while IFS= read -r p; do
				if [ -L "$root/$p" ]; then
					printf '%s -> %s\n' "$p" "$(readlink "$root/$p")"
				else
					printf '%s %s\n' "$p" \
						"$(cksum <"$root/$p" | tr -s ' ' '_')"
				fi
			done
	done | LC_ALL=C sort >"$d/config"
	mkdir -p "$d/files"
	for f in etc/pam.d etc/pam.conf etc/nsswitch.conf; do
		if [ -e "$root/$f" ]; then cp -a "$root/$f" "$d/files/"; fi
	done
	# Enabled services: every link under systemd's and SysV's enablement
	# directories (what "systemctl enable" and update-rc.d create).
	for dir in etc/systemd/system etc/rc0.d etc/rc1.d etc/rc2.d etc/rc3.d \
		etc/rc4.d etc/rc5.d etc/rc6.d etc/rcS.d; do
		[ -d "$root/$dir" ] || continue
		(cd "$root/" && find "$dir" -type l -print) | while IFS= read -r p; do
			printf '%s -> %s\n' "$p" "$(readlink "$root/$p")"
		done
	done | LC_ALL=C sort >"$d/enabled"
	# Running services, where systemd runs.
	: >"$d/running"
	if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1 &&
		[ -d /run/systemd/system ]; then
		systemctl list-units --type=service --state=running --no-legend \
			--plain 2>/dev/null | awk '{print $1}' | LC_ALL=C sort >"$d/running"
	fi
	# Bound ports: TCP listeners and bound UDP sockets of this network
	# namespace (/proc/net; ss may not be installed yet).
	: >"$d/ports"
	if [ -z "$root" ]; then
		for t in tcp tcp6 udp udp6; do
			[ -r "/proc/net/$t" ] || continue
			awk -v t="$t" 'NR > 1 && ((t ~ /^tcp/ && $4 == "0A") ||
				(t ~ /^udp/ && $4 == "07")) { print t, $2 }' "/proc/net/$t"
		done | LC_ALL=C sort -u >"$d/ports"
	fi
	# The entries at the top of /dev (name and kind), not what is in them.
	: >"$d/dev"
	if [ -d "$root/dev" ]; then
		(cd "$root/dev" && find . -mindepth 1 -maxdepth 1 \
			\( -type c -printf 'char %P\n' \) -o \( -type b -printf 'block %P\n' \) \
			-o \( -type l -printf 'link %P\n' \) -o \( -type d -printf 'dir %P\n' \) \
			-o -printf 'other %P\n') | LC_ALL=C sort >"$d/dev"
	fi
}

case ${1:-} in
save)
	[ $# -eq 2 ] || { echo "usage: hoststate.sh save DIR" >&2; exit 2; }
	record "$2"
	;;
compare)
	[ $# -eq 2 ] || { echo "usage: hoststate.sh compare DIR" >&2; exit 2; }
	[ -f "$2/config" ] || { echo "hoststate.sh: no saved state in '$2'" >&2; exit 2; }
	now=$(mktemp -d)
	trap 'rm -rf "$now"' EXIT
	record "$now/s"
	rc=0
	for part in config enabled running ports; do
		if ! diff -u "$2/$part" "$now/s/$part" >"$now/diff" 2>&1; then
			echo "hoststate.sh: the host's $part changed since '$2' was saved:" >&2
			sed -n '3,$p' "$now/diff" | grep '^[-+]' >&2 || true
			rc=1
		fi
	done
	# /dev: only what went away counts (an older record has no list)
	if [ -f "$2/dev" ] &&
		LC_ALL=C comm -23 "$2/dev" "$now/s/dev" >"$now/gone" &&
		[ -s "$now/gone" ]; then
		echo "hoststate.sh: entries of the host's /dev are gone since '$2' was saved:" >&2
		sed 's/^/-/' "$now/gone" >&2
		rc=1
	fi
	if [ "$rc" -ne 0 ] && [ -d "$2/files" ]; then
		diff -ru "$2/files" "$now/s/files" >&2 || true
	fi
	exit "$rc"
	;;
*)
	echo "usage: hoststate.sh save|compare DIR" >&2
	exit 2
	;;
esac
