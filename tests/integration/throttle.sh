#!/bin/sh
# SPDX-License-Identifier: MIT
# Throttling and lockout through the real daemon and the built module
# (tests/tools/pamconv): per remote host while another host still gets in,
# the account's backoff after failures spread over hosts, the lock and
# userauthctl user unlock, a right TOTP code refused past the limit,
# unknown names throttled like real ones with the same transcripts, a
# foreign local peer moving nobody's counters, the counters surviving a
# restart, and the audit lines.  Needs root (namespaces); prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
for t in oathtool setpriv; do
	command -v $t >/dev/null || skip_all "needs $t"
done
ua_scratch
ua_nss_setup
# Code mails go to a sendmail script that drops them.
printf '#!/bin/sh\ncat >/dev/null\n' >"$TB/sendmail"
chmod 0755 "$TB/sendmail"
ua_write_conf <<CONF
[mail]
sendmail = $TB/sendmail
[defaults]
shell = /bin/sh
first_factors = password
[pool customer]
uid_min = 400000
uid_max = 400999
gid_min = 300000
gid_max = 300999
lock_after = 8
# waits from the second failure on (1 s, 2 s, 4 s ...): the last answer's
# wait outlasts a slow (sanitizer, loaded) machine's next login
throttle_pair_after = 2
[pool wide]
uid_min = 410000
uid_max = 410999
gid_min = 310000
gid_max = 310999
[pool staff]
uid_min = 420000
uid_max = 420999
gid_min = 320000
gid_max = 320999
mfa = required
[pool opt]
uid_min = 440000
uid_max = 440999
gid_min = 340000
gid_max = 340999
mfa = optional
throttle_pair_after = 2
[pool codes]
uid_min = 430000
uid_max = 430999
gid_min = 330000
gid_max = 330999
first_factors = email_otp
mail_from = codes@example.com
lock_after = 1
CONF
PY=/usr/bin/python3
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
SOCK=$TB/run/public.sock
mkdir -p "$TB/pam"
for p in customer wide staff codes opt; do
	printf 'auth required %s pool=%s socket=%s\naccount required %s pool=%s socket=%s\n' \
		"$MOD" "$p" "$SOCK" "$MOD" "$p" "$SOCK" >"$TB/pam/ua-$p"
done
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
PW_ANA='An-canary-0f3b71'
PW_WES='We-canary-c2d915'
PW_SAM='Sa-canary-7ae460'
PW_OLI='Ol-canary-5d02c8'

ua_start_daemon
ok $? "daemon starts"
uactl user add customer ana --email ana@example.com >/dev/null &&
	set_pw ana "$PW_ANA" &&
	uactl user add wide wes --email wes@example.com >/dev/null &&
	set_pw wes "$PW_WES" &&
	uactl user add staff sam --email sam@example.com >/dev/null &&
	set_pw sam "$PW_SAM" &&
	uactl user add opt oli --email oli@example.com >/dev/null &&
	set_pw oli "$PW_OLI"
ok $? "users ana (customer), wes (wide), sam (staff, MFA), oli (opt, MFA optional)"
expect_rc 0 "sam enrols in TOTP" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' --json mfa enroll staff sam </dev/null"
SEC_SAM=$($PY -c 'import json,sys; print(json.load(sys.stdin)["secret"])' <"$TB/last.out")
mid_step
expect_rc 0 "  ... and confirms it" uactl mfa confirm sam "$(totp "$SEC_SAM" 0)"
expect_rc 0 "oli enrols in TOTP (optional in his pool)" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' --json mfa enroll opt oli </dev/null"
SEC_OLI=$($PY -c 'import json,sys; print(json.load(sys.stdin)["secret"])' <"$TB/last.out")
mid_step
expect_rc 0 "  ... and confirms it" uactl mfa confirm oli "$(totp "$SEC_OLI" 0)"

# --- per (account, remote host), another host still gets in -----------------
i=1
while [ $i -le 6 ]; do
	login "w$i" -r 198.51.100.7 ua-customer ana "wrong-$i"
	i=$((i + 1))
done
# 6 answers from .7: the 2nd failure started a 1 s wait, each counted one after it
# a longer one; the right password comes while one runs.
login right-a -r 198.51.100.7 ua-customer ana "$PW_ANA"
expect_rc 0 "after 6 failures from one host, ana's right password from it is refused" \
	test "$(tail -1 "$TB/tx.right-a")" != "authenticate: 0 Success"
same() { sed 's/^authenticate: .*//' "$TB/tx.$1" >"$TB/a"; sed 's/^authenticate: .*//' "$TB/tx.$2" >"$TB/b"; cmp -s "$TB/a" "$TB/b"; }
expect_rc 0 "  ... with the same transcript as a wrong password" same right-a w6
expect_rc 0 "  ... audited result=fail reason=throttled" \
	grep -q "pool='customer' user='ana' .*rhost='198.51.100.7' .*result=fail reason=throttled" "$TB/daemon.log"
# (an answer made while a wait runs is not counted: 2 to 6 were)
expect_rc 0 "userauthctl throttle list shows the pair bucket" uactl throttle list customer
grep_last "  ... with its host and count" 'pair +ana +198\.51\.100\.7 +[2-6] '
login right-b -r 203.0.113.9 ua-customer ana "$PW_ANA"
expect_rc 0 "  ... while another host logs ana in" grep -q '^authenticate: 0 ' "$TB/tx.right-b"

# --- the lock at lock_after (8 here) and unlock ------------------------------
i=1
while [ $i -le 8 ]; do
	login "l$i" -r "192.0.2.$i" ua-customer ana "bad-$i"
	i=$((i + 1))
done
expect_rc 0 "8 more failures spread over hosts lock ana" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' --json throttle list customer | grep -q '\"locked\": true'"
login locked -r 192.0.2.99 ua-customer ana "$PW_ANA"
expect_rc 0 "  ... the right password from a fresh host is refused" \
	test "$(tail -1 "$TB/tx.locked")" != "authenticate: 0 Success"
expect_rc 0 "  ... audited result=fail reason=locked" \
	grep -q "user='ana' .*rhost='192.0.2.99' .*result=fail reason=locked" "$TB/daemon.log"
fails_of() {	# fails_of POOL KIND ACCOUNT: the failures of that bucket
	"$top_builddir/userauthctl" -s "$TB/run/admin.sock" --json throttle list "$1" |
		$PY -c 'import json,sys; print(sum(b["failures"] for b in json.load(sys.stdin) if b["kind"] == sys.argv[1] and b["account"] == sys.argv[2]))' "$2" "$3"
}
before=$(fails_of customer account ana)
i=1
while [ $i -le 5 ]; do
	login "empty$i" -r 192.0.2.98 ua-customer ana ""
	i=$((i + 1))
done
expect_rc 0 "  ... empty answers while locked are not counted either ($before -> $(fails_of customer account ana))" \
	test "$(fails_of customer account ana)" = "$before"
login ghost8 -r 192.0.2.99 ua-customer ana-ghost "$PW_ANA"
expect_rc 0 "  ... and looks like any failing login (the same transcript as a wrong password)" \
	same locked l8
expect_rc 0 "userauthctl user unlock customer ana" uactl user unlock customer ana
grep_last "  ... says what it cleared" 'ana in pool customer: [0-9]+ bucket'
login unlocked -r 192.0.2.99 ua-customer ana "$PW_ANA"
expect_rc 0 "  ... and the right password logs ana in again" grep -q '^authenticate: 0 ' "$TB/tx.unlocked"

# --- the account's backoff after 20 failures spread over hosts (wide) --------
i=1
while [ $i -le 20 ]; do
	login "s$i" -r "10.99.$i.1" ua-wide wes "nope-$i"
	i=$((i + 1))
done
login wes-fresh -r 10.99.200.1 ua-wide wes "$PW_WES"
expect_rc 0 "after 20 failures from 20 hosts, wes's right password from a 21st is refused" \
	test "$(tail -1 "$TB/tx.wes-fresh")" != "authenticate: 0 Success"
expect_rc 0 "  ... throttled, not locked (lock_after is 100 here)" \
	grep -q "user='wes' .*rhost='10.99.200.1' .*result=fail reason=throttled" "$TB/daemon.log"

# --- guesses at once all count before any is judged ---------------------------
uactl user unlock wide wes >/dev/null
out=$($PY "$top_srcdir/tests/tools/burst.py" "$TB/run/public.sock" wide wes wrong-at-once 30 10)
n=$(fails_of wide account wes)
expect_rc 0 "30 wrong passwords at once from 30 hosts: only the account's first 20 are judged and counted ($n; $out)" \
	test "$n" -ge 20 -a "$n" -le 21

# --- TOTP: the right code after the limit is refused -------------------------
i=1
while [ $i -le 5 ]; do
	login "t$i" -r 198.51.100.50 ua-staff sam "$PW_SAM" 000000 000000 000000
	i=$((i + 1))
done
mid_step
login totp-right -r 198.51.100.50 ua-staff sam "$PW_SAM" "$(totp "$SEC_SAM" 0)"
expect_rc 0 "after wrong TOTP codes from one host, sam's right password and right code are refused" \
	test "$(tail -1 "$TB/tx.totp-right")" != "authenticate: 0 Success"
judged=$(grep -c "user='sam' .*rhost='198.51.100.50' .*challenge=SOFTWARE_TOKEN_MFA result=\(retry\|fail\) reason=bad_totp" "$TB/daemon.log")
expect_rc 0 "  ... of 15 wrong codes only the first few were judged ($judged), the rest refused unjudged" \
	test "$judged" -ge 1 -a "$judged" -le 5

# --- mfa = optional: a throttled password of an enrolled user still gets
# the TOTP prompt that follows his wrong passwords ---------------------------
i=1
while [ $i -le 3 ]; do
	login "o$i" -r 198.51.100.60 ua-opt oli "wrong-$i" 000000 000000 000000
	i=$((i + 1))
done
tx_has "oli's wrong password (MFA optional, enrolled) is followed by the TOTP prompt" o1 'call 2: ECHO_OFF "Verification code: "'
expect_rc 0 "  ... the third, while the second's wait runs, is refused unjudged" \
	grep -q "pool='opt' user='oli' .*rhost='198.51.100.60' .*result=fail reason=throttled" "$TB/daemon.log"
expect_rc 0 "  ... with the same transcript, TOTP prompt and all, as the first" same o3 o1

# --- unknown names are throttled like real ones --------------------------------
i=1
while [ $i -le 6 ]; do
	login "g$i" -r 198.51.100.77 ua-customer ghost@example.com "guess-$i"
	i=$((i + 1))
done
expect_rc 0 "an unknown name gets a pair bucket of its own" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' throttle list customer | grep -Eq 'pair +unknown:[0-9a-f]+ +198\.51\.100\.77 +[2-6] '"
login g7 -r 198.51.100.77 ua-customer GHOST@Example.com "guess-7"
expect_rc 0 "  ... a case variant of it is the same name (throttled)" \
	grep -q "user='GHOST@Example.com' .*result=fail reason=throttled" "$TB/daemon.log"

# --- a foreign local peer moves nobody's counters -----------------------------
uactl user unlock customer ana >/dev/null
AUID=60123
i=1
while [ $i -le 7 ]; do
	setpriv --reuid=$AUID --regid=$AUID --clear-groups \
		"$PAMCONV" -C "$TB/pam" ua-customer ana "x$i" >/dev/null 2>&1
	i=$((i + 1))
done
login ana-after -r 192.0.2.50 ua-customer ana "$PW_ANA"
expect_rc 0 "7 failures by uid $AUID naming ana leave ana's account alone" grep -q '^authenticate: 0 ' "$TB/tx.ana-after"
expect_rc 0 "  ... they count against the peer itself" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' throttle list customer | grep -Eq 'peer-uid:$AUID'"
expect_rc 0 "  ... and against a host of its own (it names no remote host for others)" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' throttle list customer | grep -Eq 'host +- +local-uid:$AUID +[0-9]+ '"

expect_rc 0 "userauthctl throttle clear customer local-uid:$AUID" uactl throttle clear customer "local-uid:$AUID"
grep_last "  ... says what it cleared" "host local-uid:$AUID in pool customer: [1-9][0-9]* bucket"
expect_rc 0 "  ... and the host's bucket is gone" \
	sh -c "! '$top_builddir/userauthctl' -s '$TB/run/admin.sock' throttle list customer | grep -q 'host .*local-uid:$AUID'"

# --- emailed codes: an answer refused unjudged spends a try -------------------
# lock_after = 1 in pool codes: the first wrong code locks the account, and
# every later answer is refused unjudged; it must look like a wrong code,
# down to the tries it spends, for a real user and an unknown name alike;
# an answer that is no code (12ab) spends none, throttled or not.
uactl user add codes cody --email cody@example.com >/dev/null
ok $? "user cody (codes: emailed codes only, lock_after = 1)"
login cody -r 198.51.100.90 ua-codes cody 00000000 12ab 00000000 00000000
cat >"$TB/want" <<'EOF'
call 1: INFO "A code was sent to c***@e******.com" | ECHO_OFF "Code: "
call 2: INFO "A code was sent to c***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
call 3: INFO "A code was sent to c***@e******.com" | ERROR "Wrong code, 2 tries left." | ECHO_OFF "Code: "
call 4: INFO "A code was sent to c***@e******.com" | ERROR "Wrong code, 1 try left." | ECHO_OFF "Code: "
fail delay: requested
authenticate: 7 Authentication failure
EOF
expect_rc 0 "locked after one wrong code, the next answers still spend tries" \
	cmp "$TB/want" "$TB/tx.cody"
[ -s "$TB/last.out" ] && sed 's/^/# /' "$TB/tx.cody"
expect_rc 0 "  ... they were refused unjudged (audited reason=locked)" \
	grep -Eq "pool='?codes'? user='cody' .*result=retry reason=locked" "$TB/daemon.log"
login cody-ghost -r 198.51.100.91 ua-codes codyghost@example.com 00000000 12ab 00000000 00000000
sed 's/c\*\*\*@e\*\*\*\*\*\*\.com/X/' "$TB/tx.cody" >"$TB/a"
sed 's/c\*\*\*@e\*\*\*\*\*\*\.com/X/' "$TB/tx.cody-ghost" >"$TB/b"
expect_rc 0 "  ... and an unknown name's the same (transcripts equal)" cmp "$TB/a" "$TB/b"
[ -s "$TB/last.out" ] && sed 's/^/# /' "$TB/tx.cody-ghost"

# --- counters survive a restart -------------------------------------------------
ua_stop_daemon
ua_start_daemon
ok $? "the daemon restarts"
expect_rc 0 "  ... and the buckets are still there" \
	sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' throttle list wide | grep -Eq 'account +wes +- +[0-9]+ '"

expect_rc 2 "unlock needs POOL and USER" uactl user unlock customer
expect_rc 1 "unlock of a user in another pool is refused" uactl user unlock wide ana
for pw in "$PW_ANA" "$PW_WES" "$PW_SAM"; do
	if grep -q -- "$pw" "$TB/daemon.log"; then ok 1 "no password in the log"; else ok 0 "no password in the log"; fi
done
ua_finish
