#!/bin/sh
# SPDX-License-Identifier: MIT
# Code issuance limits count accounts, not spellings (SECURITY.md S4):
# case variants of one address, and the login name after the address,
# share one budget; an unknown address's variants are one identifier too.
# Codes are counted as rows of the mail queue (no relay needed: they stay
# queued).  Needs root (namespaces); prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
ua_scratch
ua_nss_setup
ua_write_conf <<'CONF'
[defaults]
shell = /bin/sh
mail_from = codes@example.com
first_factors = email_otp
[pool customer]
uid_min = 400000
uid_max = 400999
gid_min = 300000
gid_max = 300999
otp_resend_cooldown = 0
[pool few]
uid_min = 410000
uid_max = 410999
gid_min = 310000
gid_max = 310999
otp_per_hour = 1
CONF
PY=/usr/bin/python3
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
mkdir -p "$TB/pam"
printf 'auth required %s pool=customer socket=%s\n' "$MOD" "$TB/run/public.sock" >"$TB/pam/ua-c"
printf 'auth required %s pool=few socket=%s\n' "$MOD" "$TB/run/public.sock" >"$TB/pam/ua-f"
printf 'auth required pam_deny.so\n' >"$TB/pam/other"
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
rows() {
	uactl --json mailq | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
ua_start_daemon
ok $? "daemon starts"
expect_rc 0 "a user cara@example.com" uactl user add customer cara --email cara@example.com

# 30 spellings of one address (no resend cooldown here: only the budget
# of 5 an hour counts).
i=0
for v in cara@example.com CARA@example.com Cara@Example.Com cArA@eXaMpLe.CoM ' cara@example.com' \
	CARA@EXAMPLE.COM cAra@example.com caRa@example.com carA@example.com Cara@example.com \
	cara@Example.com cara@EXAMPLE.com cara@example.COM CAra@example.com caRA@example.com \
	CaRa@example.com cArA@example.com CARa@example.com cARA@example.com Cara@EXAMPLE.COM \
	cara@eXample.com cara@exAmple.com cara@examPle.com cara@exampLe.com cara@examplE.com \
	cara@example.Com cara@example.cOm cara@example.coM CARA@Example.com Cara@example.COM; do
	conv ua-c "$v" >/dev/null 2>&1
	i=$((i + 1))
done
expect_rc 0 "30 case variants of cara's address: $i logins started" test "$i" = 30
n=$(rows)
expect_rc 0 "  ... only otp_per_hour (5) codes issued, not 30 (got $n)" test "$n" = 5
conv ua-c cara >"$TB/tx.login" 2>&1
expect_rc 0 "  ... and her login name after them gets no sixth code" test "$(rows)" = 5
expect_rc 0 "  ... while its transcript still says a code was sent" \
	grep -q 'A code was sent to c\*\*\*@e' "$TB/tx.login"
expect_rc 0 "the limit is audited as such" grep -q "event=otp .*result=limited" "$TB/daemon.log"

# S10: one remote host may ask for ten identifiers' worth of codes an hour
# (pool few: 1 an hour each, so 10 from one host), real users and unknown
# names alike; another host is not held up.
i=1
while [ $i -le 12 ]; do
	uactl user add few "f$i" --email "f$i@example.com" >/dev/null
	i=$((i + 1))
done
before=$(rows)
i=1
while [ $i -le 11 ]; do
	conv -r 203.0.113.40 ua-f "f$i" >/dev/null 2>&1
	i=$((i + 1))
done
n=$(( $(rows) - before ))
expect_rc 0 "11 users' codes asked from one host: 10 issued ($n)" test "$n" = 10
conv -r 203.0.113.41 ua-f f12 >/dev/null 2>&1
expect_rc 0 "  ... while another host still gets one" test "$(( $(rows) - before ))" = 11
ua_finish
