#!/bin/sh
# SPDX-License-Identifier: MIT
# dist/userauthd.service and dist/userauthd.tmpfiles: systemd-analyze
# verify accepts the unit (with the built daemon as ExecStart), its
# directories are the daemon's configured ones and come from tmpfiles.d
# owned by the daemon user, its sandbox keeps an exposure score of at most
# 3.0, and (as root) the built daemon in the foreground sends READY=1 to
# $NOTIFY_SOCKET only once its sockets exist, then STOPPING=1 on SIGTERM.
# A start refused for what a restart cannot mend (an invalid configuration,
# a damaged database) exits with the status RestartPreventExitStatus=
# names, from the main process: no ExecStartPre= runs userauthd -t (its
# failure would be retried whatever its status).
# Prints TAP; the systemd-analyze cases skip where it is not installed.
. "$top_srcdir/tests/integration/lib.sh"
: "${UA_RUNTIME_DIR:?}" "${UA_STATE_DIR:?}" "${UA_NSS_CACHE:?}"
as_root=
if [ "$(id -u)" -eq 0 ] && getent passwd userauth >/dev/null; then
	as_root=1
	ua_need_namespace "$@"
fi
ua_scratch
UNIT=$top_srcdir/dist/userauthd.service
TMPF=$top_srcdir/dist/userauthd.tmpfiles

# --- the unit file ---------------------------------------------------------
key() { sed -n "s/^$1=//p" "$UNIT"; }
ok "$([ "$(key Type)" = notify ]; echo $?)" "Type=notify"
ok "$(key ExecStart | grep -qx '/usr/sbin/userauthd -f'; echo $?)" \
	"ExecStart runs the daemon in the foreground (-f: systemd supervises it, stderr goes to the journal)"
ok "$(key ExecStartPre | grep -q 'bin/userauthd'; [ $? -ne 0 ]; echo $?)" \
	"no ExecStartPre runs userauthd (-t): RestartPreventExitStatus= counts only the main process, a failed ExecStartPre is retried"
ok "$([ "$(key Restart)" = on-failure ]; echo $?)" "Restart=on-failure"
prevent=$(key RestartPreventExitStatus)
ok "$([ "$prevent" = 78 ]; echo $?)" \
	"RestartPreventExitStatus=78 (got '$prevent'): a start refused for what a restart cannot mend is not retried"
printf '[pool x]\nuid_min = 200000\nuid_max = 200009\ngid_min = 300000\ngid_max = 300009\nno_such_key = 1\n' \
	>"$TB/bad.conf"
"$top_builddir/userauthd" -t -c "$TB/bad.conf" >/dev/null 2>&1
rc=$?
ok "$([ "$rc" = "$prevent" ]; echo $?)" \
	"  ... the status userauthd -t exits with for an invalid configuration ($rc)"
timeout 10 "$top_builddir/userauthd" -f -c "$TB/bad.conf" >/dev/null 2>&1
rc=$?
ok "$([ "$rc" = "$prevent" ]; echo $?)" \
	"  ... and userauthd -f, the unit's ExecStart, at start ($rc)"
ok "$([ "$(key ExecReload)" = '+/bin/kill -HUP $MAINPID' ]; echo $?)" \
	"ExecReload sends SIGHUP with full privileges (the bounding set has no CAP_KILL)"
ok "$([ -z "$(key User)" ]; echo $?)" \
	"no User=: the daemon binds its root-owned sockets, then drops to userauth itself"
for d in StateDirectory RuntimeDirectory CacheDirectory; do
	ok "$([ -z "$(key $d)" ]; echo $?)" \
		"no $d= (systemd would chown it to root, the unit's user, and userauthd refuses that)"
done
rw=" $(key ReadWritePaths) "
for d in "$UA_RUNTIME_DIR" "$UA_STATE_DIR" "${UA_NSS_CACHE%/*}"; do
	case $rw in *" $d "*) r=0 ;; *) r=1 ;; esac
	ok "$r" "ReadWritePaths= has the configured directory $d"
	line=$(awk -v d="$d" '$1 == "d" && $2 == d' "$TMPF")
	case $d in
	"$UA_STATE_DIR") want=0700 ;;
	*) want=0755 ;;
	esac
	ok "$([ "$(echo "$line" | awk '{ print $3, $4, $5 }')" = "$want userauth userauth" ]; echo $?)" \
		"tmpfiles.d makes $d $want, owned by userauth (got '$line')"
done
caps=$(key CapabilityBoundingSet | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ')
ok "$([ "$caps" = "CAP_CHOWN CAP_DAC_OVERRIDE CAP_SETGID CAP_SETUID " ]; echo $?)" \
	"capabilities: only CAP_CHOWN CAP_DAC_OVERRIDE CAP_SETGID CAP_SETUID (got '$caps')"
for kv in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
	PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
	ProtectControlGroups=yes LockPersonality=yes MemoryDenyWriteExecute=yes \
	RestrictRealtime=yes RestrictSUIDSGID=yes UMask=0077 \
	SystemCallFilter=@system-service \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'; do
	ok "$(grep -qx "$kv" "$UNIT"; echo $?)" "$kv"
done
for m in $(key Documentation); do
	page=${m#man:}
	f=$top_srcdir/man/${page%%(*}.${page#*(}
	f=${f%)}
	ok "$([ -f "$f" ]; echo $?)" "Documentation= $m is one of ours"
done

# --- systemd-analyze ---------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify checks that each command exists: point ExecStart at the build.
	sed "s|/usr/sbin/userauthd|$top_builddir/userauthd|" "$UNIT" \
		>"$TB/userauthd.service"
	(cd "$TB" && systemd-analyze verify --man=no "$TB/userauthd.service") \
		>"$TB/verify.out" 2>&1
	rc=$?
	ok "$([ $rc -eq 0 ] && [ ! -s "$TB/verify.out" ]; echo $?)" \
		"systemd-analyze verify accepts the unit and says nothing (exit $rc)"
	sed 's/^/# verify: /' "$TB/verify.out"
	sed 's/^Type=notify$/Type=notfy/' "$TB/userauthd.service" >"$TB/bad.service"
	(cd "$TB" && systemd-analyze verify --man=no "$TB/bad.service") >"$TB/bad.out" 2>&1
	ok "$([ -s "$TB/bad.out" ]; echo $?)" "  ... and does complain about a misspelt value"
	score=$(systemd-analyze security --offline=true "$UNIT" 2>/dev/null |
		sed -n 's/.*Overall exposure level for userauthd.service: \([0-9.]*\).*/\1/p')
	echo "# systemd-analyze security --offline=true: exposure $score"
	ok "$(awk -v s="${score:-99}" 'BEGIN { exit !(s <= 3.0) }'; echo $?)" \
		"systemd-analyze security: exposure at most 3.0 (got ${score:-none})"
else
	echo "ok - # SKIP systemd-analyze is not installed (systemd package): the unit is not verified"
	UA_TESTS=$((UA_TESTS + 1))
fi

# --- sd_notify from the real daemon (root) -----------------------------------
if [ -z "$as_root" ]; then
	echo "# not run here: the daemon's READY=1/STOPPING=1 (needs root and the userauth user)"
	ua_finish
	exit 0
fi
ua_nss_setup
ua_write_conf <<'CONF'
[pool customer]
first_factors = password
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
CONF
NS=$TB/notify.sock
/usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)   # as /run/systemd/notify: the daemon sends after dropping root
s.settimeout(30)
with open(sys.argv[2], "w") as f:
    for _ in range(2):
        m = s.recv(4096).decode()
        f.write(m + " sockets=" + str(os.path.exists(sys.argv[3])) + "\n")
        f.flush()
' "$NS" "$TB/notes" "$TB/run/public.sock" &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 50 test -S "$NS"
NOTIFY_SOCKET=$NS "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf" \
	>"$TB/daemon.log" 2>&1 &
UA_DAEMON_PID=$!
UA_PIDS="$UA_PIDS $UA_DAEMON_PID"
ua_wait_for 100 grep -q READY "$TB/notes"
ok "$(grep -qx 'READY=1 sockets=True' "$TB/notes"; echo $?)" \
	"the daemon sends READY=1 once it serves (its public socket exists by then)"
ok "$(grep -q 'serving' "$TB/daemon.log"; echo $?)" \
	"  ... and -f logs to stderr (what the journal takes)"
ua_stop_daemon
ua_wait_for 50 grep -q STOPPING "$TB/notes"
ok "$(grep -q '^STOPPING=1 ' "$TB/notes"; echo $?)" "SIGTERM: the daemon sends STOPPING=1"
sed 's/^/# notify: /' "$TB/notes"

# A damaged database: refused with the status the unit does not retry.
rm -f "$TB/state/userauth.db-wal" "$TB/state/userauth.db-shm"
dd if=/dev/urandom of="$TB/state/userauth.db" bs=1024 count=8 conv=notrunc 2>/dev/null
timeout 10 "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf" >"$TB/damaged.log" 2>&1
rc=$?
ok "$([ "$rc" = "$prevent" ]; echo $?)" \
	"a damaged database: userauthd -f exits $rc, the unit's RestartPreventExitStatus=$prevent"
ok "$(grep -q 'is not a usable SQLite database' "$TB/damaged.log"; echo $?)" \
	"  ... saying why"
timeout 10 "$top_builddir/userauthd" -c "$TB/etc/userauth.conf" >/dev/null 2>&1
rc=$?
ok "$([ "$rc" = "$prevent" ]; echo $?)" \
	"  ... and so does a start in the background ($rc)"
ua_finish
