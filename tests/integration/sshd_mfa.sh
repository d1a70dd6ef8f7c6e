#!/bin/sh
# SPDX-License-Identifier: MIT
# TOTP MFA through a real sshd: a staff pool (first_factors = password,
# mfa = required, mfa_enrol_at_login = yes), sshd as PAM service
# "sshd-userauth" with pam_userauth, paramiko (tests/tools/sshlogin.py)
# answering "Verification code: " with oathtool's code at the time of the
# round.  An enrolled user logs in; wrong codes are re-asked and then
# refused; an unenrolled user sees the key in the same round as the prompt
# (MFA_SETUP), enrols with it and is asked for the TOTP next time; an empty
# password is never offered an emailed code.  Own mount and network
# namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
ua_need_sshd
ua_need_tools oathtool
ua_enter_netns "$@"
T0=$(date +%s)
ua_scratch
ua_nss_setup
ua_transcript_checker

SSH_PORT=2223
SERVICE=sshd-userauth
MOD=$top_builddir/pam_userauth/.libs/pam_userauth.so
PW_ANN='Ann-ssh-canary-6b1f0e'
PW_BOB='Bob-ssh-canary-2d94c7'
sshlogin() { $PY "$top_srcdir/tests/tools/sshlogin.py" --port "$SSH_PORT" "$@"; }
trx() { $PY "$TB/tr.py" "$@"; }
# Stay clear of a step boundary, so a code made now is checked in the same step.
mid_step() { while [ $(($(date +%s) % 30)) -gt 24 ]; do sleep 1; done; }
json_get() { $PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# --- daemon, pool, sshd ----------------------------------------------------------
ua_write_conf <<EOF2
[defaults]
shell = /bin/sh

[pool staff]
uid_min = 220000
uid_max = 220099
gid_min = 320000
gid_max = 320099
home = $TB/home/%u
first_factors = password
mfa = required
mfa_enrol_at_login = yes
EOF2
ua_start_daemon
ok $? "userauthd starts with a staff pool (password, mfa = required, enrol at login)"
{
	uactl user add staff ann --email ann@example.com &&
		uactl user add staff bob --email bob@example.com &&
		printf '%s\n' "$PW_ANN" | uactl passwd ann --stdin &&
		printf '%s\n' "$PW_BOB" | uactl passwd bob --stdin
} >"$TB/provision.out" 2>&1
ok $? "staff users ann and bob with passwords"
for u in ann bob; do
	mkdir -p "$TB/home/$u" && chown "$u:$u" "$TB/home/$u"
done
expect_rc 0 "ann: mfa enroll (pending)" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' --json mfa enroll staff ann </dev/null"
SEC_ANN=$(json_get secret <"$TB/last.out")
mid_step
expect_rc 0 "ann: mfa confirm with oathtool's code" \
	uactl mfa confirm ann "$(oathtool --totp --base32 -N "@$(date +%s)" "$SEC_ANN")"

ARGS="pool=staff socket=$TB/run/public.sock"
ua_sshd_start "$SERVICE" "$SSH_PORT" <<EOF2
auth     required $MOD $ARGS
account  required $MOD $ARGS
session  required $MOD $ARGS
EOF2
ok $? "sshd listens on 127.0.0.1:$SSH_PORT as $SERVICE"

# --- (a) enrolled: password, then the TOTP ------------------------------------------
# The confirm code used this step: answer with the next step's (+30 s, in
# the window), or it would be a replay.
mid_step
t=$(date +%s)
expect_rc 0 "ann logs in: password, then Verification code: from oathtool" \
	sshlogin --user ann --password "$PW_ANN" --totp-secret "$SEC_ANN" \
	--totp-offset 30 --transcript "$TB/ann.json"
echo "# password + TOTP login took $(($(date +%s) - t)) s"
grep_last "  ... id in the session" '^uid=220000\(ann\) gid=220000\(ann\)'
expect_rc 0 "  ... two rounds: Password:, then Verification code:" \
	trx "$TB/ann.json" 'len(R) == 2' 'P[0].endswith("Password: ")' \
	'P[1].endswith("Verification code: ")' \
	'R[1]["prompts"][-1]["echo"] is False' 't["result"] == "ok"'

# --- (b) wrong codes ------------------------------------------------------------------
t=$(date +%s)
expect_rc 1 "ann with three wrong codes is refused" \
	sshlogin --user ann --password "$PW_ANN" \
	--totp-codes 000000,000001,000002 --transcript "$TB/wrong.json"
echo "# three wrong codes took $(($(date +%s) - t)) s"
expect_rc 0 "  ... re-asked with 'Wrong password or verification code.' in the same connection" \
	trx "$TB/wrong.json" 't["result"] == "auth_failed"' 'len(R) == 4' \
	'all(p.endswith("Verification code: ") for p in P[1:])' \
	'"Wrong password or verification code." not in P[1]' \
	'all("Wrong password or verification code." in p for p in P[2:])'

expect_rc 1 "ann with a wrong password and three codes is refused" \
	sshlogin --user ann --password "wrong-$PW_ANN" \
	--totp-codes 000000,000001,000002 --transcript "$TB/wrongpw.json"
expect_rc 0 "  ... the same rounds and messages as wrong codes (no factor named)" \
	trx "$TB/wrongpw.json" 't["result"] == "auth_failed"' 'len(R) == 4' \
	'all(p.endswith("Verification code: ") for p in P[1:])' \
	'"Wrong password or verification code." not in P[1]' \
	'all("Wrong password or verification code." in p for p in P[2:])' \
	'not any("Wrong verification code." in p for p in P)'

# --- (c) unenrolled: MFA_SETUP at the first login ---------------------------------------
mid_step
t=$(date +%s)
expect_rc 0 "bob (not enrolled) logs in with the key shown at MFA_SETUP" \
	sshlogin --user bob --password "$PW_BOB" --totp-secret setup \
	--transcript "$TB/setup.json"
echo "# enrolment at login took $(($(date +%s) - t)) s"
grep_last "  ... id in the session" '^uid=220001\(bob\)'
expect_rc 0 "  ... the key, URI and QR text are in the round that asks the code" \
	trx "$TB/setup.json" 'len(R) == 2' 'P[0].endswith("Password: ")' \
	'P[1].endswith("Verification code: ")' \
	'R[1].get("setup_key_seen")' \
	'"Key: " + t["setup_key"] in P[1]' \
	'"otpauth://totp/" in P[1] and "secret=" + t["setup_key"] in P[1]' \
	'"\u2588" in P[1] or "\u2580" in P[1] or "\u2584" in P[1]'
SEC_BOB=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["setup_key"])' "$TB/setup.json")
expect_rc 0 "bob is now enrolled" uactl --json mfa status bob
grep_last "  ... enrolled" '"enrolled": true'
expect_rc 0 "bob's second login asks for the TOTP (no setup text)" \
	sshlogin --user bob --password "$PW_BOB" --totp-secret "$SEC_BOB" \
	--totp-offset 30 --transcript "$TB/bob2.json"
grep_last "  ... id in the session" '^uid=220001\(bob\)'
expect_rc 0 "  ... Password:, then Verification code: without the key" \
	trx "$TB/bob2.json" 'len(R) == 2' 'P[1].endswith("Verification code: ")' \
	'"Key:" not in P[1] and "otpauth" not in P[1]'

# --- (d) an empty password ---------------------------------------------------------------
expect_rc 1 "ann with an empty password is refused" \
	sshlogin --user ann --password "" --totp-codes 000000 \
	--transcript "$TB/empty.json"
# "Code: " is the emailed code, which a staff pool never offers; the TOTP
# is asked after any password answer, empty too (doc/PROTOCOL.md, so the
# transcripts match), and can only fail.
expect_rc 0 "  ... and never gets a code prompt or a code-by-mail hint" \
	trx "$TB/empty.json" 't["result"] == "auth_failed"' \
	'not any(p.endswith("Code: ") for p in P)' \
	'not any("code was sent" in p or "code by email" in p for p in P)'
expect_rc 0 "  ... only the same Verification code: round as a wrong password" \
	trx "$TB/empty.json" 'P[0].endswith("Password: ")' \
	'all(p.endswith("Verification code: ") for p in P[1:])'

# --- no secret in the logs -------------------------------------------------------------
for s in "$SEC_ANN" "$SEC_BOB" "$PW_ANN" "$PW_BOB"; do
	grep -qF -- "$s" "$TB/daemon.log" "$TB/sshd.log" && echo "# leaked: $s"
done >"$TB/leaks"
[ ! -s "$TB/leaks" ]
ok $? "no TOTP key or password in the daemon's or sshd's log"

kill "$UA_SSHD_PID" 2>/dev/null
wait "$UA_SSHD_PID" 2>/dev/null
ua_stop_daemon
ok 0 "sshd and daemon stopped (whole test: $(($(date +%s) - T0)) s)"
ua_finish
