#!/bin/sh
# SPDX-License-Identifier: MIT
# Memory exhaustion under a running daemon (SECURITY.md 6b, "Memory / fd
# exhaustion"): libfiu's POSIX preload (fiu-run -x) fails the daemon's
# malloc, calloc, realloc, strdup and strndup, switched at run time with
# fiu-ctrl: a tenth of them (the daemon's first logins among them), then
# every one, then 3 in 1000 (where some requests get through).  Meanwhile, each round: a wrong
# password, a right one, a PING, an admin write (userauthctl user add),
# an NSS lookup; a login by mailed code and a burst of parallel logins
# in each phase.  Asserted throughout: no wrong password or code signs in;
# a right one signs in or fails cleanly (PAM_AUTHINFO_UNAVAIL), the
# module's host never dies of a signal; NSS answers from the cache; the
# daemon lives (or exits with a logged error, never a signal) and does not
# spin; SQLite's out-of-memory paths are reached.  Faults off, without a
# restart: logins by password and by mailed code work again, the write
# lock is free, an admin write is published; then PRAGMA integrity_check
# is ok and every admin write reported done is there, none reported
# failed.  Own mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
fi
ua_need_tools sqlite3 ip fiu-run fiu-ctrl mkfifo getent timeout
# libfiu's POSIX preload wraps malloc, which a sanitizer runtime owns: the
# daemon of such a build dies at its first allocation under it.
if ldd "$top_builddir/userauthd" 2>/dev/null | grep -q 'libasan'; then
	skip_all "a sanitizer build: libfiu's preload and the sanitizer runtime both wrap malloc (the plain build runs this)"
fi
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

PORT=2525
MAILDIR=$TB/mail
SOCK=$TB/run/public.sock
DB=$TB/state/userauth.db
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
PW='Oom-canary-pw-5e1a'
ROUNDS=${UA_OOM_ROUNDS:-12}

ua_write_conf <<EOF
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
mail_from = signin@example.com
otp_resend_cooldown = 0
otp_per_hour = 100
otp_per_day = 1000
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
[pool customer]
uid_min = 200000
uid_max = 200999
gid_min = 300000
gid_max = 300999
first_factors = password email_otp
otp_min_answer_age = 0
EOF
mkdir -p "$TB/pam"
{
	echo "auth required $MOD pool=customer socket=$SOCK timeout=3"
	echo "account required $MOD pool=customer socket=$SOCK timeout=3"
} >"$TB/pam/ua"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*

$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$MAILDIR" \
	>"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out"
ok $? "the SMTP sink listens"
ua_start_daemon
ok $? "the daemon starts"
setup_users() {
	uactl user add customer ida --email ida@example.com >/dev/null &&
		set_pw ida "$PW" &&
		uactl user add customer cora --email cora@example.com >/dev/null &&
		uactl user add customer dora --email dora@example.com >/dev/null
}
expect_rc 0 "pool users: ida with a password, cora and dora by mailed code" setup_users
ua_stop_daemon

# The sink's Maildir: "code RCPT SECS" waits up to SECS for an unread
# message to RCPT, prints its 8-digit code and marks it read.
cat >"$TB/mail.py" <<'EOF'
import mailbox, re, sys, time
md, rcpt, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.time() + secs
while True:
    mb = mailbox.Maildir(md, create=True)
    for k, m in mb.items():
        if (m.get("To") or "").strip().lower() == rcpt and m.get_subdir() == "new":
            m.set_subdir("cur")
            mb[k] = m
            print(re.findall(r"(?<![0-9])[0-9]{8}(?![0-9])",
                             m.get_payload(decode=True).decode())[0])
            sys.exit(0)
    if time.time() >= end:
        sys.exit("no mail for " + rcpt)
    time.sleep(0.05)
EOF
code() { $PY "$TB/mail.py" "$MAILDIR" "$1" "$2"; }

# The daemon under libfiu's preload, no failure enabled yet, and no login
# made yet: its first ones come under the faults.  The control FIFOs are
# made beforehand, the daemon user's (see iofault.sh: libfiu's control
# thread loses its own at the privilege drop).
served=$(grep -c ' serving [0-9]* pool' "$TB/daemon.log")
sh -c 'mkfifo -m 0600 "$0-$$.in" "$0-$$.out" && chown userauth "$0-$$.in" "$0-$$.out" &&
	exec fiu-run -x -f "$0" "$@"' "$TB/fiu" "$top_builddir/userauthd" -f -d \
	-c "$TB/etc/userauth.conf" >>"$TB/daemon.log" 2>&1 &
UA_DAEMON_PID=$!
UA_PIDS="$UA_PIDS $UA_DAEMON_PID"
ua_wait_for 100 sh -c "[ \$(grep -c ' serving [0-9]* pool' '$TB/daemon.log') -gt $served ]"
ok $? "the daemon starts under fiu-run -x"
# fiu COMMAND: to the daemon's libfiu (fiu-ctrl says what fails on stderr
# and exits 0 all the same).
fiu() {
	fiu_out=$(timeout 10 fiu-ctrl -c "$1" -f "$TB/fiu" "$UA_DAEMON_PID" 2>&1) &&
		[ -z "$fiu_out" ]
}
POINTS="libc/mm/malloc libc/mm/calloc libc/mm/realloc libc/str/strdup libc/str/strndup"
# faults_on PROBABILITY (1: every call): the number of points enabled.
faults_on() {
	fo_n=0
	for p in $POINTS; do
		if [ "$1" = 1 ]; then fiu "enable name=$p" && fo_n=$((fo_n + 1))
		else fiu "enable_random name=$p,probability=$1" && fo_n=$((fo_n + 1)); fi
	done
	[ $fo_n -eq 5 ]
}
faults_off() {
	fo_n=0
	for p in $POINTS; do fiu "disable name=$p" && fo_n=$((fo_n + 1)); done
	[ $fo_n -eq 5 ]
}
alive() { kill -0 "$UA_DAEMON_PID" 2>/dev/null; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$UA_DAEMON_PID/stat"; }

# The outcomes, one a line in $TB/outcomes: "KIND PHASE VALUE".
note() { echo "$*" >>"$TB/outcomes"; }
# how_many KIND PHASE VALUE-REGEX
how_many() { grep -Ec "^$1 $2 ($3)\$" "$TB/outcomes"; }
added_ok="" unknown="" n=0
# round PHASE: one of each request.
round() {
	n=$((n + 1))
	conv -r "192.0.2.$n" ua ida "wrong-$n" >"$TB/tx.w$n" 2>&1
	note w "$1" $?
	conv -r "198.51.100.$n" ua ida "$PW" >"$TB/tx.r$n" 2>&1
	note r "$1" $?
	timeout 5 $PY "$top_srcdir/tests/tools/sockpoke.py" ping "$SOCK" >/dev/null 2>&1
	note ping "$1" $?
	timeout 10 "$top_builddir/userauthctl" -s "$TB/run/admin.sock" \
		user add customer "u$n" --email "u$n@example.com" >"$TB/add.$n" 2>&1
	rc=$?
	note add "$1" $rc
	case $rc in
	0 | 5) added_ok="$added_ok u$n" ;; # done (5: NSS cache lags)
	*)
		# no reply, or an error at COMMIT: the outcome is not known
		if grep -Eq 'closed the connection|no reply|whether the change was saved is unknown' "$TB/add.$n"; then
			unknown="$unknown u$n"
		fi ;;
	esac
	[ "$(getent passwd ida | cut -d: -f3)" = 200000 ]
	note nss "$1" $?
}
# code_login PHASE USER: a login by mailed code; the code answered if it
# came within 3 s, else a wrong one.
code_login() {
	rm -f "$TB/fifo"
	mkfifo "$TB/fifo"
	"$PAMCONV" -C "$TB/pam" -f "$TB/fifo" ua "$2" >"$TB/tx.code$n" 2>&1 9>&- &
	cl_pid=$!
	exec 9>"$TB/fifo"
	if c=$(code "$2@example.com" 3 2>/dev/null); then
		cl_kind=code_right
	else
		c=00000000 cl_kind=code_wrong
	fi
	(printf '%s\n' "$c" >&9) 2>/dev/null
	exec 9>&-
	wait "$cl_pid"
	note $cl_kind "$1" $?
}
# burst PHASE: 8 right passwords at once.
burst() {
	for b in 1 2 3 4 5 6 7 8; do
		conv -r "203.0.113.$b" ua ida "$PW" >/dev/null 2>&1 &
		eval "bp$b=\$!"
	done
	for b in 1 2 3 4 5 6 7 8; do
		eval "wait \$bp$b"
		note burst "$1" $?
	done
}
# phase NAME PROBABILITY ROUNDS
phase() {
	faults_on "$2" || return 1
	i=0
	while [ $i -lt "$3" ] && alive; do
		round "$1"
		[ $i -eq 1 ] && alive && code_login "$1" cora
		[ $i -eq 2 ] && alive && burst "$1"
		i=$((i + 1))
	done
	faults_off
}
# judge NAME TITLE: the phase's assertions.
judge() {
	total=$(how_many r "$1" '[0-9]+')
	expect_rc 0 "$2: no wrong password signs in ($(how_many w "$1" 0) of $total)" \
		test "$(how_many w "$1" 0)" -eq 0
	bad=$(grep -E "^(w|r|burst|code_right|code_wrong) $1 " "$TB/outcomes" |
		grep -Evc "^(w $1 (7|9)|r $1 (0|9)|burst $1 (0|9)|code_right $1 (0|9)|code_wrong $1 (7|9))\$")
	expect_rc 0 "  ... a right password signs in or fails cleanly, PAM_AUTHINFO_UNAVAIL; a wrong one fails (7 or 9); no host died of a signal (right: $(how_many r "$1" 0) in, $(how_many r "$1" 9) unavailable; burst: $(how_many burst "$1" 0) in, $(how_many burst "$1" 9) unavailable; $bad other)" \
		test "$bad" -eq 0
	expect_rc 0 "  ... a login by mailed code: never in on a wrong code; the right one in or unavailable ($(grep -E "^code_(right|wrong) $1 " "$TB/outcomes" | tr '\n' ' '))" \
		sh -c "[ $(how_many code_wrong "$1" 0) -eq 0 ] && [ $(grep -Ec "^code_(right|wrong) $1 " "$TB/outcomes") -ge 1 ]"
	expect_rc 0 "  ... each PING answered or its connection closed, none hung ($(how_many ping "$1" 0) answered, $(how_many ping "$1" 1) closed)" \
		test "$(how_many ping "$1" 124)" -eq 0
	expect_rc 0 "  ... NSS answers ida from the cache every time ($(how_many nss "$1" 0) of $(how_many nss "$1" '[0-9]+'))" \
		test "$(how_many nss "$1" 1)" -eq 0
}

# --- a tenth of the allocations fail (the daemon's first logins among them)
faults_on 0.1 && faults_off
ok $? "fiu-ctrl switches the five allocation points (malloc calloc realloc strdup strndup)"
phase tenth 0.1 "$ROUNDS"
ok $? "a tenth of the daemon's allocations fail, for $ROUNDS rounds (the daemon's first logins among them)"
judge tenth "a tenth failing"
expect_rc 0 "  ... the failures were real: some request failed ($(how_many r tenth 9) right passwords, $(how_many add tenth '[1-9]') admin writes)" \
	test $(($(how_many r tenth 9) + $(how_many add tenth '[1-9]'))) -gt 0

# --- every allocation fails -------------------------------------------------
if alive; then
	faults_on 1
	ok $? "every allocation of the daemon fails"
	t0=$(cpu_ticks)
	# two idle seconds: the mailer, the publisher and the loop wait on
	ua_wait_for 20 false
	t1=$(cpu_ticks)
	faults_off
	phase all 1 4
	judge all "every allocation failing"
	expect_rc 0 "  ... nothing signs in ($(how_many r all 0) right passwords, $(how_many burst all 0) of the burst)" \
		test $(($(how_many r all 0) + $(how_many burst all 0))) -eq 0
	expect_rc 0 "  ... and the daemon does not spin on it ($(((t1 - t0) * 10)) ms CPU in 2 s idle)" \
		test $((t1 - t0)) -lt 50
fi

# --- 3 allocations in 1000 fail: some requests get through ---------------
if alive; then
	phase few 0.003 "$ROUNDS"
	ok $? "3 in 1000 of the daemon's allocations fail, for $ROUNDS rounds"
	judge few "3 in 1000 failing"
fi
nomem=$(grep -c 'database error: out of memory' "$TB/daemon.log")
expect_rc 0 "SQLite ran out of memory in the daemon and said so ($nomem lines 'database error: out of memory')" \
	test "$nomem" -gt 0
echo "# admin writes: done$(echo "$added_ok" | wc -w | sed 's/^/ /'), outcome unknown$(echo "$unknown" | wc -w | sed 's/^/ /'), of $n"

if alive; then
	ok 0 "the daemon kept serving through them"
	login back ua ida "$PW"
	ok $? "faults off: ida signs in at once, without a restart"
	# dora has had no login yet: the one mail to her is this login's
	code_login after dora
	expect_rc 0 "  ... dora signs in by a mailed code (the mailer is back)" \
		test "$(how_many code_right after 0)" -eq 1
	expect_rc 0 "  ... PING is answered" $PY "$top_srcdir/tests/tools/sockpoke.py" ping "$SOCK"
	expect_rc 0 "  ... no transaction was left open: another process takes the write lock" \
		sqlite3 -cmd '.timeout 2000' "$DB" 'BEGIN IMMEDIATE; ROLLBACK;'
	uactl user add customer zed --email zed@example.com >/dev/null
	ok $? "  ... an admin write is done and published"
	expect_rc 0 "  ... NSS finds the new user at once" getent passwd zed
	added_ok="$added_ok zed"
	ua_stop_daemon
	st=$?
	expect_rc 0 "  ... the daemon stops cleanly (status $st)" test "$st" -eq 0
else
	wait "$UA_DAEMON_PID"
	st=$?
	expect_rc 0 "the daemon exited, cleanly (status $st, not a signal) and said why" \
		sh -c "[ $st -lt 128 ] && tail -5 '$TB/daemon.log' | grep -Eq 'error|fatal|cannot|failed|memory'"
fi
expect_rc 0 "the database is intact (PRAGMA integrity_check)" \
	sh -c "[ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check;')\" = ok ]"
ua_start_daemon
ok $? "the daemon starts again, without the preload"
missing=""
for u in $added_ok; do
	uactl user show "$u" >/dev/null 2>&1 || missing="$missing $u"
done
expect_rc 0 "every user an admin write reported added is there (${missing:-none missing}, of$(echo "$added_ok" | wc -w | sed 's/^/ /'))" \
	test -z "$missing"
extra=""
for u in $(sqlite3 "$DB" "SELECT login FROM users WHERE login GLOB 'u[0-9]*'"); do
	case " $added_ok $unknown " in
	*" $u "*) ;;
	*) extra="$extra $u" ;;
	esac
done
expect_rc 0 "  ... and none that was reported as not added (${extra:-none}; outcome told as unknown:$(echo "$unknown" | wc -w | sed 's/^/ /'))" \
	test -z "$extra"
login last ua ida "$PW"
ok $? "ida signs in"
if grep -q "$PW" "$TB/daemon.log"; then ok 1 "the password is in no log"; else
	ok 0 "the password is in no log"; fi
ua_finish
