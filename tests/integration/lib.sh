# SPDX-License-Identifier: MIT
# Shared by the shell tests: TAP output, a scratch dir cleaned up on exit,
# a private mount namespace, and a real userauthd started from the build.
# Sourced with top_srcdir and top_builddir exported (make check does this).

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
# make distcheck's inner check (tests/run-all.sh sets UA_LIGHT=distcheck
# for it alone) builds and runs the unit tests from the tarball; these
# scripts ran in both full passes, and tests/tools/distfiles.sh proves the
# tarball holds every tracked file.
if [ "${UA_LIGHT:-}" = distcheck ]; then
	echo "1..0 # SKIP the light pass of make distcheck (run in the full passes)"
	exit 0
fi
UA_TESTS=0
UA_FAILED=0
UA_PIDS=""

# ok COND-EXIT-STATUS DESCRIPTION: record one test case.
ok() {
	UA_TESTS=$((UA_TESTS + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $UA_TESTS - $2"
	else
		UA_FAILED=$((UA_FAILED + 1))
		echo "not ok $UA_TESTS - $2"
		# the daemon's last words when it failed (the scratch directory
		# goes at the end: a failure seen once in a full run leaves
		# something to read)
		if [ "$UA_FAILED" -le 3 ] && [ -n "${TB:-}" ] && [ -s "$TB/daemon.log" ]; then
			echo "# the last lines of $TB/daemon.log at this failure:"
			tail -n 25 "$TB/daemon.log" | sed 's/^/#   /'
		fi
	fi
}

# check DESCRIPTION COMMAND...: run it, pass when it exits 0.
check() {
	desc=$1
	shift
	if "$@" >"$TB/last.out" 2>"$TB/last.err"; then ok 0 "$desc"; else
		ok 1 "$desc"
		sed 's/^/# /' "$TB/last.out" "$TB/last.err" | head -20
	fi
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

ua_finish() {
	echo "1..$UA_TESTS"
}

ua_cleanup() {
	# dash may run an EXIT trap in a subshell (a pipeline or $(...)):
	# only the test's own shell cleans up.
	[ "$(exec sh -c 'echo $PPID')" = "$UA_MAIN_PID" ] || return 0
	for p in $UA_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $UA_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$UA_FAILED" -gt 0 ] && [ -n "${TB:-}" ] && [ -s "$TB/daemon.log" ]; then
		echo "# the last lines of $TB/daemon.log at the end:"
		tail -n 25 "$TB/daemon.log" | sed 's/^/#   /'
	fi
	[ -n "${TB:-}" ] && [ -z "${UA_KEEP:-}" ] && rm -rf "$TB"
}

# Re-run the calling script inside a private mount namespace as root; skip
# the whole script (with the reason) where that is impossible.
ua_need_namespace() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for mount namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	if [ -z "${UA_IN_NS:-}" ]; then
		UA_IN_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@" ||
			skip_all "unshare -m failed"
	fi
}

# ua_need_tools TOOL...: skip the whole script unless each is on PATH.
ua_need_tools() {
	for ua_t in "$@"; do
		command -v "$ua_t" >/dev/null || skip_all "needs $ua_t"
	done
}

# ua_enter_netns "$@": re-run the calling script as root in private mount
# and network namespaces (skipping, with the reason, where that cannot
# be), then bring up its loopback.  Checks that only make sense outside
# (tools, Python modules) go before it.
ua_enter_netns() {
	if [ -z "${UA_IN_NS:-}" ]; then
		[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
		getent passwd userauth >/dev/null ||
			skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
		UA_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@" ||
			skip_all "unshare -m -n failed"
	fi
	ip link set lo up || skip_all "cannot bring up lo in the new namespace"
}

# ua_need_sshd: before ua_enter_netns, skip the whole script (with the
# reason) unless a real sshd can run here: the binary, its privilege
# separation user, paramiko for tests/tools/sshlogin.py, ssh-keygen, and
# the built module.
ua_need_sshd() {
	[ -z "${UA_IN_NS:-}" ] || return 0
	[ -x /usr/sbin/sshd ] || skip_all "needs /usr/sbin/sshd (openssh-server)"
	getent passwd sshd >/dev/null ||
		skip_all "needs sshd's privilege separation user"
	/usr/bin/python3 -c 'import paramiko' 2>/dev/null ||
		skip_all "needs python3-paramiko for /usr/bin/python3"
	ua_need_tools ssh-keygen ip
	[ -f "$top_builddir/pam_userauth/.libs/pam_userauth.so" ] ||
		skip_all "pam_userauth.so was not built (no PAM headers?)"
}

# A scratch dir the daemon user can traverse; removed at exit.
ua_scratch() {
	UA_MAIN_PID=$(exec sh -c 'echo $PPID')
	TB=$(mktemp -d /tmp/ua-test.XXXXXX)
	chmod 0755 "$TB"
	[ -n "${UA_KEEP:-}" ] && echo "# UA_KEEP: the scratch directory $TB is kept"
	trap ua_cleanup EXIT
	trap 'exit 1' INT TERM
}

# ua_reachable FILE: copy FILE into $TB/bin (0755) and print the copy's
# path.  Whatever runs or is loaded after a privilege drop (a non-root
# caller, a module inside a program run as a user) must not depend on where
# the checkout is: a clone under /root sits in a 0700 directory.
ua_reachable() {
	mkdir -p "$TB/bin" && chmod 0755 "$TB/bin" &&
		cp "$1" "$TB/bin/" && chmod 0755 "$TB/bin/${1##*/}" &&
		echo "$TB/bin/${1##*/}"
}

# Put the build's NSS module in front of glibc for this namespace:
# nsswitch.conf with "userauth" after files, /var/cache bound to a scratch
# dir (the module's compiled-in cache lives under it), and the module in an
# overlay over the libc dir so even environment-resetting programs see it.
ua_nss_setup() {
	mkdir -p "$TB/nss/lib" "$TB/varcache"
	cp "$top_builddir/nss_userauth/.libs/libnss_userauth.so.2" "$TB/nss/lib/"
	sed -E 's/^(passwd|group):.*/\1: files userauth/' /etc/nsswitch.conf \
		>"$TB/nss/nsswitch.conf"
	mount --bind "$TB/nss/nsswitch.conf" /etc/nsswitch.conf
	mount --bind "$TB/varcache" /var/cache
	libdir=/usr/lib/$(gcc -print-multiarch)
	mount -t overlay overlay -o "lowerdir=$TB/nss/lib:$libdir" "$libdir"
}

# Write a daemon config for pools in $TB; extra pool text from stdin.
ua_write_conf() {
	mkdir -p "$TB/etc"
	{
		echo "[daemon]"
		echo "runtime_dir = $TB/run"
		echo "state_dir = $TB/state"
		echo "nss_cache = /var/cache/userauth/nss.cache"
		cat
	} >"$TB/etc/userauth.conf"
	chmod 0644 "$TB/etc/userauth.conf"
}

# Start the daemon in the foreground (log in $TB/daemon.log); wait until
# it says it is serving (a socket file left by an earlier run is no sign).
# UA_DAEMON_WRAP: a command that execs it (e.g. "prlimit --nofile=30").
ua_start_daemon() {
	ua_served=$(grep -c ' serving [0-9]* pool' "$TB/daemon.log" 2>/dev/null)
	${UA_DAEMON_WRAP:-} "$top_builddir/userauthd" -f -d \
		-c "$TB/etc/userauth.conf" >>"$TB/daemon.log" 2>&1 &
	UA_DAEMON_PID=$!
	UA_PIDS="$UA_PIDS $UA_DAEMON_PID"
	i=0
	while [ $i -lt 200 ]; do
		[ -S "$TB/run/admin.sock" ] && [ -f /var/cache/userauth/nss.cache ] &&
			[ "$(grep -c ' serving [0-9]* pool' "$TB/daemon.log")" -gt "${ua_served:-0}" ] &&
			return 0
		kill -0 "$UA_DAEMON_PID" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

ua_stop_daemon() {
	kill "$UA_DAEMON_PID" 2>/dev/null
	wait "$UA_DAEMON_PID" 2>/dev/null
}

# userauthctl against the test daemon.
uactl() {
	"$top_builddir/userauthctl" -s "$TB/run/admin.sock" "$@"
}

# expect_rc CODE DESCRIPTION COMMAND...: pass when COMMAND exits with CODE.
# Its output stays in $TB/last.out and $TB/last.err for further checks.
expect_rc() {
	want=$1
	desc=$2
	shift 2
	"$@" >"$TB/last.out" 2>"$TB/last.err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok 0 "$desc"; else
		ok 1 "$desc (exit $got, wanted $want)"
		sed 's/^/# /' "$TB/last.out" "$TB/last.err" | head -20
	fi
}

# grep_last DESCRIPTION PATTERN: pass when the last command's output
# (stdout and stderr) matches the extended regex PATTERN.
grep_last() {
	if cat "$TB/last.out" "$TB/last.err" | grep -Eq -- "$2"; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/last.out" "$TB/last.err" | head -20
	fi
}

# --- login transcripts (tests that define conv: pamconv with their args) -----

# login NAME PAMCONV-ARGS...: transcript in $TB/tx.NAME; exit status kept.
login() {
	n=$1
	shift
	conv "$@" >"$TB/tx.$n" 2>&1
}

# tx_has / tx_lacks DESCRIPTION NAME TEXT: the transcript NAME holds TEXT,
# or does not.
tx_has() {
	if grep -qF -- "$3" "$TB/tx.$2"; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/tx.$2" | head -20
	fi
}
tx_lacks() {
	if grep -qF -- "$3" "$TB/tx.$2"; then
		ok 1 "$1"
		sed 's/^/# /' "$TB/tx.$2" | head -20
	else ok 0 "$1"; fi
}

# Stay clear of a 30 s TOTP step boundary, so that a code made now is
# checked in the same step.
mid_step() { while [ $(($(date +%s) % 30)) -gt 25 ]; do sleep 1; done; }
# totp SECRET OFFSET: the code for now + OFFSET seconds.
totp() { oathtool --totp --base32 -N "@$(($(date +%s) + $2))" "$1"; }
# set_pw USER PASSWORD: through the admin socket.
set_pw() { printf '%s\n' "$2" | uactl passwd "$1" --stdin >/dev/null; }

# --- a real sshd in the test's mount and network namespace -------------------
# (for tests that run under "unshare -m -n"; see sshd_mfa.sh)

# ua_wait_for TENTHS COMMAND...: until COMMAND succeeds, at most TENTHS/10 s.
ua_wait_for() {
	w=$1
	shift
	while [ "$w" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		w=$((w - 1))
	done
	return 1
}

# ua_sshd_start SERVICE PORT: sshd as PAM service SERVICE on 127.0.0.1:PORT,
# keyboard-interactive only, with the PAM stack for SERVICE from stdin
# (everything else denied).  Binds $TB/ssh/pam.d over /etc/pam.d and a
# tmpfs over /run.  Log in $TB/sshd.log; pid in UA_SSHD_PID.  LoginGraceTime
# is $UA_SSHD_GRACE seconds (default 30).
ua_sshd_start() {
	mkdir -p "$TB/ssh/pam.d"
	ssh-keygen -q -t ed25519 -N '' -f "$TB/ssh/hostkey" </dev/null || return 1
	ln -s /usr/sbin/sshd "$TB/ssh/$1"
	cat >"$TB/ssh/pam.d/$1"
	printf '%s required pam_deny.so\n' auth account session password \
		>"$TB/ssh/pam.d/other"
	cat >"$TB/ssh/sshd_config" <<EOF2
Port $2
ListenAddress 127.0.0.1
HostKey $TB/ssh/hostkey
PidFile $TB/ssh/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
PermitRootLogin no
PrintMotd no
PrintLastLog no
UseDNS no
LoginGraceTime ${UA_SSHD_GRACE:-30}
LogLevel DEBUG1
EOF2
	mount --bind "$TB/ssh/pam.d" /etc/pam.d &&
		mount -t tmpfs -o mode=0755 tmpfs /run &&
		mkdir -m 0755 /run/sshd || return 1
	"$TB/ssh/$1" -t -f "$TB/ssh/sshd_config" >"$TB/sshd-t.log" 2>&1 || return 1
	"$TB/ssh/$1" -D -e -f "$TB/ssh/sshd_config" >"$TB/sshd.log" 2>&1 &
	UA_SSHD_PID=$!
	UA_PIDS="$UA_PIDS $UA_SSHD_PID"
	ua_wait_for 100 grep -q "Server listening on 127.0.0.1 port $2" \
		"$TB/sshd.log"
}

# ua_transcript_checker: writes $TB/tr.py; "$PY $TB/tr.py FILE EXPR..."
# passes when each Python expression is true of tests/tools/sshlogin.py's
# transcript FILE.  Names: t (the transcript), R (rounds with prompts), P
# (their texts: instruction + prompts), out (the command's output).
ua_transcript_checker() {
	cat >"$TB/tr.py" <<'EOF2'
import json, sys
t = json.load(open(sys.argv[1]))
R = [r for r in t["rounds"] if r["prompts"]]
P = [(r["instructions"] + "\n" if r["instructions"] else "") +
     "".join(p["text"] for p in r["prompts"]) for r in R]
out = t.get("output", "")
for e in sys.argv[2:]:
    if not eval(e):
        print("false: " + e)
        print(json.dumps(t, indent=1))
        sys.exit(1)
EOF2
}
