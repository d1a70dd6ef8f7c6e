#!/bin/sh
# SPDX-License-Identifier: MIT
# "userauthctl user import": a good file goes in whole and NSS sees it; a
# file with any bad row (bad field, duplicate, unknown group, local name,
# bad quoting, non-UTF-8, over-long) imports nothing and names the line; a
# connection dropped mid-import leaves nothing.  Prints the time of a
# 100,000-user import as a diagnostic (not asserted).
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
ua_scratch
ua_nss_setup
ua_write_conf <<'CONF'
[defaults]
shell = /bin/sh
mail_from = codes@example.com
[pool customer]
uid_min = 400000
uid_max = 1999999
gid_min = 300000
gid_max = 300999
[pool staff]
uid_min = 210000
uid_max = 210009
gid_min = 310000
gid_max = 310009
CONF
PY=/usr/bin/python3

ua_start_daemon
ok $? "daemon starts"
expect_rc 0 "group add customer devs" uactl group add customer devs
expect_rc 0 "group add staff ops" uactl group add staff ops

# --- a good CSV file of 2,000 users --------------------------------------------
{
	echo 'login,email,display_name,groups'
	i=1
	while [ $i -le 2000 ]; do
		case $i in
		7) echo "imp$i,Imp$i@Example.com,\"Smith, \"\"Jo\"\"\",devs" ;;
		*[05]) echo "imp$i,imp$i@example.com,User $i,devs" ;;
		*) echo "imp$i,imp$i@example.com,User $i," ;;
		esac
		i=$((i + 1))
	done
} >"$TB/good.csv"
expect_rc 0 "import of 2,000 users" uactl user import customer "$TB/good.csv"
grep_last "  ... reports the count" 'imported 2000 of 2000 rows'
expect_rc 0 "getent passwd finds the first" getent passwd imp1
expect_rc 0 "getent passwd finds the last" getent passwd imp2000
grep_last "  ... with the pool's shell" ':/bin/sh$'
expect_rc 0 "quoted display name kept" getent passwd imp7
grep_last "  ... comma and doubled quotes undone" ':Smith, "Jo":'
expect_rc 0 "email stored lowercase" uactl user show Imp7@example.com
grep_last "  ... found by email" 'imp7@example.com'
expect_rc 0 "getent group devs lists members" getent group devs
grep_last "  ... imp10 among them" '[:,]imp10(,|$)'
n=$(getent passwd | grep -c '^imp')
ok $([ "$n" -eq 2000 ]; echo $?) "enumeration shows 2000 imported users (got $n)"
uid1=$(getent passwd imp1 | cut -d: -f3)
uid2k=$(getent passwd imp2000 | cut -d: -f3)
ok $([ $((uid2k - uid1)) -eq 1999 ]; echo $?) "uids allocated in one run ($uid1..$uid2k)"
expect_rc 0 "user add after import takes the next uid" \
	uactl user add customer after1 --email after1@example.com
grep_last "  ... $((uid2k + 1))" "$((uid2k + 1))"

# --- files with one bad row import nothing -------------------------------------
bad() { # NAME DESCRIPTION PATTERN (the file $TB/NAME)
	expect_rc 1 "$2: refused" uactl user import customer "$TB/$1"
	grep_last "  ... names the line and reason" "$3"
	grep_last "  ... says nothing was imported" 'nothing imported'
	expect_rc 2 "  ... and the good rows are not there" getent passwd okrow1
}
printf 'login,email\nokrow1,okrow1@example.com\nokrow2,not-an-email\n' >"$TB/email.csv"
bad email.csv "bad email on line 3" 'email.csv:3: .okrow2.: email'
printf 'login,email\nokrow1,okrow1@example.com\ndupe,d1@example.com\nokrow3,o3@example.com\ndupe,d2@example.com\n' >"$TB/dupe.csv"
bad dupe.csv "duplicate login in the file" ':5: .dupe.: duplicate login .dupe. \(first on line 3\)'
printf 'login,email\nokrow1,okrow1@example.com\nokrow2,OKROW1@example.com\n' >"$TB/dupemail.csv"
bad dupemail.csv "duplicate email in the file" ':3: .*duplicate email'
printf 'login,email\nokrow1,okrow1@example.com\nimp5,new5@example.com\n' >"$TB/dupdb.csv"
bad dupdb.csv "login already in the database" ':3: .imp5.: the name .imp5. is already taken'
printf 'login,email\nokrow1,okrow1@example.com\nokrow2,imp9@example.com\n' >"$TB/dupdbmail.csv"
bad dupdbmail.csv "email already in the database" ':3: .*already belongs'
printf 'login,email,groups\nokrow1,okrow1@example.com,devs\nokrow2,o2@example.com,devs;nosuch\n' >"$TB/nogroup.csv"
bad nogroup.csv "unknown group" ":3: .*no group 'nosuch'"
printf 'login,email,groups\nokrow1,okrow1@example.com,\nokrow2,o2@example.com,ops\n' >"$TB/othergroup.csv"
bad othergroup.csv "group of another pool" ':3: .*another pool'
printf 'login,email\nokrow1,okrow1@example.com\ndaemon,dd@example.com\n' >"$TB/local.csv"
bad local.csv "local account name" ':3: .daemon.: .*local account'
printf 'login,email,display_name\nokrow1,okrow1@example.com,x\nokrow2,o2@example.com,"a"b"\n' >"$TB/quote.csv"
bad quote.csv "bad quoting" ':3: bad CSV quoting'
printf 'login,email,display_name\nokrow1,okrow1@example.com,x\nokrow2,o2@example.com,caf\351\n' >"$TB/latin1.csv"
bad latin1.csv "non-UTF-8 row" ':3: .okrow2.: .*not valid UTF-8'
long=$(head -c 3000 /dev/zero | tr '\0' x)
printf 'login,email,display_name\nokrow1,okrow1@example.com,x\nokrow2,o2@example.com,%s\n' "$long" >"$TB/long.csv"
bad long.csv "over-long field (local limit)" ":3: .okrow2.: field 'display_name' is too long"
long=$(head -c 300 /dev/zero | tr '\0' x)
printf 'login,email,display_name\nokrow1,okrow1@example.com,x\nokrow2,o2@example.com,%s\n' "$long" >"$TB/long2.csv"
bad long2.csv "over-long display name (daemon's validator)" ':3: .okrow2.: display name'
printf 'login,email\nokrow1,okrow1@example.com\nokrow2,o2@example.com,extra\n' >"$TB/cols.csv"
bad cols.csv "wrong number of fields" ':3: .*3 fields, the header has 2'
printf 'login,email\nokrow1,okrow1@example.com\nBad Name,b@example.com\nokrow3,o3@example.com\nalso bad,x\n' >"$TB/many.csv"
bad many.csv "every bad row is reported" ':5: '
expect_rc 1 "  ... run again" uactl user import customer "$TB/many.csv"
grep_last "  ... the first one too" ':3: '
grep_last "  ... with the count" '2 of 4 rows rejected'

# --- quoting across lines, CRLF, JSON lines, --skip-bad --------------------------
printf 'email,login,display_name\r\nq1@example.com,q1,"two\r\nlines"\r\nq2@example.com,q2,"x"\r\n' >"$TB/crlf.csv"
expect_rc 1 "a newline inside a quoted display name is refused by the validator" \
	uactl user import customer "$TB/crlf.csv"
grep_last "  ... on the record's first line" 'crlf.csv:2: .q1.: display name'
printf 'email,login,display_name\r\nq1@example.com,q1,"a, b"\r\nq2@example.com,q2,""\r\n' >"$TB/crlf2.csv"
expect_rc 0 "CRLF, columns in any order, quoted and empty fields" \
	uactl user import customer "$TB/crlf2.csv"
expect_rc 0 "  ... q1 has its display name" sh -c "getent passwd q1 | grep -q ':a, b:'"
cat >"$TB/users.jsonl" <<'EOF2'
{"login": "j1", "email": "j1@example.com", "groups": ["devs", "qa"]}

{"login": "j2", "email": "j2@example.com", "display_name": "Jay Two", "shell": "/bin/bash", "home": "/srv/j2"}
EOF2
expect_rc 0 "group add customer qa" uactl group add customer qa
expect_rc 0 "JSON lines import" uactl user import customer "$TB/users.jsonl"
expect_rc 0 "  ... home and shell from the row" \
	sh -c "getent passwd j2 | grep -q ':Jay Two:/srv/j2:/bin/bash$'"
expect_rc 0 "  ... groups from the row" sh -c "getent group devs | grep -q j1"
expect_rc 0 "  ... every group of the row" sh -c "getent group qa | grep -q j1"
printf '{"login": "j3", "email": "j3@example.com"}\n{"login": "j4", "email": 5}\n{"login": "j5"\n' >"$TB/bad.jsonl"
expect_rc 1 "bad JSON lines refused" uactl user import customer "$TB/bad.jsonl"
grep_last "  ... wrong type named" ":2: 'email' must be a string"
grep_last "  ... broken JSON named" ':3: not a JSON object'
expect_rc 2 "  ... j3 not imported" getent passwd j3
expect_rc 0 "--skip-bad imports the good rows" \
	uactl user import --skip-bad customer "$TB/bad.jsonl"
grep_last "  ... 1 of 3" 'imported 1 of 3'
expect_rc 0 "  ... j3 is there" getent passwd j3
# Each rejection of a JSON line is one reason, and the line goes no further.
many=$(i=0; while [ $i -lt 65 ]; do printf '"g%d",' $i; i=$((i + 1)); done)
{
	echo '{"login": "j6", "email": "j6@example.com", "mail": "x"}'
	echo '{"login": "j7", "email": "j7@example.com", "groups": ["qa", 7]}'
	echo '{"login": "j8", "email": "j8@example.com", "groups": ["a;b"]}'
	echo "{\"login\": \"j9\", \"email\": \"j9@example.com\", \"groups\": [${many%,}]}"
	echo '{"login": "j10", "email": "j10@example.com", "groups": ["qa"]}'
} >"$TB/bad2.jsonl"
expect_rc 0 "JSON lines with bad members: --skip-bad imports the one good row" \
	uactl user import --skip-bad customer "$TB/bad2.jsonl"
grep_last "  ... 1 of 5" 'imported 1 of 5'
cp "$TB/last.err" "$TB/bad2.err"
expect_rc 0 "  ... an unknown member named once, on its line" \
	sh -c "[ \$(grep -c ':1: ' '$TB/bad2.err') -eq 1 ] && grep -q \":1: unknown member 'mail'\" '$TB/bad2.err'"
expect_rc 0 "  ... a group that is no name, on its line" \
	sh -c "[ \$(grep -c \"'groups' must hold names\" '$TB/bad2.err') -eq 2 ] && grep -q \":2: 'j7': 'groups' must hold names\" '$TB/bad2.err' && grep -q \":3: 'j8': 'groups' must hold names\" '$TB/bad2.err'"
expect_rc 0 "  ... more than 64 groups, on its line" \
	grep -q ":4: 'j9': more than 64 groups" "$TB/bad2.err"
expect_rc 2 "  ... none of the rejected users exists" sh -c "getent passwd j6 || getent passwd j7 || getent passwd j8 || getent passwd j9"
expect_rc 0 "  ... and j10 is in qa" sh -c "getent group qa | grep -q j10"
expect_rc 2 "unknown extension needs --format" uactl user import customer "$TB/good.txt"
expect_rc 2 "unknown column refused" sh -c \
	"printf 'login,mail\n' >'$TB/h.csv'; '$top_builddir/userauthctl' -s '$TB/run/admin.sock' user import customer '$TB/h.csv'"
expect_rc 1 "unknown pool refused" uactl user import nopool "$TB/users.jsonl"

# --- protocol: chunk without begin, dropped connection --------------------------
cat >"$TB/drop.py" <<'EOF2'
import json, socket, struct, sys
def call(s, o):
    b = json.dumps(o).encode()
    s.sendall(struct.pack(">I", len(b)) + b)
    h = s.recv(4)
    n = struct.unpack(">I", h)[0]
    d = b""
    while len(d) < n:
        d += s.recv(n - len(d))
    return json.loads(d)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
r = call(s, {"v": 1, "op": "user.import.chunk", "rows": []})
print("nobegin", r["ok"], r.get("error"))
print("begin", call(s, {"v": 1, "op": "user.import.begin", "pool": "customer"})["ok"])
rows = [{"line": i + 2, "login": "drop%d" % i, "email": "drop%d@example.com" % i}
        for i in range(500)]
print("chunk", call(s, {"v": 1, "op": "user.import.chunk", "rows": rows})["ok"])
print("again", call(s, {"v": 1, "op": "user.import.begin", "pool": "customer"}).get("error"))
s.close()
EOF2
expect_rc 0 "a client stages rows and hangs up" $PY "$TB/drop.py" "$TB/run/admin.sock"
grep_last "  ... chunk before begin refused" 'nobegin False invalid'
grep_last "  ... rows staged" 'chunk True'
grep_last "  ... one import per connection" 'again invalid'
sleep 0.2
expect_rc 2 "  ... nothing of the dropped import exists" getent passwd drop0
expect_rc 1 "  ... not in the database either" uactl user show drop499
expect_rc 0 "daemon still answers after the drop" uactl pool list

# --- 100,000 users: timing as a diagnostic ---------------------------------------
if [ -z "${UA_IMPORT_SMALL:-}" ]; then
	awk 'BEGIN { print "login,email,display_name"
		for (i = 1; i <= 100000; i++)
			printf "big%d,big%d@example.com,Big User %d\n", i, i, i }' \
		>"$TB/big.csv"
	t0=$(date +%s.%N)
	expect_rc 0 "import of 100,000 users" uactl user import customer "$TB/big.csv"
	t1=$(date +%s.%N)
	echo "# import of 100,000 users (no password hashing, cache published once): $(echo "$t1 - $t0" | bc) s"
	expect_rc 0 "  ... getent finds the last" getent passwd big100000
	echo "# daemon RSS after the import: $(awk '/^VmRSS/ {print $2, $3}' /proc/$UA_DAEMON_PID/status)"
	t0=$(date +%s.%N)
	uactl user add customer onemore --email onemore@example.com >/dev/null
	t1=$(date +%s.%N)
	echo "# user add + NSS cache rebuild with $((n + 100000)) users: $(echo "$t1 - $t0" | bc) s"
fi

ua_finish
