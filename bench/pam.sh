#!/bin/sh
# SPDX-License-Identifier: MIT
# PAM login section of the benchmarks (BENCHMARKS.md), run by bench/run:
#   bench/run pam               (1, 2, 8, 32 logins at once; 3 repetitions)
#   bench/run --smoke pam       (1 and 2 at once, 2 logins each; seconds)
# Full password logins through libpam (bench/pamlogin: pam_start,
# pam_authenticate, pam_acct_mgmt, pam_end in worker processes, as sshd
# runs PAM in one process per connection) against two stacks in one run:
# Debian's pam_unix with a local user in scratch copies of /etc/passwd and
# /etc/shadow, and pam_userauth.so of the build with a userauthd of the
# build.  Both passwords are yescrypt hashes at the same cost (the hash
# prefixes are printed).  Then the RSS each stack adds to its host.
# Environment: BENCH_REPS, BENCH_PAM_LEVELS ("P:K ...": P workers at once,
# K logins each).
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=$(dirname "$0")/..}"
export top_builddir top_srcdir
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	LEVELS="1:2 2:2"; REPS=3; MEMRUNS=1; HASHRUNS=1
else
	# P:K, K logins per worker.  At least 24 logins per repetition, and
	# two per worker at 32 so that workers overlap for a whole login.
	LEVELS=${BENCH_PAM_LEVELS:-"1:24 2:12 8:4 32:2"}
	REPS=${BENCH_REPS:-3}; MEMRUNS=3; HASHRUNS=3
fi
[ "$(id -u)" -eq 0 ] || { echo "bench/run: needs root (mount namespaces)" >&2; exit 77; }
getent passwd userauth >/dev/null || {
	echo "bench/run pam: needs the userauth system user (tests/tools/install-deps.sh)" >&2
	exit 1
}
if [ -z "${UA_BENCH_PAM_NS:-}" ]; then
	UA_BENCH_PAM_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@"
fi
# ua_scratch (with cleanup: the daemon is stopped, $TB removed), the NSS
# module in this namespace, ua_write_conf, ua_start_daemon, uactl.
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
ua_nss_setup || { echo "bench/run pam: NSS set-up failed" >&2; exit 1; }
B=$(cd "$top_builddir" && pwd)
PL=$B/bench/pamlogin
MOD=$B/pam_userauth/.libs/pam_userauth.so
SOCK=$TB/run/public.sock
LUSER=uabench   # the local user, for pam_unix
PUSER=uapool    # the pool user, for pam_userauth
FAILED=0
die() { echo "bench/run pam: $*" >&2; [ -f "$TB/daemon.log" ] && tail -5 "$TB/daemon.log" >&2; exit 1; }

# One random password for both users; only ever on stdin.
od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$TB/pw"
echo >>"$TB/pw"
chmod 0600 "$TB/pw"

# The system's yescrypt cost: YESCRYPT_COST_FACTOR, else libxcrypt's default
# (cost 0 to crypt_gensalt_rn), which is what Debian's tools then use.
COST=$(awk '$1 == "YESCRYPT_COST_FACTOR" { c = $2 } END { print c + 0 }' /etc/login.defs)
ENC=$(awk '$1 == "ENCRYPT_METHOD" { m = $2 } END { print m }' /etc/login.defs)
LHASH=$("$PL" crypt "$COST" <"$TB/pw") || die "cannot make a yescrypt hash"
mkdir -p "$TB/sys"
cp /etc/passwd "$TB/sys/passwd"
cp /etc/shadow "$TB/sys/shadow"
chmod 0644 "$TB/sys/passwd"
chmod 0640 "$TB/sys/shadow"
chgrp shadow "$TB/sys/shadow" 2>/dev/null
echo "$LUSER:x:59990:59990:userauth bench:/nonexistent:/usr/sbin/nologin" >>"$TB/sys/passwd"
# Last change today: pam_unix's account phase asks for a new password when
# it is 0, and that would not be a login.
echo "$LUSER:$LHASH:$(($(date +%s) / 86400)):0:99999:7:::" >>"$TB/sys/shadow"
mount --bind "$TB/sys/passwd" /etc/passwd || die "bind /etc/passwd"
mount --bind "$TB/sys/shadow" /etc/shadow || die "bind /etc/shadow"

# A password-only pool: one PASSWORD challenge per login, as a password
# user of the tests' pools gets.  The defaults hold for 32 logins at once
# (max_clients 256; the per-uid cap of 16 does not apply to root, and the
# driver runs as root like sshd), so no [daemon] key is set.
ua_write_conf <<EOF
[pool bench]
uid_min = 200000
uid_max = 200099
gid_min = 300000
gid_max = 300099
first_factors = password
EOF
ua_start_daemon || die "userauthd does not start"
uactl user add bench "$PUSER" --email "$PUSER@example.com" >/dev/null || die "user add"
uactl passwd "$PUSER" --stdin <"$TB/pw" >/dev/null || die "passwd"
PHASH=$(sqlite3 "$TB/state/userauth.db" \
	"SELECT substr(password_hash, 1, 7) FROM credentials" 2>/dev/null)
LPRE=$(echo "$LHASH" | cut -c1-7)

mkdir -p "$TB/pam"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
# Debian's stock stack, reduced to the one module it runs for a password.
printf 'auth required pam_unix.so\naccount required pam_unix.so\n' >"$TB/pam/bench-unix"
# The module as the integration tests load it.
{
	echo "auth required $MOD pool=bench socket=$SOCK"
	echo "account required $MOD pool=bench socket=$SOCK"
} >"$TB/pam/bench-userauth"
chmod 0644 "$TB/pam/"*
svc() { [ "$1" = unix ] && echo bench-unix || echo bench-userauth; }
usr() { [ "$1" = unix ] && echo "$LUSER" || echo "$PUSER"; }

# Warm up both (page cache, the daemon's first request); both must log in,
# and both must refuse a wrong password, or they would time nothing.
echo wrong-password >"$TB/pw.bad"
for st in unix userauth; do
	"$PL" login "$TB/pam" "$(svc $st)" "$(usr $st)" 1 1 <"$TB/pw" >/dev/null ||
		die "a $st login fails"
	"$PL" login "$TB/pam" "$(svc $st)" "$(usr $st)" 1 1 <"$TB/pw.bad" \
		>/dev/null 2>&1 && die "$st accepts a wrong password"
done

OUT=$TB/rows
: >"$OUT"
LOG0=$(wc -l <"$TB/daemon.log")
rep=1
: >"$TB/hash"
while [ $rep -le "$REPS" ]; do
	# One hash in-process at the same cost, the work userauthd does per
	# login, timed in every repetition: the machine's load drifts.
	if h=$("$PL" hashtime "$LHASH" "$HASHRUNS" <"$TB/pw" 2>"$TB/err"); then
		echo "$h" >>"$TB/hash"
	else
		echo "bench/run pam: hashtime: $(head -3 "$TB/err")" >&2
		FAILED=1
	fi
	for lv in $LEVELS; do
		p=${lv%%:*}
		k=${lv#*:}
		# Alternate which stack goes first: drift in the machine's load
		# must not favour one of them.
		if [ $((rep % 2)) -eq 1 ]; then order="unix userauth"; else order="userauth unix"; fi
		for st in $order; do
			if res=$("$PL" login "$TB/pam" "$(svc $st)" "$(usr $st)" "$p" "$k" \
				<"$TB/pw" 2>"$TB/err"); then
				echo "$st $p $rep $res" >>"$OUT"
			else
				echo "bench/run pam: $st, $p at once, repetition $rep:" >&2
				head -5 "$TB/err" >&2
				FAILED=1
			fi
		done
	done
	rep=$((rep + 1))
done
DLOG=$(tail -n +$((LOG0 + 1)) "$TB/daemon.log" | grep -ciE 'warning|error|refused|timeout')
# Every timed pam_userauth login must be one the daemon checked and let in.
AUDIT=$(tail -n +$((LOG0 + 1)) "$TB/daemon.log" |
	grep -c "event=auth pool='bench' user='$PUSER' .*challenge=PASSWORD result=ok\$")
TIMED=$(awk '$1 == "userauth" { n += $4 } END { print n + 0 }' "$OUT")
if [ "$AUDIT" -ne "$TIMED" ]; then
	echo "bench/run pam: $TIMED timed pam_userauth logins, but $AUDIT audited by the daemon" >&2
	FAILED=1
fi

# The hash: the median of the repetitions' medians, the extremes.
HT=$(sort -n "$TB/hash" | awk '{ m[NR] = $1; if (NR == 1 || $2 < lo) lo = $2; if ($3 > hi) hi = $3 }
	END { if (NR) printf "%.1f %.1f–%.1f %d", (NR % 2 ? m[(NR + 1) / 2] : (m[NR / 2] + m[NR / 2 + 1]) / 2) / 1e6, lo / 1e6, hi / 1e6, NR }')
set -- ${HT:-0 - 0}
HASH_MS=$1
HASH_RANGE=$2
HASH_N=$(($3 * HASHRUNS))

# Memory: a fresh process per login, each stack MEMRUNS times.
: >"$TB/mem"
for st in unix userauth; do
	i=0
	while [ $i -lt $MEMRUNS ]; do
		if m=$("$PL" mem "$TB/pam" "$(svc $st)" "$(usr $st)" <"$TB/pw" 2>"$TB/err"); then
			echo "$st $m" >>"$TB/mem"
		else
			echo "bench/run pam: memory, $st: $(head -3 "$TB/err")" >&2
			FAILED=1
		fi
		i=$((i + 1))
	done
done
DRSS=$(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%.1f MiB (peak %.1f MiB)", r / 1024, h / 1024 }' \
	"/proc/$UA_DAEMON_PID/status" 2>/dev/null)

# Per stack and concurrency over the repetitions: the median of the
# repetitions' medians and p90s, the extremes of single logins, and the
# spread of the repetitions' medians.
agg() { # STACK P -> LOGINS MEDIAN P90 MIN MAX REPMIN REPMAX NREPS (ms) RATE
	awk -v s="$1" -v p="$2" '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == s && $2 == p {
		n++; m[n] = $5; q[n] = $6; logins = $4; r[n] = $4 / ($9 / 1e9)
		if (n == 1 || $7 < lo) lo = $7
		if (n == 1 || $8 > hi) hi = $8
	}
	END {
		if (n == 0) exit
		md = med(m, n)
		printf "%d %.1f %.1f %.1f %.1f %.1f %.1f %d %.1f\n", logins, md / 1e6,
		    med(q, n) / 1e6, lo / 1e6, hi / 1e6, m[1] / 1e6, m[n] / 1e6, n,
		    med(r, n)
	}' "$OUT"
}

NCPU=$(nproc)
echo "## PAM logins through libpam (ms per full login; median over $REPS repetitions)"
echo
echo "pam_start + pam_authenticate + pam_acct_mgmt + pam_end, P worker processes at once, K logins each; \"median\" and \"p90\" are the medians of the repetitions' figures, \"min–max\" the fastest and slowest single login, \"rep medians\" the spread of the repetitions' medians."
echo
echo "| stack | concurrent | logins | median ms | p90 ms | min–max ms | rep medians ms | logins/s | userauth / pam_unix |"
echo "|---|---|---|---|---|---|---|---|---|"
TARGETS=""
for lv in $LEVELS; do
	p=${lv%%:*}
	um=""
	for st in unix userauth; do
		a=$(agg $st "$p")
		[ -n "$a" ] || continue
		set -- $a
		if [ $st = unix ]; then
			um=$2; ratio="—"; name=pam_unix
		else
			name=pam_userauth
			ratio=$( [ -n "$um" ] && awk -v a="$2" -v b="$um" 'BEGIN { printf "%.2fx", a / b }' || echo "—")
			[ -n "$um" ] && TARGETS="$TARGETS
$p at once: userauth / pam_unix = $(awk -v a="$2" -v b="$um" 'BEGIN { printf "%.3fx (target ≤ 0.6x: %s)", a / b, (a / b <= 0.6) ? "met" : "**missed**" }'); median $2 ms vs one hash + 5 ms = $(awk -v h="$HASH_MS" 'BEGIN { printf "%.1f", h + 5 }') ms: $(awk -v a="$2" -v h="$HASH_MS" 'BEGIN { print (a <= h + 5) ? "met" : "**missed**" }')$( [ "$p" -gt "$NCPU" ] && echo " ($p logins at once on $NCPU cores queue for the CPU: the bound can only hold up to $NCPU at once)")"
		fi
		echo "| $name | $p | $1 × $8 | $2 | $3 | $4–$5 | $6–$7 | $9 | $ratio |"
	done
done
echo
echo "## Memory a PAM stack adds to its host (KiB; median of $MEMRUNS runs, each one login in a fresh process)"
echo
echo "| stack | RSS before pam_start | added, modules loaded (after pam_acct_mgmt) | added after pam_end | peak added (VmHWM − RSS before) |"
echo "|---|---|---|---|---|"
memrow() { # STACK -> BASE LOADED AFTER PEAK
	awk -v s="$1" '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == s { n++; b[n] = $2; l[n] = $4 - $2; e[n] = $6 - $2; k[n] = $7 - $2 }
	END { if (n) printf "%d %d %d %d\n", med(b, n), med(l, n), med(e, n), med(k, n) }' "$TB/mem"
}
for st in unix userauth; do
	a=$(memrow $st)
	[ -n "$a" ] || continue
	set -- $a
	[ $st = unix ] && { name=pam_unix; UL=$2; UK=$4; } || { name=pam_userauth; AL=$2; AK=$4; }
	echo "| $name | $1 | $2 | $3 | $4 |"
done
echo
echo "## Figures and targets"
if [ "$LPRE" = "$PHASH" ]; then same="the same cost"; else same="**different costs: the comparison is not fair**"; fi
echo "- hashes: pam_unix user \`$LPRE\`, pool user (userauthd) \`${PHASH:-?}\`: $same; login.defs YESCRYPT_COST_FACTOR $( [ "$COST" -eq 0 ] && echo "unset, so libxcrypt's default" || echo "$COST") (ENCRYPT_METHOD there: ${ENC:-unset}). userauthd ships libxcrypt's default yescrypt cost (crypt_gensalt_rn(\"\$y\$\", 0); no config key changes it)."
echo "- one hash in-process (crypt_r at that cost): median $HASH_MS ms, $HASH_RANGE ms over $HASH_N (medians of $HASHRUNS per repetition)"
echo "$TARGETS" | sed '/^$/d; s/^/- /'
if [ -n "${UL:-}" ] && [ -n "${AL:-}" ]; then
	echo "- RSS added with the modules loaded: pam_userauth $AL KiB vs pam_unix $UL KiB (target ≤ pam_unix's: $( [ "$AL" -le "$UL" ] && echo met || echo '**missed**')); peak added: $AK vs $UK KiB ($( [ "$AK" -le "$UK" ] && echo met || echo '**missed**'))"
fi
echo "- the hash's memory moves to userauthd ($NCPU hashing threads here, one per core): its RSS after the run ${DRSS:-?}"
echo "- userauthd during the timed runs: $AUDIT logins audited result=ok (of $TIMED timed), ${DLOG:-0} log lines with warning/error/refused/timeout"
exit $FAILED
