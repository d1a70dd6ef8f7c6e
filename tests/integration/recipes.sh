#!/bin/sh
# SPDX-License-Identifier: MIT
# The recipes of pam_userauth(8), each with the real program: an sshd on
# an ops box where pool users sign in through pam_userauth and root and
# local accounts keep publickey and pam_unix (a pam_succeed_if skip on the
# pool's uid range), homes made by pam_mkhomedir, an email address as the
# SSH user name, su(1) to a pool user with one Password: prompt, and the
# console login(1).  Local accounts live in copies of /etc/passwd,
# /etc/shadow and /etc/group bound over the real ones in a private mount
# namespace; the host's files are never touched.  Prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip_all "needs $SSHD (openssh-server)"
getent passwd sshd >/dev/null || skip_all "needs sshd's privilege separation user"
$PY -c 'import paramiko' 2>/dev/null || skip_all "needs python3-paramiko for $PY"
ua_need_tools ssh ssh-keygen ip expect setpriv openssl su login
for m in pam_succeed_if pam_mkhomedir pam_unix; do
	[ -n "$(ls /usr/lib/*/security/$m.so 2>/dev/null)" ] ||
		skip_all "needs $m.so (libpam-modules)"
done
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

SSH_PORT=2222
SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
ARGS="pool=customer socket=$SOCK"
PW_BOB='Bob-recipe-pw-41d2'
PW_OPS='Ops-local-pw-7c19'

# --- a local account, in copies of the account files --------------------------
mkdir -p "$TB/etc"
cp /etc/passwd "$TB/etc/passwd" && cp /etc/shadow "$TB/etc/shadow" &&
	cp /etc/group "$TB/etc/group" &&
	echo "ops:x:5000:5000:local admin:$TB/home-local/ops:/bin/sh" >>"$TB/etc/passwd" &&
	echo "ops:$(openssl passwd -6 "$PW_OPS"):19000:0:99999:7:::" >>"$TB/etc/shadow" &&
	echo "ops:x:5000:" >>"$TB/etc/group" &&
	mount --bind "$TB/etc/passwd" /etc/passwd &&
	mount --bind "$TB/etc/shadow" /etc/shadow &&
	mount --bind "$TB/etc/group" /etc/group &&
	mkdir -p "$TB/home-local/ops" && chown 5000:5000 "$TB/home-local/ops"
ok $? "a local account ops (pam_unix) in this namespace only"

ua_write_conf <<EOF
[defaults]
shell = /bin/sh
[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
home = $TB/home/%u
first_factors = password
EOF
ua_start_daemon
ok $? "userauthd starts"
expect_rc 0 "pool user bob with a password" sh -c "
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer bob --email bob@example.com &&
	printf '%s\n' '$PW_BOB' | '$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd bob --stdin"
mkdir -p "$TB/home" && chmod 0755 "$TB/home"

# --- sshd on an ops box ---------------------------------------------------------
# The recipe's stack: the pool's uid range goes to pam_userauth, everyone
# else (root, local accounts) to pam_unix; pam_mkhomedir makes homes.
mkdir -p "$TB/ssh/pam.d" "$TB/ssh/keys"
ops_stack() {
	cat <<EOF
auth     [success=ignore default=1] pam_succeed_if.so quiet uid >= 200000 uid <= 200009
auth     [success=done default=die] $MOD $ARGS
auth     required pam_unix.so
account  [success=ignore default=1] pam_succeed_if.so quiet uid >= 200000 uid <= 200009
account  [success=done default=die] $MOD $ARGS
account  required pam_unix.so
session  optional pam_mkhomedir.so umask=0077
session  required pam_unix.so
EOF
}
# the same stack for sshd, su (su - is the service su-l) and login
for s in sshd-ops su su-l login; do
	ops_stack >"$TB/ssh/pam.d/$s"
done
printf '%s required pam_deny.so\n' auth account session password >"$TB/ssh/pam.d/other"
ssh-keygen -q -t ed25519 -N '' -f "$TB/ssh/hostkey" </dev/null &&
	ssh-keygen -q -t ed25519 -N '' -f "$TB/ssh/rootkey" </dev/null &&
	cp "$TB/ssh/rootkey.pub" "$TB/ssh/keys/root" && chmod 0644 "$TB/ssh/keys/root"
ln -s "$SSHD" "$TB/ssh/sshd-ops"
cat >"$TB/ssh/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $TB/ssh/hostkey
PidFile $TB/ssh/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $TB/ssh/keys/%u
StrictModes no
AuthenticationMethods publickey keyboard-interactive
PermitRootLogin prohibit-password
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel DEBUG1
EOF
mount --bind "$TB/ssh/pam.d" /etc/pam.d &&
	mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd &&
	"$TB/ssh/sshd-ops" -t -f "$TB/ssh/sshd_config" >"$TB/sshd-t.log" 2>&1
ok $? "sshd -t accepts the ops-box configuration"
"$TB/ssh/sshd-ops" -D -e -f "$TB/ssh/sshd_config" >"$TB/sshd.log" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q "Server listening on 127.0.0.1 port $SSH_PORT" "$TB/sshd.log"
ok $? "sshd listens as sshd-ops"
sshlogin() { $PY "$top_srcdir/tests/tools/sshlogin.py" --port "$SSH_PORT" "$@"; }

expect_rc 0 "pool user bob signs in with keyboard-interactive (pam_userauth)" \
	sshlogin --user bob --password "$PW_BOB" --command 'id -un; pwd'
grep_last "  ... as bob" "^bob$"
grep_last "  ... in the home pam_mkhomedir made ($TB/home/bob)" "^$TB/home/bob$"
expect_rc 0 "  ... no 'Could not chdir to home directory'" \
	sh -c "! grep -q 'Could not chdir' '$TB/last.out' '$TB/last.err' '$TB/sshd.log'"
expect_rc 1 "  ... a wrong password is refused" \
	sshlogin --user bob --password "wrong-$PW_BOB"
expect_rc 0 "the local account ops keeps its pam_unix password" \
	sshlogin --user ops --password "$PW_OPS" --command 'id -un'
grep_last "  ... as ops" "^ops$"
expect_rc 1 "  ... a wrong one is refused" sshlogin --user ops --password "wrong-$PW_OPS"
expect_rc 0 "root keeps publickey (and the pool never sees root)" \
	ssh -F /dev/null -i "$TB/ssh/rootkey" -p "$SSH_PORT" -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	root@127.0.0.1 id -un
grep_last "  ... as root" "^root$"
expect_rc 0 "  ... and the daemon audited no login for root or ops" \
	sh -c "! grep -Eq \"event=auth .*user='(root|ops)'\" '$TB/daemon.log'"

# --- an email address as the SSH user name ----------------------------------------
expect_rc 0 "ssh bob@example.com@host: NSS resolves the address, PAM_USER becomes bob" \
	sshlogin --user bob@example.com --password "$PW_BOB" --command 'id -un'
grep_last "  ... and the session is bob's" "^bob$"

# --- su to a pool user: one Password: prompt ----------------------------------------
cat >"$TB/su.exp" <<'EOF'
set timeout 20
spawn setpriv --reuid=5000 --regid=5000 --clear-groups su - bob -c "id -un"
expect {
	"Password: " { send "$env(PW)\r" }
	timeout { exit 3 }
}
expect {
	"Password: " { exit 4 }
	-re "\r\nbob\r\n" { }
	timeout { exit 5 }
}
expect eof
catch wait result
exit [lindex $result 3]
EOF
PW="$PW_BOB" expect -f "$TB/su.exp" >"$TB/su.out" 2>&1
expect_rc 0 "su - bob from the local account ops: one Password: prompt, bob's shell ($(tr -d '\r' <"$TB/su.out" | tail -2 | tr '\n' ' '))" \
	grep -q "^bob" "$TB/su.out"
PW="wrong-$PW_BOB" expect -f "$TB/su.exp" >"$TB/su-bad.out" 2>&1
expect_rc 0 "  ... a wrong password: su fails" grep -q "Authentication failure" "$TB/su-bad.out"
expect_rc 0 "  ... both judged by the daemon (su - is PAM service su-l)" \
	sh -c "grep -q \"service='su-l' .*result=ok\" '$TB/daemon.log' &&
		grep -q \"service='su-l' .*result=fail\" '$TB/daemon.log'"

# --- the console login(1) ------------------------------------------------------------
cat >"$TB/login.exp" <<'EOF'
set timeout 20
spawn login
expect "login: " { send "bob\r" }
expect "Password: " { send "$env(PW)\r" }
expect {
	"\\$ " { send "id -un; exit\r" }
	"Login incorrect" { exit 2 }
	timeout { exit 3 }
}
expect eof
EOF
PW="$PW_BOB" expect -f "$TB/login.exp" >"$TB/login.out" 2>&1
expect_rc 0 "login(1) on a terminal: bob signs in with one Password: prompt" \
	grep -q "^bob" "$TB/login.out"
ua_finish
