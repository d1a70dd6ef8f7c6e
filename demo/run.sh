#!/bin/sh
# SPDX-License-Identifier: MIT
# The demo: builds userauth, then inside a private mount namespace (nothing
# on this machine changes) starts userauthd on an embedded SQLite pool,
# creates pool users and groups with userauthctl, and shows them as Unix
# accounts through the NSS module: getent, id.  Then SSH: an SMTP sink that
# prints each mail here, and sshd on 127.0.0.1:2222 with the project's PAM
# stack (its program name, and so its PAM service, is sshd-userauth).  One
# scripted login as alice answers the emailed code; then it waits for your
# own logins from another terminal until Ctrl-C.
#
# Usage: sh demo/run.sh [--once]
#   --once  exit (cleaning up everything) after the scripted login
# Environment:
#   UA_DEMO_BUILDDIR   use this build tree as it is (no build): the tests
#                      run the demo against their own build this way
#   UA_DEMO_SSH_PORT   sshd's port on 127.0.0.1 (default 2222)
#   UA_DEMO_SMTP_PORT  the SMTP sink's port on 127.0.0.1 (default 2525)
set -eu
once=
for arg in "$@"; do
	case $arg in
	--once) once=1 ;;
	-h | --help)
		sed -n '12,18s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "usage: sh demo/run.sh [--once]" >&2
		exit 2
		;;
	esac
done
PY=/usr/bin/python3
SSHD=/usr/sbin/sshd
SSH_PORT=${UA_DEMO_SSH_PORT:-2222}
SMTP_PORT=${UA_DEMO_SMTP_PORT:-2525}
SERVICE=sshd-userauth
die() {
	echo "demo/run.sh: $*" >&2
	exit 1
}
if [ -n "${UA_DEMO_BUILDDIR:-}" ]; then
	UA_DEMO_BUILDDIR=$(cd "$UA_DEMO_BUILDDIR" && pwd) ||
		die "UA_DEMO_BUILDDIR: no such directory"
	export UA_DEMO_BUILDDIR
fi
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
if [ "$(id -u)" -ne 0 ]; then
	die "run as root (it uses a private mount namespace)"
fi
if [ -z "${UA_IN_NS:-}" ]; then
	# What the SSH part needs, before a long build.
	need="(sh tests/tools/install-deps.sh installs it)"
	[ -x "$SSHD" ] || die "needs $SSHD, from openssh-server $need"
	getent passwd sshd >/dev/null ||
		die "needs the sshd privilege separation user $need"
	command -v ssh-keygen >/dev/null || die "needs ssh-keygen $need"
	$PY -c 'import paramiko' 2>/dev/null ||
		die "needs python3-paramiko for $PY $need"
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		die "needs python3-aiosmtpd for $PY $need"
	getent passwd userauth >/dev/null ||
		die "needs the userauth system user $need"
	for p in "$SSH_PORT" "$SMTP_PORT"; do
		if $PY -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$p" \
			2>/dev/null; then
			die "something already listens on 127.0.0.1:$p" \
				"(set UA_DEMO_SSH_PORT / UA_DEMO_SMTP_PORT)"
		fi
	done
	if [ -n "${UA_DEMO_BUILDDIR:-}" ]; then
		if [ ! -x "$UA_DEMO_BUILDDIR/userauthd" ] ||
			[ ! -f "$UA_DEMO_BUILDDIR/pam_userauth/.libs/pam_userauth.so" ]; then
			die "UA_DEMO_BUILDDIR=$UA_DEMO_BUILDDIR is not a built tree"
		fi
		echo "== using the build in $UA_DEMO_BUILDDIR"
	else
		echo "== building userauth (log: _build/demo/build.log)"
		[ -x configure ] || autoreconf -fi >/dev/null 2>&1
		mkdir -p _build/demo
		(cd _build/demo && { [ -f Makefile ] || "$src/configure" -q; } &&
			make -j"$(nproc)" >build.log 2>&1) || {
			tail -30 _build/demo/build.log
			exit 1
		}
	fi
	UA_IN_NS=1 exec unshare -m --propagation private sh "$src/demo/run.sh" "$@"
fi

top_srcdir=$src
top_builddir=${UA_DEMO_BUILDDIR:-$src/_build/demo}
export top_srcdir top_builddir
. "$src/tests/integration/lib.sh"
ua_scratch
SSHD_PID=
# sshd's per-connection children outlive the listener: end them too.
# Without set -e: lib.sh's cleanup kills PIDs that may be gone already.
demo_cleanup() {
	set +e
	[ "$(exec sh -c 'echo $PPID')" = "$UA_MAIN_PID" ] || return 0
	if [ -n "$SSHD_PID" ]; then
		pkill -TERM -P "$SSHD_PID" 2>/dev/null || :
	fi
	ua_cleanup
}
trap demo_cleanup EXIT
ua_nss_setup
# Home directories on a tmpfs that only this namespace sees.
mount -t tmpfs -o mode=0755 tmpfs /home
ua_write_conf <<CONF
[mail]
smtp_url = smtp://127.0.0.1:$SMTP_PORT

[defaults]
shell = /bin/bash

[pool customer]
uid_min = 200000
uid_max = 209999
gid_min = 300000
gid_max = 309999
mail_from = signin@example.com
# A demo logs in again and again: no pause between two codes.
otp_resend_cooldown = 0

[pool staff]
uid_min = 210000
uid_max = 219999
gid_min = 310000
gid_max = 319999
first_factors = password
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
for u in alice bob sam; do
	mkdir -m 0700 "/home/$u" && chown "$u:$u" "/home/$u"
done
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

echo "== an SMTP sink on 127.0.0.1:$SMTP_PORT that shows each mail here"
$PY "$src/tests/tools/smtpsink.py" --port "$SMTP_PORT" --maildir "$TB/mail" \
	--print >"$TB/sink.out" &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q '^listening' "$TB/sink.out" ||
	die "the SMTP sink did not start: $(cat "$TB/sink.out")"
echo "== userauthd again, now mailing codes through the sink"
ua_start_daemon || { cat "$TB/daemon.log"; exit 1; }

echo "== sshd on 127.0.0.1:$SSH_PORT as '$SERVICE' (its PAM service; log: $TB/sshd.log)"
mkdir -p "$TB/ssh/pam.d"
if [ -n "${UA_DEMO_BUILDDIR:-}" ]; then
	hostkey=$TB/ssh/hostkey
else
	# Kept, so that ssh knows the host on the next run.
	hostkey=$src/_build/demo/ssh_host_ed25519_key
fi
[ -f "$hostkey" ] || ssh-keygen -q -t ed25519 -N '' -C userauth-demo \
	-f "$hostkey" </dev/null
ln -s "$SSHD" "$TB/ssh/$SERVICE"
args="pool=customer socket=$TB/run/public.sock"
mod=$top_builddir/pam_userauth/.libs/pam_userauth.so
cat >"$TB/ssh/pam.d/$SERVICE" <<EOF
auth     required $mod $args
account  required $mod $args
session  required $mod $args
EOF
printf '%s required pam_deny.so\n' auth account session password \
	>"$TB/ssh/pam.d/other"
cat >"$TB/ssh/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $hostkey
PidFile $TB/ssh/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
PermitRootLogin no
PrintMotd no
UseDNS no
EOF
# Only this namespace sees these: the stack, and a /run for sshd's
# privilege separation directory.
mount --bind "$TB/ssh/pam.d" /etc/pam.d
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -m 0755 /run/sshd
run cat "/etc/pam.d/$SERVICE"
"$TB/ssh/$SERVICE" -t -f "$TB/ssh/sshd_config"
"$TB/ssh/$SERVICE" -D -e -f "$TB/ssh/sshd_config" >"$TB/sshd.log" 2>&1 &
SSHD_PID=$!
UA_PIDS="$UA_PIDS $SSHD_PID"
ua_wait_for 100 grep -q "Server listening on 127.0.0.1 port $SSH_PORT" \
	"$TB/sshd.log" || { cat "$TB/sshd.log"; die "sshd did not start"; }

echo "== a scripted SSH login as alice: keyboard-interactive, answered by"
echo "   tests/tools/sshlogin.py (paramiko) with the code from the mail"
echo "\$ ssh -p $SSH_PORT alice@127.0.0.1 id"
if ! $PY "$src/tests/tools/sshlogin.py" --port "$SSH_PORT" --user alice \
	--email alice@example.com --maildir "$TB/mail" --show --command id; then
	echo "== the login failed; the end of sshd's and userauthd's logs:"
	tail -20 "$TB/sshd.log" "$TB/daemon.log"
	exit 1
fi
uactl mailq
if [ -n "$once" ]; then
	echo "== demo done (everything lived in $TB and a private namespace)"
	exit 0
fi
trap 'echo; echo "== stopping (everything lived in $TB and a private namespace)"; exit 0' INT TERM
cat <<EOF
== sshd keeps running. From another terminal on this machine, log in as a
   pool user who exists only through NSS; the code mail shows up here:

     ssh -p $SSH_PORT alice@127.0.0.1
     ssh -p $SSH_PORT bob@127.0.0.1

   Press Ctrl-C here to stop sshd, the sink and userauthd.
EOF
wait "$SSHD_PID" || :
echo "== sshd exited; the end of its log:"
tail -20 "$TB/sshd.log"
exit 1
