#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's commands the way a newcomer meets them: a minimal Debian 12
# (debootstrap --variant=minbase: no compiler, no Python, no sudo, no
# daemons, empty apt lists), a fresh clone of this checkout's HEAD in
# /root/src (mode 0700), /tmp on tmpfs, and the command run as root in a
# chroot inside private mount and PID namespaces.  Nothing of the host is
# changed: the root lives in a scratch dir that is removed afterwards
# (--keep keeps it).  Needs root, debootstrap and a Debian mirror.
#
#   sh tests/tools/fresh-debian.sh [--tarball FILE] [--keep] [COMMAND]
#
# COMMAND defaults to the README's test command; "demo" runs the demo
# command with --once.  --tarball takes a minbase root made earlier
# (tar -C DIR -czf FILE root) instead of running debootstrap.  Exits with
# the command's status; its output goes to stdout.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
tarball=
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--tarball) tarball=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--) shift; break ;;
	-*) echo "usage: fresh-debian.sh [--tarball FILE] [--keep] [COMMAND]" >&2; exit 2 ;;
	*) break ;;
	esac
done
cmd=${1:-'sh tests/tools/install-deps.sh && sh tests/run-all.sh'}
[ "$cmd" = demo ] && cmd='sh tests/tools/install-deps.sh && sh demo/run.sh --once'
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian.sh: needs root" >&2; exit 2; }
mirror=${UA_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

work=$(mktemp -d /var/tmp/ua-fresh.XXXXXX)
cleanup() { [ -n "$keep" ] && echo "# kept: $work/root" >&2 || rm -rf "$work"; }
trap cleanup EXIT
root=$work/root
if [ -n "$tarball" ]; then
	tar -C "$work" -xzf "$tarball"
else
	command -v debootstrap >/dev/null ||
		{ echo "fresh-debian.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
	debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; exit 1; }
fi
rm -rf "$root"/var/lib/apt/lists/*
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The host's own extra CAs (on these machines: the TLS-intercepting egress
# proxy's), so that HTTPS to a registry (npm, for the AWS SDK check) works
# from the chroot as from the host.  A machine on a plain network needs
# none.  ca-certificates, when install-deps.sh installs it, adds them to
# the bundle; NODE_EXTRA_CA_CERTS points node at that bundle, as the host
# environment does.
extra_ca=
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt \
		"$root/usr/local/share/ca-certificates/"
	extra_ca="NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
	echo "# the host's extra CAs copied into the root: $(ls /usr/local/share/ca-certificates/ | tr '\n' ' ')"
fi
for t in gcc python3 sudo sshd; do
	if chroot "$root" sh -c "command -v $t" >/dev/null 2>&1; then
		echo "fresh-debian.sh: the root is not minimal: it has $t" >&2
		exit 1
	fi
done
git clone -q "file://$src" "$root/root/src"
chmod 0700 "$root/root" "$root/root/src"
echo "# fresh root: $root; clone of $(git -C "$src" rev-parse --short HEAD) in /root/src (0700); /tmp on tmpfs"
echo "# command: $cmd"
unshare -m -p -f --propagation private sh -c '
	r=$1
	# a mount point, as / is on a real machine (unshare -m in the tests
	# sets the propagation of /, which a plain directory cannot have)
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount --rbind /dev "$r/dev"
	mount --rbind /sys "$r/sys"
	mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
	mount -t tmpfs -o mode=0755 tmpfs "$r/run"
	exec chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb $3 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "cd /root/src && $2"
' sh "$root" "$cmd" "$extra_ca"
