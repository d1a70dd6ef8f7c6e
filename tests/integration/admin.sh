#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin commands of issue 12 against a real userauthd and an SMTP sink
# (tests/tools/smtpsink.py): status (and --json), test-login on a
# pseudo-terminal, mail test, user modify, user show's MFA state and
# limits, mailq --full for root.  Every bad input is refused and changes
# nothing.  Own mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
	for t in sqlite3 setpriv ip; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	UA_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@" ||
		skip_all "unshare -m -n failed"
fi
ip link set lo up || skip_all "cannot bring up lo in the new namespace"
ua_scratch
ua_nss_setup
PORT=2527
DB=$TB/state/userauth.db
CANARY='canary-Pw-51c0de'
dbq() {
	setpriv --reuid=userauth --regid=userauth --clear-groups \
		sqlite3 -cmd '.timeout 5000' "$DB" "$1"
}
# json_ok DESCRIPTION PYEXPR: PYEXPR holds for the JSON (v) the last
# command printed.
json_ok() {
	if $PY -c 'import json,sys; v=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$TB/last.out" "$2" 2>>"$TB/last.err"; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/last.out" "$TB/last.err" | head -20
	fi
}
ua_write_conf <<EOF
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
mail_from = codes@example.com
[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
first_factors = password email_otp
[pool staff]
uid_min = 210000
uid_max = 210009
gid_min = 310000
gid_max = 310009
first_factors = password
mfa = optional
EOF
$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$TB/mail" \
	--log "$TB/sink.log" >"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q '^listening' "$TB/sink.out"
ok $? "the SMTP sink listens"

# --- status -----------------------------------------------------------------
expect_rc 3 "status without a daemon: exit 3" uactl status
grep_last "  ... and says the daemon is down" '^daemon: down'
ua_start_daemon
ok $? "daemon starts"
expect_rc 0 "status" uactl status
grep_last "  ... the daemon is up" '^daemon: +up'
grep_last "  ... with its version" '^version: +[0-9]+\.[0-9]+'
grep_last "  ... and uptime" '^uptime: +[0-9]+s \(since [0-9]{4}-'
grep_last "  ... the NSS cache's last publish and its age" '^NSS cache: +[0-9]{4}-.* \([0-9]+s ago\)'
grep_last "  ... each pool with backend and users" '^customer +local +0 +[0-9]{4}-'
grep_last "  ... the mail queue" '^mail queue: +0 queued$'
grep_last "  ... no SMTP error yet" '^last SMTP error: +none$'
grep_last "  ... no logins yet" '^logins \(last hour\): none$'
expect_rc 0 "status --json" uactl --json status
json_ok "  ... version, uptime, pools, mail, logins" \
	'v["uptime"] >= 0 and v["version"] and [p["name"] for p in v["pools"]] == ["customer", "staff"] and v["pools"][0]["backend"] == "local" and v["mail"]["queued"] == 0 and v["mail"]["latency_p50"] is None and v["logins"] == [] and v["window"] == 3600 and v["nss_age"] >= 0'
expect_rc 2 "status with an operand is a usage error" uactl status extra
expect_rc 2 "status with an unknown option" uactl status --frob
expect_rc 0 "status op with an argument is refused by the daemon" \
	$PY "$top_srcdir/tests/tools/sockpoke.py" json "$TB/run/admin.sock" '{"v":1,"op":"status","pool":"x"}'
grep_last "  ... as invalid" '"invalid"'

# --- test-login -----------------------------------------------------------
DRIVE="$PY $top_srcdir/tests/tools/ptydrive.py"
CTL="$top_builddir/userauthctl -s $TB/run/admin.sock"
# code.sh: code_for ADDRESS prints the newest code mailed to ADDRESS (it
# waits for the mail); run by ptydrive when "Code: " is asked.
cat >"$TB/code.sh" <<EOF
code_for() {
	i=0
	while [ \$i -lt 100 ]; do
		f=\$(grep -l "^To: \$1" "$TB"/mail/new/* 2>/dev/null | xargs -r ls -t | head -1)
		[ -n "\$f" ] && [ "\$f" != "\$(cat "$TB/seen" 2>/dev/null)" ] && break
		sleep 0.1
		i=\$((i + 1))
	done
	echo "\$f" >"$TB/seen"
	grep -Eo '\b[0-9]{8}\b' "\$f" | head -1
}
EOF
uactl user add customer alice --email alice@example.com >/dev/null
set_pw alice "$CANARY"
expect_rc 0 "test-login with the right password: exit 0" \
	$DRIVE -e 'Password: ' -s "$CANARY" -- $CTL test-login customer alice
grep_last "  ... asked exactly 'Password: '" '^Password: '
grep_last "  ... and says who signed in" '^OK: signed in as alice'
expect_rc 1 "  ... the password was not echoed" grep -q "$CANARY" "$TB/last.out"
expect_rc 1 "test-login with a wrong password: exit 1" \
	$DRIVE -e 'Password: ' -s 'wrong-password' -- $CTL test-login customer alice
grep_last "  ... with a clear word" "test login of 'alice' in pool 'customer': FAILED"
expect_rc 0 "test-login by email code (--preferred email_otp)" \
	$DRIVE -e 'Code: ' -s "!. $TB/code.sh; code_for alice@example.com" -- \
	$CTL test-login customer alice@example.com --preferred email_otp --service sshd
grep_last "  ... where the code went, with the prompt" 'A code was sent to a\*+@e\*+\.com'
grep_last "  ... signed in" '^OK: signed in as alice'
expect_rc 0 "test-login reads answers from a pipe too" \
	sh -c "printf '%s\n' '$CANARY' | $CTL --json test-login customer alice"
json_ok "  ... --json: outcome, user" 'v["outcome"] == "OK" and v["user"] == "alice" and v["pool"] == "customer"'
expect_rc 1 "test-login of an unknown user: refused like a wrong answer" \
	sh -c "printf '00000000\n00000000\n00000000\n00000000\n' | $CTL test-login customer nosuchuser"
grep_last "  ... FAILED" 'FAILED'
expect_rc 1 "test-login with no answer (end of input) is abandoned" \
	sh -c "$CTL test-login customer alice </dev/null"
grep_last "  ... and says so" 'no answer \(end of input\)'
expect_rc 2 "test-login without USER: usage" uactl test-login customer
expect_rc 2 "test-login --preferred bogus: usage" uactl test-login customer alice --preferred bogus
grep_last "  ... naming the choices" 'password or email_otp'
expect_rc 2 "test-login --service with a bad name: usage" uactl test-login customer alice --service 'a b'
expect_rc 2 "test-login with a bad user name: usage" uactl test-login customer 'bad name'
expect_rc 2 "test-login with a pool name starting with '-': usage" uactl test-login -- -x alice
expect_rc 0 "status counts the logins of the last hour" uactl --json status
json_ok "  ... PASSWORD: 2 ok and a failure; EMAIL_OTP: 1 ok" \
	'{l["challenge"]: (l["ok"], l["fail"]) for l in v["logins"]}.get("PASSWORD", (0, 0))[0] == 2 and {l["challenge"]: l for l in v["logins"]}["PASSWORD"]["fail"] >= 1 and {l["challenge"]: l for l in v["logins"]}["EMAIL_OTP"]["ok"] == 1'
expect_rc 0 "  ... and the mail it sent" uactl --json status
json_ok "  ... one sent in the hour, with a latency" 'v["mail"]["sent"] >= 1 and v["mail"]["latency_p50"] is not None and v["mail"]["latency_p99"] >= v["mail"]["latency_p50"]'
expect_rc 0 "  ... status for people shows the table" uactl status
grep_last "  ... PASSWORD row" '^PASSWORD +2 +[1-9]'

# --- user modify, user show --------------------------------------------------
# a success clears the account's counts: one more failure to show
printf 'wrong-again\n' | uactl test-login customer alice >/dev/null 2>&1
expect_rc 0 "user show has MFA state, last login and limits" uactl user show alice
grep_last "  ... MFA" '^mfa: +not enrolled \(pool mfa = off\)'
grep_last "  ... last login (a test login opens no session: never)" '^last login: +never$'
grep_last "  ... limits: the failed test login" '^limits: +account: 1 failures, wait [0-9]+s'
expect_rc 0 "user show --json has mfa and limits" uactl --json user show alice
json_ok "  ... as objects" 'v["mfa"] == {"mode": "off", "enrolled": False, "pending": False} and isinstance(v["limits"], list) and "last_login" in v and any(l["kind"] == "account" and l["failures"] >= 1 for l in v["limits"])'
uactl user add staff sam --email sam@example.org >/dev/null
expect_rc 0 "user modify: email, name, shell, home" uactl user modify customer alice \
	--email Alice.L@Example.org --name "Alice Liddell" --shell /bin/bash --home /srv/alice
grep_last "  ... the uid stays" '^uid: +200000$'
grep_last "  ... new email, lowercase" '^email: +alice\.l@example\.org$'
expect_rc 0 "  ... NSS shows it" getent passwd alice
grep_last "  ... passwd line" '^alice:\*:200000:200000:Alice Liddell:/srv/alice:/bin/bash$'
expect_rc 0 "  ... the new email finds the user" uactl user show alice.l@example.org
expect_rc 0 "user modify of one field keeps the others" uactl --json user modify customer alice --name 'A. Liddell'
json_ok "  ... only the name changed" 'v["display_name"] == "A. Liddell" and v["shell"] == "/bin/bash" and v["home"] == "/srv/alice" and v["uid"] == 200000'
uactl --json user show alice >"$TB/before.json"
expect_rc 1 "user modify to another user's email: refused" uactl user modify customer alice --email sam@example.org
grep_last "  ... saying it is taken" 'already belongs'
expect_rc 1 "user modify in the wrong pool: refused" uactl user modify staff alice --name X
grep_last "  ... naming the pool" "no user 'alice' in pool 'staff'"
expect_rc 1 "user modify in an unknown pool" uactl user modify nopool alice --name X
expect_rc 1 "user modify of an unknown user" uactl user modify customer nobody2 --name X
expect_rc 2 "user modify with nothing to change: usage" uactl user modify customer alice
expect_rc 2 "user modify with a bad email: usage" uactl user modify customer alice --email not-an-email
expect_rc 2 "user modify with a relative shell: usage" uactl user modify customer alice --shell bin/sh
expect_rc 2 "user modify with a control character in the name" uactl user modify customer alice --name "$(printf 'a\001b')"
expect_rc 0 "the daemon refuses a bad home itself" \
	$PY "$top_srcdir/tests/tools/sockpoke.py" json "$TB/run/admin.sock" '{"v":1,"op":"user.modify","pool":"customer","user":"alice","home":"rel/x"}'
grep_last "  ... as invalid" '"invalid"'
expect_rc 0 "  ... and one with nothing to change" \
	$PY "$top_srcdir/tests/tools/sockpoke.py" json "$TB/run/admin.sock" '{"v":1,"op":"user.modify","pool":"customer","user":"alice"}'
grep_last "  ... as invalid" '"invalid".*nothing to change'
uactl --json user show alice >"$TB/after.json"
expect_rc 0 "refused modifies changed nothing" cmp "$TB/before.json" "$TB/after.json"

# --- mfa enroll: the pool is named in CLI, docs and errors -------------------
expect_rc 2 "mfa enroll without a pool: usage" uactl mfa enroll alice
expect_rc 1 "mfa enroll in a pool with mfa = off: refused" uactl mfa enroll customer alice --code 123456
grep_last "  ... naming that pool, not ''" "pool 'customer' has mfa = off"
expect_rc 0 "  ... and nothing is pending" uactl --json mfa status alice
json_ok "  ... not enrolled" 'v["enrolled"] is False and v["pending"] is False'

# --- every command is in userauthctl(8) --------------------------------------
uactl help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z -]*[a-z]\) \{1,\}[A-Z].*/\1/p' |
	sed 's/ *$//' >"$TB/verbs"
missing=
while read -r verb; do
	grep -q "^\.Cm $verb\( \|$\)\|^\.It Cm $verb\( \|$\)" "$top_srcdir/man/userauthctl.8" ||
		missing="$missing '$verb'"
done <"$TB/verbs"
ok "$([ -s "$TB/verbs" ] && [ -z "$missing" ]; echo $?)" \
	"userauthctl(8) documents every command of help ($(wc -l <"$TB/verbs") commands)${missing:+; missing:$missing}"

ua_finish
