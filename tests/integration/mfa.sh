#!/bin/sh
# SPDX-License-Identifier: MIT
# TOTP MFA end to end: a real userauthd with two staff pools (mfa =
# required; one enrols at first login) and one with mfa = optional, the
# built pam_userauth.so driven by tests/tools/pamconv, and codes from
# oathtool at pinned times (-N @EPOCH): the daemon has no clock override.
# Password + TOTP, wrong and replayed codes, the +-1 step window, no mailed
# code in a staff pool, enrolment by userauthctl and at first login
# (MFA_SETUP), reset, a wrong password in the optional pool that the TOTP
# prompt does not tell, and no secret in the daemon's log or --json output
# except the enroll answer.  Prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	for t in oathtool sqlite3 mkfifo python3; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	UA_IN_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@" ||
		skip_all "unshare -m failed"
fi
ua_scratch
ua_nss_setup

SOCK=$TB/run/public.sock
MOD=$top_builddir/pam_userauth/.libs/pam_userauth.so
PAMCONV=$top_builddir/tests/tools/pamconv
PW_ANN='An-canary-5e71d0'
PW_BOB='Bo-canary-c3a9f2'
PW_CARL='Ca-canary-09b4e6'
PW_OLGA='Ol-canary-6a02d4'
PW_OTTO='Ot-canary-b5e381'

conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
# An old last step, so that window tests are not replay tests.
old_step() {
	sqlite3 "$TB/state/userauth.db" \
		"UPDATE credentials SET totp_last_step = 0 WHERE user_id = \
		 (SELECT id FROM users WHERE login = '$1')"
}
json_get() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# recovery_code N: the Nth recovery code of a JSON reply on stdin.
recovery_code() { python3 -c 'import json,sys; print(json.load(sys.stdin)["recovery_codes"][int(sys.argv[1])])' "$1"; }

# --- set-up ---------------------------------------------------------------------
ua_write_conf <<EOF2
[defaults]
# many wrong answers from one (empty) remote host on purpose: throttling
# has a test of its own (throttle.sh); here it must not interfere
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
shell = /bin/sh
first_factors = password
mfa = required
[pool staff]
uid_min = 220000
uid_max = 220099
gid_min = 320000
gid_max = 320099
totp_issuer = Example Ops
[pool ops]
uid_min = 230000
uid_max = 230099
gid_min = 330000
gid_max = 330099
mfa_enrol_at_login = yes
[pool opt]
uid_min = 240000
uid_max = 240099
gid_min = 340000
gid_max = 340099
mfa = optional
EOF2
mkdir -p "$TB/pam"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
for p in staff ops opt; do
	echo "auth required $MOD pool=$p socket=$SOCK" >"$TB/pam/ua-$p"
done
chmod 0644 "$TB/pam/"*
ua_start_daemon
ok $? "daemon starts with two mfa = required pools and an optional one"

# Cognito's rule: no MFA beside a mailed code (S13), refused with file:line.
printf '[pool x]\nfirst_factors = password email_otp\nmfa = required\n' \
	>"$TB/bad.conf"
chmod 0644 "$TB/bad.conf"
expect_rc 78 "config with mfa = required and email_otp is refused" \
	"$top_builddir/userauthd" -t -c "$TB/bad.conf"
grep_last "  ... naming file and line" "bad.conf:3: .*mfa = required cannot be combined with email_otp"

setup_users() {
	uactl user add staff ann --email ann@example.com &&
	uactl user add staff carl --email carl@example.com &&
	uactl user add ops bob --email bob@example.org &&
	set_pw ann "$PW_ANN" && set_pw carl "$PW_CARL" && set_pw bob "$PW_BOB"
}
expect_rc 0 "staff users and passwords set up" setup_users

# --- enrolment by the administrator -------------------------------------------------
expect_rc 0 "mfa enroll without a code leaves the enrolment pending" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' --json mfa enroll staff ann </dev/null"
SEC_ANN=$(json_get secret <"$TB/last.out")
URI=$(json_get uri <"$TB/last.out")
cp "$TB/last.out" "$TB/enroll-ann.json"
python3 -c 'import json,re,sys; c=json.load(sys.stdin)["recovery_codes"]; sys.exit(not (len(c) == 10 and len(set(c)) == 10 and all(re.fullmatch("[a-z2-7]{5}-[a-z2-7]{5}", x) for x in c)))' <"$TB/enroll-ann.json"
ok $? "  ... and 10 distinct recovery codes (xxxxx-xxxxx)"
REC_ANN0=$(recovery_code 0 <"$TB/enroll-ann.json")
REC_ANN1=$(recovery_code 1 <"$TB/enroll-ann.json")
case $URI in
"otpauth://totp/Example%20Ops:ann@example.com?secret=$SEC_ANN&issuer=Example%20Ops&algorithm=SHA1&digits=6&period=30") ok 0 "enroll answer: base32 secret and otpauth URI, the pool's totp_issuer" ;;
*) ok 1 "enroll answer: base32 secret and otpauth URI (got $URI)" ;;
esac
expect_rc 0 "mfa status: pending, not enrolled" uactl --json mfa status ann
grep_last "  ... status JSON" '"enrolled": false.*"pending": true|"pending": true'
expect_rc 1 "mfa confirm with a wrong code is refused" uactl mfa confirm ann 000000
mid_step
C0=$(totp "$SEC_ANN" 0)
expect_rc 0 "mfa confirm with the app's code activates it" uactl mfa confirm ann "$C0"
expect_rc 0 "human enroll prints a QR code, key and URI (and stays pending)" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' mfa enroll staff carl </dev/null"
grep_last "  ... with half blocks" "█"
grep_last "  ... and the key" "^Key: [A-Z2-7]{32}$"
grep_last "  ... and the recovery codes" "^  [a-z2-7]{5}-[a-z2-7]{5}$"
SEC_CARL=$(sed -n 's/^Key: //p' "$TB/last.out")
expect_rc 1 "enroll --code with a wrong code fails" uactl mfa enroll staff carl --code 123456
expect_rc 2 "enroll --code refuses a non-code" uactl mfa enroll staff carl --code 12ab56
expect_rc 1 "enroll names the wrong pool: refused" uactl mfa enroll ops carl --code 123456

# --- login: password + TOTP ------------------------------------------------------------
login replay ua-staff ann "$PW_ANN" "$C0"
ok $(($? == 0)) "the code used to confirm cannot log in again (replay, S12)"
tx_has "  ... one call: ECHO_OFF Verification code:" replay 'call 2: ECHO_OFF "Verification code: "'
tx_has "  ... and it is re-asked: Wrong password or verification code." replay 'call 3: ERROR "Wrong password or verification code." | ECHO_OFF "Verification code: "'
mid_step
login ok1 ua-staff ann "$PW_ANN" 000000 "$(totp "$SEC_ANN" 30)"
ok $? "wrong TOTP re-asked, then the next step's code logs in"
tx_has "  ... PAM_SUCCESS" ok1 "authenticate: 0 Success"
old_step ann
mid_step
login t30 ua-staff ann "$PW_ANN" "$(totp "$SEC_ANN" -30)"
ok $? "T-30 s code accepted"
old_step ann
mid_step
login t60 ua-staff ann "$PW_ANN" "$(totp "$SEC_ANN" -60)" "$(totp "$SEC_ANN" -60)" "$(totp "$SEC_ANN" -60)"
ok $(($? == 0)) "T-60 s code refused"
tx_has "  ... after the try budget: failure" t60 "authenticate: 7 "
# wrong_codes N: N six-digit codes none of which is within two steps of now.
wrong_codes() {
	near=" $(for o in -60 -30 0 30 60; do totp "$SEC_ANN" $o; done | tr '\n' ' ')"
	wc_n=0
	while [ $wc_n -lt "$1" ]; do
		c=$(od -An -N4 -tu4 /dev/urandom | awk '{ printf "%06d", $1 % 1000000 }')
		case $near in *" $c "*) continue ;; esac
		echo "$c"
		wc_n=$((wc_n + 1))
	done
}
old_step ann
mid_step
# shellcheck disable=SC2046
login twrong ua-staff ann "$PW_ANN" $(wrong_codes 3)
ok $(($? == 0)) "three random wrong codes refused"
if cmp -s "$TB/tx.t60" "$TB/tx.twrong"; then
	ok 0 "  ... the T-60 s refusal is the same transcript (prompts, messages, PAM code): it does not reveal skew"
else
	ok 1 "  ... the T-60 s refusal is the same transcript (prompts, messages, PAM code): it does not reveal skew"
	diff "$TB/tx.t60" "$TB/tx.twrong" | sed 's/^/# /'
fi
old_step ann
login wrongpw ua-staff ann wrong-password "$(totp "$SEC_ANN" 0)"
ok $(($? == 0)) "wrong password + valid TOTP: refused"
tx_has "  ... asked for the TOTP all the same (uniform)" wrongpw 'call 2: ECHO_OFF "Verification code: "'
tx_has "  ... and told only that one of the two was wrong" wrongpw 'call 3: ERROR "Wrong password or verification code." | ECHO_OFF "Verification code: "'
tx_lacks "  ... never that the code alone was" wrongpw '"Wrong verification code."'
login fake ua-staff nobody-here wrong-password 123456
sed 's/nobody-here/X/' "$TB/tx.fake" >"$TB/n1"
sed 's/ann/X/' "$TB/tx.wrongpw" >"$TB/n2"
cmp -s "$TB/n1" "$TB/n2"
ok $? "unknown user: the same transcript as a wrong password"
login empty ua-staff ann "" "$(totp "$SEC_ANN" 0)"
ok $(($? == 0)) "empty password in a staff pool: refused"
tx_lacks "  ... and no code is offered or mailed" empty "code was sent"
tx_lacks "  ... no code hint" empty "code by email"
login carl ua-staff carl "$PW_CARL" "$(totp "$SEC_CARL" 0)"
ok $(($? == 0)) "required MFA, only pending: the pending key does not log in"

# --- recovery codes ---------------------------------------------------------------------
login rec1 ua-staff ann "$PW_ANN" "$REC_ANN0"
ok $? "a recovery code at the Verification code: prompt logs in"
login rec2 ua-staff ann "$PW_ANN" "$REC_ANN0"
ok $(($? == 0)) "  ... once: the same code does not log in twice"
tx_has "  ... and is answered like a wrong code" rec2 'call 3: ERROR "Wrong password or verification code."'
login rec3 ua-staff ann "$PW_ANN" "$(echo "$REC_ANN1" | tr a-z A-Z | tr -d -)"
ok $? "  ... any case, with or without its dash"
login recwp ua-staff ann wrong-password "$(recovery_code 2 <"$TB/enroll-ann.json")"
ok $(($? == 0)) "a recovery code after a wrong password: refused"
login rec4 ua-staff ann "$PW_ANN" "$(recovery_code 2 <"$TB/enroll-ann.json")"
ok $? "  ... and the code it was given is not spent by that"
expect_rc 0 "mfa status counts the codes left" uactl mfa status ann
grep_last "  ... 7 left" "^ann: enrolled, 7 recovery codes left$"
expect_rc 0 "mfa recovery-codes makes a new set" uactl mfa recovery-codes staff ann
grep_last "  ... printed once" "^  [a-z2-7]{5}-[a-z2-7]{5}$"
NEW_ANN=$(sed -n 's/^  \([a-z2-7]\{5\}-[a-z2-7]\{5\}\)$/\1/p' "$TB/last.out" | head -1)
[ "$(sed -n 's/^  \([a-z2-7]\{5\}-[a-z2-7]\{5\}\)$/\1/p' "$TB/last.out" | sort -u | wc -l)" -eq 10 ]
ok $? "  ... of 10 codes"
login recold ua-staff ann "$PW_ANN" "$(recovery_code 3 <"$TB/enroll-ann.json")"
ok $(($? == 0)) "  ... the old codes no longer log in"
login recnew ua-staff ann "$PW_ANN" "$NEW_ANN"
ok $? "  ... the new ones do"
expect_rc 1 "mfa recovery-codes names the wrong pool: refused" uactl mfa recovery-codes ops ann
expect_rc 0 "  ... --json gives the codes" uactl --json mfa recovery-codes staff carl
python3 -c 'import json,sys; sys.exit(len(json.load(sys.stdin)["recovery_codes"]) != 10)' <"$TB/last.out"
ok $? "  ... 10 of them (carl's enrolment is pending: codes go with it)"
REC_ALL=$(python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["recovery_codes"]))' <"$TB/enroll-ann.json")

# --- reset ---------------------------------------------------------------------------------
expect_rc 0 "mfa reset" uactl mfa reset ann
old_step ann
login reset ua-staff ann "$PW_ANN" "$(totp "$SEC_ANN" 0)"
ok $(($? == 0)) "after reset the old key no longer logs in"
expect_rc 1 "mfa recovery-codes for a user without a key is refused" uactl mfa recovery-codes staff ann
grep_last "  ... saying to enrol first" "run mfa enroll first"
expect_rc 0 "mfa status after reset" uactl --json mfa status ann
grep_last "  ... not enrolled" '"enrolled": false'

# --- enrolment at first login (MFA_SETUP) ------------------------------------------
rm -f "$TB/fifo"
mkfifo "$TB/fifo"
"$PAMCONV" -C "$TB/pam" -f "$TB/fifo" ua-ops bob "$PW_BOB" >"$TB/tx.setup" 2>&1 &
BG=$!
UA_PIDS="$UA_PIDS $BG"
exec 9>"$TB/fifo"
i=0
while [ $i -lt 100 ] && ! grep -q '^call 2: ' "$TB/tx.setup"; do
	sleep 0.1
	i=$((i + 1))
done
SEC_BOB=$(grep -o 'Key: [A-Z2-7]*' "$TB/tx.setup" | head -1 | cut -c6-)
[ -n "$SEC_BOB" ]
ok $? "first login: MFA_SETUP shows the key"
tx_has "  ... QR, key and URI in one INFO with the prompt" setup 'call 2: INFO "Two-factor authentication is required.'
tx_has "  ... and the prompt in the same call" setup '| ECHO_OFF "Verification code: "'
HOST=$(hostname)
REC_BOB=$(grep -o '  [a-z2-7]\{5\}-[a-z2-7]\{5\}' "$TB/tx.setup" | head -1 | tr -d ' ')
[ -n "$REC_BOB" ]
ok $? "  ... with recovery codes in the same INFO"
tx_has "  ... issuer: the host name by default, not the pool's" setup "URI: otpauth://totp/$HOST:bob@example.org?secret=$SEC_BOB&issuer=$HOST&"
mid_step
echo "000000" >&9
sleep 0.5
echo "$(totp "$SEC_BOB" 0)" >&9
exec 9>&-
wait $BG
ok $? "first login: a wrong code is re-asked, a valid one enrols and logs in"
tx_has "  ... the wrong one got the message" setup 'ERROR "Wrong verification code."'
expect_rc 0 "bob is now enrolled" uactl --json mfa status bob
grep_last "  ... enrolled" '"enrolled": true'
mid_step
login bob2 ua-ops bob "$PW_BOB" "$(totp "$SEC_BOB" 30)"
ok $? "second login: password + TOTP, no MFA_SETUP"
tx_lacks "  ... no enrolment text" bob2 "Key:"
login bob3 ua-ops bob "$PW_BOB" "$REC_BOB"
ok $? "a recovery code shown at MFA_SETUP logs in"
login bob4 ua-ops bob "$PW_BOB" "$REC_BOB"
ok $(($? == 0)) "  ... once"

# --- mfa = optional: a wrong password is not told by the TOTP prompt ---------------------
# An enrolled user is asked for the TOTP after a wrong password too (one
# that cannot succeed), so the transcript says nothing of the password;
# a user without a key is asked for none either way.
setup_opt() {
	uactl user add opt olga --email olga@example.com &&
	uactl user add opt otto --email otto@example.com &&
	set_pw olga "$PW_OLGA" && set_pw otto "$PW_OTTO" &&
	"$top_builddir/userauthctl" -s "$TB/run/admin.sock" --json \
		mfa enroll opt olga </dev/null >"$TB/enr.json"
}
expect_rc 0 "optional pool: olga enrolled, otto not" setup_opt
SEC_OLGA=$(json_get secret <"$TB/enr.json")
mid_step
expect_rc 0 "  ... olga's key confirmed" uactl mfa confirm olga "$(totp "$SEC_OLGA" 0)"
# Failures in a row from one host would make olga's answers wait.
unlock_olga() { uactl user unlock opt olga >/dev/null; }
login optrw ua-opt olga "$PW_OLGA" 000000 000000 000000
ok $(($? == 0)) "optional, enrolled: right password, wrong TOTPs: refused"
unlock_olga
login optww ua-opt olga wrong-password 000000 000000 000000
ok $(($? == 0)) "optional, enrolled: wrong password: refused"
tx_has "  ... after the TOTP prompt all the same" optww 'call 2: ECHO_OFF "Verification code: "'
cmp -s "$TB/tx.optrw" "$TB/tx.optww"
ok $? "  ... the same transcript as after the right password"
[ $? -eq 0 ] || diff "$TB/tx.optrw" "$TB/tx.optww" | sed 's/^/# /'
unlock_olga
old_step olga
mid_step
login optwr ua-opt olga wrong-password "$(totp "$SEC_OLGA" 0)"
ok $(($? == 0)) "optional, enrolled: wrong password and a right TOTP: refused"
old_step olga
login optrr ua-opt olga "$PW_OLGA" "$(totp "$SEC_OLGA" 0)"
ok $? "optional, enrolled: right password and TOTP log in"
# Up to the TOTP's verdict: the wrong password's is asked again, then
# runs out of answers.
grep '^call ' "$TB/tx.optrr" >"$TB/p1"
grep '^call ' "$TB/tx.optwr" | head -n "$(wc -l <"$TB/p1")" >"$TB/p2"
[ "$(wc -l <"$TB/p1")" -eq 2 ] && cmp -s "$TB/p1" "$TB/p2"
ok $? "  ... the same prompts as the wrong password's, up to the result"
login optu ua-opt otto "$PW_OTTO"
ok $? "optional, no key: the password alone logs in"
tx_lacks "  ... no TOTP prompt" optu "Verification code"
login optuw ua-opt otto wrong-password 000000
ok $(($? == 0)) "optional, no key: a wrong password fails"
tx_lacks "  ... without a TOTP prompt either" optuw "Verification code"

# --- no secret in the log or in --json output (S22) -------------------------------------
for s in "$SEC_ANN" "$SEC_BOB" "$SEC_CARL" "$SEC_OLGA" "$PW_ANN" "$PW_BOB" \
	"$PW_CARL" "$PW_OLGA" "$PW_OTTO" "$REC_BOB" "$NEW_ANN" $REC_ALL \
	$(echo $REC_ALL | tr -d -); do
	grep -qF -- "$s" "$TB/daemon.log" && echo "# leaked: $s"
done >"$TB/leaks"
[ ! -s "$TB/leaks" ]
ok $? "no TOTP secret, recovery code or password in the daemon's log"
! sqlite3 "$TB/state/userauth.db" .dump | grep -qF -e "$NEW_ANN" -e "$REC_BOB" \
	-e "$(echo "$NEW_ANN" | tr -d -)" -e "$(echo "$REC_BOB" | tr -d -)"
ok $? "recovery codes are not in the database (only their MACs)"
grep -q 'event=mfa .*result=recovery_code_used' "$TB/daemon.log"
ok $? "audit line for a recovery code used"
uactl --json user show ann >"$TB/show.json"
uactl --json mfa status bob >>"$TB/show.json"
! grep -qF -e "$SEC_ANN" -e "$SEC_BOB" "$TB/show.json"
ok $? "no secret in user show / mfa status --json"
grep -q 'event=auth .*challenge=SOFTWARE_TOKEN_MFA result=ok' "$TB/daemon.log"
ok $? "audit line names the TOTP challenge"

ua_finish
