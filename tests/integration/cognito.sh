#!/bin/sh
# SPDX-License-Identifier: MIT
# Cognito pools end to end: a real userauthd with two backend = cognito
# pools and a local break-glass pool, the Cognito-wire fake
# (tests/tools/fake_cognito.py) over HTTPS with a CA made here, the built
# pam_userauth.so under tests/tools/pamconv.  Passwordless EMAIL_OTP,
# password with SELECT_CHALLENGE and "code instead", staff password + TOTP,
# MFA_SETUP, NEW_PASSWORD_REQUIRED, chauthtok, groups in the account
# phase, unknown users, Cognito down (fail closed, the local pool goes on),
# an untrusted certificate, a slow Cognito that must not hold up the
# daemon, and no Session, token, password or code in any log.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
$PY -c 'import cryptography' 2>/dev/null || skip_all "needs python3-cryptography for the fake"
[ -x /usr/sbin/sshd ] || skip_all "needs /usr/sbin/sshd (openssh-server)"
getent passwd sshd >/dev/null || skip_all "needs sshd's privilege separation user"
$PY -c 'import paramiko' 2>/dev/null || skip_all "needs python3-paramiko for $PY"
ua_need_tools openssl oathtool mkfifo ip ssh-keygen
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }

# Canaries: none of these may reach the daemon's log.
PW_ANN='Ann-canary-51e0c2'
PW_BEN='Ben-canary-7a3d19'
PW_CAT_TMP='Cat-temporary-0b77e4'
PW_CAT='Cat-canary-new-2f81a0'
PW_EVE='Eve-canary-c4e912'
PW_EVE2='Eve-canary-new-93d7b5'
PW_ROOT='Local-canary-6d2e10'
SEC_ANN=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

# --- a CA, a server certificate for 127.0.0.1, and a CA nobody trusts --------
cd "$TB" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
	-keyout ca.key -out ca.pem >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-keyout srv.key -out srv.csr >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile srv.ext -out srv.pem >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
		-keyout other.key -out other.pem >/dev/null 2>&1
ok $? "a test CA and a server certificate for 127.0.0.1"
chmod 0644 ca.pem other.pem
cd - >/dev/null || exit 1

# 130 more customers: ListUsers pages of 60, three of them
BULK=$(i=0; while [ $i -lt 130 ]; do
	printf ',{"username": "c%03d", "email": "c%03d@example.com", "email_verified": true, "attributes": {"custom:uid": "%d"}}' \
		$i $i $((421000 + i))
	i=$((i + 1))
done)
cat >"$TB/fake.json" <<EOF
{
  "iam_keys": [{"access_key_id": "AKIDTESTSYNC000001", "secret_access_key": "test-sync-secret-000001"}],
  "pools": [
    {
      "id": "eu-west-1_Staff01",
      "mfa": "ON",
      "mfa_methods": ["SOFTWARE_TOKEN_MFA"],
      "allowed_first_factors": ["PASSWORD"],
      "prevent_user_existence_errors": "ENABLED",
      "clients": [{"client_id": "staffclient01", "secret": "staff-client-secret-0123456789",
                   "explicit_auth_flows": ["ALLOW_USER_AUTH"]}],
      "groups": [{"name": "ops"}, {"name": "dev"}],
      "users": [
        {"username": "ann", "email": "ann@example.com", "email_verified": true,
         "password": "$PW_ANN", "totp_secret": "$SEC_ANN", "groups": ["ops"]},
        {"username": "ben", "email": "ben@example.com", "email_verified": true,
         "password": "$PW_BEN", "groups": ["dev"]}
      ]
    },
    {
      "id": "eu-west-1_Cust01",
      "mfa": "OFF",
      "allowed_first_factors": ["PASSWORD", "EMAIL_OTP"],
      "prevent_user_existence_errors": "ENABLED",
      "clients": [{"client_id": "custclient01", "explicit_auth_flows": ["ALLOW_USER_AUTH"]},
                  {"client_id": "custlegacy01", "explicit_auth_flows": ["ALLOW_USER_AUTH"],
                   "prevent_user_existence_errors": "LEGACY"}],
      "groups": [{"name": "buyers", "created": 1000}, {"name": "team_2", "created": 1500}],
      "users": [
        {"username": "dan", "email": "dan@example.com", "email_verified": true,
         "attributes": {"custom:uid": "420001"}, "groups": ["buyers"]},
        {"username": "eve", "email": "eve@example.com", "email_verified": true,
         "password": "$PW_EVE", "attributes": {"custom:uid": "420002"}},
        {"username": "cat", "email": "cat@example.com", "email_verified": true,
         "password": "$PW_CAT_TMP", "status": "FORCE_CHANGE_PASSWORD",
         "attributes": {"custom:uid": "420003"}},
        {"username": "fay", "email": "fay@example.com", "password": "Fay-pw-000001",
         "enabled": false, "attributes": {"custom:uid": "420004"}},
        {"username": "gus", "email": "gus@example.com", "password": "Gus-pw-000001",
         "status": "UNCONFIRMED", "attributes": {"custom:uid": "420005"}},
        {"username": "hal", "email": "hal@example.com", "password": "Hal-pw-000001",
         "created": 1000, "attributes": {"custom:uid": "420010"}},
        {"username": "ida", "email": "ida@example.com", "password": "Ida-pw-000001",
         "created": 2000, "attributes": {"custom:uid": "420010"}},
        {"username": "jo", "email": "jo@example.com", "password": "Jo-pw-0000001",
         "attributes": {"custom:uid": "999"}},
        {"username": "kim", "email": "kim@example.com", "email_verified": true,
         "password": "Kim-temporary-5e1", "status": "FORCE_CHANGE_PASSWORD",
         "attributes": {"custom:uid": "420006"}, "groups": ["team_2"]}
        $BULK
      ]
    }
  ]
}
EOF

FAKE_PID=
start_fake() {
	rm -f "$TB/fake.port"
	$PY "$top_srcdir/tests/tools/fake_cognito.py" --config "$TB/fake.json" \
		--cert "$TB/srv.pem" --key "$TB/srv.key" --port "${FAKE_PORT:-0}" \
		--port-file "$TB/fake.port" --control "$TB/fake.ctl" \
		--codes "$TB/codes" \
		--issuer-base https://cognito-idp.eu-west-1.amazonaws.com \
		2>>"$TB/fake.log" 6>&- 7>&- 8>&- 9>&- &
	FAKE_PID=$!
	UA_PIDS="$UA_PIDS $FAKE_PID"
	ua_wait_for 100 test -s "$TB/fake.port" && FAKE_PORT=$(cat "$TB/fake.port")
}
knob() { $PY "$top_srcdir/tests/tools/fake_cognito.py" ctl "$TB/fake.ctl" "$@" >/dev/null; }
: >"$TB/codes"
start_fake
ok $? "the Cognito fake listens on 127.0.0.1:$FAKE_PORT"

umask 077
printf 'staff-client-secret-0123456789\n' >"$TB/staff.secret"
printf '[default]\naws_access_key_id = nobody\naws_secret_access_key = x\n[sync]\naws_access_key_id = AKIDTESTSYNC000001\naws_secret_access_key = test-sync-secret-000001\n' >"$TB/aws.credentials"
umask 022
# the customer pool's sync signs with the daemon's environment
export AWS_ACCESS_KEY_ID=AKIDTESTSYNC000001 AWS_SECRET_ACCESS_KEY=test-sync-secret-000001
ua_write_conf <<EOF
[defaults]
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
shell = /bin/sh
[pool staff]
backend = cognito
uid_min = 400000
uid_max = 409999
gid_min = 410000
gid_max = 419999
cognito_user_pool_id = eu-west-1_Staff01
cognito_client_id = staffclient01
cognito_client_secret_file = $TB/staff.secret
cognito_endpoint = https://127.0.0.1:$FAKE_PORT
cognito_ca_file = $TB/ca.pem
cognito_timeout = 3
first_factors = password
mfa = required
allow_groups = ops
cognito_credentials_file = $TB/aws.credentials
cognito_credentials_profile = sync
cognito_sync_interval = 3600
cognito_sync_rate = 50
[pool customer]
backend = cognito
uid_min = 420000
uid_max = 429999
gid_min = 430000
gid_max = 439999
cognito_user_pool_id = eu-west-1_Cust01
cognito_client_id = custclient01
cognito_endpoint = https://127.0.0.1:$FAKE_PORT
cognito_ca_file = $TB/ca.pem
cognito_timeout = 3
cognito_uid_attribute = custom:uid
cognito_sync_interval = 5
cognito_sync_rate = 50
[pool untrusted]
backend = cognito
uid_min = 440000
uid_max = 449999
gid_min = 450000
gid_max = 459999
cognito_user_pool_id = eu-west-1_Cust01
cognito_client_id = custclient01
cognito_endpoint = https://127.0.0.1:$FAKE_PORT
cognito_ca_file = $TB/other.pem
cognito_sync_interval = 0
[pool legacy]
backend = cognito
uid_min = 480000
uid_max = 489999
gid_min = 490000
gid_max = 499999
cognito_user_pool_id = eu-west-1_Cust01
cognito_client_id = custlegacy01
cognito_endpoint = https://127.0.0.1:$FAKE_PORT
cognito_ca_file = $TB/ca.pem
cognito_uid_attribute = custom:uid
cognito_sync_interval = 0
[pool breakglass]
uid_min = 460000
uid_max = 469999
gid_min = 470000
gid_max = 479999
first_factors = password
EOF

# --- configuration ---------------------------------------------------------
expect_rc 0 "userauthd -t accepts the Cognito pools" \
	"$top_builddir/userauthd" -t -c "$TB/etc/userauth.conf"
"$top_builddir/userauthd" -T -c "$TB/etc/userauth.conf" >"$TB/dump" 2>&1
expect_rc 0 "  ... -T prints their keys, region and endpoint" \
	grep -qx "cognito_region = eu-west-1" "$TB/dump"
expect_rc 0 "  ... and no cognito_ key for the local pool" \
	sh -c "sed -n '/^\[pool breakglass\]/,\$p' '$TB/dump' | grep -vq cognito_ &&
		! sed -n '/^\[pool breakglass\]/,\$p' '$TB/dump' | grep -q cognito_"
expect_rc 0 "  ... and the dump is accepted again" \
	sh -c "'$top_builddir/userauthd' -t -c '$TB/dump'"
bad_conf() {
	printf '[pool p]\nbackend = cognito\n%s\n' "$2" >"$TB/bad.conf"
	"$top_builddir/userauthd" -t -c "$TB/bad.conf" >"$TB/bad.out" 2>&1
	r=$?
	if [ $r -ne 0 ] && grep -q -- "$3" "$TB/bad.out"; then ok 0 "$1"; else
		ok 1 "$1 (exit $r)"
		sed 's/^/# /' "$TB/bad.out"
	fi
}
bad_conf "refused: a Cognito pool without its ids" "" \
	"needs cognito_user_pool_id and cognito_client_id"
bad_conf "refused: an endpoint that is not https" \
	"cognito_user_pool_id = eu-west-1_X1
cognito_client_id = c1
cognito_endpoint = http://127.0.0.1:1" "must start with https://"
bad_conf "refused: a local-only key in a Cognito pool, with its line" \
	"cognito_user_pool_id = eu-west-1_X1
cognito_client_id = c1
otp_lifetime = 60" "bad.conf:5: .*otp_lifetime has no effect"
bad_conf "refused: a pool id that is none" \
	"cognito_user_pool_id = nounderscore
cognito_client_id = c1" "is no user pool id"
printf '[pool p]\ncognito_client_id = c1\n' >"$TB/bad.conf"
expect_rc 78 "refused: a cognito_ key in a local pool" \
	"$top_builddir/userauthd" -t -c "$TB/bad.conf"
grep_last "  ... saying it is for Cognito pools only" "for backend = cognito pools only"

mkdir -p "$TB/pam"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
svc() {
	name=$1
	shift
	{
		echo "auth required $MOD socket=$SOCK $*"
		echo "account required $MOD socket=$SOCK $*"
		echo "password required $MOD socket=$SOCK $*"
	} >"$TB/pam/$name"
}
svc cg-staff pool=staff
svc cg-cust pool=customer
svc cg-cust-pw pool=customer preferred=password
svc cg-cust-otp pool=customer preferred=email_otp
svc cg-untrusted pool=untrusted
svc breakglass pool=breakglass
svc cg-legacy-pw pool=legacy preferred=password
chmod 0644 "$TB/pam/"*

ua_start_daemon
ok $? "the daemon starts with two Cognito pools and a local one"
expect_rc 0 "  ... and reads the client secret before dropping root" \
	grep -q "serving 5 pool(s)" "$TB/daemon.log"
expect_rc 0 "a break-glass user in the local pool" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add breakglass root2 --email root2@example.org &&
		printf '%s\\n' '$PW_ROOT' | '$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd root2 --stdin"

# --- NSS for Cognito pools: the sync ------------------------------------------
ua_wait_for 100 grep -q "cognito pool customer: synced" "$TB/daemon.log"
ok $? "the customer pool syncs at start (signed ListUsers, ListGroups, ListUsersInGroup)"
ua_wait_for 100 grep -q "cognito pool staff: synced" "$TB/daemon.log"
ok $? "  ... and the staff pool, with the credentials file's [sync] profile"
ua_wait_for 50 getent passwd c129 >/dev/null
expect_rc 0 "  ... all 130 bulk customers, over three ListUsers pages" \
	sh -c "[ \$(getent passwd | grep -c '^c[0-9][0-9][0-9]:') -eq 130 ]"
getent passwd dan >"$TB/pw.dan"
expect_rc 0 "  ... dan's passwd entry: the custom:uid, the pool's home and shell ($(cat "$TB/pw.dan"))" \
	sh -c "cut -d: -f1,3,4,6,7 '$TB/pw.dan' | grep -qx 'dan:420001:420001:/home/dan:/bin/sh'"
getent group buyers >"$TB/gr.buyers"
expect_rc 0 "  ... the group buyers from ListGroups, a gid in the range, its member dan ($(cat "$TB/gr.buyers"))" \
	grep -Eq '^buyers:[^:]*:43[0-9]{4}:dan$' "$TB/gr.buyers"
expect_rc 2 "  ... no entry for a disabled user (fay)" getent passwd fay
expect_rc 2 "  ... nor an unconfirmed one (gus)" getent passwd gus
expect_rc 2 "  ... nor one whose custom:uid is outside the range (jo)" getent passwd jo
expect_rc 0 "  ... hal, the older of two users with one uid, keeps it" \
	sh -c "getent passwd hal | grep -q ':420010:'"
expect_rc 2 "  ... and ida, the younger, is left out" getent passwd ida
getent group team_2 >"$TB/gr.team2"
expect_rc 0 "  ... a group name with a digit and an underscore has a gid of its own ($(cat "$TB/gr.team2"))" \
	grep -Eq '^team_2:[^:]*:43[0-9]{4}:kim$' "$TB/gr.team2"
expect_rc 0 "  ... and logged" grep -q "user ida has the uid 420010 of the older user hal" "$TB/daemon.log"
expect_rc 0 "staff: ann, a member of allow_groups ops, is a Unix account" getent passwd ann
expect_rc 2 "  ... ben, not in ops, is none (NSS shows only who may log in)" getent passwd ben
expect_rc 0 "  ... ann's uid is the hash of her sub, in the pool's range" \
	sh -c "u=\$(getent passwd ann | cut -d: -f3); [ \$u -ge 400000 ] && [ \$u -le 409999 ]"
expect_rc 0 "the sync is kept in the state directory" test -s "$TB/state/cognito-customer.json"
"$top_builddir/userauthctl" -s "$TB/run/admin.sock" --json status >"$TB/status.json" 2>&1
expect_rc 0 "userauthctl status: each Cognito pool's last sync and the users it published" \
	$PY -c 'import json, sys
p = {x["name"]: x for x in json.load(open(sys.argv[1]))["pools"]}
c, s = p["customer"], p["staff"]
assert c["backend"] == "cognito" and c["users"] >= 130, c
assert c["sync"]["synced_at"] > 0 and c["sync"]["interval"] == 5, c
assert s["users"] == 1 and "error" not in s["sync"], s
assert p["untrusted"]["sync"]["interval"] == 0' "$TB/status.json"
"$top_builddir/userauthctl" -s "$TB/run/admin.sock" status >"$TB/status.txt" 2>&1
expect_rc 0 "  ... and in the table" grep -Eq "^customer +cognito +13[0-9] .* ok " "$TB/status.txt"

# --- a real sshd: staff ann over SSH, password then TOTP -----------------------
SSH_PORT=2222
ua_sshd_start sshd-cognito "$SSH_PORT" <<EOF2
auth     required $MOD pool=staff socket=$SOCK
account  required $MOD pool=staff socket=$SOCK
session  required $MOD pool=staff socket=$SOCK
EOF2
ok $? "sshd listens on 127.0.0.1:$SSH_PORT with pam_userauth for the Cognito staff pool"
sshlogin() { $PY "$top_srcdir/tests/tools/sshlogin.py" --port "$SSH_PORT" "$@"; }
ann_uid=$(getent passwd ann | cut -d: -f3)
mid_step
expect_rc 0 "ann logs in over SSH: Cognito checks her password, then her TOTP" \
	sshlogin --user ann --password "$PW_ANN" --totp-secret "$SEC_ANN" \
	--totp-offset 30
grep_last "  ... and her session runs as the synced Unix user" "^uid=$ann_uid\\(ann\\) gid=$ann_uid\\(ann\\).*\\(ops\\)"
expect_rc 1 "  ... the password alone does not (three wrong TOTP codes)" \
	sshlogin --user ann --password "$PW_ANN" --totp-codes 000000,000001,000002
expect_rc 1 "ben, who has no NSS entry (not in allow_groups), is refused by sshd" \
	sshlogin --user ben --password "$PW_BEN" --totp-codes 000000,000001,000002

# code_of USER: wait for the fake's next code for USER.
code_of() {
	ua_wait_for 50 grep -q "^$1 " "$TB/codes.new" 2>/dev/null ||
		ua_wait_for 50 sh -c "tail -n +$CODES_SEEN '$TB/codes' | grep -q '^$1 '"
	tail -n +"$CODES_SEEN" "$TB/codes" | grep "^$1 " | tail -1 | cut -d' ' -f3
}
mark_codes() { CODES_SEEN=$(($(wc -l <"$TB/codes") + 1)); }
# bg LOGIN-NAME PAMCONV-ARGS...: a login answered later through fd 9.
bg() {
	n=$1
	shift
	rm -f "$TB/fifo"
	mkfifo "$TB/fifo"
	"$PAMCONV" -C "$TB/pam" -f "$TB/fifo" "$@" >"$TB/tx.$n" 2>&1 6>&- 7>&- 8>&- 9>&- &
	BG=$!
	exec 9>"$TB/fifo"
}
answer() { (printf '%s\n' "$1" >&9) 2>/dev/null; }
done_bg() {
	exec 9>&-
	wait "$BG"
}

# --- customer: passwordless, password, code instead ---------------------------
mark_codes
bg dan -a cg-cust dan
c=$(code_of dan)
answer "$c"
done_bg
ok $? "passwordless dan signs in with the code Cognito mailed (EMAIL_OTP)"
tx_has "  ... told where the code went (Cognito's mask)" dan "A code was sent to d***@e***"
tx_has "  ... and the account phase lets him in" dan "acct_mgmt: 0"

login eve-pw -a cg-cust-pw eve "$PW_EVE"
ok $? "eve signs in with her password (preferred=password: SELECT_CHALLENGE answered PASSWORD)"
tx_has "  ... offered a code instead, as Cognito offers EMAIL_OTP" eve-pw "code"

mark_codes
bg eve-code cg-cust-pw eve ""
c=$(code_of eve)
answer "$c"
done_bg
ok $? "eve's empty password asks Cognito for a code instead, and the code signs her in"

login eve-sel cg-cust eve 1 "$PW_EVE"
ok $? "no preference: Cognito's choice of PASSWORD or EMAIL_OTP is a menu; 1) password works"
tx_has "  ... the menu shows both" eve-sel "Sign in with: 1)"

login eve-bad cg-cust-pw eve "wrong-$PW_EVE"
expect_rc 0 "a wrong password fails" test $? -ne 0

mark_codes
bg eve-badcode cg-cust-otp eve
code_of eve >/dev/null
answer 00000000
answer 00000001
answer 00000002
done_bg
expect_rc 0 "three wrong codes fail the login (CodeMismatchException each time)" test $? -ne 0
tx_has "  ... each one said wrong, with the tries left" eve-badcode "Wrong code, 2 tries left."

login nobody cg-cust-pw nobody@example.com "whatever-pw-1"
expect_rc 0 "an unknown user fails like a wrong password" test $? -ne 0
# An app client with PreventUserExistenceErrors LEGACY answers an unknown
# user UserNotFoundException: the daemon goes on with made-up challenges,
# a password (like eve's) or a code (like passwordless dan's, Cognito's
# mask and all), picked per name.  Each unknown transcript must be one of
# the two real ones, line for line once the masked address is set aside.
login leg-eve cg-legacy-pw eve 00000000 00000001 00000002 00000003
login leg-dan cg-legacy-pw dan 00000000 00000001 00000002 00000003
norm() { sed -E 's/[a-z0-9]\*\*\*@[a-z0-9]\*\*\*/<masked>/g' "$TB/tx.$1"; }
norm leg-eve >"$TB/n.eve"
norm leg-dan >"$TB/n.dan"
same=0 shapes=""
for k in 1 2 3 4 5 6; do	# not n: lib.sh's login() sets n
	login leg-u$k cg-legacy-pw "nobody$k@example.com" 00000000 00000001 00000002 00000003
	norm leg-u$k >"$TB/n.u$k"
	if cmp -s "$TB/n.u$k" "$TB/n.eve"; then same=$((same + 1)) shapes="$shapes pw"
	elif cmp -s "$TB/n.u$k" "$TB/n.dan"; then same=$((same + 1)) shapes="$shapes code"
	else sed 's/^/# /' "$TB/n.u$k"; fi
done
expect_rc 0 "LEGACY client: 6 unknown users' transcripts are each a real user's ($shapes)" \
	test $same -eq 6
expect_rc 0 "  ... the real ones failed too" sh -c "grep -q 'authenticate: 7' '$TB/tx.leg-eve' &&
	grep -q 'authenticate: 7' '$TB/tx.leg-dan'"
expect_rc 0 "  ... the log tells them apart (reason=unknown)" \
	grep -q "pool='legacy' .*reason=unknown" "$TB/daemon.log"

# --- NEW_PASSWORD_REQUIRED ----------------------------------------------------
login cat -a cg-cust-pw cat "$PW_CAT_TMP" "$PW_CAT" "$PW_CAT"
ok $? "cat's temporary password leads to NEW_PASSWORD_REQUIRED; the new one signs her in"
login cat2 cg-cust-pw cat "$PW_CAT"
ok $? "  ... and the new password works on its own next time"
login cat3 cg-cust-pw cat "$PW_CAT_TMP"
expect_rc 0 "  ... the temporary one no longer does" test $? -ne 0
login kim-tmp cg-cust-pw kim "Kim-temporary-5e1"
expect_rc 0 "a temporary password alone signs nobody in (NEW_PASSWORD_REQUIRED unanswered)" \
	test $? -ne 0
tx_lacks "  ... kim's transcript has no success" kim-tmp "authenticate: 0"

# --- chauthtok ----------------------------------------------------------------
login eve-chpass -P cg-cust-pw eve "$PW_EVE" "$PW_EVE2" "$PW_EVE2"
ok $? "passwd for a Cognito user: ChangePassword with the access token of a fresh sign-in"
login eve-new cg-cust-pw eve "$PW_EVE2"
ok $? "  ... the new password signs in"
login eve-chbad -P cg-cust-pw eve "wrong-old-1" "Another-new-pw-9" "Another-new-pw-9"
expect_rc 0 "  ... a wrong current password changes nothing" test $? -ne 0
tx_has "  ... and says the current password was wrong" eve-chbad "chauthtok: 20"
login eve-new2 cg-cust-pw eve "$PW_EVE2"
ok $? "  ... the password stays the one set before"

# --- staff: password + TOTP, MFA_SETUP, groups ---------------------------------
mid_step
login ann -a cg-staff ann "$PW_ANN" "$(totp $SEC_ANN 0)"
ok $? "staff ann: password, then SOFTWARE_TOKEN_MFA with her TOTP"
tx_has "  ... cognito:groups ops meets allow_groups = ops" ann "acct_mgmt: 0"
mid_step
login ann-badtotp cg-staff ann "$PW_ANN" 000000 000001 000002
expect_rc 0 "  ... a wrong TOTP fails" test $? -ne 0
login ann-badpw cg-staff ann "wrong-$PW_ANN" 123456
expect_rc 0 "a wrong staff password fails" test $? -ne 0
tx_has "  ... after the same TOTP prompt as a right one (mfa = required)" ann-badpw "ECHO_OFF"

bg ben -a cg-staff ben "$PW_BEN"
ua_wait_for 50 grep -q "Key: " "$TB/tx.ben"
key=$(sed -n 's/.*Key: \([A-Z2-7]*\).*/\1/p' "$TB/tx.ben" | head -1)
mid_step
answer "$(totp "$key" 0)"
done_bg
r=$?
tx_has "staff ben without TOTP gets MFA_SETUP with a QR code and the key" ben "Key: "
tx_lacks "  ... his account phase refuses him (dev is not in allow_groups)" ben "acct_mgmt: 0"
expect_rc 0 "  ... after the enrolment signed him in" grep -q "authenticate: 0" "$TB/tx.ben"
mid_step
login ben2 cg-staff ben "$PW_BEN" "$(totp "$key" 30)"
ok $? "  ... and the enrolled key answers SOFTWARE_TOKEN_MFA next time"

# --- failing closed -----------------------------------------------------------
login untrusted cg-untrusted eve "$PW_EVE2"
expect_rc 0 "a Cognito endpoint whose certificate the pool's CA did not sign: no login" \
	test $? -ne 0
expect_rc 0 "  ... logged as a TLS failure" \
	grep -Eqi "cognito pool untrusted: InitiateAuth failed: .*(certificate|SSL)" "$TB/daemon.log"

knob '{"down": true}'
t0=$(date +%s)
login down cg-cust-pw eve "$PW_EVE2"
r=$?
t1=$(date +%s)
expect_rc 0 "Cognito down: the login fails closed" test $r -ne 0
expect_rc 0 "  ... within the pool's time-out ($((t1 - t0)) s)" test $((t1 - t0)) -le 8
expect_rc 0 "  ... logged as unreachable" grep -q "result=error reason=cognito_unreachable" "$TB/daemon.log"
tx_has "  ... and the user is told the sign-in service cannot be reached" down \
	'ERROR "The sign-in service cannot be reached. Try again later."'
login local-down -a breakglass root2 "$PW_ROOT"
ok $? "  ... while the local break-glass pool in the same daemon signs in"
ua_wait_for 150 grep -q "cognito pool customer: sync failed at ListUsers" "$TB/daemon.log"
ok $? "  ... the next sync fails and says so"
expect_rc 0 "  ... and NSS still answers with the last synced entries" getent passwd dan
ua_stop_daemon
ua_start_daemon
ok $? "  ... the daemon restarts while Cognito is down"
expect_rc 0 "  ... and NSS answers from the sync it kept on disk" \
	sh -c "getent passwd dan | grep -q ':420001:' && getent passwd c129 >/dev/null"
knob '{"down": false}'
ua_wait_for 150 sh -c "[ \$(grep -c 'cognito pool customer: synced' '$TB/daemon.log') -ge 3 ]"
ok $? "  ... and syncs again once Cognito is back"
thr=$(grep -c "sync throttled; again in 1000 ms" "$TB/daemon.log")
knob '{"fail_next": {"count": 1, "type": "TooManyRequestsException", "status": 400, "ops": ["ListUsers"]}}'
ua_wait_for 200 sh -c "[ \$(grep -c 'sync throttled; again in 1000 ms' '$TB/daemon.log') -gt $thr ]"
ok $? "a throttled sync backs off and repeats the page"
ua_wait_for 200 sh -c "[ \$(grep -c 'cognito pool customer: synced' '$TB/daemon.log') -ge 4 ]"
ok $? "  ... and completes"

# (InitiateAuth only: the pool's sync must not take the fault)
knob '{"fail_next": {"count": 1, "type": "TooManyRequestsException", "status": 400, "ops": ["InitiateAuth"]}}'
login throttled cg-cust-pw eve "$PW_EVE2"
expect_rc 0 "TooManyRequestsException fails the login, closed" test $? -ne 0
expect_rc 0 "  ... audited as cognito_throttled" grep -q "reason=cognito_throttled" "$TB/daemon.log"
tx_has "  ... and the user is told to try again in a minute" throttled "Try again in a minute."
login after cg-cust-pw eve "$PW_EVE2"
ok $? "  ... and the next login goes through"

# A slow Cognito holds up nobody else: 100 logins wait 1.5 s on every
# answer while the daemon answers PING at once.
knob '{"latency_ms": 1500}'
$PY "$top_srcdir/tests/tools/burst.py" "$SOCK" customer eve "$PW_EVE2" 100 20 PASSWORD \
	>"$TB/slow.out" 2>&1 &
SLOW=$!
sleep 0.5
worst=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	ms=$($PY -c '
import socket, struct, sys, time
t = time.monotonic()
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
b = struct.pack(">HHH", 1, 1, 0)
s.sendall(struct.pack(">I", len(b)) + b)
s.recv(65536)
print(int((time.monotonic() - t) * 1000))' "$SOCK")
	[ "$ms" -gt "$worst" ] && worst=$ms
	sleep 0.05
done
wait $SLOW
knob '{"latency_ms": 0}'
echo "# slow burst: $(cat "$TB/slow.out"); worst PING ${worst} ms"
expect_rc 0 "100 logins on a slow Cognito all succeed ($(cat "$TB/slow.out"))" \
	grep -q "ok=100 fail=0" "$TB/slow.out"
expect_rc 0 "  ... while PING was answered within 100 ms (worst $worst ms)" test "$worst" -le 100

# --- sync credentials from the instance metadata (IMDSv2) ---------------------
$PY "$top_srcdir/tests/tools/fake_imds.py" "$TB/imds.port" userauth-sync \
	AKIDTESTSYNC000001 test-sync-secret-000001 >"$TB/imds.out" 2>"$TB/imds.log" &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 50 test -s "$TB/imds.port"
ua_stop_daemon
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
sed -i "s|^cognito_uid_attribute = custom:uid\$|&\ncognito_imds_endpoint = http://127.0.0.1:$(cat "$TB/imds.port")|" \
	"$TB/etc/userauth.conf"
synced=$(grep -c 'cognito pool customer: synced' "$TB/daemon.log")
ua_start_daemon
ok $? "without credentials in the environment, the daemon restarts"
ua_wait_for 100 grep -q "cognito pool customer: sync credentials of role userauth-sync from the instance metadata" "$TB/daemon.log"
ok $? "  ... and takes temporary ones from IMDSv2 (token, role, keys)"
ua_wait_for 100 sh -c "[ \$(grep -c 'cognito pool customer: synced' '$TB/daemon.log') -gt $synced ]"
ok $? "  ... the sync signs with them, the session token included"
expect_rc 0 "  ... having asked for a session token first (no IMDSv1)" \
	grep -q "^imds: PUT /latest/api/token" "$TB/imds.log"
expect_rc 0 "  ... and the staff pool's credentials file still wins for staff" \
	sh -c "! grep -q 'cognito pool staff: sync credentials of role' '$TB/daemon.log'"

# --- nothing secret in any log ---------------------------------------------
leaks=0
for s in "$PW_ANN" "$PW_BEN" "$PW_CAT_TMP" "$PW_CAT" "$PW_EVE" "$PW_EVE2" "$PW_ROOT" \
	staff-client-secret test-sync-secret test-session-token AYAB eyJ; do
	if grep -qF -- "$s" "$TB/daemon.log"; then
		echo "# in the daemon log: ${s%%-*}..."
		leaks=$((leaks + 1))
	fi
done
for c in $(cut -d' ' -f3 "$TB/codes"); do
	grep -q "$c" "$TB/daemon.log" && leaks=$((leaks + 1))
done
expect_rc 0 "no password, code, client secret, Session or token in the daemon's log" test $leaks -eq 0
leaks=0
for f in "$TB"/tx.*; do
	grep -qE "AYAB|eyJ" "$f" && leaks=$((leaks + 1))
done
expect_rc 0 "no Session or token ever reached the PAM module" test $leaks -eq 0
ua_finish
