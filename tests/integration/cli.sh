#!/bin/sh
# SPDX-License-Identifier: MIT
# The real daemon and CLI end to end: every userauthctl verb, bad input that
# must change nothing, privileges, socket abuse, restart, and the NSS view
# through real glibc in a private mount namespace.
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
ua_scratch
ua_nss_setup
ua_write_conf <<'CONF'
[defaults]
shell = /bin/sh
mail_from = codes@example.com
[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
[pool staff]
uid_min = 210000
uid_max = 210009
gid_min = 310000
gid_max = 310009
CONF
PY=/usr/bin/python3
POKE="$PY $top_srcdir/tests/tools/sockpoke.py"
CANARY='canary-Pw-7f3a91'

# --- every command's --help: its usage on stdout, exit 0, nothing sent -------
# (the list is the CLI's own: a command added later is covered too)
help_bad=
"$top_builddir/userauthctl" --help | sed -n '/^Commands:/,/^$/p' |
	sed -n 's/^  \([a-z][a-z -]*[a-z]\) \{1,\}[A-Z].*/\1/p' >"$TB/verbs"
while IFS= read -r verb; do
	# shellcheck disable=SC2086
	out=$("$top_builddir/userauthctl" -s "$TB/no-such.sock" $verb --help 2>&1)
	rc=$?
	case $out in
	"usage: userauthctl $verb"*) [ $rc -eq 0 ] || help_bad="$help_bad [$verb: exit $rc]" ;;
	*) help_bad="$help_bad [$verb: $(printf '%s' "$out" | head -1)]" ;;
	esac
done <"$TB/verbs"
[ "$(wc -l <"$TB/verbs")" -ge 25 ] && [ -z "$help_bad" ]
ok $? "every command's --help ($(wc -l <"$TB/verbs") commands) prints its usage and exits 0 without the daemon${help_bad:+:$help_bad}"

# --- configuration check -----------------------------------------------------
expect_rc 0 "userauthd -t accepts a valid config" \
	"$top_builddir/userauthd" -t -c "$TB/etc/userauth.conf"
printf '[pool x]\nuid_mn = 5\n' >"$TB/bad.conf"
expect_rc 78 "userauthd -t refuses an unknown key" \
	"$top_builddir/userauthd" -t -c "$TB/bad.conf"
grep_last "  ... with file:line" 'bad.conf:2'
expect_rc 2 "userauthd refuses stray arguments" "$top_builddir/userauthd" extra
sed '/^mail_from/d' "$TB/etc/userauth.conf" >"$TB/nofrom.conf"
expect_rc 78 "userauthd -t refuses a pool offering email codes without mail_from" \
	"$top_builddir/userauthd" -t -c "$TB/nofrom.conf"
grep_last "  ... naming the pool's line and what is missing" \
	"nofrom.conf:$(grep -n '^\[pool customer\]' "$TB/nofrom.conf" | cut -d: -f1): \\[pool customer\\]: first_factors offers email_otp but the pool has no mail_from"
expect_rc 78 "  ... and so does a start in the background, on stderr" \
	"$top_builddir/userauthd" -c "$TB/nofrom.conf"
grep_last "  ... naming the line" 'nofrom.conf:[0-9]+: .*has no mail_from'

# --- start, privileges, sockets ------------------------------------------------------
expect_rc 3 "userauthctl without a daemon exits 3" uactl pool list
ua_start_daemon
ok $? "daemon starts"
expect_rc 0 "  ... and logs that it created the database" \
	grep -q "created the database '$TB/state/userauth.db' (there was none)" "$TB/daemon.log"
expect_rc 1 "a second daemon started in the background fails" \
	"$top_builddir/userauthd" -c "$TB/etc/userauth.conf"
grep_last "  ... and says why on stderr (no syslog here)" 'userauthd\[[0-9]+\]: error: .*Address already in use'
uid=$(id -u userauth)
expect_rc 0 "daemon runs as the userauth user" \
	grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid" "/proc/$UA_DAEMON_PID/status"
expect_rc 0 "daemon has no supplementary groups" \
	grep -Eq '^Groups:[[:space:]]*$' "/proc/$UA_DAEMON_PID/status"
expect_rc 0 "admin socket is root-owned 0600" \
	sh -c "[ \"\$(stat -c '%U %a' '$TB/run/admin.sock')\" = 'root 600' ]"
expect_rc 0 "public socket is 0666" \
	sh -c "[ \"\$(stat -c '%a' '$TB/run/public.sock')\" = 666 ]"
expect_rc 0 "state dir is private to the daemon user" \
	sh -c "[ \"\$(stat -c '%U %a' '$TB/state')\" = 'userauth 700' ]"
expect_rc 0 "database is 0600" \
	sh -c "[ \"\$(stat -c '%U %a' '$TB/state/userauth.db')\" = 'userauth 600' ]"
expect_rc 0 "public socket answers PING" $POKE ping "$TB/run/public.sock"
grep_last "  ... with the daemon version" '^1 2 1 15 [0-9]+\.[0-9]+'

# --- pools, users, groups --------------------------------------------------------------
expect_rc 0 "pool list" uactl pool list
grep_last "  ... names both pools" 'customer'
grep_last "  ... and staff" 'staff'
expect_rc 0 "group add" uactl group add customer developers
expect_rc 0 "user add with a group" uactl user add customer alice \
	--email Alice@Example.COM --name "Alice Liddell" --group developers
grep_last "  ... shows uid 200000" '200000'
expect_rc 0 "user show by email, any case" uactl user show ALICE@example.com
grep_last "  ... finds alice" 'alice'
expect_rc 0 "user show --json" sh -c \
	"'$top_builddir/userauthctl' -s '$TB/run/admin.sock' --json user show alice | $PY -c 'import json,sys; u=json.load(sys.stdin); assert u[\"uid\"]==200000 and u[\"groups\"]==[\"developers\"] and u[\"email\"]==\"alice@example.com\"'"
expect_rc 0 "user add second user" uactl user add customer bob --email bob@example.net
expect_rc 0 "user list" uactl user list
grep_last "  ... lists bob" 'bob'
expect_rc 0 "user list of one pool" uactl user list staff
if grep -q alice "$TB/last.out"; then ok 1 "  ... staff list has no customer users"; else ok 0 "  ... staff list has no customer users"; fi

count_users() {
	uactl --json user list >"$TB/users.json" &&
		$PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TB/users.json"
}
before=$(count_users)
expect_rc 1 "duplicate email refused" uactl user add customer carol --email BOB@example.net
grep_last "  ... saying it is taken" 'already'
expect_rc 1 "duplicate login refused" uactl user add staff alice --email a2@example.com
expect_rc 2 "invalid login name refused" uactl user add customer 'Bad Name' --email c@example.com
expect_rc 2 "login starting with '-' refused" uactl user add customer -- -x --email c@example.com
expect_rc 1 "unknown group refused" uactl user add customer carol --email carol@example.com --group nosuch
expect_rc 1 "unknown pool refused" uactl user add nopool carol --email carol@example.com
long=$(printf '%0300d' 0)
expect_rc 2 "over-long display name refused" uactl user add customer carol --email carol@example.com --name "$long"
expect_rc 2 "over-long email refused" uactl user add customer carol --email "$long@example.com"
expect_rc 2 "non-UTF-8 display name refused" uactl user add customer carol --email carol@example.com --name "$(printf 'x\377y')"
expect_rc 2 "invalid email refused" uactl user add customer carol --email not-an-email
expect_rc 1 "local account name refused" uactl user add customer root --email root@example.com
after=$(count_users)
ok "$([ "$before" = "$after" ] && echo 0 || echo 1)" "refused adds changed nothing ($before users)"
expect_rc 0 "the uid after refusals is the next one" uactl user add customer carol --email carol@example.com
grep_last "  ... 200002" '200002'

# --- a failed NSS publish is reported, and retried with no further change ----------
# The daemon (not root) cannot write the cache directory for a while.
chmod 0555 /var/cache/userauth
expect_rc 5 "user add while the cache cannot be written: done, exit status 5" \
	uactl user add customer pubretry --email pubretry@example.com
grep_last "  ... with a warning naming the cause" \
	"^userauthctl: warning: the change is saved, but the NSS cache '/var/cache/userauth/nss.cache' could not be published \\(Permission denied\\).*retries"
grep_last "  ... and the user it made" '^login: +pubretry'
expect_rc 0 "  ... the change is in the database" uactl user show pubretry
expect_rc 2 "  ... NSS does not show it yet" getent passwd pubretry
chmod 0755 /var/cache/userauth
ua_wait_for 150 getent passwd pubretry
ok $? "  ... the daemon publishes it by itself once it can (no other change)"
expect_rc 0 "  ... and it can be removed again (exit 0 once publishing works)" \
	uactl user del pubretry --yes
# A full file system under the cache: a small tmpfs over its directory.
cp -p /var/cache/userauth/nss.cache "$TB/nss.cache.before"
mount -t tmpfs -o "size=256k,mode=0755,uid=$(id -u userauth),gid=$(id -g userauth)" \
	tmpfs /var/cache/userauth
cp -p "$TB/nss.cache.before" /var/cache/userauth/nss.cache
dd if=/dev/zero of=/var/cache/userauth/fill bs=4k 2>/dev/null
expect_rc 5 "user add on a full cache file system: done, exit status 5" \
	uactl --json user add customer fulldisk --email fulldisk@example.com
grep_last "  ... warning: No space left on device" \
	"^userauthctl: warning: .*could not be published \\(No space left on device\\)"
cp "$TB/last.out" "$TB/fulldisk.json"
expect_rc 0 "  ... --json still prints the user on stdout" \
	$PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["login"] == "fulldisk"' "$TB/fulldisk.json"
expect_rc 5 "  ... as does a second change while it is full" uactl user disable fulldisk
expect_rc 2 "  ... NSS does not show the user yet" getent passwd fulldisk
expect_rc 0 "  ... no temporary file is left behind" \
	sh -c "! ls /var/cache/userauth | grep -q tmp"
rm -f /var/cache/userauth/fill
ua_wait_for 150 getent passwd fulldisk
ok $? "  ... space back: published by the retry alone"
expect_rc 0 "  ... the next change exits 0 again" uactl user enable fulldisk
expect_rc 0 "  ... and the user is removed (exit 0)" uactl user del fulldisk --yes
# Back to the real directory (a mount left there would outlive the cleanup),
# with the cache published meanwhile renamed into place as the daemon does.
cp -p /var/cache/userauth/nss.cache "$TB/nss.cache.after"
umount /var/cache/userauth
cp -p "$TB/nss.cache.after" /var/cache/userauth/nss.cache.new
mv /var/cache/userauth/nss.cache.new /var/cache/userauth/nss.cache

expect_rc 0 "group member add" uactl group member add developers bob
expect_rc 1 "group member add twice refused" uactl group member add developers bob
expect_rc 0 "group list shows members" uactl group list customer
grep_last "  ... bob in developers" 'developers.*bob|bob.*developers'
expect_rc 0 "group member del" uactl group member del developers bob
expect_rc 1 "group member del of a non-member" uactl group member del developers bob
expect_rc 0 "staff group add" uactl group add staff ops
expect_rc 0 "staff user add" uactl user add staff sam --email sam@example.org
expect_rc 1 "cross-pool membership refused" uactl group member add ops alice
expect_rc 1 "unknown group del" uactl group del nosuch

# --- passwords ----------------------------------------------------------------------------------
printf '%s\n' "$CANARY" >"$TB/pw"
expect_rc 0 "passwd --stdin" sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd sam --stdin <'$TB/pw'"
expect_rc 0 "password_set is reported" sh -c \
	"'$top_builddir/userauthctl' -s '$TB/run/admin.sock' --json user show sam | $PY -c 'import json,sys; assert json.load(sys.stdin)[\"password_set\"] is True'"
expect_rc 2 "empty password refused" sh -c "printf '\n' | '$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd sam --stdin"
expect_rc 1 "passwd for an unknown user" sh -c "'$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd nobody1 --stdin <'$TB/pw'"
expect_rc 0 "the stored hash is yescrypt" sh -c \
	"sqlite3 '$TB/state/userauth.db' 'SELECT password_hash FROM credentials' | grep -q '^\\\$y\\\$'"

# --- state changes -----------------------------------------------------------------------------------
expect_rc 0 "user disable" uactl user disable bob
grep_last "  ... disabled" 'disabled'
expect_rc 0 "user enable" uactl user enable bob
grep_last "  ... enabled" 'enabled'
expect_rc 1 "disable an unknown user" uactl user disable nosuch

# --- the NSS view -----------------------------------------------------------------------------------------
expect_rc 0 "getent passwd sees a pool user" getent passwd alice
grep_last "  ... with its uid, home and shell" '^alice:\*:200000:200000:Alice Liddell:/home/alice:/bin/sh$'
expect_rc 0 "getent passwd by email alias" getent passwd Alice@example.com
expect_rc 0 "getent group sees a pool group" getent group developers
expect_rc 0 "id shows supplementary pool groups" id alice
grep_last "  ... developers" 'groups=200000\(alice\),300000\(developers\)'
expect_rc 0 "user del --yes" uactl user del carol --yes
expect_rc 2 "getent no longer finds a deleted user" getent passwd carol
expect_rc 0 "group del" uactl group del ops

# --- abuse of the sockets ------------------------------------------------------------------------
expect_rc 0 "garbage on the admin socket is answered and closed" $POKE garbage "$TB/run/admin.sock"
grep_last "  ... then closed" 'closed$'
expect_rc 0 "an oversize frame header closes the connection" $POKE oversize "$TB/run/admin.sock"
grep_last "  ... closed" '^closed'
expect_rc 0 "garbage on the public socket closes it" $POKE garbage "$TB/run/public.sock"
expect_rc 0 "unknown op is refused" $POKE json "$TB/run/admin.sock" '{"v":1,"op":"user.hack"}'
grep_last "  ... as unsupported" '"unsupported"'
expect_rc 0 "unexpected argument is refused" $POKE json "$TB/run/admin.sock" '{"v":1,"op":"user.show","user":"alice","x":1}'
grep_last "  ... as invalid" '"invalid"'
expect_rc 0 "duplicate JSON keys are refused" $POKE json "$TB/run/admin.sock" '{"v":1,"op":"user.show","user":"alice","user":"bob"}'
grep_last "  ... not answered as bob" 'invalid'
$POKE stall "$TB/run/admin.sock" >"$TB/stall.out" 2>&1 &
stall=$!
sleep 0.3
expect_rc 0 "a stalled client does not block others" timeout 2 "$top_builddir/userauthctl" -s "$TB/run/admin.sock" user show alice
wait $stall
expect_rc 0 "the stalled client is dropped at the frame deadline" grep -Eq '^closed [4-7]$' "$TB/stall.out"
expect_rc 4 "a non-root user cannot use the admin socket" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$(ua_reachable "$top_builddir/userauthctl")" -s "$TB/run/admin.sock" pool list
expect_rc 0 "daemon still alive after the abuse" kill -0 "$UA_DAEMON_PID"

# --- reload, restart, daemon down -------------------------------------------------------------------
cp "$TB/etc/userauth.conf" "$TB/good.conf"
echo "bogus line" >>"$TB/etc/userauth.conf"
kill -HUP "$UA_DAEMON_PID"
sleep 0.3
expect_rc 0 "a bad config on SIGHUP keeps the daemon serving" uactl user show alice
grep_last "  ... the old config" 'alice'
expect_rc 0 "  ... and the refusal is logged" grep -q 'reload refused' "$TB/daemon.log"
cp "$TB/good.conf" "$TB/etc/userauth.conf"
# An unreadable file at reload (the daemon re-reads it as its own user).
refusals=$(grep -c 'reload refused' "$TB/daemon.log")
chmod 000 "$TB/etc/userauth.conf"
kill -HUP "$UA_DAEMON_PID"
ua_wait_for 50 sh -c "[ \$(grep -c 'reload refused' '$TB/daemon.log') -gt $refusals ]"
ok $? "an unreadable config on SIGHUP: the reload is refused and logged"
expect_rc 0 "  ... naming the file and why" \
	sh -c "grep 'reload refused' '$TB/daemon.log' | tail -1 | grep -q 'userauth.conf.*[Pp]ermission denied'"
expect_rc 0 "  ... and the daemon serves on with the old one" uactl user show alice
chmod 0644 "$TB/etc/userauth.conf"
ua_stop_daemon
expect_rc 0 "NSS answers while the daemon is stopped" getent passwd alice
expect_rc 0 "  ... id too" id -nG alice
ua_start_daemon
ok $? "daemon restarts on the same database"
expect_rc 0 "users survive the restart" uactl user show bob
expect_rc 0 "the uid counter survives (no reuse of carol's, pubretry's or fulldisk's uid)" uactl user add customer dora --email dora@example.com
grep_last "  ... 200005" '200005'
ua_stop_daemon
chmod 0755 "$TB/state"
expect_rc 78 "an unsafe state dir mode refuses start" "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf"
grep_last "  ... with a clear message" 'mode'
chmod 0700 "$TB/state"
cp "$TB/state/userauth.db" "$TB/db.bak"
rm -f "$TB/state/userauth.db-wal" "$TB/state/userauth.db-shm"
dd if=/dev/urandom of="$TB/state/userauth.db" bs=1024 count=8 conv=notrunc 2>/dev/null
expect_rc 78 "a corrupt database refuses start" "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf"
grep_last "  ... saying what is wrong with which file" "$TB/state/userauth.db.*(corrupt|not a database|malformed)"
expect_rc 0 "NSS still answers from the cache" getent passwd alice
# A real database cut short (a crash of the file system, a partial copy).
cp "$TB/db.bak" "$TB/state/userauth.db"
truncate -s 4096 "$TB/state/userauth.db"
expect_rc 78 "a database cut short (truncate -s 4096) refuses start" \
	timeout 10 "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf"
grep_last "  ... saying what is wrong with which file" "$TB/state/userauth.db.*(corrupt|not a database|malformed)"
expect_rc 0 "  ... and leaves it as it was" test "$(stat -c %s "$TB/state/userauth.db")" -eq 4096
# A crash or a full disk can leave a 0-byte file; taken as new, every pool
# user would vanish from NSS.
: >"$TB/state/userauth.db"
# (timeout: a daemon that took the file would run on and be killed, 124)
expect_rc 78 "an empty (0-byte) database refuses start" \
	timeout 10 "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf"
grep_last "  ... naming the file and what is wrong" "the database '$TB/state/userauth.db' is empty \\(0 bytes"
grep_last "  ... and how to recover" 'restore it from a backup, or remove it .* to start afresh'
expect_rc 0 "  ... and leaves it alone" test ! -s "$TB/state/userauth.db"
expect_rc 0 "NSS still answers from the cache" getent passwd alice
sqlite3 "$TB/state/userauth.db" 'CREATE TABLE t (a); DROP TABLE t;'
expect_rc 78 "a database without our schema refuses start" \
	timeout 10 "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf"
grep_last "  ... saying so" 'has no userauth schema'

# --- a fresh database never hands out an old id again ----------------------------
# The old database gave out uids up to 200005 (dora; carol, pubretry and
# fulldisk were deleted) and gid 300000.  The administrator starts afresh on purpose.
rm -f "$TB/state/userauth.db" "$TB/state/userauth.db-wal" "$TB/state/userauth.db-shm"
expect_rc 0 "the id marks file is private to the daemon" \
	sh -c "[ \"\$(stat -c '%U %a' '$TB/state/userauth.ids')\" = 'userauth 600' ]"
: >"$TB/daemon.log"
ua_start_daemon
ok $? "removed database: the daemon starts on a new one"
expect_rc 0 "  ... and says it created it" grep -q "created the database" "$TB/daemon.log"
expect_rc 0 "  ... and that its counters were below the ids handed out before" \
	grep -q "were below the ids handed out before" "$TB/daemon.log"
# json_field FILE KEY: the member KEY of the JSON object in FILE.
json_field() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
uactl --json user add customer erin --email erin@example.com >"$TB/erin.json"
ok $? "a user added to the fresh database"
expect_rc 0 "  ... gets a uid above every uid the old database handed out (200006)" \
	test "$(json_field "$TB/erin.json" uid)" = 200006
uactl --json group add customer newgrp >"$TB/newgrp.json"
ok $? "a group added to it"
expect_rc 0 "  ... gets a gid above the old database's (300001)" \
	test "$(json_field "$TB/newgrp.json" gid)" = 300001
ua_stop_daemon
# the state file lost as well: the marks in the NSS cache are enough
rm -f "$TB/state/userauth.db" "$TB/state/userauth.db-wal" "$TB/state/userauth.db-shm" \
	"$TB/state/userauth.ids"
ua_start_daemon
ok $? "database and id marks file removed: the daemon starts"
uactl --json user add customer fay --email fay@example.com >"$TB/fay.json"
ok $? "  ... a user added"
expect_rc 0 "  ... still gets the next uid above (200007, from the NSS cache's marks)" \
	test "$(json_field "$TB/fay.json" uid)" = 200007
expect_rc 0 "  ... and the marks file is back" grep -q '^pool customer uid_next 200008 ' "$TB/state/userauth.ids"
ua_stop_daemon

# --- secrets never leak --------------------------------------------------------------------------------
if grep -rq "$CANARY" "$TB/daemon.log" "$TB/last.out" "$TB/last.err" /var/cache/userauth 2>/dev/null; then
	ok 1 "the canary password is in no log, output or cache"
else
	ok 0 "the canary password is in no log, output or cache"
fi
ua_finish
