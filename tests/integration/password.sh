#!/bin/sh
# SPDX-License-Identifier: MIT
# NEW_PASSWORD_REQUIRED end to end: userauthctl user reset-password, then
# the next login asks "New password: " and "Retype new password: " in one
# call; a mismatch is asked again by the module; policy violations (too
# short, the login, the email) are asked again by the daemon with the rule;
# the new password works and the old one not; in a staff pool (mfa =
# required) the TOTP is still asked after the new password, and the new
# password is stored only once the TOTP is right.  Invitations
# (user add --invite): the mail (through a sendmail script), the code at
# EMAIL_OTP, a new password, single use, expiry.  pam_chauthtok through
# pamconv --chauthtok (CHPASS): wrong current password, policy, success.
# Prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	for t in oathtool sqlite3 python3; do
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
PW_OLD='Old-canary-4d1e7a'
PW_NEW='Fresh-canary-8b2c90'
PW_DAN='Dan-canary-71f3aa'
PW_DAN2='Xq-new-canary-5521'

conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
# The code from a stored message's body (never from its headers, whose
# Message-ID and Date may hold 8 digits in a row too).
mail_code() {
	sed -n 's/^Your invitation code is \([0-9]\{8\}\)\([^0-9].*\)\{0,1\}$/\1/p' "$1" |
		head -n 1
}
json_get() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
hash_of() {
	sqlite3 "$TB/state/userauth.db" "SELECT password_hash FROM credentials \
		WHERE user_id = (SELECT id FROM users WHERE login = '$1')"
}
flag_of() {
	sqlite3 "$TB/state/userauth.db" "SELECT count(*) FROM password_change \
		WHERE user_id = (SELECT id FROM users WHERE login = '$1')"
}

# Mail goes to a sendmail script that keeps each message in $TB/sm.
mkdir "$TB/sm"
chown userauth "$TB/sm"
cat >"$TB/sendmail" <<EOF2
#!/bin/sh
cat >"$TB/sm/msg.\$\$"
EOF2
chmod 0755 "$TB/sendmail"
wait_mail() {
	i=0
	while [ $i -lt 100 ]; do
		f=$(grep -l "^To: $1" "$TB"/sm/msg.* 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# --- set-up ---------------------------------------------------------------------
ua_write_conf <<EOF2
[mail]
sendmail = $TB/sendmail
[defaults]
# many wrong answers from one (empty) remote host on purpose: throttling
# has a test of its own (throttle.sh); here it must not interfere
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
shell = /bin/sh
mail_from = signin@example.com
first_factors = password
[pool corp]
uid_min = 240000
uid_max = 240099
gid_min = 340000
gid_max = 340099
password_min_length = 14
[pool staff]
uid_min = 250000
uid_max = 250099
gid_min = 350000
gid_max = 350099
mfa = required
[pool codes]
uid_min = 260000
uid_max = 260099
gid_min = 360000
gid_max = 360099
first_factors = email_otp
EOF2
mkdir -p "$TB/pam"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
for p in corp staff codes; do
	echo "auth required $MOD pool=$p socket=$SOCK" >"$TB/pam/ua-$p"
	echo "password required $MOD pool=$p socket=$SOCK" >>"$TB/pam/ua-$p"
done
chmod 0644 "$TB/pam/"*
ua_start_daemon
ok $? "daemon starts (password_min_length = 14 in one pool)"

printf '[pool x]\npassword_min_length = 7\n' >"$TB/bad.conf"
chmod 0644 "$TB/bad.conf"
expect_rc 78 "password_min_length below 8 is refused" \
	"$top_builddir/userauthd" -t -c "$TB/bad.conf"

setup_users() {
	uactl user add corp eve --email esmith@example.com &&
	uactl user add staff dan --email dan@example.org &&
	set_pw eve "$PW_OLD" && set_pw dan "$PW_DAN"
}
expect_rc 0 "users and passwords set up" setup_users

# --- reset-password --------------------------------------------------------------
login before ua-corp eve "$PW_OLD"
ok $? "before the reset: the password logs in"
expect_rc 0 "user reset-password" uactl user reset-password eve
grep_last "  ... says so" "must choose a new password"
expect_rc 2 "user reset-password without a user: usage" uactl user reset-password
expect_rc 1 "user reset-password of an unknown user fails" uactl user reset-password nobody
[ "$(flag_of eve)" = 1 ]
ok $? "the flag is stored"

login wrongold ua-corp eve wrong-password
ok $(($? == 0)) "reset: a wrong current password still fails"
tx_lacks "  ... and no new password is asked" wrongold "New password"

login newpw ua-corp eve "$PW_OLD" \
	"$PW_NEW" "$PW_NEW-typo" \
	short short \
	"xxEVExx-longer-pw" "xxEVExx-longer-pw" \
	"a-ESMITH@example.com" "a-ESMITH@example.com" \
	"$PW_NEW" "$PW_NEW"
ok $? "reset: old password, then a new one after refusals, logs in"
tx_has "  ... one call: both prompts, echo off" newpw '| ECHO_OFF "New password: " | ECHO_OFF "Retype new password: "'
tx_has "  ... the rules are shown" newpw 'INFO "You must choose a new password (at least 14 characters'
tx_has "  ... a mismatch is asked again by the module" newpw 'ERROR "The passwords do not match."'
tx_has "  ... too short: the reason" newpw 'ERROR "The password is too short."'
tx_has "  ... the login name: the reason" newpw 'ERROR "The password must not contain your login name."'
tx_has "  ... the email: the reason" newpw 'ERROR "The password must not contain your email address."'
tx_has "  ... PAM_SUCCESS" newpw "authenticate: 0 Success"
[ "$(flag_of eve)" = 0 ]
ok $? "the flag is cleared"
login oldpw ua-corp eve "$PW_OLD"
ok $(($? == 0)) "the old password no longer logs in"
login again ua-corp eve "$PW_NEW"
ok $? "the new password logs in"
tx_lacks "  ... without a new password prompt" again "New password"

expect_rc 0 "(reset again)" uactl user reset-password eve
login giveup ua-corp eve "$PW_NEW" a b c d e f
ok $(($? == 0)) "three mismatches: the login fails"
login exhaust ua-corp eve "$PW_NEW" s s s s s s s s s s
ok $(($? == 0)) "five policy violations: the login fails"
tx_has "  ... with failure" exhaust "authenticate: 7 "
login after ua-corp eve "$PW_NEW" "Yet-another-canary-0042" "Yet-another-canary-0042"
ok $? "the flag stays until a new password is accepted"

# --- staff pool: no MFA bypass ----------------------------------------------------------
uactl --json mfa enroll staff dan </dev/null >"$TB/enr.json" 2>&1
SEC_DAN=$(json_get secret <"$TB/enr.json")
mid_step
expect_rc 0 "dan enrolled" uactl mfa confirm dan "$(totp "$SEC_DAN" 0)"
expect_rc 0 "reset dan's password" uactl user reset-password dan
expect_rc 0 "  ... MFA kept" uactl --json mfa status dan
grep_last "  ... still enrolled" '"enrolled": true'
# The temporary password alone changes nothing: the new one is stored
# only once the TOTP is right.
HASH_DAN=$(hash_of dan)
login danbad ua-staff dan "$PW_DAN" "$PW_DAN2" "$PW_DAN2" 000000 000000 000000
ok $(($? == 0)) "staff: new password, then wrong TOTPs: the login fails"
tx_has "  ... the TOTP was asked after the new password" danbad 'call 3: ECHO_OFF "Verification code: "'
[ "$(hash_of dan)" = "$HASH_DAN" ] && [ "$(flag_of dan)" = 1 ]
ok $? "  ... the stored password and the reset flag are unchanged"
login danold ua-staff dan "$PW_DAN"
tx_has "  ... the old password still works (a new one is asked again)" danold 'call 2: INFO "You must choose a new password'
mid_step
login dannew ua-staff dan "$PW_DAN2" "$(totp "$SEC_DAN" 0)"
ok $(($? == 0)) "  ... the new one does not, even with a right TOTP"
tx_lacks "  ... (no new password asked: it was refused)" dannew "New password"
# Five failures in a row: dan's next answers would wait (throttling).
expect_rc 0 "  ... (dan's failure counts cleared)" uactl user unlock staff dan
mid_step
login dan ua-staff dan "$PW_DAN" "$PW_DAN2" "$PW_DAN2" "$(totp "$SEC_DAN" 30)"
ok $? "staff: new password, then the TOTP, logs in"
tx_has "  ... TOTP asked after the new password" dan 'call 3: ECHO_OFF "Verification code: "'
[ "$(hash_of dan)" != "$HASH_DAN" ] && [ "$(flag_of dan)" = 0 ]
ok $? "  ... and only now is the password changed and the flag cleared"
login dan2 ua-staff dan "$PW_DAN2" 000000 000000 000000
ok $(($? == 0)) "staff: the new password alone is not enough"
tx_has "  ... the TOTP is asked" dan2 'call 2: ECHO_OFF "Verification code: "'

# --- invitations ---------------------------------------------------------------------
expect_rc 0 "user add --invite" uactl --json user add corp ivy --email ivy@example.net --invite
grep_last "  ... says invited" '"invited": true'
grep_last "  ... no password set" '"password_set": false'
MAIL=$(wait_mail ivy@example.net)
ok $? "the invitation mail is sent"
grep -q '^Subject: Your invitation' "$MAIL"
ok $? "  ... with the subject 'Your invitation'"
CODE=$(mail_code "$MAIL")
[ ${#CODE} -eq 8 ]
ok $? "  ... holding an 8-digit code"
grep -q '^Your invitation code is' "$MAIL"
ok $? "  ... in the invitation text"
grep -qF "You have been invited to sign in to $(hostname) (corp accounts)." "$MAIL"
ok $? "  ... naming the host and the pool"
grep -q '^The code is valid for 3 days and can be used once\.' "$MAIL" &&
	! grep -q 'minutes' "$MAIL"
ok $? "  ... valid for 3 days (not 4320 minutes)"
grep -q 'choose your password' "$MAIL"
ok $? "  ... and that a password is chosen next"
sqlite3 "$TB/state/userauth.db" "SELECT count(*) FROM otp_codes WHERE \
	purpose = 'invite' AND hex(code_mac) LIKE '%$(printf %s "$CODE" | od -An -tx1 | tr -d ' \n')%'" >"$TB/plain"
[ "$(cat "$TB/plain")" = 0 ]
ok $? "  ... stored as a MAC, not in clear"
PW_IVY='Green-canary-0b7e21x'
login inv1 ua-corp ivy 00000000 "$CODE" "$PW_IVY" "$PW_IVY"
ok $? "invited login: code, then a new password, logs in"
tx_has "  ... EMAIL_OTP with the invitation text" inv1 'INFO "Enter the invitation code from your email."'
tx_has "  ... a wrong code is asked again" inv1 'ERROR "Wrong code, 2 tries left."'
tx_has "  ... then NEW_PASSWORD_REQUIRED" inv1 'ECHO_OFF "New password: " | ECHO_OFF "Retype new password: "'
login inv2 ua-corp ivy "$PW_IVY"
ok $? "the chosen password logs in"
tx_lacks "  ... no invitation prompt any more" inv2 "invitation"

expect_rc 0 "second invitation" uactl user add corp jay --email jay@example.net --invite
MAIL=$(wait_mail jay@example.net)
CODE=$(mail_code "$MAIL")
login jay1 ua-corp jay "$CODE" a b c d e f
ok $(($? == 0)) "code accepted, but no password chosen: the login fails"
tx_has "  ... the code was accepted (new password asked)" jay1 'ECHO_OFF "New password: "'
login jay2 ua-corp jay "$CODE" "Jay-canary-19ffe0x" "Jay-canary-19ffe0x"
ok $(($? == 0)) "the invitation code cannot be used twice"
tx_lacks "  ... no invitation prompt" jay2 "invitation"

expect_rc 0 "third invitation" uactl user add corp kim --email kim@example.net --invite
MAIL=$(wait_mail kim@example.net)
CODE=$(mail_code "$MAIL")
# invite_lifetime is at least an hour: age the row instead of waiting.
# (the daemon may hold the write lock for a moment: the mail's row)
expect_rc 0 "  ... its row aged past its life" sqlite3 -cmd ".timeout 5000" \
	"$TB/state/userauth.db" "UPDATE otp_codes SET expires = 1 WHERE \
	purpose = 'invite' AND user_id = (SELECT id FROM users WHERE login = 'kim')"
login kim ua-corp kim "$CODE" "Kim-canary-4410aax" "Kim-canary-4410aax"
ok $(($? == 0)) "an expired invitation fails"
tx_lacks "  ... not even asked for" kim "invitation"
# An invitation in a pool of emailed codes only: no password to choose.
expect_rc 0 "invitation in an email-only pool" uactl user add codes zoe --email zoe@example.net --invite
MAIL=$(wait_mail zoe@example.net)
CODE=$(mail_code "$MAIL")
[ ${#CODE} -eq 8 ] && ! grep -q 'choose your password' "$MAIL" &&
	grep -q 'there is no password to choose' "$MAIL"
ok $? "  ... the mail says there is no password to choose"
login zoe1 ua-codes zoe "$CODE"
ok $? "  ... the invitation code alone logs in"
tx_has "  ... as an invitation" zoe1 'INFO "Enter the invitation code from your email."'
tx_lacks "  ... no new password is asked" zoe1 "New password"
[ -z "$(hash_of zoe)" ]
ok $? "  ... and none is stored"
login zoe2 ua-codes zoe 00000000 00000000 00000000
ok $(($? == 0)) "  ... the next login is a mailed code, not the invitation"
tx_has "  ... a code was sent" zoe2 'INFO "A code was sent to z***@e******.net"'
printf '[pool x]\ninvite_lifetime = 60\n' >"$TB/bad2.conf"
chmod 0644 "$TB/bad2.conf"
expect_rc 78 "invite_lifetime below an hour is refused" \
	"$top_builddir/userauthd" -t -c "$TB/bad2.conf"

# --- pam_chauthtok (CHPASS) -------------------------------------------------------------
PW_EVE='Yet-another-canary-0042'
PW_CH='Changed-canary-77aa01'
login ch1 --chauthtok ua-corp eve wrong-current "$PW_CH" "$PW_CH"
ok $(($? != 20)) "chauthtok with a wrong current password: PAM_AUTHTOK_ERR"
tx_has "  ... asked 'Current password: '" ch1 'call 1: ECHO_OFF "Current password: "'
tx_has "  ... then the new one (pam_get_authtok)" ch1 'ECHO_OFF "New password: "'
tx_has "  ... and told why" ch1 'ERROR "The current password is wrong."'
login ch2 --chauthtok ua-corp eve "$PW_EVE" short short
ok $(($? != 20)) "chauthtok with a too short new password: PAM_AUTHTOK_ERR"
tx_has "  ... with the rule" ch2 'ERROR "The password is too short."'
login ch3 --chauthtok ua-corp eve "$PW_EVE" "$PW_CH" "$PW_CH"
ok $? "chauthtok with the right current password: changed"
tx_has "  ... PAM_SUCCESS" ch3 "chauthtok: 0 "
login ch4 ua-corp eve "$PW_CH"
ok $? "the changed password logs in"
login ch5 ua-corp eve "$PW_EVE"
ok $(($? == 0)) "the previous one does not"
login ch6 --chauthtok ua-corp nobody-here x y y
ok $(($? == 0)) "chauthtok for a non-pool user: ignored (the stack fails)"
tx_lacks "  ... without asking anything" ch6 "Current password"

for s in "$PW_OLD" "$PW_NEW" "$PW_DAN" "$PW_DAN2" "$PW_IVY" "$PW_CH"; do
	grep -qF -- "$s" "$TB/daemon.log" && echo "# leaked: $s"
done >"$TB/leaks"
[ ! -s "$TB/leaks" ]
ok $? "no password in the daemon's log"
grep -q 'event=password .*result=changed' "$TB/daemon.log"
ok $? "audit line for the change"

# --- stacked after pam_pwquality (use_authtok) ---------------------------------------
# pwquality asks the new password first (pamconv runs as root, so
# enforce_for_root makes it refuse rather than warn), then pam_userauth
# asks the current one and sends both.  dictcheck=0: /var/cache (where
# cracklib's dictionary lives) is a scratch dir in this namespace.
if [ -f "/lib/$(gcc -print-multiarch)/security/pam_pwquality.so" ] ||
	[ -f /usr/lib/$(gcc -print-multiarch)/security/pam_pwquality.so ]; then
	{
		echo "password requisite pam_pwquality.so retry=1 minlen=14 enforce_for_root dictcheck=0"
		echo "password required $MOD pool=corp socket=$SOCK use_authtok"
	} >"$TB/pam/ua-pwq"
	chmod 0644 "$TB/pam/ua-pwq"
	PW_Q='Quality-canary-3e8d51f'
	nlog=$(wc -l <"$TB/daemon.log")
	login pq1 --chauthtok ua-pwq eve weak weak "$PW_CH"
	rc=$?
	ok $((rc != 20)) "pwquality refuses a weak new password: PAM_AUTHTOK_ERR (got $rc)"
	tx_has "  ... pwquality asked 'New password: '" pq1 'call 1: ECHO_OFF "New password: "'
	tx_has "  ... and said why" pq1 'BAD PASSWORD'
	tx_lacks "  ... our module never asked for the current password" pq1 "Current password"
	tail -n +"$((nlog + 1))" "$TB/daemon.log" |
		grep -Eq 'event=password |reason=(bad_old_password|new_password_policy)'
	ok $(($? == 0)) "  ... and the daemon logged no password change or refusal"
	login pq2 --chauthtok ua-pwq eve "$PW_Q" "$PW_Q" "$PW_CH"
	ok $? "a strong new password passes pwquality and is changed by pam_userauth"
	tx_has "  ... PAM_SUCCESS" pq2 "chauthtok: 0 "
	tx_has "  ... the current password asked after the new one" pq2 'ECHO_OFF "Current password: "'
	tx_lacks "  ... the new password asked once (use_authtok)" pq2 'call 4:'
	grep 'event=password ' "$TB/daemon.log" | tail -1 | grep -q 'result=changed'
	ok $? "  ... the daemon logged the change"
	login pq3 ua-corp eve "$PW_Q"
	ok $? "  ... the new password logs in"
	login pq4 ua-corp eve "$PW_CH"
	ok $(($? == 0)) "  ... the previous one does not"
	grep -qF -- "$PW_Q" "$TB/daemon.log"
	ok $(($? == 0)) "  ... and is not in the daemon's log"
	CUR=$PW_Q
else
	ok 0 "# SKIP pam_pwquality.so not installed (libpam-pwquality)"
	CUR=$PW_CH
fi

# --- the real passwd(1) with a stack that says so ---------------------------------
# passwd's PAM service is "passwd": our scratch stack dir over /etc/pam.d
# (this namespace only); eve exists only through libnss_userauth.
{
	echo "password required $MOD pool=corp socket=$SOCK"
} >"$TB/pam/passwd"
chmod 0644 "$TB/pam/passwd"
mount --bind "$TB/pam" /etc/pam.d
PW_PASSWD='Passwd-canary-58c1e07'
printf '%s\n%s\n%s\n' "$CUR" "$PW_PASSWD" "$PW_PASSWD" |
	passwd eve >"$TB/passwd.out" 2>&1
rc=$?
ok $rc "passwd(1) changes a pool user's password through pam_userauth"
[ $rc -eq 0 ] || sed 's/^/# /' "$TB/passwd.out"
umount /etc/pam.d
login pw1 ua-corp eve "$PW_PASSWD"
ok $? "  ... the password set with passwd(1) logs in"
login pw2 ua-corp eve "$CUR"
ok $(($? == 0)) "  ... the one before does not"

ua_finish
