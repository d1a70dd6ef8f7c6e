#!/bin/sh
# SPDX-License-Identifier: MIT
# OTP mail latency section of the benchmarks (BENCHMARKS.md), run by
# bench/run:
#   bench/run mail            1 concurrent (20 logins one after another)
#                             and 100 concurrent, 3 repetitions each
#   bench/run --smoke mail    1 (3 logins) and 5 concurrent, 3 repetitions
# Against two local SMTP servers in turn, one daemon, the same users:
#  - the aiosmtpd sink (tests/tools/smtpsink.py), which stamps the end of
#    DATA (--stamp; same machine, same clock): the exact "accepted", but a
#    single-threaded Python server whose CPU bounds a burst;
#  - a private Postfix (what an admin runs), delivering with its virtual
#    agent into a Maildir.  Its log has whole seconds only, so "accepted"
#    is taken as the moment loginload sees the message in the Maildir
#    (inotify, CLOCK_REALTIME): delivery follows acceptance, so that is an
#    upper bound.  Skipped, and said so, where postfix is not installed
#    (bench/install-deps.sh installs it).
# Each server is measured twice: plain SMTP, then STARTTLS with a test
# certificate (the daemon with smtp_starttls = required and that CA in
# smtp_ca_file), the TLS handshakes per repetition counted by the server
# (the sink's log, Postfix's "TLS connection established" lines).
# "Code issued": the moment the login's process got the daemon's EMAIL_OTP
# challenge (pam_userauth calls the conversation right after the reply;
# CLOCK_REALTIME).  Each login is completed with its code, so a lost or
# wrong mail is an error.  Each server's cost per message is its CPU time
# (all its processes) over the measured mails.
# The set-up (namespaces, daemon, sink, users) is bench/load.sh's.
# Environment: BENCH_CONC (the concurrent size), BENCH_SEQ, BENCH_REPS.
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=$(dirname "$0")/..}"
export top_builddir top_srcdir
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	CONC=${BENCH_CONC:-5}; SEQ=${BENCH_SEQ:-3}; REPS=3
else
	CONC=${BENCH_CONC:-100}; SEQ=${BENCH_SEQ:-20}; REPS=${BENCH_REPS:-3}
fi
BENCH_LIB=1 . "$top_srcdir/bench/load.sh"
bench_enter "$@"
FAILED=0
NU=$((CONC > SEQ ? CONC : SEQ))
# Twice the logins: an OTP login's acct_mgmt connection can reach the daemon
# before it has seen that login's auth connection close (with NU + 16, a
# full run had 1 of 100 refused at acct_mgmt: "too many public clients").
bench_setup $((2 * NU + 16))
bench_users 0 "$NU"
bench_specs "$TB/seq" 0 "$SEQ"
bench_specs "$TB/conc" 0 "$CONC"
bench_specs "$TB/warm" 0 1
TCK=$(getconf CLK_TCK)
PARALLEL=$(sed -n 's/^#define MAILER_PARALLEL \([0-9]*\).*/\1/p' \
	"$top_srcdir/helpers/userauthd/mail/mailer.h")

# tree_ticks PID: CPU clock ticks used by PID, its live children and the
# children it reaped (Postfix's master forks smtpd, cleanup, virtual...,
# which come and go; a child's time moves to the parent when reaped).
tree_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
		{
			pid = $1
			sub(/^.*\) /, "")	# past "(comm) ", which may hold spaces
			if (pid == root || $2 == root)
				t += $12 + $13 + $14 + $15
		}
		END { print t + 0 }'
}

# conns_now NAME / tls_now NAME: the SMTP connections and the TLS
# handshakes the server of pass NAME has logged so far (pf*: Postfix's
# log; ait: the sink's --log; ai: loginload counts the connections).
conns_now() {
	case $1 in
	pf*) grep -c 'postfix/smtpd\[[0-9]*\]: connect from' "$PF/maillog" || true ;;
	ait) grep -c '^connect ' "$TB/ait.log" || true ;;
	esac
}
tls_now() {
	case $1 in
	pf*) grep -c 'postfix/smtpd\[[0-9]*\]: .*TLS connection established from' "$PF/maillog" || true ;;
	ait) grep -c '^tls ' "$TB/ait.log" || true ;;
	esac
}

# run_pass NAME ROOT_PID: a first mail outside the figures (the sender's
# first transfer, the server's first processes), then REPS x (SEQ logins
# one after another, CONC at once).  Sets CPU_MS (server CPU per mail).
run_pass() {
	bench_login "$TB/$1.warm" "$TB/warm"
	bench_settle 0
	: >"$TB/$1.runs.1"
	: >"$TB/$1.runs.c"
	: >"$TB/$1.conns"
	c0=$(tree_ticks "$2")
	r=1
	while [ $r -le "$REPS" ]; do
		bench_login "$TB/$1.runs.1" -c 1 "$TB/seq"
		bench_settle 0
		k0=$(conns_now "$1")
		h0=$(tls_now "$1")
		bench_login "$TB/$1.runs.c" -c "$CONC" -o "$TB/$1.rec.c.$r" "$TB/conc"
		bench_settle 0
		[ "$1" != ai ] && echo "mail_conns=$(($(conns_now "$1") - k0))" >>"$TB/$1.conns"
		case $1 in
		*t) echo "tls=$(($(tls_now "$1") - h0))" >>"$TB/$1.conns" ;;
		esac
		r=$((r + 1))
	done
	c1=$(tree_ticks "$2")
	CPU_MS=$(awk -v t=$((c1 - c0)) -v hz="$TCK" -v n=$((REPS * (SEQ + CONC))) \
		'BEGIN { printf "%.2f", t * 1000 / hz / n }')
}

# pf_start DIR [tls]: a Postfix of our own on 127.0.0.1:$PORT (the
# daemon's smtp_url), config and queue under $TB/DIR; mail for example.com
# goes through its virtual agent into one Maildir, $TB/DIR/mail/all.  With
# "tls", smtpd offers STARTTLS with the test certificate.
pf_start() {
	PF=$TB/$1
	mkdir -p "$PF/etc" "$PF/queue" "$PF/data" "$PF/mail/all/new" \
		"$PF/mail/all/cur" "$PF/mail/all/tmp"
	chown postfix "$PF/data"
	chown -R postfix:postfix "$PF/mail"
	# No DNS (smtpd_peername_lookup, smtp_dns_support_level): this
	# namespace has none, and a lookup per connection is not what is
	# measured.  in_flow_delay = 0: Postfix would otherwise pace senders
	# when its queue manager lags, a defence a local relay under a login
	# burst must not apply.  No connection count or rate limits for
	# 127.0.0.1 (anvil), no aliases, nothing local to deliver to.
	cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = relay.bench.invalid
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
in_flow_delay = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
virtual_mailbox_domains = example.com
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = static:all/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = $(id -u postfix)
EOF
	[ "${2:-}" = tls ] && cat >>"$PF/etc/main.cf" <<EOF
smtpd_tls_security_level = may
smtpd_tls_cert_file = $TB/cert.pem
smtpd_tls_key_file = $TB/key.pem
smtpd_tls_loglevel = 1
EOF
	# No chroot (column 5 "n"): the queue lives in $TB.  smtpd: 32
	# processes, twice what the daemon opens at once.  virtual runs as
	# root (unprivileged "n") to take the Maildir's owner.
	cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$PORT inet n - n - 32 smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
proxymap unix - - n - - proxymap
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
virtual unix - n n - - virtual
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000? 1 tlsmgr
EOF
	# "postfix check" makes the queue's subdirs with their owners.
	postfix -c "$PF/etc" check >"$TB/pf.check" 2>&1 ||
		{ cat "$TB/pf.check" >&2; return 1; }
	# master in the foreground (-d): our child, stopped by ua_cleanup's
	# SIGTERM, which it passes on to its processes.
	"$(postconf -dh daemon_directory)/master" -c "$PF/etc" -d \
		>"$TB/pf.out" 2>&1 &
	PF_PID=$!
	UA_PIDS="$UA_PIDS $PF_PID"
	ua_wait_for 100 sh -c "ss -ltn | grep -q '127.0.0.1:$PORT '" ||
		{ cat "$TB/pf.out" "$PF/maillog" >&2; return 1; }
}

# stop_server PID: stop a server of a pass (and forget it for the cleanup).
stop_server() {
	kill "$1"
	wait "$1" 2>/dev/null
	UA_PIDS=$(echo " $UA_PIDS " | sed "s/ $1 / /")
}

# daemon_tls on|off: restart the daemon with STARTTLS required and the
# test CA, or without (the users stay; its kept connections go).  The
# issuance records go too: every login here comes from the same (empty)
# remote host, whose budget (10 x otp_per_hour) four passes would use up,
# and the limits are not what is measured.
daemon_tls() {
	ua_stop_daemon
	sqlite3 "$TB/state/userauth.db" 'DELETE FROM otp_issued' ||
		{ echo "bench/run: could not reset the issuance records" >&2; exit 1; }
	sed -i '/^smtp_starttls = /d; /^smtp_ca_file = /d' "$TB/etc/userauth.conf"
	[ "$1" = on ] && sed -i "/^smtp_url = /a smtp_starttls = required\\
smtp_ca_file = $TB/cert.pem" "$TB/etc/userauth.conf"
	ua_start_daemon || { echo "bench/run: userauthd did not restart" >&2; tail -5 "$TB/daemon.log" >&2; exit 1; }
}

# The relays' test certificate (for 127.0.0.1 and localhost).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TB/key.pem" \
	-out "$TB/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1 ||
	{ echo "bench/run: openssl could not make the test certificate" >&2; exit 1; }
chmod 0644 "$TB/cert.pem"

# --- aiosmtpd (started by bench_setup on $PORT) ----------------------------
run_pass ai "$SINK_PID"
AI_CPU=$CPU_MS

# --- aiosmtpd over STARTTLS ---------------------------------------------------
stop_server "$SINK_PID"
daemon_tls on
: >"$TB/ait.log"
$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$MAILDIR" \
	--stamp "$STAMPS" --tls-cert "$TB/cert.pem" --tls-key "$TB/key.pem" \
	--log "$TB/ait.log" >"$TB/sink-tls.out" 2>&1 &
SINK_PID=$!
UA_PIDS="$UA_PIDS $SINK_PID"
ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink-tls.out" ||
	{ echo "bench/run: the STARTTLS sink did not start" >&2; exit 1; }
run_pass ait "$SINK_PID"
AIT_CPU=$CPU_MS
stop_server "$SINK_PID"

# --- Postfix, on the same port once the sink is gone, plain then STARTTLS ---
PF_SKIP=""
if ! command -v postfix >/dev/null 2>&1 || ! id postfix >/dev/null 2>&1; then
	PF_SKIP="postfix is not installed (bench/install-deps.sh installs it)"
fi
if [ -z "$PF_SKIP" ]; then
	daemon_tls off
	if pf_start pf; then
		MAILDIR=$PF/mail/all
		STAMPS=""
		run_pass pf "$PF_PID"
		PF_CPU=$CPU_MS
		stop_server "$PF_PID"
		daemon_tls on
		if pf_start pft tls; then
			MAILDIR=$PF/mail/all
			run_pass pft "$PF_PID"
			PFT_CPU=$CPU_MS
		else
			PF_SKIP="the private Postfix with STARTTLS did not start (see above)"
			FAILED=1
		fi
	else
		PF_SKIP="the private Postfix did not start (see above)"
		FAILED=1
	fi
fi

# row FILE CONC MAILS CONNS TLS: one line of the latency table.
row() {
	echo "| $2 | $3 | $(spread "$1" mail_p50_ms) | $(spread "$1" mail_p99_ms) | $(agg "$1" mail_max_ms | cut -d'|' -f3) | $(($(total "$1" errors) + $(total "$1" mail_missing))) | $4 | $5 | p50 <= 50 ms, p99 <= 250 ms |"
}
conns_of() { tr ' ' '\n' <"$1" | sed -n "s/^${2:-mail_conns}=//p" | tr '\n' ' ' | sed 's/ $//'; }
HEAD="| concurrent users | mails per rep | median p50 ms (min–max) | median p99 ms (min–max) | max ms (worst rep) | errors | SMTP connections per rep | TLS handshakes per rep | target |
|---|---|---|---|---|---|---|---|---|"
# table NAME TITLE: the two rows of pass NAME under TITLE.
table() {
	echo "### $2"
	echo
	echo "$HEAD"
	case $1 in
	ai)
		row "$TB/ai.runs.1" 1 "$SEQ (one at a time)" "$(conns_of "$TB/ai.runs.1")" "none (plain SMTP)"
		row "$TB/ai.runs.c" "$CONC" "$CONC (at once)" "$(conns_of "$TB/ai.runs.c")" "none (plain SMTP)" ;;
	pf)
		row "$TB/pf.runs.1" 1 "$SEQ (one at a time)" "—" "none (plain SMTP)"
		row "$TB/pf.runs.c" "$CONC" "$CONC (at once)" "$(conns_of "$TB/pf.conns")" "none (plain SMTP)" ;;
	*)
		row "$TB/$1.runs.1" 1 "$SEQ (one at a time)" "—" "—"
		row "$TB/$1.runs.c" "$CONC" "$CONC (at once)" "$(conns_of "$TB/$1.conns")" "$(conns_of "$TB/$1.conns" tls)" ;;
	esac
	echo
}

echo "## OTP mail: code issued -> message accepted by a local SMTP server (ms; $REPS repetitions)"
echo
if [ -z "$PF_SKIP" ]; then
	PFV=$(postconf -dh mail_version)
	table pf "Postfix $PFV (private instance, virtual delivery): code issued -> message in the Maildir, an upper bound of \"accepted\" (delivery follows acceptance)"
	table pft "Postfix $PFV over STARTTLS (smtp_starttls = required, a test certificate): the same"
else
	echo "### Postfix: skipped: $PF_SKIP"
	echo
fi
table ai "aiosmtpd sink (tests/tools/smtpsink.py): code issued -> end of DATA stamped by the sink (exact)"
table ait "aiosmtpd sink over STARTTLS (smtp_starttls = required, a test certificate): the same"
echo "### What each server costs per message (CPU of all its processes over the $((REPS * (SEQ + CONC))) measured mails)"
echo
echo "| server | CPU ms per message | CPU for $CONC messages | floor from its CPU alone: the last of $CONC no sooner than (ms) | measured p50 / max, $CONC at once (ms) |"
echo "|---|---|---|---|---|"
# cost ROWS-FILE CPU-MS THREADS: the floor the server's CPU alone puts on
# a burst (all its work spread over THREADS), beside what was measured.
cost() {
	awk -v c="$2" -v n="$CONC" -v k="$3" 'BEGIN { printf "%.2f | %.0f ms | %.0f", c, c * n, c * n / k }'
	echo " | $(agg "$1" mail_p50_ms | cut -d'|' -f1) / $(agg "$1" mail_max_ms | cut -d'|' -f3) |"
}
[ -z "$PF_SKIP" ] && echo "| Postfix (smtpd, cleanup, qmgr, trivial-rewrite, virtual: processes over $(nproc) cores) | $(cost "$TB/pf.runs.c" "$PF_CPU" "$(nproc)")"
[ -z "$PF_SKIP" ] && echo "| Postfix over STARTTLS | $(cost "$TB/pft.runs.c" "$PFT_CPU" "$(nproc)")"
echo "| aiosmtpd (one Python thread) | $(cost "$TB/ai.runs.c" "$AI_CPU" 1)"
echo "| aiosmtpd over STARTTLS | $(cost "$TB/ait.runs.c" "$AIT_CPU" 1)"
echo
echo "### Whole OTP login (release -> pam_acct_mgmt done, the code read from the Maildir and answered)"
echo
echo "| server | concurrent users | median p50 ms (min–max) | median p99 ms (min–max) | max ms (worst rep) |"
echo "|---|---|---|---|---|"
# name_of PASS: the server's name in the tables.
name_of() {
	case $1 in
	pf) echo Postfix ;; pft) echo "Postfix, STARTTLS" ;;
	ai) echo aiosmtpd ;; ait) echo "aiosmtpd, STARTTLS" ;;
	esac
}
for s in pf pft ai ait; do
	[ -f "$TB/$s.runs.c" ] || continue
	name=$(name_of $s)
	echo "| $name | 1 | $(spread "$TB/$s.runs.1" otp_p50_ms) | $(spread "$TB/$s.runs.1" otp_p99_ms) | $(agg "$TB/$s.runs.1" otp_max_ms | cut -d'|' -f3) |"
	echo "| $name | $CONC | $(spread "$TB/$s.runs.c" otp_p50_ms) | $(spread "$TB/$s.runs.c" otp_p99_ms) | $(agg "$TB/$s.runs.c" otp_max_ms | cut -d'|' -f3) |"
done
echo
echo "### Notes"
# Where the time of a burst goes: the daemon hands out the challenges
# (codes issued) over some span, and the mails reach the server over
# another.
for s in pf pft ai ait; do
	[ -f "$TB/$s.runs.c" ] || continue
	name=$(name_of $s)
	for f in "$TB/$s".rec.c.*; do
		awk '$6 >= 0 { i = $6 > i ? $6 : i; m = $6 + $7 > m ? $6 + $7 : m }
			END { printf "%.0f %.0f\n", i, m }' "$f"
	done >"$TB/$s.spans"
	note "$name, $CONC at once, per repetition: last challenge seen / $(case $s in pf*) echo "last mail in the Maildir" ;; *) echo "last mail accepted" ;; esac), ms after the release: $(awk '{ printf "%s%s / %s", (NR > 1 ? "; " : ""), $1, $2 }' "$TB/$s.spans")"
	note "$name: duplicate mails: $(($(total "$TB/$s.runs.1" dup_mails) + $(total "$TB/$s.runs.c" dup_mails))); mails never seen: $(($(total "$TB/$s.runs.1" mail_missing) + $(total "$TB/$s.runs.c" mail_missing)))"
done
if [ -z "$PF_SKIP" ]; then
	note "Postfix's own log has whole seconds only; its delay= (receipt to delivery, s) over all mails of both passes: $(cat "$TB/pf/maillog" "$TB/pft/maillog" | sed -n 's/.*postfix\/virtual.*, delay=\([0-9.]*\),.*status=sent.*/\1/p' | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "median %s, max %s (%d mails)", v[int((NR + 1) / 2)], v[NR], NR }')"
	note "the Postfix figures include loginload noticing the file (one process reading the Maildir by inotify while the logins run on the same $(nproc) cores)"
else
	note "Postfix rows skipped: $PF_SKIP"
fi
IDLE=$(sed -n 's/^#define MAILSEND_IDLE_SECONDS \([0-9]*\).*/\1/p' \
	"$top_srcdir/helpers/userauthd/mail/mailsend.h")
note "the daemon sends with up to ${PARALLEL:-?} sender threads (MAILER_PARALLEL), each keeping its SMTP connection for its next message (closed after ${IDLE:-?} s idle): 'SMTP connections per rep' is the connections, so the TCP handshakes (and over TLS the STARTTLS handshakes, AUTH), that the server saw for the mails"
bench_end
