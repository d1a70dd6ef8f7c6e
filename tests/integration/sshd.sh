#!/bin/sh
# SPDX-License-Identifier: MIT
# A real sshd logging pool users in through pam_userauth: keyboard-
# interactive with codes mailed to an aiosmtpd sink, the code-sent text in
# the same round as the Code: prompt (OpenSSH bug 2876), a wrong code asked
# again in the same connection, passwords, the account phase per service,
# and unknown users.  Users exist only through libnss_userauth (overlay
# over the libc dir).  sshd runs as "sshd-userauth", so that is the PAM
# service.  Own mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
SSHD=/usr/sbin/sshd
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	[ -x "$SSHD" ] || skip_all "needs $SSHD (openssh-server)"
	getent passwd sshd >/dev/null ||
		skip_all "needs sshd's privilege separation user"
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
	$PY -c 'import paramiko' 2>/dev/null ||
		skip_all "needs python3-paramiko for $PY"
	for t in ssh-keygen ip; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	[ -f "$top_builddir/pam_userauth/.libs/pam_userauth.so" ] ||
		skip_all "pam_userauth.so was not built (no PAM headers?)"
	UA_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@" ||
		skip_all "unshare -m -n failed"
fi
ip link set lo up || skip_all "cannot bring up lo in the new namespace"
T0=$(date +%s)
ua_scratch
ua_nss_setup

SMTP_PORT=2525
SSH_PORT=2222
SERVICE=sshd-userauth
MAILDIR=$TB/mail
sshlogin() {
	$PY "$top_srcdir/tests/tools/sshlogin.py" --port "$SSH_PORT" \
		--maildir "$MAILDIR" "$@"
}

# tr FILE EXPR...: each Python expression must be true of the transcript
# (lib.sh's ua_transcript_checker says which names it knows).
ua_transcript_checker
tr() { $PY "$TB/tr.py" "$@"; }

# Mail to one address in the sink, and rows in the daemon's mail queue.
mails() { grep -lis "^X-RcptTo: $1" "$MAILDIR"/new/* 2>/dev/null | wc -l; }
allmail() { find "$MAILDIR/new" -type f | wc -l; }
qrows() { uactl --json mailq | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# --- daemon, sink, pool ---------------------------------------------------------
ua_write_conf <<EOF
[mail]
smtp_url = smtp://127.0.0.1:$SMTP_PORT
retry_max_interval = 1

[defaults]
shell = /bin/sh

[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
home = $TB/home/%u
mail_from = signin@example.com
otp_resend_cooldown = 0
service_groups = $SERVICE:developers
EOF
ua_start_daemon
ok $? "userauthd starts"
$PY "$top_srcdir/tests/tools/smtpsink.py" --port $SMTP_PORT \
	--maildir "$MAILDIR" >"$TB/sink.out" 2>&1 &
SINK_PID=$!
UA_PIDS="$UA_PIDS $SINK_PID"
ua_wait_for 100 grep -q '^listening' "$TB/sink.out"
ok $? "SMTP sink listens on 127.0.0.1:$SMTP_PORT"

{
	uactl group add customer developers &&
		uactl group add customer partners &&
		uactl group add customer guests &&
		uactl user add customer alice --email alice@example.com \
			--group developers --group partners &&
		uactl user add customer bob --email bob@example.net --group developers &&
		printf 'correct horse battery\n' | uactl passwd bob --stdin &&
		uactl user add customer carol --email carol@example.org --group guests
} >"$TB/provision.out" 2>&1
ok $? "pool users alice (code), bob (password), carol (not allowed for $SERVICE)"
for u in alice bob carol; do
	mkdir -p "$TB/home/$u" && chown "$u:$u" "$TB/home/$u"
done
expect_rc 0 "alice exists only through libnss_userauth" \
	sh -c '! grep -q "^alice:" /etc/passwd && getent passwd alice'

# --- sshd as sshd-userauth ----------------------------------------------------------
MOD="$top_builddir/pam_userauth/.libs/pam_userauth.so"
ARGS="pool=customer socket=$TB/run/public.sock"
ua_sshd_start "$SERVICE" "$SSH_PORT" <<EOF
auth     required $MOD $ARGS
account  required $MOD $ARGS
session  required $MOD $ARGS
EOF
ok $? "sshd -t accepts its configuration; it listens on 127.0.0.1:$SSH_PORT as $SERVICE"
SSHD_PID=$UA_SSHD_PID

# --- a passwordless user with the mailed code -------------------------------------
t=$(date +%s)
expect_rc 0 "alice logs in with the code from the mail" \
	sshlogin --user alice --email alice@example.com \
	--transcript "$TB/alice.json"
echo "# login with a mailed code took $(($(date +%s) - t)) s"
grep_last "  ... id in the session: her uid and the pool's groups by name" \
	'^uid=200000\(alice\) gid=200000\(alice\) groups=200000\(alice\),300000\(developers\),300001\(partners\)$'
expect_rc 0 "  ... the code-sent text is in the same round as Code: (one round)" \
	tr "$TB/alice.json" 'len(R) == 1' \
	'"A code was sent to a***@e******.com" in P[0]' \
	'P[0].endswith("Code: ")' \
	't["rounds"][0]["prompts"]'
expect_rc 0 "  ... one mail went to her" test "$(mails alice@example.com)" = 1
expect_rc 0 "  ... the account phase saw service $SERVICE" \
	grep -Eq "event=account pool='customer' user='alice' service='$SERVICE' rhost='127.0.0.1' result=OK" \
	"$TB/daemon.log"

# --- a wrong code, then the right one, in one connection ------------------------------
expect_rc 0 "a wrong code is asked again and the right one then gets in" \
	sshlogin --user alice --email alice@example.com --codes 00000000,mail \
	--transcript "$TB/retry.json"
grep_last "  ... id shows alice" '^uid=200000\(alice\)'
expect_rc 0 "  ... the second round says 'Wrong code, 2 tries left.' with Code:" \
	tr "$TB/retry.json" 'len(R) == 2' \
	'"Wrong code, 2 tries left." in P[1]' \
	'"A code was sent to" in P[1]' 'P[1].endswith("Code: ")' \
	'"Wrong code" not in P[0]'
expect_rc 0 "  ... and no second mail was sent for the re-prompt" \
	test "$(mails alice@example.com)" = 2

# --- three wrong codes -------------------------------------------------------------------
t=$(date +%s)
expect_rc 1 "three wrong codes: authentication fails" \
	sshlogin --user alice --codes 00000000,00000001,00000002 \
	--transcript "$TB/wrong3.json"
echo "# three wrong codes took $(($(date +%s) - t)) s"
expect_rc 0 "  ... after exactly three Code: rounds (2 tries left, 1 try left)" \
	tr "$TB/wrong3.json" 'len(R) == 3' 't["result"] == "auth_failed"' \
	'all(p.endswith("Code: ") for p in P)' \
	'"Wrong code, 2 tries left." in P[1]' '"Wrong code, 1 try left." in P[2]'

# --- a password user ---------------------------------------------------------------------
before=$(allmail)
expect_rc 0 "bob logs in with his password" \
	sshlogin --user bob --password 'correct horse battery' \
	--transcript "$TB/bob.json"
grep_last "  ... id shows bob and developers" \
	'^uid=200001\(bob\) gid=200001\(bob\) groups=200001\(bob\),300000\(developers\)$'
expect_rc 0 "  ... in one round whose prompt is 'Password: '" \
	tr "$TB/bob.json" 'len(R) == 1' 'len(R[0]["prompts"]) == 1' \
	'P[0].split("\n")[-1] == "Password: "' 'R[0]["prompts"][0]["echo"] is False'
expect_rc 0 "  ... and no mail" test "$(allmail)" = "$before"
expect_rc 1 "bob with a wrong password fails" \
	sshlogin --user bob --password 'wrong horse' --transcript "$TB/bobbad.json"

# --- not allowed for this service ----------------------------------------------------------
expect_rc 1 "carol (only in guests) is refused" \
	sshlogin --user carol --email carol@example.org --transcript "$TB/carol.json"
expect_rc 0 "  ... after her code was accepted (one Code: round, no retry)" \
	tr "$TB/carol.json" 'len(R) == 1' '"Wrong code" not in P[0]' \
	't["result"] == "auth_failed"'
expect_rc 0 "  ... by the account phase for $SERVICE" \
	grep -Eq "event=account pool='customer' user='carol' service='$SERVICE' rhost='127.0.0.1' result=DENIED" \
	"$TB/daemon.log"
expect_rc 0 "  ... sshd logged the PAM account failure" \
	grep -Eiq 'carol.*(account|expired)|(account|expired).*carol' "$TB/sshd.log"
grep -Ei 'carol' "$TB/sshd.log" | grep -Ei 'account|expired|denied' |
	head -3 | sed 's/^/# sshd: /'

# --- an unknown user -------------------------------------------------------------------
# The daemon answers an unknown name with a challenge drawn from the pool's
# policy, stable per name: find one name that gets a code prompt and one
# that gets a password prompt (a probe drops the connection at the prompt).
otp_name=
pw_name=
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -n "$otp_name" ] && [ -n "$pw_name" ] && break
	first=$(sshlogin --user "nobody$n" --probe 2>/dev/null | tail -n 1)
	case $first in
	"Password: ") [ -n "$pw_name" ] || pw_name=nobody$n ;;
	"Code: ") [ -n "$otp_name" ] || otp_name=nobody$n ;;
	esac
done
[ -n "$otp_name" ] || otp_name=nobody1
qbefore=$(qrows)
before=$(allmail)
expect_rc 1 "unknown user ($otp_name) with three codes fails like a wrong code" \
	sshlogin --user "$otp_name" --codes 00000000,00000001,00000002 \
	--transcript "$TB/unknown.json"
expect_rc 0 "  ... with the same rounds, messages and error as alice's three" \
	$PY -c '
import json, re, sys
def shape(f):
    t = json.load(open(f))
    return ([[re.sub(r"sent to \S+", "sent to X", p["text"]) for p in r["prompts"]]
             for r in t["rounds"] if r["prompts"]], t["result"], t.get("error"))
a, b = shape(sys.argv[1]), shape(sys.argv[2])
print(a); print(b)
sys.exit(a != b)' "$TB/wrong3.json" "$TB/unknown.json"
if [ -n "$pw_name" ]; then
	expect_rc 1 "unknown user ($pw_name) with a password fails like a wrong password" \
		sshlogin --user "$pw_name" --password 'wrong horse' \
		--transcript "$TB/unknownpw.json"
	expect_rc 0 "  ... with the same round and error as bob's wrong password" \
		$PY -c '
import json, sys
def shape(f):
    t = json.load(open(f))
    return ([[p["text"] for p in r["prompts"]] for r in t["rounds"] if r["prompts"]],
            t["result"], t.get("error"))
a, b = shape(sys.argv[1]), shape(sys.argv[2])
sys.exit(a != b)' "$TB/bobbad.json" "$TB/unknownpw.json"
else
	ok 1 "no probe name drew a password prompt"
fi
sleep 1
expect_rc 0 "  ... and no mail was queued or sent for unknown users" \
	test "$(qrows) $(allmail)" = "$qbefore $before"

# --- stop ------------------------------------------------------------------------------
kill "$SSHD_PID" "$SINK_PID" 2>/dev/null
wait "$SSHD_PID" "$SINK_PID" 2>/dev/null
ua_stop_daemon
ok 0 "sshd, sink and daemon stopped (whole test: $(($(date +%s) - T0)) s)"
ua_finish
