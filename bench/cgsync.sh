#!/bin/sh
# SPDX-License-Identifier: MIT
# Cognito section, the NSS sync (BENCHMARKS.md), run by bench/cognito.sh:
#   cgsync.sh          a pool of 100,000 users
#   cgsync.sh --smoke  a pool of 2,000 users
# A real userauthd with one backend = cognito pool (cognito_sync_rate = 100,
# cognito_sync_interval a day, so one sync) against the Cognito-wire fake
# over HTTPS with a CA made here, in private mount and network namespaces
# of its own.  The fake's pool: users u000000.. with an email each and a
# custom:uid attribute (1000000 + n; the pool's cognito_uid_attribute),
# and three groups: cgstaff (every 10th user), cgops (every 1000th),
# cgadmins (the first 10).  The fake's first ListUsers answer is held back (its
# latency_ms knob) while the daemon's idle CPU is measured; then the sync
# runs at the daemon's pace.
# Reports: the daemon's CPU (/proc/PID/stat utime+stime, and the sum of
# /proc/PID/task/*/schedstat) from before the first page to the log line
# "synced", minus the idle rate, and from there until getent answers for
# the last user and the CPU is still again (the publish: state file, NSS
# cache rebuild); VmHWM and VmRSS; the wall time against the pace
# (requests x 10 ms); the fake's CPU and its time per request.
# Prints its table, then a line "cgsync: KEY=VALUE..." for cognito.sh.
# Env: BENCH_SYNC_USERS, BENCH_SYNC_WRAP.
set -u
: "${top_builddir:?run through bench/run}"
: "${top_srcdir:?run through bench/run}"
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_CGSYNC_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "cgsync.sh: needs root (namespaces)" >&2; exit 77; }
	UA_CGSYNC_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@"
	exit 1
fi
ip link set lo up || exit 1
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	NUSERS=${BENCH_SYNC_USERS:-2000}; HOLD_MS=1500; IDLE_S=0.5
else
	NUSERS=${BENCH_SYNC_USERS:-100000}; HOLD_MS=4000; IDLE_S=2
fi
RATE=100
POOLID=eu-west-1_Sync01
ua_scratch
ua_nss_setup

(
	cd "$TB" &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-ca \
			-keyout ca.key -out ca.pem &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
			-keyout srv.key -out srv.csr &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >srv.ext &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 2 -extfile srv.ext -out srv.pem
) >"$TB/openssl.log" 2>&1 || { echo "cgsync.sh: openssl failed" >&2; cat "$TB/openssl.log" >&2; exit 1; }
chmod 0644 "$TB/ca.pem"

# --- the fake's pool ---------------------------------------------------------
$PY - "$NUSERS" "$POOLID" >"$TB/fake.json" <<'PY'
import json, sys
n, pid = int(sys.argv[1]), sys.argv[2]
def groups(i):
    g = []
    if i % 10 == 0: g.append("cgstaff")
    if i % 1000 == 0: g.append("cgops")
    if i < 10: g.append("cgadmins")
    return g
users = []
for i in range(n):
    u = {"username": "u%06d" % i, "email": "u%06d@example.com" % i, "email_verified": True,
         "attributes": {"custom:uid": str(1000000 + i)}, "created": 1000 + i}
    g = groups(i)
    if g:
        u["groups"] = g
    users.append(u)
print(json.dumps({
    "iam_keys": [{"access_key_id": "AKIDBENCHSYNC00001", "secret_access_key": "bench-sync-secret-01"}],
    "pools": [{"id": pid, "mfa": "OFF", "allowed_first_factors": ["PASSWORD"],
               "clients": [{"client_id": "syncclient01", "explicit_auth_flows": ["ALLOW_USER_AUTH"]}],
               "groups": [{"name": "cgstaff"}, {"name": "cgops"}, {"name": "cgadmins"}],
               "users": users}]}))
PY
# The fake's config loader checks each user against all before it (Pool.find,
# a linear scan: 100,000 users take about half an hour).  The bench loads it
# with that check done through an index instead, same answer, then serves
# with the fake unchanged.
cat >"$TB/fakeload.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from fakecognito import config, server  # noqa: E402

slow_find = config.Pool.find


def indexed_find(self, name):
    ix = self.__dict__.setdefault("_bench_ix", [0, {}, {}, {}])
    for u in self.users[ix[0]:]:
        ix[1].setdefault(u.username.casefold(), u)
        ix[2].setdefault(u.sub, u)
        if u.email:
            ix[3].setdefault(u.email.casefold(), u)
    ix[0] = len(self.users)
    if not name:
        return None
    low = name.casefold()
    return ix[1].get(low) or ix[2].get(name) or ix[3].get(low)


def load(path, _load=config.load):
    config.Pool.find = indexed_find
    try:
        return _load(path)
    finally:
        config.Pool.find = slow_find


config.load = load
sys.exit(server.main(sys.argv[2:]))
PY
t0=$(date +%s.%N)
$PY "$TB/fakeload.py" "$top_srcdir/tests/tools" --config "$TB/fake.json" \
	--cert "$TB/srv.pem" --key "$TB/srv.key" --port 0 \
	--port-file "$TB/fake.port" --control "$TB/fake.ctl" 2>"$TB/fake.log" &
FAKE_PID=$!
UA_PIDS="$UA_PIDS $FAKE_PID"
ua_wait_for 1200 test -s "$TB/fake.port" ||
	{ echo "cgsync.sh: the fake did not start" >&2; cat "$TB/fake.log" >&2; exit 1; }
FAKE_LOAD_S=$(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
FAKE_PORT=$(cat "$TB/fake.port")
$PY "$top_srcdir/tests/tools/fake_cognito.py" ctl "$TB/fake.ctl" \
	"{\"latency_ms\": {\"ListUsers\": $HOLD_MS}}" >/dev/null ||
	{ echo "cgsync.sh: latency knob refused" >&2; exit 1; }

# --- the daemon: one pool, its sync signed with keys from the environment ----
export AWS_ACCESS_KEY_ID=AKIDBENCHSYNC00001 AWS_SECRET_ACCESS_KEY=bench-sync-secret-01
ua_write_conf <<EOF
[defaults]
shell = /bin/sh
[pool cg]
backend = cognito
uid_min = 1000000
uid_max = 1999999
gid_min = 2000000
gid_max = 2999999
cognito_user_pool_id = $POOLID
cognito_client_id = syncclient01
cognito_endpoint = https://127.0.0.1:$FAKE_PORT
cognito_ca_file = $TB/ca.pem
cognito_timeout = 10
cognito_uid_attribute = custom:uid
cognito_sync_interval = 86400
cognito_sync_rate = $RATE
EOF
# BENCH_SYNC_WRAP: a command to run the daemon under (valgrind --tool=massif
# ...), for a profile; the figures are then the wrapper's.
start_daemon() {
	[ -z "${BENCH_SYNC_WRAP:-}" ] && { ua_start_daemon; return; }
	$BENCH_SYNC_WRAP "$top_builddir/userauthd" -f -d -c "$TB/etc/userauth.conf" \
		>>"$TB/daemon.log" 2>&1 &
	UA_DAEMON_PID=$!
	UA_PIDS="$UA_PIDS $UA_DAEMON_PID"
	ua_wait_for 1200 grep -q ' serving [0-9]* pool' "$TB/daemon.log"
}
start_daemon || { echo "cgsync.sh: userauthd did not start" >&2; cat "$TB/daemon.log" >&2; exit 1; }
DPID=$UA_DAEMON_PID
LAST=$(printf 'u%06d' $((NUSERS - 1)))

# --- the measurement ---------------------------------------------------------
$PY - "$DPID" "$FAKE_PID" "$TB" "$IDLE_S" "$LAST" >"$TB/measure.out" 2>"$TB/measure.err" <<'PY'
import glob, json, os, socket, subprocess, sys, time
dpid, fpid, tb, idle_s, last = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5]
HZ = os.sysconf("SC_CLK_TCK")

def ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    v = s[s.rindex(")") + 2:].split()
    return int(v[11]) + int(v[12])      # utime + stime (fields 14, 15)

def ns(pid):
    t = 0
    for p in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(p) as f:
                t += int(f.read().split()[0])
        except OSError:
            pass
    return t

def status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])          # kB
    return 0

def sample():
    return (time.monotonic(), ticks(dpid), ns(dpid), ticks(fpid), ns(fpid))

def count(path, s):
    with open(path, errors="replace") as f:
        return sum(1 for line in f if s in line)

def ctl(cmd):
    s = socket.socket(socket.AF_UNIX)
    s.connect(tb + "/fake.ctl")
    s.sendall((json.dumps(cmd) + "\n").encode())
    r = json.loads(s.makefile().readline())
    s.close()
    return r

out = {}
time.sleep(0.3)
out["rss_start_kib"] = status(dpid, "VmRSS")
out["hwm_start_kib"] = status(dpid, "VmHWM")
# the peak from here on: reset VmHWM to the current RSS (clear_refs 5)
try:
    with open("/proc/%d/clear_refs" % dpid, "w") as f:
        f.write("5")
    out["hwm_reset"] = True
except OSError:
    out["hwm_reset"] = False
a = sample()
time.sleep(idle_s)
b = sample()
idle_tps = (b[1] - a[1]) / (b[0] - a[0])          # ticks a second, idle
idle_nps = (b[2] - a[2]) / (b[0] - a[0])
out["idle_ms_per_s"] = idle_nps / 1e6
r0 = ctl({"latency_ms": 0})                        # the held first page comes soon
c = sample()
# wall start: the fake has answered the first ListUsers
while count(tb + "/fake.log", "ListUsers 200") < 1:
    time.sleep(0.002)
t_first = time.monotonic()
rss_max = 0
synced = None
deadline = time.monotonic() + 3600
while time.monotonic() < deadline:
    rss_max = max(rss_max, status(dpid, "VmRSS"))
    with open(tb + "/daemon.log", errors="replace") as f:
        for line in f:
            if "cognito pool cg: synced" in line:
                synced = line.strip()
    if synced:
        break
    if "sync failed" in open(tb + "/daemon.log", errors="replace").read():
        break
    time.sleep(0.005)
d = sample()
r1 = ctl({"get": True})
out["connections"] = r1["connections"] - r0["connections"]
out["handshakes"] = r1["handshakes"] - r0["handshakes"]
out["synced_line"] = synced or ""
# the publish: getent answers for the last user
while time.monotonic() < deadline:
    rss_max = max(rss_max, status(dpid, "VmRSS"))
    if subprocess.run(["getent", "passwd", last], stdout=subprocess.DEVNULL).returncode == 0:
        break
    time.sleep(0.01)
t_nss = time.monotonic()
# the CPU still again: no tick over 0.5 s
prev = ticks(dpid)
while True:
    time.sleep(0.5)
    rss_max = max(rss_max, status(dpid, "VmRSS"))
    t = ticks(dpid)
    if t == prev:
        break
    prev = t
e = sample()
out["hwm_kib"] = status(dpid, "VmHWM")
out["rss_after_kib"] = status(dpid, "VmRSS")
out["rss_max_sampled_kib"] = rss_max
out["wall_s"] = d[0] - t_first
out["nss_after_synced_s"] = t_nss - d[0]
sync_dt = d[0] - c[0]
out["cpu_sync_s_stat"] = ((d[1] - c[1]) - idle_tps * sync_dt) / HZ
out["cpu_sync_s_ns"] = ((d[2] - c[2]) - idle_nps * sync_dt) / 1e9
pub_dt = e[0] - d[0]
out["cpu_pub_s_stat"] = ((e[1] - d[1]) - idle_tps * pub_dt) / HZ
out["cpu_pub_s_ns"] = ((e[2] - d[2]) - idle_nps * pub_dt) / 1e9
out["fake_cpu_s"] = (d[4] - c[4]) / 1e9
out["getent_ok"] = subprocess.run(["getent", "passwd", last], stdout=subprocess.DEVNULL).returncode == 0
print(json.dumps(out))
PY
[ -s "$TB/measure.out" ] || { echo "cgsync.sh: measurement failed" >&2; cat "$TB/measure.err" >&2; exit 1; }
getent passwd "$LAST" >"$TB/last.pw"
getent group cgstaff >"$TB/cgstaff.gr"
M=$TB/measure.out
j() { $PY -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print("%.*f" % (int(sys.argv[3]), v) if isinstance(v, float) else v)' "$M" "$1" "${2:-2}"; }
LINE=$(j synced_line)
SYNCED_USERS=$(echo "$LINE" | sed -n 's/.*synced \([0-9]*\) users.*/\1/p')
SYNCED_GROUPS=$(echo "$LINE" | sed -n 's/.* users and \([0-9]*\) groups.*/\1/p')
REQS=$(echo "$LINE" | sed -n 's/.* in \([0-9]*\) requests.*/\1/p')
FAILED=0
[ -n "$REQS" ] || { echo "cgsync.sh: no 'synced' line: $(grep -i 'cognito pool cg' "$TB/daemon.log" | tail -3)" >&2; FAILED=1; REQS=0; }
[ "$SYNCED_USERS" = "$NUSERS" ] || { echo "cgsync.sh: synced ${SYNCED_USERS:-no} users of $NUSERS" >&2; FAILED=1; }
[ -s "$TB/last.pw" ] || { echo "cgsync.sh: getent passwd $LAST does not answer" >&2; FAILED=1; }
kib2mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
cpu_stat=$(j cpu_sync_s_stat 2); cpu_ns=$(j cpu_sync_s_ns 3)
pub_stat=$(j cpu_pub_s_stat 2); pub_ns=$(j cpu_pub_s_ns 3)
cpu_all=$(awk -v a="$cpu_ns" -v b="$pub_ns" 'BEGIN { printf "%.3f", a + b }')
hwm=$(kib2mib "$(j hwm_kib)"); rss_after=$(kib2mib "$(j rss_after_kib)"); rss_start=$(kib2mib "$(j rss_start_kib)")
wall=$(j wall_s 1)
pace_s=$(awk -v r="$REQS" -v q="$RATE" 'BEGIN { printf "%.1f", r / q }')
fake_cpu=$(j fake_cpu_s 1)
# the fake's own time per request (its log's "(N ms)": read, sign check, page)
fake_ms() { sed -n "s/^fake_cognito: $1 200 OK (\([0-9]*\) ms)$/\1/p" "$TB/fake.log" | sed 1d |
	awk '{ s += $1; n++ } END { if (n) printf "%.1f", s / n; else print "—" }'; }
fu_ms=$(fake_ms ListUsers); fg_ms=$(fake_ms ListUsersInGroup)
nusers_pages=$(grep -c 'ListUsers 200' "$TB/fake.log")
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "—" || a == "") print "not measured"; else if (a + 0 <= b + 0) print "met"; else print "**missed**" }'; }
both_verdict() {
	v1=$(verdict "$cpu_all" 2); v2=$(verdict "$hwm" 32)
	if [ "$v1" = met ] && [ "$v2" = met ]; then echo met; else echo "**missed**"; fi
}

echo "### Cognito pools: the NSS sync of $NUSERS users"
echo
echo "One \`backend = cognito\` pool, \`cognito_sync_rate = $RATE\`, one sync; the fake's pool holds $NUSERS users (u000000.., an email each, \`custom:uid\` = 1000000 + n as the pool's \`cognito_uid_attribute\`) and 3 groups (cgstaff: every 10th user, cgops: every 1000th, cgadmins: the first 10). Daemon CPU from before the first page to the log line \"synced\" (the sync), then until \`getent passwd $LAST\` answers and the CPU is still (the publish: the state file, the NSS cache), less the idle rate ($(j idle_ms_per_s 3) ms/s)."
echo
echo "| row | figure | measured | target | verdict |"
echo "|---|---|---|---|---|"
echo "| daemon CPU, the sync ($REQS requests), /proc stat utime+stime | s | $cpu_stat | | |"
echo "| daemon CPU, the sync, schedstat (all threads) | s | $cpu_ns | | |"
echo "| daemon CPU, the publish after \"synced\", schedstat (stat: $pub_stat) | s | $pub_ns | | |"
echo "| daemon CPU, sync + publish | s | $cpu_all | ≤ 2 s | $(verdict "$cpu_all" 2) |"
echo "| daemon peak RSS (VmHWM) | MiB | $hwm | ≤ 32 MiB | $(verdict "$hwm" 32) |"
echo "| daemon RSS before the sync / after (VmRSS) | MiB | $rss_start / $rss_after | | |"
echo "| wall, first page to \"synced\" | s | $wall | ≥ $REQS requests / $RATE = $pace_s s (the pace) | |"
echo "| \"synced\" to getent passwd $LAST answering | s | $(j nss_after_synced_s 2) | | |"
echo "| users and groups synced | count | $SYNCED_USERS users, $SYNCED_GROUPS groups | $NUSERS, 3 | |"
echo "| the fake: time per ListUsers / ListUsersInGroup request (its log) | ms | $fu_ms / $fg_ms | | |"
echo "| TCP connections / TLS handshakes the fake accepted during the sync | count | $(j connections) / $(j handshakes) | | |"
echo "| the fake: CPU over the sync (one Python process) | s | $fake_cpu | | |"
echo
echo "- daemon log: $(echo "$LINE" | sed 's/.*\(cognito pool\)/\1/')"
echo "- peak RSS: VmHWM reset to the current RSS before the first page ($(j hwm_reset)); the peak from the daemon's start up to then was $(kib2mib "$(j hwm_start_kib)") MiB; the highest VmRSS seen by polling every 5 ms: $(kib2mib "$(j rss_max_sampled_kib)") MiB"
echo "- the fake: $nusers_pages ListUsers pages; config loaded and listening in $FAKE_LOAD_S s; first page held $HOLD_MS ms"
echo "- getent passwd $LAST: $(cut -d: -f1,3,4,6,7 "$TB/last.pw"); getent group cgstaff: $(cut -d: -f1,3 "$TB/cgstaff.gr"), $(cut -d: -f4 "$TB/cgstaff.gr" | tr ',' '\n' | grep -c .) members"
echo "cgsync: users=$NUSERS synced=${SYNCED_USERS:-0} requests=$REQS cpu_s=$cpu_all cpu_sync_s=$cpu_ns hwm_mib=$hwm rss_after_mib=$rss_after wall_s=$wall pace_s=$pace_s verdict=$(both_verdict | tr -d '*')"
exit $FAILED
