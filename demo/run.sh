#!/bin/sh
# SPDX-License-Identifier: MIT
# The demo: builds userauth, then inside a private mount namespace (nothing
# on this machine changes) starts userauthd on an embedded SQLite pool,
# creates pool users and groups with userauthctl, and shows them as Unix
# accounts through the NSS module: getent, id.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
if [ "$(id -u)" -ne 0 ]; then
	echo "demo/run.sh: run as root (it uses a private mount namespace)" >&2
	exit 1
fi
if [ -z "${UA_IN_NS:-}" ]; then
	echo "== building userauth (log: _build/demo/build.log)"
	[ -x configure ] || autoreconf -fi >/dev/null 2>&1
	mkdir -p _build/demo
	(cd _build/demo && { [ -f Makefile ] || "$src/configure" -q; } &&
		make -j"$(nproc)" >build.log 2>&1) || {
		tail -30 _build/demo/build.log
		exit 1
	}
	UA_IN_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi

top_srcdir=$src
top_builddir=$src/_build/demo
export top_srcdir top_builddir
. "$src/tests/integration/lib.sh"
ua_scratch
ua_nss_setup
ua_write_conf <<'CONF'
[defaults]
shell = /bin/bash

[pool customer]
uid_min = 200000
uid_max = 209999
gid_min = 300000
gid_max = 309999

[pool staff]
uid_min = 210000
uid_max = 219999
gid_min = 310000
gid_max = 319999
CONF
run() { echo "\$ $*"; "$@"; }
echo "== configuration ($TB/etc/userauth.conf)"
run "$top_builddir/userauthd" -t -c "$TB/etc/userauth.conf"
echo "== starting userauthd (drops to user 'userauth'; log: $TB/daemon.log)"
ua_start_daemon || { cat "$TB/daemon.log"; exit 1; }
echo "== provisioning with userauthctl"
uactl() { run "$top_builddir/userauthctl" -s "$TB/run/admin.sock" "$@"; }
uactl pool list
uactl group add customer developers
uactl group add customer partners
uactl group add staff ops
uactl user add customer alice --email Alice@Example.com --name "Alice Liddell" --group developers
uactl user add customer bob --email bob@example.net --group partners
uactl user add staff sam --email sam@example.org --name "Sam Ops" --group ops
printf 'correct horse battery\n' | uactl passwd sam --stdin
uactl user list
echo "== the same users through NSS (no socket: the mmap'ed cache)"
run getent passwd alice bob sam
run getent passwd alice@example.com
run getent group developers partners ops
run id alice
run id sam
echo "== the daemon stops; NSS keeps answering from the cache"
ua_stop_daemon
run getent passwd bob
run id -nG alice
echo "== demo done (everything lived in $TB and a private namespace)"
