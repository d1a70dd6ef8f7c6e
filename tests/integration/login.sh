#!/bin/sh
# SPDX-License-Identifier: MIT
# The login flow end to end: a real userauthd with two pools, an aiosmtpd
# sink (tests/tools/smtpsink.py), the built pam_userauth.so under the real
# pamtester (pam_wrapper), sudo, and tests/tools/pamconv, which prints every
# conversation call.  Challenges and their prompts, codes by mail (wrong,
# expired, reused, rate-limited, delayed by a dead relay), unknown and
# disabled users, the account phase, non-root callers, failing closed, the
# audit log.  Own mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
	for t in pamtester expect setpriv ip mkfifo; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	[ -n "$(ls /usr/lib/*/libpam_wrapper.so 2>/dev/null)" ] ||
		skip_all "needs libpam-wrapper"
	UA_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@" ||
		skip_all "unshare -m -n failed"
fi
ip link set lo up || skip_all "cannot bring up lo in the new namespace"
ua_scratch
ua_nss_setup
T_START=$(date +%s)

PORT=2525
MAILDIR=$TB/mail
SOCK=$TB/run/public.sock
# Copies: alice's uid runs pamconv and loads the module (ua_reachable).
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
SINK_PID=

# Canary secrets: none of them may ever reach the daemon's log.
PW_DAVE='Dv-canary-41c7e2'
PW_ERIN='Er-canary-90aa13'
PW_FRANK='Fr-canary-5b6d08'
PW_GRACE='Gr-canary-e1f4c9'
PW_ALICE='Al-canary-77d2b5'
PW_BOB='Bo-canary-3c8e61'
PW_PEGGY='Pe-canary-d04f7a'
PW_TRENT='Tr-canary-8a19c3'
PW_VICTOR='Vi-canary-26be90'


start_sink() {
	$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT \
		--maildir "$MAILDIR" >>"$TB/sink.out" 2>&1 6>&- 7>&- 8>&- 9>&- &
	SINK_PID=$!
	UA_PIDS="$UA_PIDS $SINK_PID"
	ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out"
}

stop_sink() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
	: >"$TB/sink.out"
}

# The sink's Maildir: "code RCPT" waits for an unread message to RCPT,
# prints its 8-digit code and marks it read; "count RCPT" counts them all.
cat >"$TB/mail.py" <<'EOF'
import mailbox, re, sys, time

def find(md, rcpt, subdir):
    mb = mailbox.Maildir(md, create=False)
    out = []
    for key in mb.keys():
        m = mb[key]
        to = (m.get("X-RcptTo") or m.get("To") or "").strip().lower()
        if to == rcpt.lower() and subdir in (None, m.get_subdir()):
            out.append((m.get_date(), key, m))
    out.sort(key=lambda t: t[0])
    return mb, out

cmd, md, rcpt = sys.argv[1:4]
if cmd == "count":
    print(len(find(md, rcpt, None)[1]))
    sys.exit(0)
end = time.time() + float(sys.argv[4] if len(sys.argv) > 4 else 15)
while True:
    mb, new = find(md, rcpt, "new")
    if new:
        _, key, m = new[0]
        body = m.get_payload(decode=True).decode("utf-8")
        codes = set(re.findall(r"(?<![0-9])[0-9]{8}(?![0-9])", body))
        if len(codes) != 1:
            sys.exit("no single code in: %r" % body)
        m.set_subdir("cur")
        mb[key] = m
        print(codes.pop())
        sys.exit(0)
    if time.time() > end:
        sys.exit("no mail for %s" % rcpt)
    time.sleep(0.1)
EOF

# code RCPT: the code of the next unread mail to RCPT (kept for the log
# check at the end).
code() {
	c=$($PY "$TB/mail.py" code "$MAILDIR" "$1") || return 1
	echo "$c" >>"$TB/codes"
	echo "$c"
}
mails_to() { $PY "$TB/mail.py" count "$MAILDIR" "$1"; }
mailq_rows() {
	uactl --json mailq | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

conv() { "$PAMCONV" -C "$TB/pam" "$@"; }

# login NAME PAMCONV-ARGS...: run the driver, keep its transcript in
# $TB/tx.NAME, print it too, exit with its status.
login() {
	n=$1
	shift
	conv "$@" >"$TB/tx.$n" 2>&1
	r=$?
	cat "$TB/tx.$n"
	return $r
}

# bg_login NAME FD PAMCONV-ARGS...: the same in the background, taking
# further answers from a FIFO that the caller writes through fd FD.
bg_login() {
	n=$1
	fd=$2
	shift 2
	rm -f "$TB/fifo.$n"
	mkfifo "$TB/fifo.$n"
	# Closed fds: a later answer FIFO must see EOF when the test closes it.
	"$PAMCONV" -C "$TB/pam" -f "$TB/fifo.$n" "$@" >"$TB/tx.$n" 2>&1 \
		6>&- 7>&- 8>&- 9>&- &
	BG_PID=$!
	UA_PIDS="$UA_PIDS $BG_PID"
	eval "exec $fd>\"\$TB/fifo.\$n\""
}
# answer FD TEXT: one more answer (a subshell takes any SIGPIPE).
answer() { (eval "printf '%s\n' \"\$2\" >&$1") 2>/dev/null; }
# finish FD PID: no more answers; the driver's exit status.
finish() {
	eval "exec $1>&-"
	wait "$2"
}

# code_login NAME RCPT PAMCONV-ARGS...: a login that is asked for the code
# mailed to RCPT, answered once the mail is there.
code_login() {
	n=$1
	rcpt=$2
	shift 2
	bg_login "$n" 9 "$@"
	pid=$BG_PID
	c=$(code "$rcpt") && answer 9 "$c"
	finish 9 "$pid"
	r=$?
	cat "$TB/tx.$n"
	return $r
}

# tx_is DESCRIPTION NAME: the transcript equals stdin.
tx_is() {
	if diff -u - "$TB/tx.$2" >"$TB/diff" 2>&1; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/diff" | head -30
	fi
}
# The same, with masked addresses (x***@y****.tld) made equal.
norm() { sed -E 's/[^ "]\*\*\*@[^ "]*/<masked>/g' "$TB/tx.$1"; }
same_tx() {
	norm "$2" >"$TB/n1"
	norm "$3" >"$TB/n2"
	if diff -u "$TB/n1" "$TB/n2" >"$TB/diff" 2>&1; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/diff" | head -30
	fi
}

# Daemon log since a mark.
log_mark() { LOG_MARK=$(wc -l <"$TB/daemon.log"); }
log_since() { tail -n +$((LOG_MARK + 1)) "$TB/daemon.log"; }
# log_has DESCRIPTION COUNT REGEX: lines since the mark matching REGEX.
log_has() {
	got=$(log_since | grep -cE -- "$3")
	if [ "$got" -eq "$2" ]; then ok 0 "$1"; else
		ok 1 "$1 ($got lines, wanted $2)"
		log_since | grep 'event=' | sed 's/^/# /' | head -10
	fi
}


# --- set-up ---------------------------------------------------------------------
ua_write_conf <<EOF
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
# many wrong answers from one (empty) remote host on purpose: throttling
# has a test of its own (throttle.sh); here it must not interfere
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
shell = /bin/sh
mail_from = signin@example.com
otp_resend_cooldown = 0
[pool customer]
uid_min = 200000
uid_max = 200099
gid_min = 300000
gid_max = 300099
first_factors = password email_otp
group_challenge = partners:email_otp
service_groups = restricted:developers
fake_domains = example.com
[pool picky]
uid_min = 210000
uid_max = 210099
gid_min = 310000
gid_max = 310099
select_challenge = yes
otp_lifetime = 30
allow_groups = members
EOF
mkdir -p "$TB/pam"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
ua_start_daemon
ok $? "daemon starts with two pools"
start_sink
ok $? "SMTP sink listens"
# Service files: the built module by absolute path, the test daemon's socket.
for s in ua-customer restricted; do
	{
		echo "auth required $MOD pool=customer socket=$SOCK"
		echo "account required $MOD pool=customer socket=$SOCK"
	} >"$TB/pam/$s"
done
{
	echo "auth required $MOD pool=customer socket=$SOCK preferred=email_otp"
	echo "account required $MOD pool=customer socket=$SOCK"
} >"$TB/pam/ua-otp"
{
	echo "auth required $MOD pool=picky socket=$SOCK"
	echo "account required $MOD pool=picky socket=$SOCK"
} >"$TB/pam/ua-picky"
chmod 0644 "$TB/pam/"*

setup_users() {
	uactl group add customer developers &&
	uactl group add customer partners &&
	uactl group add picky members &&
	uactl user add customer alice --email alice@example.com --group developers &&
	uactl user add customer bob --email bob@example.net &&
	uactl user add customer carol --email carol@example.com &&
	uactl user add customer dave --email dave@example.com &&
	uactl user add customer erin --email erin@example.com &&
	uactl user add customer frank --email frank@example.com &&
	uactl user add customer grace --email grace@example.com --group partners &&
	uactl user add customer heidi --email heidi@example.com &&
	uactl user add customer ivan --email ivan@example.com &&
	uactl user add customer judy --email judy@example.com --disabled &&
	uactl user add customer mallory --email mallory@example.com &&
	uactl user add customer oscar --email oscar@example.com &&
	uactl user add picky peggy --email peggy@example.org --group members &&
	uactl user add picky trent --email trent@example.org &&
	uactl user add picky victor --email victor@example.org --group members &&
	set_pw alice "$PW_ALICE" && set_pw bob "$PW_BOB" &&
	set_pw dave "$PW_DAVE" && set_pw erin "$PW_ERIN" &&
	set_pw frank "$PW_FRANK" && set_pw grace "$PW_GRACE" &&
	set_pw peggy "$PW_PEGGY" && set_pw trent "$PW_TRENT" &&
	set_pw victor "$PW_VICTOR"
}
expect_rc 0 "pool users, groups and passwords set up" setup_users

# --- expired code (runs in the background while the rest goes on) ----------------
# picky has otp_lifetime = 30, the least allowed; victor picks a code (2),
# gets it by mail, and answers only after it has expired.
bg_login expired 7 ua-picky victor 2
EXP_PID=$BG_PID
EXP_CODE=$(code victor@example.org)
ok $? "expired: the code for victor is mailed"
# An unknown name that draws SELECT_CHALLENGE, as victor gets, waits as
# long: its wrong answer must then look like victor's (S3).
FAKE=
for n in ghost-a ghost-b ghost-c ghost-d ghost-e ghost-f ghost-g ghost-h; do
	conv ua-picky "$n" >"$TB/probe" 2>&1
	if grep -q '^call 1: .*Choice' "$TB/probe"; then
		FAKE=$n
		break
	fi
done
if [ -n "$FAKE" ]; then
	bg_login expfake 6 ua-picky "$FAKE" 2
	FAKE_PID=$BG_PID
	ua_wait_for 50 grep -q '^call 2: ' "$TB/tx.expfake"
fi
EXP_T=$(date +%s)

# --- OTP-only user ------------------------------------------------------------------
code_login carol carol@example.com -u ua-customer carol@example.com >/dev/null
ok $? "OTP-only user typing the email: the mailed code logs in (PAM_SUCCESS)"
tx_is "  ... one call: where the code went and the Code: prompt together; PAM_USER is the login" carol <<'EOF'
call 1: INFO "A code was sent to c***@e******.com" | ECHO_OFF "Code: "
authenticate: 0 Success
user: carol
EOF

# The same with the real pamtester under pam_wrapper, driven by expect.
cat >"$TB/otp.exp" <<EOF
set timeout 20
log_user 1
spawn env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$TB/pam LD_PRELOAD=libpam_wrapper.so pamtester -v ua-customer carol authenticate
expect {
	-re "A code was sent to c\\\\*\\\\*\\\\*@e\\\\*+\\\\.com\r?\nCode: " {}
	timeout { exit 3 }
}
if {[catch {exec $PY $TB/mail.py code $MAILDIR carol@example.com} code]} { exit 4 }
exec sh -c "echo \$code >>$TB/codes"
send "\$code\r"
# Wait for pamtester to end: killed by the hangup of its pty, it would
# leave pam_wrapper's /tmp/pam.X behind.
expect {
	"successfully authenticated" { set rc 0 }
	"Authentication failure" { set rc 1 }
	timeout { exit 2 }
}
expect eof
wait
exit \$rc
EOF
expect_rc 0 "pamtester (expect, a pty): info and Code: arrive together, the mailed code works" \
	expect -f "$TB/otp.exp"

# --- password user ------------------------------------------------------------------
HINT='Press Enter at the password prompt to get a code by email instead.'
log_mark
expect_rc 0 "password user: the right password logs in" \
	login dave ua-customer dave "$PW_DAVE"
tx_is "  ... exactly one prompt, exactly 'Password: ', the hint in the same call" dave <<EOF
call 1: INFO "$HINT" | ECHO_OFF "Password: "
authenticate: 0 Success
EOF
log_has "  ... one audit line: result=ok" 1 \
	"event=auth pool='customer' user='dave' service='ua-customer' .*challenge=PASSWORD result=ok\$"
log_mark
expect_rc 7 "password user: a wrong password is PAM_AUTH_ERR" \
	login dave-wrong ua-customer dave 00000000 00000000 00000000
tx_is "  ... the same single prompt, and a failure delay" dave-wrong <<EOF
call 1: INFO "$HINT" | ECHO_OFF "Password: "
fail delay: requested
authenticate: 7 Authentication failure
EOF
log_has "  ... one audit line: result=fail reason=bad_password" 1 \
	"event=auth pool='customer' user='dave' .*result=fail reason=bad_password\$"
expect_rc 0 "pamtester (stdin): the right password" sh -c \
	"printf '%s\n' '$PW_DAVE' | PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR='$TB/pam' LD_PRELOAD=libpam_wrapper.so pamtester ua-customer dave authenticate"
grep_last "  ... successfully authenticated" 'successfully authenticated'
expect_rc 1 "pamtester (stdin): a wrong password fails" sh -c \
	"printf 'nope\n' | PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR='$TB/pam' LD_PRELOAD=libpam_wrapper.so pamtester ua-customer dave authenticate"
grep_last "  ... with Authentication failure" 'Authentication failure'

# Empty password: a code instead.
code_login erin erin@example.com ua-customer erin "" >/dev/null
ok $? "password user answering empty gets a code by mail and logs in with it"
tx_is "  ... password prompt, then the code prompt" erin <<EOF
call 1: INFO "$HINT" | ECHO_OFF "Password: "
call 2: INFO "A code was sent to e***@e******.com" | ECHO_OFF "Code: "
authenticate: 0 Success
EOF

# preferred=email_otp
code_login frank frank@example.com ua-otp frank >/dev/null
ok $? "preferred=email_otp: a password user gets EMAIL_OTP and logs in with the code"
tx_is "  ... no password prompt" frank <<'EOF'
call 1: INFO "A code was sent to f***@e******.com" | ECHO_OFF "Code: "
authenticate: 0 Success
EOF
expect_rc 0 "  ... without the hint the same user gets the password" \
	login frank-pw ua-customer frank "$PW_FRANK"

# group_challenge partners:email_otp
code_login grace grace@example.com ua-customer grace >/dev/null
ok $? "group_challenge partners:email_otp beats grace's password: code login"
tx_is "  ... EMAIL_OTP asked first" grace <<'EOF'
call 1: INFO "A code was sent to g***@e******.com" | ECHO_OFF "Code: "
authenticate: 0 Success
EOF
expect_rc 7 "  ... and her password is not what is asked (answering it fails)" \
	login grace-pw ua-customer grace "$PW_GRACE" "$PW_GRACE" "$PW_GRACE" \
	00000000 00000000 00000000
tx_has "  ... a password is no code: asked again, no try spent" grace-pw \
	'call 4: INFO "A code was sent to g***@e******.com" | ERROR "Wrong code, 3 tries left."'

# --- SELECT_CHALLENGE -----------------------------------------------------------------
MENU='Sign in with: 1) password 2) a code by email'
code_login select2 peggy@example.org ua-picky peggy 2 >/dev/null
ok $? "select_challenge: answering 2 mails a code that logs in"
tx_is "  ... menu and choice in one call, then the code prompt" select2 <<EOF
call 1: INFO "$MENU" | ECHO_ON "Choice [1/2]: "
call 2: INFO "A code was sent to p***@e******.org" | ECHO_OFF "Code: "
authenticate: 0 Success
EOF
expect_rc 0 "select_challenge: answering 1 asks for the password" \
	login select1 ua-picky peggy 1 "$PW_PEGGY"
tx_is "  ... menu, then one Password: prompt" select1 <<EOF
call 1: INFO "$MENU" | ECHO_ON "Choice [1/2]: "
call 2: INFO "$HINT" | ECHO_OFF "Password: "
authenticate: 0 Success
EOF

# --- wrong codes ------------------------------------------------------------------------
log_mark
expect_rc 7 "three wrong codes fail" \
	login heidi ua-customer heidi 00000000 00000000 00000000
tx_is "  ... 'Wrong code, N tries left.' with the next Code: prompt" heidi <<'EOF'
call 1: INFO "A code was sent to h***@e******.com" | ECHO_OFF "Code: "
call 2: INFO "A code was sent to h***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
call 3: INFO "A code was sent to h***@e******.com" | ERROR "Wrong code, 1 try left." | ECHO_OFF "Code: "
fail delay: requested
authenticate: 7 Authentication failure
EOF
log_has "  ... audited: two retries" 2 "user='heidi' .*result=retry reason=bad_code\$"
log_has "  ... and one failure" 1 "user='heidi' .*result=fail reason=bad_code\$"
HEIDI1=$(code heidi@example.com)
ok $? "  ... the code had been mailed"
expect_rc 7 "  ... typed in a new conversation it is refused (bound to the dead one)" \
	login heidi2 ua-customer heidi "$HEIDI1" 00000000 00000000
grep_last "  ... 'Wrong code' after it" 'call 2: .*Wrong code, 2 tries left\.'

# --- reused code ---------------------------------------------------------------------------
code_login ivan ivan@example.com ua-customer ivan >/dev/null
ok $? "a code logs in once"
IVAN1=$(tail -n 1 "$TB/codes")
code_login ivan2 ivan@example.com ua-customer ivan "$IVAN1" >/dev/null
ok $? "  ... in a second conversation it is refused, the new code works"
tx_is "  ... the reused code got 'Wrong code'" ivan2 <<'EOF'
call 1: INFO "A code was sent to i***@e******.com" | ECHO_OFF "Code: "
call 2: INFO "A code was sent to i***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
authenticate: 0 Success
EOF

# --- an answer that is no code spends no try ----------------------------------------------
# Each login from a host of its own, so that the other sections' failures
# stay out of its throttle buckets.
expect_rc 0 "(nina: an OTP-only user)" uactl user add customer nina --email nina@example.com
bg_login nina 9 -r 192.0.2.31 ua-customer nina 12ab 00000000 x
pid=$BG_PID
c=$(code nina@example.com) && answer 9 "$c"
finish 9 "$pid"
ok $? "a user answering '12ab', a wrong code and 'x', then the right code, logs in"
tx_is "  ... what is no code is asked again with the tries it left" nina <<'EOF'
call 1: INFO "A code was sent to n***@e******.com" | ECHO_OFF "Code: "
call 2: INFO "A code was sent to n***@e******.com" | ERROR "Wrong code, 3 tries left." | ECHO_OFF "Code: "
call 3: INFO "A code was sent to n***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
call 4: INFO "A code was sent to n***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
authenticate: 0 Success
EOF
expect_rc 7 "  ... and with only wrong answers fails after three codes" \
	login nina-junk -r 192.0.2.32 ua-customer nina 12ab 00000000 x 00000000 00000000
code nina@example.com >/dev/null
NOCODE_FAKE=
for n in ghost-n1 ghost-n2 ghost-n3 ghost-n4 ghost-n5 ghost-n6 ghost-n7 ghost-n8; do
	conv -r 192.0.2.33 ua-customer "$n" >"$TB/probe" 2>&1
	if grep -q '^call 1: .*Code: ' "$TB/probe"; then
		NOCODE_FAKE=$n
		break
	fi
done
if [ -n "$NOCODE_FAKE" ]; then
	login nocode-fake -r 192.0.2.33 ua-customer "$NOCODE_FAKE" 12ab 00000000 x 00000000 00000000 >/dev/null
	same_tx "  ... an unknown user answering the same gets the same transcript" nina-junk nocode-fake
else
	echo "ok $((UA_TESTS + 1)) # SKIP no probed unknown name drew EMAIL_OTP"
	UA_TESTS=$((UA_TESTS + 1))
fi

# --- unknown and disabled users ---------------------------------------------------------
# Their challenge is drawn from the policy by a keyed hash of the name: look
# at which one it is, then compare with a real user's wrong answers.
PWREF=dave-wrong
CODEREF=heidi
compare_fake() {
	desc=$1
	name=$2
	if grep -q 'ECHO_OFF "Code: "' "$TB/tx.$name"; then ref=$CODEREF; else ref=$PWREF; fi
	same_tx "$desc (like $ref)" "$ref" "$name"
}
rows0=$(mailq_rows)
log_mark
expect_rc 7 "unknown email: PAM_AUTH_ERR" \
	login unknown ua-customer nobody1@example.org 00000000 00000000 00000000
compare_fake "  ... the same transcript as a real user" unknown
log_has "  ... audited as reason=unknown" 1 "user='nobody1@example.org' .*result=fail reason=unknown\$"
expect_rc 7 "unknown login name: PAM_AUTH_ERR" \
	login unknown2 ua-customer ghost 00000000 00000000 00000000
compare_fake "  ... the same transcript as a real user" unknown2
expect_rc 7 "disabled user: PAM_AUTH_ERR" \
	login judy ua-customer judy 00000000 00000000 00000000
compare_fake "  ... the same transcript as a real user" judy
expect_rc 7 "  ... also by email" \
	login judy2 ua-customer judy@example.com 00000000 00000000 00000000
compare_fake "  ... the same transcript as a real user" judy2
log_has "  ... audited as reason=disabled" 2 "result=fail reason=disabled\$"

# What the code prompt names (through ua-otp: preferred=email_otp, which
# every real user follows, so every fake must too): a disabled user's own
# address whatever name she gave, an address typed in capitals lowercased
# as stored ones are, and for a login name that is no user an address at
# a domain of the pool's fake_domains.
sent() { sed -n 's/.*A code was sent to \([^ "|]*\).*/\1/p' "$TB/tx.$1" | head -1; }
login judy-o ua-otp judy 00000000 00000000 00000000
expect_rc 0 "a disabled user given by login name is shown her own address ($(sent judy-o))" \
	test "$(sent judy-o)" = "j***@e******.com"
login caps-o ua-otp NOBODY7@EXAMPLE.ORG 00000000 00000000 00000000
expect_rc 0 "an unknown address typed in capitals is shown lowercased ($(sent caps-o))" \
	test "$(sent caps-o)" = "n***@e******.org"
login name-o ua-otp ghostname 00000000 00000000 00000000
expect_rc 0 "an unknown login name gets an address at the pool's fake_domains ($(sent name-o))" \
	test "$(sent name-o)" = "g***@e******.com"
allcode=0
for n in ghost-1 ghost-2 ghost-3 ghost-4 ghost-5 ghost-6 ghost-7 ghost-8; do
	conv ua-otp "$n" >"$TB/probe" 2>&1
	grep -q 'ECHO_OFF "Code: "' "$TB/probe" || allcode=1
done
ok $allcode "preferred=email_otp: eight unknown names all get EMAIL_OTP, as every real user does"
expect_rc 0 "no mail queued for unknown or disabled users" \
	test "$(mailq_rows)" = "$rows0"

# --- account phase ------------------------------------------------------------------------
expect_rc 0 "account: developers may use 'restricted' (service_groups)" \
	login acct-a -A restricted alice
expect_rc 6 "account: bob, outside developers, is PAM_PERM_DENIED" \
	login acct-b -A restricted bob
expect_rc 6 "account: auth succeeds, then acct_mgmt denies (S21)" \
	login acct-b2 -a restricted bob "$PW_BOB"
grep_last "  ... authenticate 0 first" '^authenticate: 0 '
expect_rc 0 "account: bob may use the other services" login acct-b3 -A ua-customer bob
expect_rc 10 "account: an unknown user is PAM_USER_UNKNOWN" \
	login acct-u -A restricted ghost
expect_rc 6 "account: a disabled user is PAM_PERM_DENIED" \
	login acct-j -A ua-customer judy
expect_rc 0 "account: allow_groups members lets peggy in" login acct-p -A ua-picky peggy
expect_rc 6 "account: allow_groups keeps trent out" \
	login acct-t -a ua-picky trent 1 "$PW_TRENT"

# --- a non-root caller ----------------------------------------------------------------------
AUID=$(id -u alice)
as_alice() {
	setpriv --reuid="$AUID" --regid="$AUID" --clear-groups "$@"
}
expect_rc 0 "non-root caller (alice's uid) logs in as alice" \
	as_alice "$PAMCONV" -C "$TB/pam" ua-customer alice "$PW_ALICE"
# as_alice_for IDENT: alice's uid logs in as IDENT with bob's right
# password, or (if the fake asks for a code) three wrong codes: a
# password is no code, and would be asked again without a try spent.
as_alice_for() {
	as_alice "$PAMCONV" -C "$TB/pam" ua-customer "$1" >"$TB/probe" 2>&1
	if grep -q '^call 1: .*Code: ' "$TB/probe"; then
		set -- "$1" 00000000 00000000 00000000
	else
		set -- "$1" "$PW_BOB"
	fi
	as_alice "$PAMCONV" -C "$TB/pam" ua-customer "$@"
}
log_mark
expect_rc 7 "non-root caller for bob, with bob's right password: the failure of a wrong answer" \
	as_alice_for bob
cp "$TB/last.out" "$TB/tx.foreign"
compare_fake "  ... the same transcript" foreign
log_has "  ... audited as reason=foreign_peer" 1 "user='bob' .*result=fail reason=foreign_peer\$"
expect_rc 7 "  ... for bob's email too" as_alice_for bob@example.net
expect_rc 10 "  ... nor may it ask about bob's account" \
	as_alice "$PAMCONV" -C "$TB/pam" -A ua-customer bob

# --- issuance limit -----------------------------------------------------------------------
i=1
lim_ok=0
while [ $i -le 5 ]; do
	login mallory$i ua-customer mallory 00000000 00000000 00000000 >/dev/null
	code mallory@example.com >/dev/null || lim_ok=1
	i=$((i + 1))
done
ok $lim_ok "otp_per_hour: five code requests in a row, five mails"
rows0=$(mailq_rows)
log_mark
login mallory6 ua-customer mallory 00000000 00000000 00000000 >/dev/null
same_tx "  ... the 6th: the same transcript" mallory5 mallory6
expect_rc 0 "  ... but no mail is queued" test "$(mailq_rows)" = "$rows0"
log_has "  ... audited as limited" 1 "event=otp .*user='mallory' .*result=limited"

# --- SMTP down when the code is issued -------------------------------------------------------
stop_sink
bg_login smtp 8 ua-customer oscar
SMTP_PID=$BG_PID
ua_wait_for 50 grep -q 'Code: ' "$TB/tx.smtp"
ok $? "relay down: the code prompt comes at once"
retried() {
	uactl --json mailq | $PY -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["recipient"].startswith("o***@")]
sys.exit(0 if rows and rows[-1]["state"] == "queued" and rows[-1]["attempts"] >= 1 else 1)'
}
ua_wait_for 50 retried
ok $? "  ... the mail stays queued after a failed attempt"
start_sink
c=$(code oscar@example.com) && answer 8 "$c"
finish 8 "$SMTP_PID"
ok $? "  ... is delivered once the relay is back, and the code logs in"

# --- sudo -S: the one 'Password: ' prompt that sudo replaces --------------------------------
if command -v sudo >/dev/null && [ -u "$(command -v sudo)" ]; then
	mkdir -p "$TB/pam.d"
	{
		echo "auth required $MOD pool=customer socket=$SOCK"
		echo "account required $MOD pool=customer socket=$SOCK"
		echo "session required pam_permit.so"
	} >"$TB/pam.d/sudo"
	cp "$TB/pam/other" "$TB/pam.d/other"
	chmod 0755 "$TB/pam.d"
	chmod 0644 "$TB/pam.d/"*
	cat >"$TB/sudoers" <<-'EOF'
	Defaults !lecture, !mail_badpass, !fqdn, passwd_tries=1, timestamp_timeout=0
	alice ALL=(ALL:ALL) ALL
	EOF
	chmod 0440 "$TB/sudoers"
	mount --bind "$TB/pam.d" /etc/pam.d && mount --bind "$TB/sudoers" /etc/sudoers
	prompts() { grep -o 'X-PROMPT: ' "$TB/last.err" | wc -l; }
	log_mark
	expect_rc 0 "sudo -S -p 'X-PROMPT: ' as alice accepts the password from stdin" \
		sh -c "printf '%s\n' '$PW_ALICE' | setpriv --reuid=$AUID --regid=$AUID --clear-groups sudo -k -S -p 'X-PROMPT: ' -u nobody true"
	expect_rc 0 "  ... with exactly one prompt, sudo's own" test "$(prompts)" = 1
	log_has "  ... through our module (audited)" 1 \
		"user='alice' service='sudo' .*challenge=PASSWORD result=ok\$"
	if grep -q 'Password' "$TB/last.err"; then
		ok 1 "  ... our prompt text never reaches the user"
	else
		ok 0 "  ... our prompt text never reaches the user"
	fi
	expect_rc 1 "sudo -S with a wrong password fails" \
		sh -c "printf 'nope\n' | setpriv --reuid=$AUID --regid=$AUID --clear-groups sudo -k -S -p 'X-PROMPT: ' -u nobody true"
	umount /etc/sudoers /etc/pam.d
else
	echo "ok $((UA_TESTS + 1)) # SKIP sudo is not installed (apt package sudo)"
	UA_TESTS=$((UA_TESTS + 1))
fi

# --- the expired code, at last -----------------------------------------------------------------
now=$(date +%s)
[ "$now" -lt $((EXP_T + 31)) ] && sleep $((EXP_T + 31 - now))
log_mark
answer 7 "$EXP_CODE"
finish 7 "$EXP_PID"
exp_rc=$?
expect_rc 7 "otp_lifetime = 30: the right code after 31 s fails" sh -c "exit $exp_rc"
tx_is "  ... no 'Wrong code' retry for a dead code" expired <<EOF
call 1: INFO "$MENU" | ECHO_ON "Choice [1/2]: "
call 2: INFO "A code was sent to v***@e******.org" | ECHO_OFF "Code: "
fail delay: requested
authenticate: 7 Authentication failure
EOF
log_has "  ... audited as a failure" 1 "user='victor' .*result=fail reason=bad_code\$"
if [ -n "$FAKE" ]; then
	answer 6 00000000
	finish 6 "$FAKE_PID"
	same_tx "  ... an unknown user's wrong answer as late looks the same" expired expfake
else
	echo "ok $((UA_TESTS + 1)) # SKIP no probed unknown name drew SELECT_CHALLENGE"
	UA_TESTS=$((UA_TESTS + 1))
fi

# --- no mail for fakes, at the end (every real mail has arrived by now) ------------------------
for r in nobody1@example.org judy@example.com bob@example.net; do
	expect_rc 0 "no mail ever reached $r" test "$(mails_to "$r")" = 0
done
expect_rc 0 "mallory got exactly five mails" test "$(mails_to mallory@example.com)" = 5

# --- the audit log ------------------------------------------------------------------------------
leaks() {
	for s in "$PW_DAVE" "$PW_ERIN" "$PW_FRANK" "$PW_GRACE" "$PW_ALICE" \
		"$PW_BOB" "$PW_PEGGY" "$PW_TRENT" "$PW_VICTOR" $(cat "$TB/codes"); do
		grep -qF -- "$s" "$TB/daemon.log" && echo "$s"
	done
}
expect_rc 0 "no password and none of the $(wc -l <"$TB/codes") codes is in the daemon log" \
	test -z "$(leaks)"
expect_rc 0 "every audit line has pool, user, service, rhost, challenge and result" \
	sh -c "grep 'event=auth ' '$TB/daemon.log' | grep -vE 'event=auth pool='\''[a-z]+'\'' user=.* service=.* rhost=.* challenge=[A-Z_]+ result=(ok|fail|retry|error|abandoned)' | (! grep .)"

# --- the daemon stopped: fail closed ----------------------------------------------------------
ua_stop_daemon
expect_rc 9 "daemon stopped: authenticate is PAM_AUTHINFO_UNAVAIL" \
	login down ua-customer dave "$PW_DAVE"
expect_rc 9 "daemon stopped: acct_mgmt is PAM_AUTHINFO_UNAVAIL" \
	login down2 -A ua-customer dave
expect_rc 1 "daemon stopped: pamtester fails" sh -c \
	"printf '%s\n' '$PW_DAVE' | PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR='$TB/pam' LD_PRELOAD=libpam_wrapper.so pamtester ua-customer dave authenticate"
grep_last "  ... 'cannot retrieve authentication info'" 'cannot retrieve authentication info'

echo "# took $(($(date +%s) - T_START)) s"
ua_finish
