#!/bin/sh
# SPDX-License-Identifier: MIT
# nscd running (SECURITY.md 6b): a private nscd in this mount namespace
# caches passwd and group, pool users included.  userauthctl drops its two
# caches after every change the daemon published (nscd -i), so a deleted
# user is gone when the command returns; where nscd cannot be told, the
# admin is warned and the exit status is 5.
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
[ -x /usr/sbin/nscd ] || skip_all "needs /usr/sbin/nscd (apt package nscd)"
ua_scratch
ua_nss_setup
ua_write_conf <<'CONF'
[defaults]
shell = /bin/sh
[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
first_factors = password
CONF
ua_start_daemon || { ok 1 "the daemon starts"; ua_finish; exit 1; }

# nscd's socket and state under a private /run (/var/run is a link to it).
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/nscd /run/ua-nscd-db
cat >"$TB/nscd.conf" <<CONF
# Debian's passwd and group settings; nothing else cached
enable-cache passwd yes
positive-time-to-live passwd 600
negative-time-to-live passwd 20
persistent passwd no
shared passwd yes
check-files passwd yes
enable-cache group yes
positive-time-to-live group 3600
negative-time-to-live group 60
persistent group no
shared group yes
check-files group yes
enable-cache hosts no
enable-cache services no
enable-cache netgroup no
CONF
/usr/sbin/nscd -F -f "$TB/nscd.conf" >"$TB/nscd.log" 2>&1 &
NSCD_PID=$!
UA_PIDS="$UA_PIDS $NSCD_PID"
ua_wait_for 100 test -S /run/nscd/socket
expect_rc 0 "a private nscd runs in this namespace (nscd -g)" \
	/usr/sbin/nscd -g -f "$TB/nscd.conf"

# cached DB: how many values nscd holds in that database's cache.
cached() {
	/usr/sbin/nscd -g -f "$TB/nscd.conf" 2>/dev/null |
		awk -v db="$1" '$0 ~ "^" db " cache:" { on = 1 } on && /current number of cached values/ { print $1; exit }'
}

expect_rc 0 "carol is added" uactl user add customer carol --email carol@example.com
c0=$(cached passwd)
expect_rc 0 "getent passwd carol finds her (through nscd)" getent passwd carol
c1=$(cached passwd)
[ "${c1:-0}" -gt "${c0:-0}" ]
ok $? "  ... and nscd now holds her (cached values $c0 -> $c1): it caches pool users"
expect_rc 0 "the group carol is found (through nscd)" getent group carol
getent group carol >/dev/null

expect_rc 0 "carol is deleted" uactl user del carol --yes
if grep -q 'warning' "$TB/last.err"; then
	ok 1 "  ... without a warning"
	sed 's/^/# /' "$TB/last.err"
else
	ok 0 "  ... without a warning"
fi
expect_rc 2 "  ... and getent passwd carol no longer finds her at once (userauthctl ran nscd -i)" \
	getent passwd carol
expect_rc 2 "  ... nor her group" getent group carol

# nscd that cannot be told: the admin hears of it, exit status 5.
printf '#!/bin/sh\necho "nscd: refused" >&2\nexit 1\n' >"$TB/nscd-refuses"
chmod 0755 "$TB/nscd-refuses"
mount --bind "$TB/nscd-refuses" /usr/sbin/nscd
expect_rc 5 "where nscd cannot be told, a change exits 5 (done, NSS lags)" \
	uactl user add customer dave --email dave@example.com
grep -q 'warning: nscd is running and could not be told' "$TB/last.err"
ok $? "  ... with a warning that says what to run"
umount /usr/sbin/nscd
expect_rc 0 "  ... the change itself was made" uactl user show dave

# No nscd: nothing to tell, exit 0.
kill "$NSCD_PID" 2>/dev/null
wait "$NSCD_PID" 2>/dev/null
rm -f /run/nscd/socket
expect_rc 0 "without nscd a change exits 0" uactl user del dave --yes
ua_finish
