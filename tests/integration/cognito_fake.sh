#!/bin/sh
# SPDX-License-Identifier: MIT
# The Cognito fake (tests/tools/fake_cognito.py) checked against the
# official AWS SDK for JavaScript (tests/cognito-sdk/flows.mjs: every
# sign-in flow, the knobs, the signed listings; one test case per SDK
# check) and with raw HTTPS requests (curl).  Needs python3-cryptography,
# openssl, curl, node and npm, and the npm registry for "npm ci": without
# them this test fails (it does not skip).  Needs no root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
PY=/usr/bin/python3
FAKE="$PY $top_srcdir/tests/tools/fake_cognito.py"
NODE=${UA_NODE:-node}
AKID=AKIDSDKTEST000000001
ASECRET=sdk/test/secret/key/0123456789abcdefghij

need=""
for t in openssl curl "$NODE" npm; do
	command -v "$t" >/dev/null 2>&1 || need="$need $t"
done
$PY -c 'import cryptography' 2>/dev/null || need="$need python3-cryptography"
expect_rc 0 "tools there (missing:${need:- none}; tests/tools/install-deps.sh installs them)" test -z "$need"
[ -z "$need" ] || { ua_finish; exit 0; }
echo "# node $($NODE --version), npm $(npm --version 2>/dev/null)"

# A throwaway CA and a server certificate for 127.0.0.1 and localhost.
cd "$TB" || exit 1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >srv.ext
check "a throwaway CA and a server certificate (openssl)" sh -c '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=fake cognito test CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
		-days 2 -extfile srv.ext'

# The config: two pools (MFA OPTIONAL with PASSWORD and EMAIL_OTP; MFA ON
# with PASSWORD), clients with and without a secret, LEGACY and ENABLED,
# 7 named users and 65 bulk ones (30 of them in "customers").
AKID=$AKID ASECRET=$ASECRET $PY - <<'EOF'
import json, os
users = [
    {"username": "bob", "email": "bob@example.com", "email_verified": True,
     "groups": ["customers"], "attributes": {"custom:uid": "200002"}},
    {"username": "alice", "email": "alice@example.com", "email_verified": True,
     "password": "Alice-pass-1", "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
     "groups": ["staff", "ops"], "attributes": {"custom:uid": "200001"}},
    {"username": "ann", "email": "ann@example.com", "email_verified": True, "password": "Ann-pass-12"},
    {"username": "eve", "email": "eve@example.com", "email_verified": True, "password": "Eve-pass-123",
     "totp_secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "mfa": ["EMAIL_OTP"]},
    {"username": "carol", "email": "carol@example.com", "email_verified": True,
     "password": "Temporary-1", "status": "FORCE_CHANGE_PASSWORD"},
    {"username": "dave", "email": "dave@example.com", "password": "Dave-pass-1", "enabled": False},
    {"username": "lock", "email": "lock@example.com", "password": "Lock-pass-1"},
]
for i in range(65):
    users.append({"username": "bulk%04d" % i, "email": "bulk%04d@example.com" % i,
                  "password": "Bulk-pass-%d" % i, "groups": ["customers"] if i < 30 else [],
                  "attributes": {"custom:uid": str(300000 + i)}})
cfg = {
    "iam_keys": [{"access_key_id": os.environ["AKID"], "secret_access_key": os.environ["ASECRET"]}],
    "pools": [
        {"id": "eu-west-1_SdkPool1", "mfa": "OPTIONAL",
         "allowed_first_factors": ["PASSWORD", "EMAIL_OTP"],
         "prevent_user_existence_errors": "LEGACY", "id_token_claims": {"tier": "gold"},
         "clients": [
             {"client_id": "sdkpublic0001"},
             {"client_id": "sdksecret0002", "secret": "s3cr3t-for-sdk-tests-0123456789"},
             {"client_id": "sdkenabled0003", "prevent_user_existence_errors": "ENABLED"},
             {"client_id": "sdknouserauth4", "explicit_auth_flows": ["ALLOW_USER_PASSWORD_AUTH"]}],
         "groups": [{"name": "staff", "precedence": 1}, {"name": "ops", "precedence": 5},
                    {"name": "customers", "precedence": 10}],
         "users": users},
        {"id": "eu-west-1_SdkMfaOn2", "mfa": "ON", "mfa_methods": ["SOFTWARE_TOKEN_MFA"],
         "allowed_first_factors": ["PASSWORD"],
         "clients": [{"client_id": "sdkmfaon0005"}],
         "users": [{"username": "frank", "email": "frank@example.com", "password": "Frank-pass-1"}]},
    ]}
json.dump(cfg, open("cg.json", "w"), indent=1)
bad = json.loads(json.dumps(cfg))
bad["pools"][1]["allowed_first_factors"] = ["PASSWORD", "EMAIL_OTP"]
json.dump(bad, open("bad.json", "w"))
EOF

# A pool config AWS refuses (MFA ON with EMAIL_OTP as a first factor).
expect_rc 2 "the fake refuses MFA ON with EMAIL_OTP as a first factor" \
	$FAKE --config bad.json --plain
grep_last "  ... saying why" "Only PASSWORD and WEB_AUTHN"

# The example config starts as documented.
$FAKE --config "$top_srcdir/tests/tools/fake_cognito.example.json" --plain \
	--port-file ex.port 2>ex.log &
EXPID=$!
UA_PIDS="$UA_PIDS $EXPID"
ua_wait_for 100 test -s ex.port
expect_rc 0 "the example config starts and serves its JWKS" sh -c \
	"curl -sf http://127.0.0.1:\$(cat ex.port)/eu-west-1_TestPool1/.well-known/jwks.json | grep -q RS256"
kill "$EXPID"

$FAKE --config cg.json --cert srv.pem --key srv.key --port-file port --control ctl.sock \
	--codes codes --maildir Maildir --state state.json 2>fake.log &
FPID=$!
UA_PIDS="$UA_PIDS $FPID"
ua_wait_for 100 test -s port && ua_wait_for 50 test -S ctl.sock
ok $? "the fake starts (HTTPS, port file, control socket)"
PORT=$(cat port)
URL=https://127.0.0.1:$PORT
CURL="curl -s --cacert ca.pem"
TGT=X-Amz-Target:AWSCognitoIdentityProviderService
CT=Content-Type:application/x-amz-json-1.1

# --- raw HTTPS ----------------------------------------------------------------------
expect_rc 0 "raw: GET / is an error (400 UnknownOperationException)" sh -c \
	"test \"\$($CURL -o get.out -w '%{http_code}' $URL/)\" = 400 && grep -q UnknownOperationException get.out"
expect_rc 0 "raw: a wrong Content-Type is an error (400)" sh -c \
	"test \"\$($CURL -o ct.out -w '%{http_code}' -H Content-Type:application/json -H $TGT.InitiateAuth -d '{}' $URL/)\" = 400"
$CURL -D unk.hdr -o unk.out -H "$CT" -H "$TGT.NoSuchOperation" -d '{}' "$URL/"
expect_rc 0 "raw: an unknown target is 400 {\"__type\":\"UnknownOperationException\"}" sh -c \
	'grep -q "^HTTP/1.1 400" unk.hdr && grep -qx "{\"__type\":\"UnknownOperationException\"}" unk.out'
expect_rc 0 "  ... with x-amzn-ErrorType, x-amzn-RequestId and the awsJson content type" sh -c \
	'grep -qi "^x-amzn-ErrorType: UnknownOperationException" unk.hdr && grep -qi "^x-amzn-RequestId: " unk.hdr &&
	 grep -qi "^Content-Type: application/x-amz-json-1.1" unk.hdr'
IA='{"AuthFlow":"USER_AUTH","ClientId":"sdkpublic0001","AuthParameters":{"USERNAME":"ann"}}'
$CURL -v -o ka1.out -o ka2.out -H "$CT" -H "$TGT.InitiateAuth" -d "$IA" "$URL/" "$URL/" 2>ka.err
expect_rc 0 "raw: keep-alive (two requests over one connection)" grep -q "Re-using existing connection" ka.err
expect_rc 0 "  ... both answered SELECT_CHALLENGE" test "$(cat ka1.out ka2.out | grep -o SELECT_CHALLENGE | wc -l)" = 2
$CURL -o unsigned.out -H "$CT" -H "$TGT.ListUsers" -d '{"UserPoolId":"eu-west-1_SdkPool1"}' "$URL/"
expect_rc 0 "raw: a signed operation without a signature is refused" \
	grep -q MissingAuthenticationTokenException unsigned.out
expect_rc 0 "raw: the control socket answers" $FAKE ctl ctl.sock '{"get": true}'

# --- the official SDK -----------------------------------------------------------------------
rm -rf sdk && cp -r "$top_srcdir/tests/cognito-sdk" sdk && chmod -R u+w sdk && rm -rf sdk/node_modules
# The system's CA bundle for the registry, as apt and curl use it (node
# otherwise trusts only its own copy of the public roots).
cafile=
[ -f /etc/ssl/certs/ca-certificates.crt ] &&
	cafile="--cafile=/etc/ssl/certs/ca-certificates.crt"
(cd sdk && timeout 300 npm ci --no-audit --no-fund $cafile) >npm.out 2>&1
rc=$?
expect_rc 0 "npm ci of the pinned SDK (needs the npm registry; exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' npm.out | tail -15
if [ "$rc" = 0 ]; then
	(cd sdk && env -u AWS_PROFILE FAKE_URL="$URL" FAKE_CODES="$TB/codes" FAKE_CONTROL="$TB/ctl.sock" \
		NODE_EXTRA_CA_CERTS="$TB/ca.pem" AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$ASECRET \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
		timeout 120 "$NODE" flows.mjs) >flows.out 2>flows.err
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok 0 "sdk: ${line#ok - }" ;;
		"not ok - "*) ok 1 "sdk: ${line#not ok - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <flows.out
	expect_rc 0 "flows.mjs ran to its end (exit $rc): $(grep '^done' flows.out)" \
		grep -q '^done [0-9]* failed' flows.out
	[ "$rc" -ne 0 ] && sed 's/^/# /' flows.err | grep -v NodeVersionSupportWarning | tail -15
fi

kill "$FPID"
wait "$FPID"
expect_rc 0 "SIGTERM stops the fake (exit 0) and removes its control socket" \
	sh -c "test $? = 0 && test ! -e ctl.sock"
[ -f flows.out ] || { ua_finish; exit 0; }

# --- what the fake left behind ------------------------------------------------------
expect_rc 0 "codes were written (one line per code)" test -s codes
expect_rc 0 "  ... and the same codes as mails in the Maildir" \
	test "$(ls Maildir/new | wc -l)" = "$(wc -l <codes)"
leak=0
for s in $(cut -d' ' -f3 codes) Alice-pass-1 Ann-pass-12 Ann-pass-34 Temporary-1 Carol-new-pass-1; do
	grep -qF -- "$s" fake.log && leak=1 && echo "# in the log: $s"
done
expect_rc 0 "the fake's log holds no password and no code" test "$leak" = 0
expect_rc 0 "the log has one line per request (op and result)" \
	grep -Eq '^fake_cognito: RespondToAuthChallenge 400 CodeMismatchException' fake.log
expect_rc 0 "--state: the enrolled TOTP secret and the new passwords were written back" $PY -c '
import json, sys
d = json.load(open("state.json"))
u = {x["username"]: x for p in d["pools"] for x in p["users"]}
assert u["frank"].get("totp_secret"), "frank"
assert u["carol"]["password"] == "Carol-new-pass-1" and u["carol"]["status"] == "CONFIRMED", "carol"
assert u["ann"]["password"] == "Ann-pass-34", "ann"'
ua_finish
