#!/bin/sh
# SPDX-License-Identifier: MIT
# test_nss_reader again, on the other kind of file system than the plain
# run's $TMPDIR (or /tmp): on a fresh tmpfs when that is a disk file system,
# on the build tree's disk when it is a tmpfs.  Caches under /run (tmpfs)
# and /var/cache (disk) are both admin choices; inode numbers and timestamp
# granularity differ between the two.  Prints the binary's TAP.
set -u
: "${top_builddir:?top_builddir must be set}"
bin=$top_builddir/tests/unit/test_nss_reader
fstype() { stat -f -c %T "$1" 2>/dev/null || echo unknown; }

plain=${TMPDIR:-/tmp}
case $(fstype "$plain") in
tmpfs)
	dir=$(mktemp -d "$top_builddir/tests/unit/nss-reader-disk.XXXXXX") || exit 1
	trap 'rm -rf "$dir"' EXIT
	echo "# plain run's $plain is tmpfs; this run: $dir on $(fstype "$dir")"
	TMPDIR=$dir "$bin"
	;;
*)
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "1..0 # SKIP $plain is $(fstype "$plain"); a tmpfs mount needs root"
		exit 0
	fi
	dir=$(mktemp -d "$plain/ua-reader-tmpfs.XXXXXX") || exit 1
	trap 'rm -rf "$dir"' EXIT
	echo "# plain run's $plain is $(fstype "$plain"); this run: a tmpfs at $dir"
	unshare -m sh -c 'mount -t tmpfs -o mode=0755 ua-reader "$1" &&
		TMPDIR=$1 exec "$2"' sh "$dir" "$bin"
	;;
esac
