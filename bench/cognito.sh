#!/bin/sh
# SPDX-License-Identifier: MIT
# Cognito section of the benchmarks (BENCHMARKS.md), run by bench/run:
#   bench/run cognito          200 sequential logins, a first burst of 100,
#                              then 10 bursts of 100 (1,000 logins)
#   bench/run --smoke cognito  20 sequential, bursts of 10, 2 of them
# A real userauthd with one backend = cognito pool, the Cognito-wire fake
# (tests/tools/fake_cognito.py) over HTTPS with a CA made here, answering
# every request after a fixed 50 ms (knob latency_ms), in private mount and
# network namespaces (loopback only), as tests/integration/cognito.sh does.
# bench/cgload.py drives password logins on the public socket
# (PREFERRED=PASSWORD: InitiateAuth, then RespondToAuthChallenge with the
# password: 2 round trips) and times each from INITIATE to RESULT.
# Reports: wall time per login over the fake's delays (sequential), the
# daemon's CPU time per login, latency of 100 logins at once, TLS
# handshakes per login over a steady run (the fake's connection counter),
# and public PINGs during the bursts.
# Then bench/cgsync.sh (namespaces of its own, run first): one NSS sync of
# a pool of 100,000 users (--smoke: 2,000) at cognito_sync_rate = 100, the
# daemon's CPU and peak RSS over it; its row here, its table after ours.
# Env: BENCH_CG_SEQ, BENCH_CG_BURST, BENCH_CG_BURSTS, BENCH_CG_LATENCY
# (and cgsync.sh's BENCH_SYNC_USERS).
set -u
: "${top_builddir:?run through bench/run}"
: "${top_srcdir:?run through bench/run}"
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench/run: needs root (namespaces)" >&2; exit 77; }
	getent passwd userauth >/dev/null || {
		echo "bench/run: needs the userauth system user (tests/tools/install-deps.sh)" >&2
		exit 1
	}
	$PY -c 'import cryptography' 2>/dev/null || {
		echo "bench/run: needs python3-cryptography for the Cognito fake" >&2
		exit 1
	}
	command -v openssl >/dev/null || { echo "bench/run: needs openssl" >&2; exit 1; }
	UA_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@"
	exit 1
fi
ip link set lo up || exit 1
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	NSEQ=${BENCH_CG_SEQ:-20}; BURST=${BENCH_CG_BURST:-10}; BURSTS=${BENCH_CG_BURSTS:-2}
else
	NSEQ=${BENCH_CG_SEQ:-200}; BURST=${BENCH_CG_BURST:-100}; BURSTS=${BENCH_CG_BURSTS:-10}
fi
LAT=${BENCH_CG_LATENCY:-50}
RT=2                   # round trips of a password login (PREFERRED=PASSWORD)
WARM=3                 # sequential logins before the measured ones (JWKS, first connection)
PING_MS=5              # a public PING every 5 ms during a burst
NUSERS=$BURST
ua_scratch
FAILED=0
# the sync first, while nothing else of this section runs
/bin/sh "$top_srcdir/bench/cgsync.sh" ${SMOKE:+--smoke} >"$TB/cgsync.out" 2>"$TB/cgsync.err" || {
	echo "cognito.sh: the sync benchmark failed: $(tail -5 "$TB/cgsync.err")" >&2
	FAILED=1
}
ua_nss_setup
NOTES=""
note() { NOTES="$NOTES
$*"; }

# --- a CA and a server certificate for 127.0.0.1 ----------------------------
(
	cd "$TB" &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-ca \
			-keyout ca.key -out ca.pem &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
			-keyout srv.key -out srv.csr &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >srv.ext &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 2 -extfile srv.ext -out srv.pem
) >"$TB/openssl.log" 2>&1 || { echo "cognito.sh: openssl failed" >&2; cat "$TB/openssl.log" >&2; exit 1; }
chmod 0644 "$TB/ca.pem"

# --- the fake: one pool, users u1..uN with passwords, a client with a secret --
$PY - "$NUSERS" >"$TB/fake.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"pools": [{
    "id": "eu-west-1_Bench01", "mfa": "OFF", "allowed_first_factors": ["PASSWORD"],
    "prevent_user_existence_errors": "ENABLED",
    "clients": [{"client_id": "benchclient01", "secret": "bench-client-secret-0123456789",
                 "explicit_auth_flows": ["ALLOW_USER_AUTH"]}],
    "groups": [{"name": "staff"}],
    "users": [{"username": "u%d" % i, "email": "u%d@example.com" % i, "email_verified": True,
               "password": "Cg-bench-pw-%d" % i, "groups": ["staff"]}
              for i in range(1, n + 1)]}]}))
PY
$PY "$top_srcdir/tests/tools/fake_cognito.py" --config "$TB/fake.json" \
	--cert "$TB/srv.pem" --key "$TB/srv.key" --port 0 \
	--port-file "$TB/fake.port" --control "$TB/fake.ctl" \
	--issuer-base https://cognito-idp.eu-west-1.amazonaws.com 2>"$TB/fake.log" &
FAKE_PID=$!
UA_PIDS="$UA_PIDS $FAKE_PID"
ua_wait_for 100 test -s "$TB/fake.port" ||
	{ echo "cognito.sh: the fake did not start" >&2; cat "$TB/fake.log" >&2; exit 1; }
FAKE_PORT=$(cat "$TB/fake.port")
# ctl JSON: the fake's reply to one control command.
ctl() { $PY "$top_srcdir/tests/tools/fake_cognito.py" ctl "$TB/fake.ctl" "$1"; }
# conns: "TCP-connections TLS-handshakes" the fake has accepted so far.
conns() {
	ctl '{"get": true}' | $PY -c 'import json, sys
r = json.load(sys.stdin); print(r["connections"], r["handshakes"])'
}

# --- the daemon: one Cognito pool ------------------------------------------
umask 077
printf 'bench-client-secret-0123456789\n' >"$TB/client.secret"
umask 022
# max_clients: a burst holds BURST connections, and the PINGs one more.
# Throttling thresholds out of the way: every login is right and from a
# host of its own, but a run logs each user in many times.
ua_write_conf <<EOF
max_clients = $((BURST + 64))
[defaults]
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
shell = /bin/sh
[pool cg]
backend = cognito
uid_min = 400000
uid_max = 409999
gid_min = 410000
gid_max = 419999
cognito_user_pool_id = eu-west-1_Bench01
cognito_client_id = benchclient01
cognito_client_secret_file = $TB/client.secret
cognito_endpoint = https://127.0.0.1:$FAKE_PORT
cognito_ca_file = $TB/ca.pem
cognito_timeout = 10
EOF
ua_start_daemon || { echo "cognito.sh: userauthd did not start" >&2; cat "$TB/daemon.log" >&2; exit 1; }
DPID=$UA_DAEMON_PID
SOCK=$TB/run/public.sock
ctl "{\"latency_ms\": $LAT}" >/dev/null || { echo "cognito.sh: latency knob refused" >&2; exit 1; }

# kv LINE KEY: the value of KEY= in LINE.
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# load MODE N FIRST [ARGS...]: one cgload run; its summary line on stdout,
# the raw figures in $CGLOAD_RAW.  A login that did not end OK counts.
load() {
	m=$1; n=$2; f=$3
	shift 3
	out=$($PY "$top_srcdir/bench/cgload.py" "$m" "$SOCK" cg "$n" "$f" "$NUSERS" "$@" 2>"$TB/cgload.err")
	echo "$out"
	if [ "$(kv "$out" ok)" != "$n" ]; then
		echo "cognito.sh: $m of $n: $out $(head -5 "$TB/cgload.err")" >&2
		FAILED=1
	fi
}
# raw KIND FILE: the figures of one kind (lat, ping) of a raw file, sorted.
raw() { sed -n "s/^$1 //p" "$2" | sort -g; }
# pct P: nearest-rank percentile of the sorted numbers on stdin.
pct() { awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) { print "—"; exit }
	k = int((NR * p + 99) / 100); if (k < 1) k = 1; printf "%.1f", v[k] }'; }
ticks=$(getconf CLK_TCK)
# overflows: the namespace's TCP listen queue overflows so far (a SYN the
# fake's queue had no room for is dropped and sent again after 1 s).
overflows() {
	awk '$1 == "TcpExt:" { if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1 }
		else for (i = 2; i <= NF; i++) if (k[i] == "ListenOverflows") print $i }' /proc/net/netstat
}

# --- 1. sequential logins ---------------------------------------------------
CGLOAD_RAW=$TB/warm.raw load seq "$WARM" 1 >"$TB/warm.out"
export CGLOAD_RAW=$TB/seq.raw
: >"$CGLOAD_RAW"
c0=$(conns)
SEQ=$(load seq "$NSEQ" 1 "$DPID" "$FAKE_PID")
c1=$(conns)
seq_new=$(echo "$c0 $c1" | awk '{ print $3 - $1 }')
seq_hs=$(echo "$c0 $c1" | awk '{ print $4 - $2 }')
seq_med=$(raw lat "$TB/seq.raw" | pct 50)
seq_p99=$(raw lat "$TB/seq.raw" | pct 99)
seq_min=$(raw lat "$TB/seq.raw" | head -1)
over() { awk -v a="$1" -v b="$((RT * LAT))" 'BEGIN { if (a == "—") print "—"; else printf "%.1f", a - b }'; }
d_ticks=$(kv "$SEQ" "cpu_${DPID}_ticks")
d_ns=$(kv "$SEQ" "cpu_${DPID}_ns")
f_ns=$(kv "$SEQ" "cpu_${FAKE_PID}_ns")
per() { awk -v a="$1" -v n="$2" -v d="$3" 'BEGIN { printf "%.3f", a / n / d }'; }
d_ms_stat=$(awk -v t="$d_ticks" -v hz="$ticks" -v n="$NSEQ" 'BEGIN { printf "%.2f", t * 1000 / hz / n }')
d_ms=$(per "$d_ns" "$NSEQ" 1000000)
f_ms=$(per "$f_ns" "$NSEQ" 1000000)
note "sequential: $NSEQ logins after $WARM of warm-up (the first fetched the JWKS and opened the first connection)"
note "sequential wall per login: min $seq_min ms; the fake's CPU per login (two requests, two RS256 signatures, TLS, Python): $f_ms ms, which is inside the wall time and not daemon time"

# --- 2.-4. a first burst, then BURSTS bursts --------------------------------
export CGLOAD_RAW=$TB/first.raw
: >"$CGLOAD_RAW"
c0=$(conns)
o0=$(overflows)
FIRST=$(load burst "$BURST" 1 "$PING_MS" "$DPID" "$FAKE_PID")
o1=$(overflows)
c1=$(conns)
first_new=$(echo "$c0 $c1" | awk '{ print $3 - $1 }')
first_hs=$(echo "$c0 $c1" | awk '{ print $4 - $2 }')
sleep 0.5
c0=$(conns)
o2=$(overflows)
: >"$TB/bursts"
: >"$TB/steady.raw"
b=1
while [ $b -le "$BURSTS" ]; do
	export CGLOAD_RAW=$TB/b$b.raw
	: >"$CGLOAD_RAW"
	load burst "$BURST" $(((b - 1) * 7 % NUSERS + 1)) "$PING_MS" "$DPID" "$FAKE_PID" >>"$TB/bursts"
	cat "$CGLOAD_RAW" >>"$TB/steady.raw"
	sleep 0.2
	b=$((b + 1))
done
o3=$(overflows)
c1=$(conns)
steady_new=$(echo "$c0 $c1" | awk '{ print $3 - $1 }')
steady_hs=$(echo "$c0 $c1" | awk '{ print $4 - $2 }')
NB=$((BURST * BURSTS))
# per-burst figures: "median (min–max)" of KEY over the bursts
spread() {
	tr ' ' '\n' <"$TB/bursts" | sed -n "s/^$1=//p" | sort -g | awk '
		{ v[NR] = $1 } END { if (!NR) { print "—"; exit }
		printf "%s (%s–%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
sumkey() { tr ' ' '\n' <"$TB/bursts" | sed -n "s/^$1=//p" | awk '{ s += $1 } END { print s + 0 }'; }
st_p50=$(raw lat "$TB/steady.raw" | pct 50)
st_p99=$(raw lat "$TB/steady.raw" | pct 99)
st_max=$(raw lat "$TB/steady.raw" | tail -1)
pg_p50=$(raw ping "$TB/steady.raw" | pct 50)
pg_p99=$(raw ping "$TB/steady.raw" | pct 99)
pg_max=$(raw ping "$TB/steady.raw" | tail -1)
pg_n=$(raw ping "$TB/steady.raw" | wc -l)
fi_p50=$(raw lat "$TB/first.raw" | pct 50)
fi_p99=$(raw lat "$TB/first.raw" | pct 99)
fp_p99=$(raw ping "$TB/first.raw" | pct 99)
b_d_ms=$(per "$(sumkey "cpu_${DPID}_ns")" "$NB" 1000000)
b_f_ms=$(per "$(sumkey "cpu_${FAKE_PID}_ns")" "$NB" 1000000)
hs_per100=$(awk -v h="$steady_hs" -v n="$NB" 'BEGIN { printf "%.2f", h * 100 / n }')
target_burst=$((LAT * RT + 20))

# verdict FIGURE BOUND: met / **missed**
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "—" || a == "") print "not measured"; else if (a + 0 <= b + 0) print "met"; else print "**missed**" }'; }

echo "## Cognito pools: logins through the Cognito-wire fake (${LAT} ms per answer)"
echo
echo "One daemon, one \`backend = cognito\` pool, the fake over HTTPS on the loopback answering every request after ${LAT} ms; password logins with PREFERRED=PASSWORD ($RT round trips: InitiateAuth, RespondToAuthChallenge); latency from INITIATE sent to RESULT read, in the driver (bench/cgload.py)."
echo
echo "| row | logins | figure | measured | target | verdict |"
echo "|---|---|---|---|---|---|"
echo "| sequential login, wall − $RT × $LAT ms, median | $NSEQ | ms over the fake's delays | $(over "$seq_med") | ≤ 1 ms | $(verdict "$(over "$seq_med")" 1) |"
echo "| sequential login, wall − $RT × $LAT ms, p99 | $NSEQ | ms over the fake's delays | $(over "$seq_p99") | ≤ 1 ms | $(verdict "$(over "$seq_p99")" 1) |"
echo "| daemon CPU per login, sequential (schedstat, all threads) | $NSEQ | ms | $d_ms | ≤ 1 ms | $(verdict "$d_ms" 1) |"
echo "| daemon CPU per login, sequential (/proc stat utime+stime, ${ticks} Hz ticks) | $NSEQ | ms | $d_ms_stat | ≤ 1 ms | $(verdict "$d_ms_stat" 1) |"
echo "| $BURST at once, warm ($BURSTS bursts after a first one), p99 over all | $NB | ms | $st_p99 | ≤ $LAT × $RT + 20 = $target_burst ms | $(verdict "$st_p99" "$target_burst") |"
echo "| TLS handshakes per 100 logins, steady ($BURSTS bursts of $BURST) | $NB | handshakes / 100 logins | $hs_per100 | ≤ 1 | $(verdict "$hs_per100" 1) |"
echo "| public PING during the warm bursts, p99 | $pg_n | ms | $pg_p99 | ≤ 5 ms | $(verdict "$pg_p99" 5) |"
SY=$(sed -n 's/^cgsync: //p' "$TB/cgsync.out")
if [ -n "$SY" ]; then
	echo "| NSS sync of $(kv "$SY" users) users (ListUsers pages of 60, $(kv "$SY" requests) requests at 100/s): daemon CPU, peak RSS (table below) | — | s, MiB | $(kv "$SY" cpu_s) s, $(kv "$SY" hwm_mib) MiB (wall $(kv "$SY" wall_s) s) | ≤ 2 s, ≤ 32 MiB | $(kv "$SY" verdict | sed 's/^missed$/**missed**/') |"
else
	echo "| NSS sync of users from the pool | — | s, MiB | not measured: bench/cgsync.sh failed | ≤ 2 s, ≤ 32 MiB | not measured |"
fi
echo
echo "| burst | logins | p50 ms | p99 ms | max ms | burst wall ms | new TCP connections | TLS handshakes | PING p50 / p99 / max ms | daemon CPU per login ms | fake CPU per login ms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
echo "| sequential (one at a time) | $NSEQ | $seq_med | $seq_p99 | $(raw lat "$TB/seq.raw" | tail -1) | $(kv "$SEQ" wall_ms) | $seq_new | $seq_hs | — | $d_ms | $f_ms |"
echo "| first $BURST at once (connections opened) | $BURST | $fi_p50 | $fi_p99 | $(kv "$FIRST" max) | $(kv "$FIRST" wall_ms) | $first_new | $first_hs | $(kv "$FIRST" ping_p50) / $fp_p99 / $(kv "$FIRST" ping_max) | $(per "$(kv "$FIRST" "cpu_${DPID}_ns")" "$BURST" 1000000) | $(per "$(kv "$FIRST" "cpu_${FAKE_PID}_ns")" "$BURST" 1000000) |"
echo "| $BURSTS warm bursts of $BURST, all | $NB | $st_p50 | $st_p99 | $st_max | $(spread wall_ms) | $steady_new | $steady_hs | $pg_p50 / $pg_p99 / $pg_max | $b_d_ms | $b_f_ms |"
echo "| ... per burst, median (min–max) | $BURST | $(spread p50) | $(spread p99) | $(spread max) | | | | $(spread ping_p50) / $(spread ping_p99) / $(spread ping_max) | | |"
echo
echo "### Notes"
note "PING: a new connection and one PING frame every $PING_MS ms from a second process, from just before each burst to its end ($pg_n PINGs over the warm bursts)"
note "daemon CPU: the sum of /proc/$DPID/task/*/schedstat run times (ns) before and after; /proc/PID/stat utime+stime counts in ${ticks} Hz ticks ($d_ticks ticks over the $NSEQ sequential logins)"
note "daemon log: $(grep -c 'event=auth .*result=ok' "$TB/daemon.log") auth result=ok, $(grep -Eic 'warning|error|timed? ?out|fail' "$TB/daemon.log") lines with warning/error/timeout/fail"
note "fake log: $(grep -c 'InitiateAuth 200' "$TB/fake.log") InitiateAuth, $(grep -c 'RespondToAuthChallenge 200 tokens' "$TB/fake.log") RespondToAuthChallenge with tokens, $(grep -c 'jwks.json 200' "$TB/fake.log") JWKS fetches, $(grep -c 'connection from' "$TB/fake.log") broken connections"
note "TCP listen queue overflows in the namespace (SYNs dropped at a full accept queue, each connection retried by the kernel after 1 s): $((o1 - o0)) in the first burst, $((o3 - o2)) in the warm bursts"
note "per burst, the PING p99 is the burst's slowest PING (nearest rank over about $((pg_n / BURSTS)) PINGs a burst)"
echo "$NOTES" | sed '/^$/d; s/^/- /'
[ -n "${UA_KEEP:-}" ] && echo "- scratch kept in $TB"
echo
sed '/^cgsync: /d' "$TB/cgsync.out"
exit $FAILED
