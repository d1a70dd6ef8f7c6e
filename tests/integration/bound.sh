#!/bin/sh
# SPDX-License-Identifier: MIT
# The guessing bound that userauthd(8) states ("Throttling and lockout"),
# recomputed from the shipped defaults as userauthd -T prints them: if a
# default moves, the page must move with it.  Needs no root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
MAN=$top_srcdir/man/userauthd.8
printf '[pool p]\nmail_from = codes@example.com\n' >"$TB/min.conf"
chmod 0644 "$TB/min.conf"
expect_rc 0 "userauthd -T prints the defaults of a minimal pool" \
	"$top_builddir/userauthd" -T -c "$TB/min.conf"
cp "$TB/last.out" "$TB/dump"
key() { sed -n "s/^$1 = //p" "$TB/dump" | head -1; }
after=$(key throttle_account_after)
cap=$(key throttle_max_delay)
lock=$(key lock_after)
perday=$(key otp_per_day)
tries=$(key otp_tries)
digits=$(key totp_digits)
expect_rc 0 "  ... the figures the bound needs are there ($after $cap $lock $perday $tries $digits)" \
	test -n "$after" -a -n "$cap" -a -n "$lock" -a -n "$perday" -a -n "$tries" -a -n "$digits"

# At most: `after` failures at once, then one per 2^k s while that is below
# the cap (k = 0, 1, ...), then one per cap, for the rest of a day.
set -- $(awk -v a="$after" -v c="$cap" 'BEGIN {
	t = 0; n = 0
	for (k = 0; 2 ^ k < c; k++) { t += 2 ^ k; n++ }
	rest = int((86400 - t) / c)
	printf "%d %d %d %d\n", n, t, rest, a + n + rest }')
ramp=$1 ramp_s=$2 rest=$3 day=$4
echo "# per day: $after + $ramp (in $ramp_s s) + $rest = $day; lock at $lock"
grep_man() { grep -qF -- "$1" "$MAN"; }
expect_rc 0 "userauthd(8) gives the day's total: $after + $ramp + $rest = $day" \
	grep_man "at most $after + $ramp + $rest = $day a day"
ramp_fmt=$(printf '%d' "$ramp_s" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
expect_rc 0 "  ... the ramp: $ramp more over $ramp_fmt seconds" \
	grep_man "then $ramp more spaced 1, 2, ... $((1 << (ramp - 1))) seconds ($ramp_fmt seconds"
expect_rc 0 "  ... and the lock that stops them at $lock" grep_man "the lock stops them at $lock"
guesses=$(( day < lock ? day : lock ))
p_totp=$(awk -v g="$guesses" -v d="$digits" 'BEGIN { x = g * 3 / 10 ^ d; e = int(log(x) / log(10)); if (10 ^ e > x) e--; printf "%.1f \\(mu 10^\\(mi%d", x / 10 ^ e, -e }')
expect_rc 0 "  ... TOTP: $guesses x 3 / 10^$digits written as '$p_totp'" \
	grep_man "at most $guesses \\(mu 3 / 10^$digits = $p_totp a day"
codes=$((perday * tries))
p_otp=$(awk -v g="$codes" 'BEGIN { x = g / 10 ^ 8; e = int(log(x) / log(10)); if (10 ^ e > x) e--; printf "%.1f \\(mu 10^\\(mi%d", x / 10 ^ e, -e }')
expect_rc 0 "  ... emailed codes: $perday x $tries = $codes guesses, '$p_otp'" \
	grep_man "($tries) answers: $codes guesses, $codes / 10^8 = $p_otp a day"
ua_finish
