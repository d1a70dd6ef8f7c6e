#!/bin/sh
# SPDX-License-Identifier: MIT
# Cognito pools whose endpoint never answers, in the test's own network
# namespace: one that accepts the connection and says nothing
# (tests/tools/tarpit.py), one whose SYNs vanish (an address behind a veth
# with a static neighbour nobody is), and one with no route at all.  A
# login fails closed within cognito_timeout (the request deadline fires,
# or the connect fails at once), is audited as unreachable and tells the
# user the sign-in service cannot be reached; a local pool in the same
# daemon signs in at once while 20 such logins hang, PING is answered and
# NSS answers a user of the hanging pool from its last sync kept on disk.
# Needs root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
ua_need_tools ip
[ -f "$top_builddir/pam_userauth/.libs/pam_userauth.so" ] ||
	skip_all "pam_userauth.so was not built (no PAM headers?)"
ua_enter_netns "$@"
ua_scratch
ua_nss_setup
SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
BURST="$PY $top_srcdir/tests/tools/burst.py"
PW='Hang-canary-3b90d4'
PW_LOCAL='Local-canary-e71a02'
UNREACH='ERROR "The sign-in service cannot be reached. Try again later."'

$PY "$top_srcdir/tests/tools/tarpit.py" "$TB/tarpit.port" 2>"$TB/tarpit.err" &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 50 test -s "$TB/tarpit.port"
ok $? "an endpoint that accepts and never answers, on 127.0.0.1:$(cat "$TB/tarpit.port")"
# 10.255.0.2: on a link, with a neighbour entry, but no host has it
ip link add uahang0 type veth peer name uahang1 &&
	ip link set uahang0 up && ip link set uahang1 up &&
	ip addr add 10.255.0.1/24 dev uahang0 &&
	ip neigh add 10.255.0.2 lladdr 02:00:00:00:00:02 dev uahang0 nud permanent
VOID=$?
if [ $VOID -eq 0 ]; then
	ok 0 "an address whose packets vanish (10.255.0.2 behind a veth)"
else
	ok 0 "# SKIP no veth in this kernel: the vanishing address is not tried"
fi

pool() {
	cat <<EOF
[pool $1]
backend = cognito
uid_min = $2
uid_max = $(($2 + 999))
gid_min = $(($2 + 1000))
gid_max = $(($2 + 1999))
cognito_user_pool_id = eu-west-1_Hang01
cognito_client_id = hangclient01
cognito_endpoint = https://$3
cognito_timeout = 2
cognito_sync_interval = 0
first_factors = password
EOF
}
{
	printf '[defaults]\nshell = /bin/sh\nthrottle_account_after = 1000\nthrottle_host_after = 100000\n'
	pool tarpit 500000 "127.0.0.1:$(cat "$TB/tarpit.port")"
	pool void 510000 10.255.0.2
	pool noroute 520000 192.0.2.1
	printf '[pool local]\nuid_min = 530000\nuid_max = 530999\ngid_min = 531000\ngid_max = 531999\nfirst_factors = password\n'
} | ua_write_conf
mkdir -p "$TB/pam"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
for p in tarpit void noroute local; do
	echo "auth required $MOD socket=$SOCK pool=$p preferred=password" >"$TB/pam/cg-$p"
done
chmod 0644 "$TB/pam/"*
# The tarpit pool's last good sync, kept on disk as the daemon keeps it:
# NSS has ann from it while every request to the endpoint hangs.
ANN='ann:*:500042:500042::/home/ann:/bin/sh'
mkdir -m 0700 "$TB/state" &&
	printf '%s' '{"version":1,"users":[{"login":"ann","email":"ann@example.org","home":"/home/ann","shell":"/bin/sh","uid":500042}],"groups":[]}' \
		>"$TB/state/cognito-tarpit.json" &&
	chmod 0600 "$TB/state/cognito-tarpit.json" &&
	chown -R userauth:userauth "$TB/state"
ok $? "the tarpit pool's last sync kept in the state directory (ann)"
ua_start_daemon
ok $? "the daemon starts with three Cognito pools that cannot be reached and a local one"
expect_rc 0 "  ... NSS has ann from the kept sync" sh -c "[ \"\$(getent passwd ann)\" = '$ANN' ]"
uactl user add local lou --email lou@example.org >/dev/null && set_pw lou "$PW_LOCAL"
ok $? "a user in the local pool"

# hang POOL NAME: a login of ann through the module; transcript
# $TB/tx.NAME, its exit status in $rc, its seconds (to 0.1) in $secs
hang() {
	t0=$(date +%s%N)
	login "$2" "cg-$1" ann "$PW"
	rc=$?
	t=$((($(date +%s%N) - t0) / 100000000))
	secs=$((t / 10)).$((t % 10))
	tenths=$t
}

# --- accepted, never answered -------------------------------------------------
hang tarpit tarpit
expect_rc 0 "an endpoint that never answers: the login fails closed (exit $rc)" \
	test $rc -ne 0
tx_lacks "  ... never success" tarpit "authenticate: 0"
expect_rc 0 "  ... when the request deadline fires: after cognito_timeout = 2, not before, not much after ($secs s)" \
	test $tenths -ge 18 -a $tenths -le 40
expect_rc 0 "  ... the endpoint had the connection" grep -q accepted "$TB/tarpit.port.log"
tx_has "  ... and the user is told the sign-in service cannot be reached" tarpit "$UNREACH"
expect_rc 0 "  ... audited as unreachable" \
	grep -q "pool='tarpit' .*result=error reason=cognito_unreachable" "$TB/daemon.log"
expect_rc 0 "  ... and logged as a time-out" \
	grep -Eqi "cognito pool tarpit: .*(timed out|timeout)" "$TB/daemon.log"

# --- 20 logins hanging there, a local login and PING meanwhile -------------------
h0=$(date +%s%N)
$BURST "$SOCK" tarpit ann "$PW" 20 20 PASSWORD >"$TB/hang20.out" 2>&1 &
H=$!
UA_PIDS="$UA_PIDS $H"
ua_wait_for 50 sh -c "[ \$(grep -c accepted '$TB/tarpit.port.log') -ge 2 ]"
ok $? "20 logins of the tarpit pool under way (its endpoint has their connections)"
# NSS meanwhile: 10 lookups of ann, by name and by uid, from the cache
: >"$TB/getent.ms"
wrong=0
for i in 1 2 3 4 5; do
	for key in ann 500042; do
		t0=$(date +%s%N)
		e=$(getent passwd $key)
		echo $((($(date +%s%N) - t0) / 1000000)) >>"$TB/getent.ms"
		[ "$e" = "$ANN" ] || wrong=$((wrong + 1))
	done
done
kill -0 $H 2>/dev/null
during=$?
ninth=$(sort -n "$TB/getent.ms" | sed -n 9p)
worst=$(sort -n "$TB/getent.ms" | tail -n 1)
expect_rc 0 "  ... meanwhile getent passwd answers ann, synced, from the cache: 10 lookups by name and uid, $wrong wrong, 9 within 300 ms ($ninth), all within 2 s ($worst)" \
	test $wrong -eq 0 -a "$ninth" -le 300 -a "$worst" -le 2000
expect_rc 0 "  ... while those were still waiting" test $during -eq 0
t0=$(date +%s%N)
login local cg-local lou "$PW_LOCAL"
r=$?
lms=$((($(date +%s%N) - t0) / 1000000))
kill -0 $H 2>/dev/null
during=$?
expect_rc 0 "  ... meanwhile the local pool signs lou in, within 1 s ($lms ms)" \
	test $r -eq 0 -a $lms -le 1000
expect_rc 0 "  ... while those were still waiting" test $during -eq 0
t0=$(date +%s%N)
expect_rc 0 "  ... and PING is answered" $PY "$top_srcdir/tests/tools/sockpoke.py" ping "$SOCK"
pms=$((($(date +%s%N) - t0) / 1000000))
expect_rc 0 "  ... within 200 ms ($pms ms)" test $pms -le 200
wait $H
out=$(cat "$TB/hang20.out")
echo "# 20 logins at the tarpit: $out in $((($(date +%s%N) - h0) / 1000000)) ms"
set -- $out
expect_rc 0 "  ... the 20 end unavailable, none lost, none signed in ($out)" \
	test "$1 $2 $3 $5" = "ok=0 fail=0 unavailable=20 lost=0"

# --- packets that vanish ----------------------------------------------------------
if [ $VOID -eq 0 ]; then
	hang void void
	expect_rc 0 "an address whose packets vanish: the login fails closed (exit $rc)" \
		test $rc -ne 0
	expect_rc 0 "  ... after cognito_timeout = 2, not much after ($secs s)" \
		test $tenths -ge 18 -a $tenths -le 40
	tx_has "  ... and the user is told the sign-in service cannot be reached" void "$UNREACH"
	expect_rc 0 "  ... audited as unreachable" \
		grep -q "pool='void' .*result=error reason=cognito_unreachable" "$TB/daemon.log"
fi

# --- no route -----------------------------------------------------------------------
hang noroute noroute
expect_rc 0 "no route to the endpoint: the login fails closed (exit $rc)" test $rc -ne 0
expect_rc 0 "  ... at once ($secs s)" test $tenths -le 10
tx_has "  ... and the user is told the sign-in service cannot be reached" noroute "$UNREACH"
expect_rc 0 "  ... audited as unreachable" \
	grep -q "pool='noroute' .*result=error reason=cognito_unreachable" "$TB/daemon.log"
login local2 cg-local lou "$PW_LOCAL"
ok $? "the local pool still signs lou in"
expect_rc 0 "no password in the daemon's log" \
	sh -c "! grep -qF -e '$PW' -e '$PW_LOCAL' '$TB/daemon.log'"
ua_finish
