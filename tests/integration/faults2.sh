#!/bin/sh
# SPDX-License-Identifier: MIT
# More rows of the reliability matrix (SECURITY.md 6b), in a pool that
# mails codes (an aiosmtpd sink, tests/tools/smtpsink.py): a refused
# SIGHUP keeps an old policy value in force; a restart between a mailed
# code and its answer leaves no second valid code; the state directory
# full while a code is issued; the database locked, timed against the
# event loop's busy timeout; the database corrupted under the running
# daemon; kill -9 during 200 logins, some of them by mailed code.  Own
# mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
fi
ua_need_tools sqlite3 fallocate ip mkfifo
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

PORT=2525
MAILDIR=$TB/mail
SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
PW='Fault2-canary-pw-3b7c'
DB=$TB/state/userauth.db
q() { sqlite3 "$DB" "$1"; }

# The state directory on a small tmpfs of its own, so that it can be filled.
mkdir -p "$TB/state"
mount -t tmpfs -o "size=8m,mode=0700,uid=$(id -u userauth),gid=$(id -g userauth)" tmpfs "$TB/state" ||
	skip_all "cannot mount a tmpfs for the state directory"

# conf_text OTP_TRIES: the daemon's config.
conf_text() {
	cat <<EOF
hash_threads = 1
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
gid_max = 300099
first_factors = password email_otp
otp_tries = $1
EOF
}
conf_text 3 | ua_write_conf
mkdir -p "$TB/pam"
{
	echo "auth required $MOD pool=customer socket=$SOCK timeout=3"
	echo "account required $MOD pool=customer socket=$SOCK timeout=3"
	echo "password required $MOD pool=customer socket=$SOCK timeout=3"
} >"$TB/pam/ua"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*

$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$MAILDIR" \
	>"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out"
ok $? "the SMTP sink listens"
ua_start_daemon
ok $? "the daemon starts, its state on an 8 MiB tmpfs"

# The sink's Maildir: "code RCPT" waits for an unread message to RCPT,
# prints its 8-digit code and marks it read; "count RCPT" counts them all;
# "seen RCPT" marks them all read and prints their codes, each once.
cat >"$TB/mail.py" <<'EOF'
import mailbox, re, sys, time
cmd, md, rcpt = sys.argv[1:4]
def mine():
    mb = mailbox.Maildir(md, create=True)
    return mb, [(k, m) for k, m in mb.items()
                if (m.get("To") or "").strip().lower() == rcpt]
if cmd == "count":
    print(len(mine()[1]))
    sys.exit(0)
def code_of(m):
    return re.findall(r"(?<![0-9])[0-9]{8}(?![0-9])",
                      m.get_payload(decode=True).decode())[0]
if cmd == "seen":
    mb, ms = mine()
    for k, m in ms:
        m.set_subdir("cur")
        mb[k] = m
    print("\n".join(sorted(set(code_of(m) for k, m in ms))))
    sys.exit(0)
end = time.time() + 15
while time.time() < end:
    mb, ms = mine()
    for k, m in ms:
        if m.get_subdir() == "new":
            m.set_subdir("cur")
            mb[k] = m
            print(code_of(m))
            sys.exit(0)
    time.sleep(0.05)
sys.exit("no mail for " + rcpt)
EOF
code() { $PY "$TB/mail.py" code "$MAILDIR" "$1"; }
mails_to() { $PY "$TB/mail.py" count "$MAILDIR" "$1"; }
codes_seen() { $PY "$TB/mail.py" seen "$MAILDIR" "$1"; }

# bg_login NAME PAMCONV-ARGS...: a login in the background taking its
# answers from a FIFO written through fd 9; its pid in BG_PID.
bg_login() {
	n=$1
	shift
	rm -f "$TB/fifo.$n"
	mkfifo "$TB/fifo.$n"
	"$PAMCONV" -C "$TB/pam" -f "$TB/fifo.$n" "$@" >"$TB/tx.$n" 2>&1 9>&- &
	BG_PID=$!
	exec 9>"$TB/fifo.$n"
}
answer() { (printf '%s\n' "$1" >&9) 2>/dev/null; }
finish() {
	exec 9>&-
	wait "$1"
}
# tx_is DESCRIPTION NAME: the transcript equals stdin.
tx_is() {
	if diff -u - "$TB/tx.$2" >"$TB/diff" 2>&1; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/diff" | head -30
	fi
}
intact() { [ "$(q 'PRAGMA integrity_check;')" = ok ]; }

setup_users() {
	uactl user add customer bea --email bea@example.com &&
	set_pw bea "$PW" &&
	uactl user add customer cora --email cora@example.com &&
	uactl user add customer dora --email dora@example.com
}
expect_rc 0 "pool users: bea with a password, cora and dora by mailed code only" setup_users

# --- a refused reload keeps the old policy in force --------------------------------
# The bad file would make a code die at its first wrong answer (otp_tries
# = 1); refused, a wrong code still leaves 2 of 3 tries.
cp "$TB/etc/userauth.conf" "$TB/good.conf"
conf_text 1 | ua_write_conf
echo "bogus line" >>"$TB/etc/userauth.conf"
kill -HUP "$UA_DAEMON_PID"
ua_wait_for 50 grep -q 'reload refused' "$TB/daemon.log"
ok $? "a config with otp_tries = 1 and a bad line: the SIGHUP reload is refused"
expect_rc 0 "  ... for that line" grep -q "reload refused.*userauth.conf:$(wc -l <"$TB/etc/userauth.conf"): " "$TB/daemon.log"
bg_login tries3 ua cora
pid=$BG_PID
c=$(code cora@example.com) && answer 00000000 && answer "$c"
finish $pid
ok $? "  ... the old otp_tries = 3 stays in force: a wrong code, then the right one, signs cora in"
tx_is "  ... after 'Wrong code, 2 tries left.'" tries3 <<'EOF'
call 1: INFO "A code was sent to c***@e******.com" | ECHO_OFF "Code: "
call 2: INFO "A code was sent to c***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
authenticate: 0 Success
EOF
# The same value in a good file takes effect: the login above can tell.
conf_text 1 | ua_write_conf
reloads=$(grep -c 'configuration reloaded' "$TB/daemon.log")
kill -HUP "$UA_DAEMON_PID"
ua_wait_for 50 sh -c "[ \$(grep -c 'configuration reloaded' '$TB/daemon.log') -gt $reloads ]"
ok $? "  ... the same otp_tries = 1 in a valid file is reloaded"
bg_login tries1 ua cora
pid=$BG_PID
c=$(code cora@example.com) && answer 00000000 && answer "$c"
finish $pid
expect_rc 0 "  ... and then a wrong code kills the code at once (the check above sees the value)" \
	grep -q '^authenticate: 7 ' "$TB/tx.tries1"
cp "$TB/good.conf" "$TB/etc/userauth.conf"
reloads=$(grep -c 'configuration reloaded' "$TB/daemon.log")
kill -HUP "$UA_DAEMON_PID"
ua_wait_for 50 sh -c "[ \$(grep -c 'configuration reloaded' '$TB/daemon.log') -gt $reloads ]"
ok $? "  ... (otp_tries = 3 again)"

# --- a restart between the mailed code and its answer ----------------------------
# The login's state is its connection: the code mailed before the restart
# dies with it.  A new login gets a new code, and the old one is no
# second valid code.
uid_of() { q "SELECT id FROM users WHERE login = '$1'"; }
live_codes() { q "SELECT count(*) FROM otp_codes WHERE user_id = $(uid_of "$1") AND used = 0"; }
bg_login restart ua dora
pid=$BG_PID
C_OLD=$(code dora@example.com)
ok $? "a code is mailed to dora"
ua_stop_daemon
ua_start_daemon
answer "$C_OLD"
finish $pid
r=$?
expect_rc 0 "the daemon restarts before her answer: that login fails cleanly, PAM_AUTHINFO_UNAVAIL ($r)" \
	test $r -eq 9
tx_lacks "  ... not success" restart "authenticate: 0"
bg_login after ua dora
pid=$BG_PID
C_NEW=$(code dora@example.com)
ok $? "  ... a new login mails her a new code"
expect_rc 0 "  ... which leaves one live code of hers in the database, not two ($(live_codes dora))" \
	test "$(live_codes dora)" -eq 1
answer "$C_OLD"
answer "$C_NEW"
finish $pid
ok $? "  ... the code mailed before the restart is refused there, the new one signs her in"
tx_is "  ... as a wrong code ('Wrong code, 2 tries left.')" after <<'EOF'
call 1: INFO "A code was sent to d***@e******.com" | ECHO_OFF "Code: "
call 2: INFO "A code was sent to d***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
authenticate: 0 Success
EOF
expect_rc 0 "  ... and no live code of hers is left" test "$(live_codes dora)" -eq 0

# --- the state directory full when a code is to be issued --------------------------
rows() { q "SELECT (SELECT count(*) FROM otp_codes), (SELECT count(*) FROM mail_queue), (SELECT count(*) FROM otp_issued)"; }
rows0=$(rows)
mails0=$(mails_to dora@example.com)
fallocate -l 16m "$TB/state/filler" 2>/dev/null ||
	dd if=/dev/zero of="$TB/state/filler" bs=64k 2>/dev/null
login full ua dora
r=$?
expect_rc 0 "state directory full: dora's login fails closed, PAM_AUTHINFO_UNAVAIL ($r)" test $r -eq 9
tx_is "  ... before any prompt, and no word of a code sent" full <<'EOF'
authenticate: 9 Authentication service cannot retrieve authentication info
EOF
expect_rc 0 "  ... the daemon logs why (the disk is full)" \
	grep -q "issuing a code failed: .*disk is full" "$TB/daemon.log"
expect_rc 0 "  ... and audits it as an error" \
	grep -q "user='dora' .*result=error reason=otp_issue" "$TB/daemon.log"
rm -f "$TB/state/filler"
expect_rc 0 "  ... nothing half-written: no code, mail or issue row was added (codes, mails, issues: $rows0 -> $(rows))" \
	test "$(rows)" = "$rows0"
expect_rc 0 "  ... the database is intact" intact
bg_login roomy ua dora
pid=$BG_PID
c=$(code dora@example.com) && answer "$c"
finish $pid
ok $? "  ... space back: a code is mailed and signs dora in"
expect_rc 0 "  ... and that was the only mail since the disk was full ($mails0 -> $(mails_to dora@example.com))" \
	test "$(mails_to dora@example.com)" -eq $((mails0 + 1))

# --- the database locked by another process, timed --------------------------------
# timed.py SOCK USER PASSWORD: one password login on the socket; prints
# "OUTCOME initiate_ms respond_ms" (respond_ms: from the answer to the
# RESULT).
cat >"$TB/timed.py" <<'EOF'
import socket, struct, sys, time
T = {"INITIATE": 3, "CHALLENGE": 4, "RESPOND": 5, "RESULT": 6, "WAIT": 10}
TAG = {"POOL": 1, "USER": 2, "SERVICE": 3, "CHALLENGE": 8, "ANSWER": 9,
       "OUTCOME": 14}
def frame(mtype, fields):
    body = struct.pack(">HHH", 1, T[mtype], len(fields))
    for k, v in fields.items():
        body += struct.pack(">HH", TAG[k], len(v)) + v.encode()
    return struct.pack(">I", len(body)) + body
def read(s):
    def exact(n):
        b = b""
        while len(b) < n:
            d = s.recv(n - len(b))
            if not d:
                sys.exit("closed")
            b += d
        return b
    body = exact(struct.unpack(">I", exact(4))[0])
    _, mtype, count = struct.unpack(">HHH", body[:6])
    off, out = 6, {}
    for _ in range(count):
        tag, n = struct.unpack(">HH", body[off:off + 4])
        out[tag] = body[off + 4:off + 4 + n].decode()
        off += 4 + n
    return mtype, out
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
t0 = time.monotonic()
s.sendall(frame("INITIATE", {"POOL": "customer", "USER": sys.argv[2],
                             "SERVICE": "timed"}))
mtype, f = read(s)
t1 = time.monotonic()
if mtype != T["CHALLENGE"] or f.get(8) != "PASSWORD":
    sys.exit("no PASSWORD challenge: %r %r" % (mtype, f))
s.sendall(frame("RESPOND", {"CHALLENGE": "PASSWORD", "ANSWER": sys.argv[3]}))
while True:
    mtype, f = read(s)
    if mtype == T["RESULT"]:
        break
t2 = time.monotonic()
print(f.get(14), int((t1 - t0) * 1000), int((t2 - t1) * 1000))
EOF
timed() { $PY "$TB/timed.py" "$SOCK" bea "$PW"; }
set -- $(timed)
expect_rc 0 "unlocked, a timed login of bea's succeeds (${1:-none}, answered in ${3:-?} ms)" test "${1:-}" = OK
rm -f "$TB/lockfifo"
mkfifo "$TB/lockfifo"
( { echo 'BEGIN EXCLUSIVE;'; echo "SELECT 'locked';"; cat "$TB/lockfifo"; echo 'COMMIT;'; } |
	sqlite3 "$DB" >"$TB/lock.out" 2>&1 ) 8>&- &
LOCKER=$!
exec 8>"$TB/lockfifo"
ua_wait_for 50 grep -q locked "$TB/lock.out"
ok $? "another process holds the database EXCLUSIVE"
set -- $(timed)
expect_rc 0 "  ... bea's right password fails closed, UNAVAILABLE (${1:-none})" test "${1:-}" = UNAVAILABLE
expect_rc 0 "  ... the challenge came at once: reads are not locked out (${2:-?} ms)" test "${2:-9999}" -lt 200
expect_rc 0 "  ... the answer fails after the event loop's busy timeout of 250 ms, not at once, not later (${3:-?} ms, wanted 200-1000)" \
	test "${3:-0}" -ge 200 -a "${3:-9999}" -le 1000
expect_rc 0 "  ... audited as an error (the throttle store could not be written)" \
	grep -q "service='timed' .*result=error reason=throttle_store" "$TB/daemon.log"
exec 8>&-
wait $LOCKER
set -- $(timed)
expect_rc 0 "  ... once it lets go, bea signs in (${1:-none})" test "${1:-}" = OK

# --- kill -9 during 200 logins, 60 of them by mailed code -------------------------
# 140 password logins queue for the one hash thread while 60 users are
# mailed codes and answer them; the daemon is killed once both kinds have
# signed someone in (judged right: a code's reply waits 1 s, so the
# clients may not have seen it yet).  Then: every code committed has its
# mail row, every code that signed in is spent in the database, and one
# of them answered in a new login after the restart is a wrong code there
# (none usable twice).
i=1
while [ $i -le 60 ] && uactl user add customer "o$i" --email "o$i@example.org" >/dev/null; do
	i=$((i + 1))
done
ok $((i != 61)) "60 more users who sign in by mailed code"
$PY "$top_srcdir/tests/tools/burst.py" "$SOCK" customer bea "$PW" 140 10 >"$TB/burst.out" 2>&1 &
BURST=$!
ua_wait_for 100 grep -q "service='burst'.*result=ok" "$TB/daemon.log"
# (one answer every 25 ms: the code logins last 1.5 s at least)
$PY "$top_srcdir/tests/tools/otpburst.py" "$SOCK" customer "$MAILDIR" o example.org 60 15 0.025 \
	>"$TB/otpburst.out" 2>&1 &
OTPB=$!
ua_wait_for 150 sh -c "[ \$(grep -c \"service='otpburst'.*result=ok\" '$TB/daemon.log') -ge 3 ]"
ok $? "200 logins at once: password logins sign in, then mailed-code logins too"
kill -9 "$UA_DAEMON_PID"
wait "$UA_DAEMON_PID" 2>/dev/null
wait $BURST
rb=$?
wait $OTPB
ro=$?
echo "# at kill -9: password $(cat "$TB/burst.out"); by code $(cat "$TB/otpburst.out")"
n_of() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$TB/$1.out"; }
ok_pw=$(n_of burst ok)
ok_otp=$(n_of otpburst ok)
expect_rc 0 "  ... every one of the 200 ended (exits $rb, $ro): $ok_pw + $ok_otp signed in before the kill, the others got no success" \
	test "$rb" -eq 0 -a "$ro" -eq 0 -a "$ok_pw" -lt 140 -a "$ok_otp" -lt 60 -a \
	"$(($(n_of burst ok) + $(n_of burst fail) + $(n_of burst unavailable) + $(n_of burst busy) + $(n_of burst lost)))" -eq 140 -a \
	"$(($(n_of otpburst ok) + $(n_of otpburst fail) + $(n_of otpburst unavailable) + $(n_of otpburst lost)))" -eq 60
expect_rc 0 "  ... NSS answers from the cache while it is down" getent passwd o1
expect_rc 0 "  ... PRAGMA integrity_check: ok" intact
ua_start_daemon
ok $? "  ... it starts again"
expect_rc 0 "  ... every code committed has its mail row ($(q "SELECT count(*) FROM otp_codes c JOIN users u ON u.id = c.user_id WHERE u.login LIKE 'o%'") codes)" \
	test "$(q "SELECT count(*) FROM otp_codes c WHERE NOT EXISTS (SELECT 1 FROM mail_queue m WHERE m.otp_id = c.id)")" -eq 0
spent=$(q "SELECT count(*) FROM otp_codes c JOIN users u ON u.id = c.user_id WHERE u.login LIKE 'o%' AND c.used = 1")
# (judged and audited at once, a right code's reply waits until 1 s
# after its prompt, otp_min_answer_age: the kill may come before any
# client saw its success)
judged=$(grep -c "service='otpburst'.*result=ok" "$TB/daemon.log")
expect_rc 0 "  ... each code that signed in before the kill is spent in the database ($spent spent; $judged judged right, $ok_otp of them seen by the clients)" \
	test "$spent" -ge "$judged" -a "$judged" -ge 1
expect_rc 0 "  ... and each code login the burst saw succeed was audited before the kill" \
	test "$(grep -c "service='otpburst'.*result=ok" "$TB/daemon.log")" -ge "$ok_otp"
# No code usable twice: a code that signed its user in before the kill
# cannot sign in again after the restart.  A new login of that user is
# mailed a new code, and the old one is refused there as a wrong code.
# (Mails of the burst that the kill left unrecorded go out again first:
# they are marked read, so that the next unread one is the new code.)
U=$(grep "service='otpburst'.*result=ok" "$TB/daemon.log" | head -n 1 | sed -n "s/.* user='\(o[0-9]*\)' .*/\1/p")
ua_wait_for 150 sh -c "[ \$(sqlite3 '$DB' \"SELECT count(*) FROM mail_queue WHERE recipient = '${U:-none}@example.org' AND state = 'queued'\") -eq 0 ]"
C_OLD=$(codes_seen "${U:-none}@example.org")
expect_rc 0 "  ... ${U:-nobody}'s code was judged right before the kill (audited result=ok), the one code mailed to him (${C_OLD:-none}), spent (live codes: $(live_codes "${U:-none}"))" \
	test -n "$U" -a -n "$C_OLD" -a "$(echo "$C_OLD" | wc -l)" -eq 1 -a "$(live_codes "${U:-none}")" = 0
bg_login replay ua "$U"
pid=$BG_PID
C_NEW=$(code "$U@example.org")
expect_rc 0 "  ... a new login of his after the restart is mailed a new code" \
	test -n "$C_NEW" -a "$C_NEW" != "$C_OLD"
answer "$C_OLD"
answer "$C_NEW"
finish $pid
ok $? "  ... his code that signed in before the kill is refused there, the new one signs him in"
tx_is "  ... as a wrong code ('Wrong code, 2 tries left.')" replay <<'EOF'
call 1: INFO "A code was sent to o***@e******.org" | ECHO_OFF "Code: "
call 2: INFO "A code was sent to o***@e******.org" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
authenticate: 0 Success
EOF
login again ua bea "$PW"
ok $? "  ... and bea signs in"

# SECURITY.md 6b: refuse to start with a clear error, or stay in the last
# good state; PAM fails closed; NSS served from the cache.  Running, the
# daemon stays up and fails every login closed, saying why, with NSS on
# its last published cache; it does not spin on the damage; stopped, it
# refuses to start again, naming the file and the way out.
ckpt=$(q 'PRAGMA wal_checkpoint(TRUNCATE);')
pages=$(($(stat -c %s "$DB") / $(q 'PRAGMA page_size;')))
dd if=/dev/urandom of="$DB" bs="$(q 'PRAGMA page_size;')" seek=1 count=$((pages - 1)) \
	conv=notrunc 2>/dev/null &&
	[ "${ckpt%%|*}" = 0 ]
ok $? "all in the main file (checkpoint $ckpt), its $((pages - 1)) pages after the first are overwritten with random bytes under the running daemon"
mails0=$(mails_to dora@example.com)
login cwrong ua bea wrong-password
r=$?
expect_rc 0 "  ... a wrong password fails closed, PAM_AUTHINFO_UNAVAIL ($r)" test $r -eq 9
login cright ua bea "$PW"
r=$?
expect_rc 0 "  ... and so does the right one ($r), never success" \
	sh -c "[ $r -eq 9 ] && ! grep -q 'authenticate: 0' '$TB/tx.cright'"
login cdora ua dora
r=$?
expect_rc 0 "  ... a login by mailed code fails closed too ($r)" test $r -eq 9
expect_rc 0 "  ... the daemon says why (the database disk image is malformed)" \
	grep -q "login lookup failed: .*database disk image is malformed" "$TB/daemon.log"
expect_rc 0 "  ... and audits each login as an error ($(grep -c "event=auth .*service='ua'.*result=error reason=user_lookup" "$TB/daemon.log") of 3)" \
	test "$(grep -c "event=auth .*service='ua'.*result=error reason=user_lookup" "$TB/daemon.log")" -eq 3
login cacct -A ua bea
r=$?
expect_rc 0 "  ... the account phase fails closed too, PAM_AUTHINFO_UNAVAIL ($r)" test $r -eq 9
expect_rc 0 "  ... logged and audited once as an error ($(grep -c "event=account .*user='bea'.*result=error reason=user_lookup" "$TB/daemon.log") of 1)" \
	sh -c "grep -q 'account lookup failed: .*malformed' '$TB/daemon.log' &&
	[ \$(grep -c \"event=account .*user='bea'.*result=error reason=user_lookup\" '$TB/daemon.log') -eq 1 ]"
# passwd(1): its preliminary check asks ACCT (the CHPASS path itself is
# test_auth.c's test_lookup_failure_audited_in_every_phase)
login cchpass --chauthtok ua bea "$PW" 'New-Fault2-pw-9d1e' 'New-Fault2-pw-9d1e'
r=$?
expect_rc 0 "  ... a password change fails, PAM_TRY_AGAIN ($r), never changed" \
	sh -c "[ $r -eq 24 ] && ! grep -q 'chauthtok: 0' '$TB/tx.cchpass'"
expect_rc 0 "  ... audited as an error too ($(grep -c "event=account .*user='bea'.*result=error reason=user_lookup" "$TB/daemon.log") of 2)" \
	test "$(grep -c "event=account .*user='bea'.*result=error reason=user_lookup" "$TB/daemon.log")" -eq 2
expect_rc 1 "  ... an admin command fails" uactl user show bea
grep_last "  ... saying so" "database disk image is malformed"
expect_rc 0 "  ... NSS answers from the last published cache" getent passwd bea
ticks() { awk '{ print $14 + $15 }' "/proc/$UA_DAEMON_PID/stat"; }
c0=$(ticks)
l0=$(grep -c 'mailer: .*malformed' "$TB/daemon.log")
sleep 2
c1=$(ticks)
l1=$(grep -c 'mailer: .*malformed' "$TB/daemon.log")
hz=$(getconf CLK_TCK)
expect_rc 0 "  ... the daemon lives, and does not spin on the damage ($(((c1 - c0) * 1000 / hz)) ms CPU in 2 s; the mailer logged it $((l1 - l0)) times, at most once a minute)" \
	sh -c "kill -0 $UA_DAEMON_PID && [ $(((c1 - c0) * 1000 / hz)) -lt 200 ] && [ $((l1 - l0)) -le 1 ]"
expect_rc 0 "  ... no code was mailed" test "$(mails_to dora@example.com)" -eq "$mails0"
ua_stop_daemon
expect_rc 78 "  ... stopped, it refuses to start on the damaged file" \
	timeout 10 "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf"
grep_last "  ... naming it, what is wrong and how to recover" \
	"'$DB' is not a usable SQLite database \\(database disk image is malformed\\); restore it from a backup"

if grep -q "$PW" "$TB/daemon.log"; then ok 1 "the password is in no log"; else
	ok 0 "the password is in no log"; fi
ua_finish
