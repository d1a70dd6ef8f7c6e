#!/bin/sh
# SPDX-License-Identifier: MIT
# distfiles.sh TARBALL: the release tarball holds every file git tracks,
# but for the few that belong to the repository only (listed below with
# the reason).  make distcheck's inner pass runs the unit tests; this is
# what proves that the scripts it skips would find their files in a
# tarball.  (That every test script is run at all is tests/lint/orphans.sh.)
set -eu
tarball=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$tarball" ] || { echo "distfiles.sh: no tarball $tarball" >&2; exit 1; }
if [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" != "$src" ]; then
	echo "distfiles.sh: $src is not the top of a git checkout: nothing to compare" >&2
	exit 1
fi
# Repository only: git's files, the Debian packaging (a
# packager's debian/ is not part of the upstream tarball), and the tools
# that start from a git clone rather than a tarball.
repo_only='^(\.gitignore|build-aux/\.keep|debian/.*|tests/tools/fresh-debian\.sh|tests/pkg/deb-install\.sh|tests/tools/distfiles\.sh)$'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -tzf "$tarball" | sed 's|^[^/]*/||' | grep -v '/$' | LC_ALL=C sort >"$tmp/dist"
git -C "$src" ls-files | grep -Ev "$repo_only" | LC_ALL=C sort >"$tmp/git"
if [ ! -s "$tmp/git" ] || [ ! -s "$tmp/dist" ]; then
	echo "distfiles.sh: no tracked files or an empty tarball: nothing compared" >&2
	exit 1
fi
missing=$(LC_ALL=C comm -23 "$tmp/git" "$tmp/dist")
if [ -n "$missing" ]; then
	echo "tracked files missing from $tarball (add them to EXTRA_DIST, or delete them if nothing uses them):"
	echo "$missing" | sed 's/^/  /'
	exit 1
fi
echo "$tarball holds all $(wc -l <"$tmp/git") tracked files but the repository's own"
