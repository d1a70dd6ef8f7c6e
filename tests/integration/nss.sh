#!/bin/sh
# SPDX-License-Identifier: MIT
# libnss_userauth.so.2 through the real glibc (getent, id, a long-running
# process) in a private mount namespace: our nsswitch.conf is bound over
# /etc/nsswitch.conf and a temp dir over /var/cache, so the compiled-in
# /var/cache/userauth/nss.cache is ours.  Prints TAP; needs root.
set -u

: "${top_builddir:?top_builddir must be set}"
: "${top_srcdir:?top_srcdir must be set}"

if [ "${1:-}" != --inner ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "1..0 # SKIP needs root for mount namespaces"
		exit 0
	fi
	exec unshare -m /bin/sh "$0" --inner
fi

mkcache=$top_builddir/tests/tools/mkcache
nsslookup=$top_builddir/tests/tools/nsslookup
module=$top_builddir/nss_userauth/.libs/libnss_userauth.so.2
cache=/var/cache/userauth/nss.cache
tmp=$(mktemp -d /tmp/ua-nss.XXXXXX) || exit 1
lookup_pid=

cleanup() {
	if [ -n "$lookup_pid" ]; then
		exec 3>&- 4<&-
		kill "$lookup_pid" 2>/dev/null
		wait "$lookup_pid" 2>/dev/null
	fi
	# the mounts die with this namespace; only the files are left
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
# check DESC CMD...: ok when CMD succeeds
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# expect_rc RC DESC CMD...: exact exit status (a signal shows as >= 128)
expect_rc() {
	want=$1 desc=$2
	shift 2
	"$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, want $want)"
	fi
}

# ---- setup ------------------------------------------------------------------
mkdir -p "$tmp/lib" "$tmp/cache/userauth" || exit 1
chmod 755 "$tmp/cache" "$tmp/cache/userauth"
cp "$module" "$tmp/lib/libnss_userauth.so.2" || exit 1
sed -E -e '/^(passwd|group|shadow|gshadow):/d' /etc/nsswitch.conf \
	> "$tmp/nsswitch.conf"
printf 'passwd: files userauth\ngroup: files userauth\n' >> "$tmp/nsswitch.conf"
mount --bind "$tmp/nsswitch.conf" /etc/nsswitch.conf || exit 1
mount --bind "$tmp/cache" /var/cache || exit 1
LD_LIBRARY_PATH=$tmp/lib
export LD_LIBRARY_PATH
unset USERAUTH_NSS_BYPASS
# The module built with ASan needs the runtime loaded first in the programs
# that load it -- and only there (dd, for one, aborts under it).
asan_env=
if [ "${UA_SANITIZERS:-no}" = yes ]; then
	asan_env="LD_PRELOAD=$(${CC:-gcc} -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0"
fi
# shellcheck disable=SC2086 # asan_env is a list of assignments
getent() { env $asan_env getent "$@"; }
# shellcheck disable=SC2086
id() { env $asan_env id "$@"; }

long=$(printf '%03000d' 0 | tr 0 g)
{
	echo "user alice 50001 50001 Alice@Example.com /home/alice /bin/bash Alice Example"
	echo "user bob 50002 50002 bob@example.com /home/bob /bin/sh Bob"
	echo "user longgecos 50003 50003 - /home/lg /bin/sh $long"
	i=1
	while [ $i -le 300 ]; do
		echo "user m$i $((51000 + i)) 50004 - /home/m$i /bin/sh"
		members=${members:+$members,}m$i
		i=$((i + 1))
	done
	echo "group alice 50001 -"
	echo "group bob 50002 -"
	echo "group ops 60001 alice,bob"
	echo "group dev 60002 bob"
	echo "group big 60003 $members"
} > "$tmp/pool.txt"
publish() { "$mkcache" "$cache" "$1"; }
publish "$tmp/pool.txt" || exit 1
good=$tmp/good.cache
cp "$cache" "$good"

echo "1..41"

# ---- lookups ----------------------------------------------------------------
alice='alice:*:50001:50001:Alice Example:/home/alice:/bin/bash'
check "getent passwd by name" \
	test "$(getent passwd alice)" = "$alice"
check "getent passwd by uid" \
	test "$(getent passwd 50002)" = 'bob:*:50002:50002:Bob:/home/bob:/bin/sh'
check "getent passwd by email alias, mixed case" \
	test "$(getent passwd ALICE@example.COM)" = "$alice"
check "getent passwd ALICE@Example.com (another case variant)" \
	test "$(getent passwd ALICE@Example.com)" = "$alice"
check "getent passwd by email alias with white space around it" \
	test "$(getent passwd ' alice@example.com	')" = "$alice"
# S16: the world-readable cache holds digests of the addresses, not them
check "strings(1) of the cache shows no email address" \
	sh -c "! strings -n 4 '$cache' | grep -Eqi 'example\.com|alice@|bob@'"
check "  ... while the names, homes and shells are there" \
	sh -c "strings -n 4 '$cache' | grep -q '^/home/alice$'"
check "getent group by name lists members" \
	test "$(getent group ops)" = 'ops:*:60001:alice,bob'
check "getent group by gid" \
	test "$(getent group 60002)" = 'dev:*:60002:bob'
check "id shows supplementary groups (initgroups_dyn)" \
	test "$(id bob)" = 'uid=50002(bob) gid=50002(bob) groups=50002(bob),60001(ops),60002(dev)'
check "getent initgroups skips the primary group" \
	test "$(getent initgroups alice | tr -s ' ')" = 'alice 60001'
expect_rc 2 "unknown user: getent exits 2" getent passwd mallory
check "root still comes from files" \
	test "$(getent passwd 0 | cut -d: -f1)" = root

# ---- the entry points themselves (dlopen), statuses as glibc sees them -----
# NSS_STATUS_TRYAGAIN -2, UNAVAIL -1, NOTFOUND 0, SUCCESS 1; ERANGE 34.
# shellcheck disable=SC2086
direct() { env $asan_env "$nsslookup" "$@" 2>&1; }
so=$tmp/lib/libnss_userauth.so.2
check "8-byte buffer: TRYAGAIN and ERANGE" \
	test "$(direct -p "$so" alice 8)" = 'status=-2 errno=34'
check "unknown name: NOTFOUND and ENOENT" \
	test "$(direct -p "$so" mallory 1024)" = 'status=0 errno=2'
check "big enough buffer: SUCCESS" \
	test "$(direct -p "$so" Bob@Example.com 1024)" = 'status=1 errno=0 bob'
check "initgroups_dyn: primary skipped, array grown with realloc" \
	test "$(direct -g "$so" bob 50002 0)" = 'status=1 size=4 gids=50002,60001,60002'
check "initgroups_dyn: limit respected" \
	test "$(direct -g "$so" bob 50002 2)" = 'status=1 size=2 gids=50002,60001'

# ---- enumeration and big entries (glibc retries after ERANGE) --------------
getent passwd > "$tmp/enum.txt"
check "getent passwd enumerates all 303 pool users" \
	test "$(grep -c '^m[0-9]*:\|^alice:\|^bob:\|^longgecos:' "$tmp/enum.txt")" -eq 303
check "enumeration is in uid order, after files" \
	test "$(grep -n '^alice:\|^bob:\|^m1:' "$tmp/enum.txt" | cut -d: -f2 | tr '\n' ' ')" = 'alice bob m1 ' -a \
	"$(head -1 "$tmp/enum.txt" | cut -d: -f1)" = root
check "getent group enumerates pool groups" \
	test "$(getent group | grep -c '^ops:\|^dev:\|^big:')" -eq 3
check "3000-byte gecos (buffer retried after ERANGE)" \
	test "$(getent passwd longgecos | cut -d: -f5)" = "$long"
check "group with 300 members (buffer retried after ERANGE)" \
	test "$(getent group big | cut -d: -f4 | tr ',' '\n' | wc -l)" -eq 300

# ---- bypass, missing, damaged, unsafe -----------------------------------------
expect_rc 2 "USERAUTH_NSS_BYPASS=1: the module answers nothing" \
	env USERAUTH_NSS_BYPASS=1 $asan_env getent passwd alice
size=$(stat -c %s "$cache")
cp "$good" "$tmp/flip.cache"
byte=$(od -An -tu1 -j $((size / 2)) -N1 "$tmp/flip.cache" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 4)))" |
	dd of="$tmp/flip.cache" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
install -m 644 "$tmp/flip.cache" "$cache"
expect_rc 2 "bit flip in the middle: refused, exit 2, no crash" getent passwd alice
expect_rc 2 "bit flip: group lookups refused too" getent group ops
install -m 644 "$good" "$cache"
truncate -s $((size / 2)) "$cache"
expect_rc 2 "truncated to half: refused, no SIGBUS" getent passwd alice
: > "$cache"
expect_rc 2 "empty file: refused" getent passwd alice
rm -f "$cache"
expect_rc 2 "missing cache: exit 2" getent passwd alice
expect_rc 0 "missing cache: files users still resolve" getent passwd root
check "missing cache: the module says UNAVAIL" \
	test "$(direct -p "$so" alice 1024)" = 'status=-1 errno=2'
install -m 644 "$good" "$cache"
chown nobody "$cache"
expect_rc 2 "cache owned by nobody: refused" getent passwd alice
chown root "$cache"
chmod 664 "$cache"
expect_rc 2 "group-writable cache: refused" getent passwd alice
chmod 644 "$cache"
install -m 644 "$top_srcdir/tests/fuzz/corpus/cache/v2-small" "$cache"
expect_rc 2 "a format 2 cache (addresses in clear) is refused" \
	getent passwd alice
mv "$cache" "$tmp/cache/userauth/real.cache"
ln -s real.cache "$cache"
expect_rc 2 "symlink at the cache path: refused" getent passwd alice
rm -f "$cache"
install -m 644 "$good" "$cache"
expect_rc 0 "good cache again: answers" getent passwd alice

# ---- one long-running process while the cache changes ------------------------
mkfifo "$tmp/in" "$tmp/out"
# shellcheck disable=SC2086
env $asan_env "$nsslookup" < "$tmp/in" > "$tmp/out" 2>"$tmp/lookup.err" &
lookup_pid=$!
exec 3> "$tmp/in" 4< "$tmp/out"
ask() {
	echo "$1" >&3
	read -r answer <&4 || answer="(process died)"
	echo "$answer"
}
check "long-running process: first answer" \
	test "$(ask alice)" = 'alice 50001 50001 Alice Example'
sed 's/Alice Example/Alice Renamed/' "$tmp/pool.txt" > "$tmp/pool2.txt"
publish "$tmp/pool2.txt"
check "republished cache is seen at once (stale flag)" \
	test "$(ask alice)" = 'alice 50001 50001 Alice Renamed'
grep -v '^user alice\|^group alice' "$tmp/pool.txt" | sed 's/alice,//' > "$tmp/pool3.txt"
publish "$tmp/pool3.txt"
check "user removed from the new cache: gone at once" \
	test "$(ask alice)" = 'alice - errno=0'
publish "$tmp/pool.txt"
ask alice > /dev/null
truncate -s 0 "$cache"	# in place, as root could
# The module stat()s the file before reading the mapping when 10 ms have
# passed since its last check (it used to wait up to a second, and a
# lookup in that second died of SIGBUS).
sleep 0.1
check "in-place truncation noticed 0.1 s later, no SIGBUS" \
	test "$(ask alice)" = 'alice - errno=2'
exec 3>&-
wait "$lookup_pid"
rc=$?
lookup_pid=
check "long-running process exited normally" test "$rc" -eq 0
exit 0
