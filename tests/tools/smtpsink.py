#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A test SMTP sink for the mailer: aiosmtpd storing into a Maildir, with
# STARTTLS, AUTH and misbehaviours on request.  Run it with Debian's
# /usr/bin/python3 (aiosmtpd comes from python3-aiosmtpd).  It prints
# "listening PORT" once it accepts connections and stops on SIGTERM/SIGINT.
#
# Modes (--mode):
#   ok       accept every message
#   451      answer DATA with 451 (temporary) for the first --count messages
#   550      answer RCPT with 550 (permanent) for the first --count messages
#   silent   accept the first --count connections but never send a banner
#   drop     store the first --count messages, then close without replying
#            (the RFC 1047 gap: the client cannot know it was delivered)
#   trickle  answer the end of DATA of the first --count messages with a
#            "250-" continuation line every --trickle-every seconds and
#            never the last line, until the client hangs up (a relay that
#            trickles: every read gets data, no reply ever ends); logs
#            "trickle begin EPOCH" and "trickle end EPOCH" (seconds)
#   slow     for the first --count messages, answer MAIL, RCPT, DATA and
#            the end of DATA each after --slow-reply seconds (every reply
#            in time, the whole transaction long); logs "slow begin EPOCH"
#            at its MAIL and "slow end EPOCH" when the connection closes
#
# --print also shows each stored message on standard error (the demo's
# terminal), framed, with its main headers and text; stdout stays for the
# "listening" line.
#
# --stamp FILE appends "RECIPIENT EPOCH_NS HOST:PORT" for each recipient of
# each stored message: the wall clock (ns) when the end of DATA came in,
# written once the message is in the Maildir, and the client's address,
# which tells one SMTP connection from another (bench/mail.sh).
#
# Independent of --mode:
#   --stall-rcpt ADDR  take a message for ADDR, then never answer its end of
#                      DATA (a relay hung after DATA) until the client hangs
#                      up; --stall-count N times, then behave
#   --delay S          answer each end of DATA after S seconds (a slow relay)
#   --max-per-conn N   after N messages on one connection, close it without
#                      a reply when the next MAIL comes (a relay that drops
#                      a connection the client kept for reuse)
# The --log has, besides the replies, "connect N open=K" per connection
# (N: connections so far, K: open now), "tls N" per finished STARTTLS
# handshake, "busy K" when a message's end of DATA comes in while K are
# awaiting their reply (this one included), "data 250 RCPTS" per stored
# message, "stall begin/end ADDR", "close reused", and on exit
# "stats connections=N tls=N messages=N max_open=N max_busy=N".
import argparse
import asyncio
import email
import email.policy
import os
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Budget:
    """How many more times to misbehave; armed once the sink has started."""

    def __init__(self, count):
        self.left = count
        self.armed = False
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if not self.armed or self.left <= 0:
                return False
            self.left -= 1
            return True


class Stats:
    """Connections, handshakes and transactions, for the --log."""

    def __init__(self):
        self.armed = False	# not the Controller's own check at start
        self.connections = self.tls = self.messages = 0
        self.open = self.max_open = self.busy = self.max_busy = 0

    def line(self):
        return ("stats connections=%d tls=%d messages=%d max_open=%d "
                "max_busy=%d" % (self.connections, self.tls, self.messages,
                                 self.max_open, self.max_busy))


class Handler(Mailbox):
    def __init__(self, maildir, mode, budget, log, show=False, stamp=None,
                 stall_rcpt=None, stall_budget=None, delay=0.0,
                 max_per_conn=0, trickle_every=1.0, slow_reply=8.0):
        super().__init__(maildir)
        self.mode = mode
        self.budget = budget
        self.log = log
        self.show = show
        self.stamp = stamp
        self.stall_rcpt = stall_rcpt
        self.stall_budget = stall_budget
        self.delay = delay
        self.max_per_conn = max_per_conn
        self.trickle_every = trickle_every
        self.slow_reply = slow_reply
        self.stats = Stats()

    # All hooks run on the sink's one event loop thread: no locking.
    def opened(self, server):
        s = self.stats
        if not s.armed:
            return
        server.ua_counted = True
        s.connections += 1
        s.open += 1
        s.max_open = max(s.max_open, s.open)
        self.note("connect %d open=%d" % (s.connections, s.open))

    def closed(self, server):
        if getattr(server, "ua_counted", False):
            self.stats.open -= 1
        if getattr(server, "ua_slow", False):
            server.ua_slow = False
            self.note("slow end %.3f" % time.time())
        self.end_busy(server)

    async def slow(self, server):
        if getattr(server, "ua_slow", False):
            await asyncio.sleep(self.slow_reply)

    def tls_done(self):
        self.stats.tls += 1
        self.note("tls %d" % self.stats.tls)

    def end_busy(self, server):
        if getattr(server, "ua_busy", False):
            server.ua_busy = False
            self.stats.busy -= 1

    async def handle_MAIL(self, server, session, envelope, address, options):
        n = getattr(server, "ua_msgs", 0)
        if self.max_per_conn and n >= self.max_per_conn:
            self.note("close reused")
            server.transport.close()
            return "421 4.4.2 closing"	# never reaches the client
        if self.mode == "slow" and self.budget.take():
            server.ua_slow = True
            self.note("slow begin %.3f" % time.time())
        await self.slow(server)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    def note_stamp(self, session, envelope, at_ns):
        if not self.stamp:
            return
        peer = session.peer
        if isinstance(peer, tuple) and len(peer) >= 2:
            peer = "%s:%s" % (peer[0], peer[1])
        with open(self.stamp, "a") as f:
            for rcpt in envelope.rcpt_tos:
                f.write("%s %d %s\n" % (rcpt, at_ns, peer))

    def handle_message(self, message):
        super().handle_message(message)
        if self.show:
            show_message(message)

    def note(self, what):
        if self.log:
            with open(self.log, "a") as f:
                f.write(what + "\n")

    async def handle_RCPT(self, server, session, envelope, address, options):
        await self.slow(server)
        if self.mode == "550" and self.budget.take():
            self.note("rcpt 550 " + address)
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # From the end of DATA to the reply: the relay has the message.
        s = self.stats
        server.ua_busy = True
        s.busy += 1
        s.max_busy = max(s.max_busy, s.busy)
        self.note("busy %d" % s.busy)
        try:
            return await self.data(server, session, envelope)
        finally:
            self.end_busy(server)

    async def stall(self, envelope):
        rcpt = self.stall_rcpt
        self.note("stall begin " + rcpt)
        try:
            await asyncio.sleep(3600)
        finally:
            # Cancelled when the client hangs up.
            self.note("stall end " + rcpt)

    async def trickle(self, server):
        self.note("trickle begin %.3f" % time.time())
        try:
            while not server.transport.is_closing():
                server.transport.write(b"250-still working on it\r\n")
                await asyncio.sleep(self.trickle_every)
        finally:
            # Cancelled when the client hangs up.
            self.note("trickle end %.3f" % time.time())

    async def data(self, server, session, envelope):
        # The end of DATA is here: the moment a relay has the message.
        at_ns = time.time_ns()
        server.ua_msgs = getattr(server, "ua_msgs", 0) + 1
        if self.stall_rcpt in envelope.rcpt_tos and self.stall_budget.take():
            await self.stall(envelope)
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        await self.slow(server)
        if self.mode == "trickle" and self.budget.take():
            await self.trickle(server)
            return "451 4.3.0 gave up trickling"	# never reaches the client
        if self.mode == "451" and self.budget.take():
            self.note("data 451")
            return "451 4.3.0 Try again later"
        if self.mode == "drop" and self.budget.take():
            self.note_stamp(session, envelope, at_ns)
            self.handle_message(self.prepare_message(session, envelope))
            self.note("data drop")
            server.transport.close()
            return "250 OK"
        # the stamp before the message is in the Maildir: a reader that
        # sees the message (and logs in with its code) finds its stamp too
        self.note_stamp(session, envelope, at_ns)
        reply = await super().handle_DATA(server, session, envelope)
        self.stats.messages += 1
        self.note("data 250 " + " ".join(envelope.rcpt_tos))
        return reply


def show_message(message):
    """Print one message for people: headers that matter, then its text."""
    try:
        m = email.message_from_bytes(message.as_bytes(),
                                     policy=email.policy.default)
        head = ["%s: %s" % (h, m[h]) for h in ("From", "To", "Subject", "Date")
                if m[h] is not None]
        part = m.get_body(preferencelist=("plain",))
        text = part.get_content() if part is not None else ""
    except Exception as e:  # a sink must not die on odd mail
        head, text = ["(unreadable message: %s)" % e], ""
    bar = "-" * 24
    out = ["", "%s mail received by the SMTP sink %s" % (bar, bar)] + head + \
        [""] + text.replace("\r\n", "\n").rstrip("\n").split("\n") + \
        ["-" * (len(bar) * 2 + 30), ""]
    sys.stderr.write("\n".join("  " + line if line else "" for line in out)
                     + "\n")
    sys.stderr.flush()


class SilentSMTP(SMTP):
    """Accepts the TCP connection and says nothing while budget lasts."""

    budget = None

    def connection_made(self, transport):
        # Called again, over TLS, once a STARTTLS handshake is done.
        tls = self._original_transport is not None
        super().connection_made(transport)
        if tls:
            self.event_handler.tls_done()
        else:
            self.event_handler.opened(self)

    def connection_lost(self, error):
        if not getattr(self, "ua_lost", False):
            self.ua_lost = True
            self.event_handler.closed(self)
        super().connection_lost(error)

    async def smtp_DATA(self, arg):
        # The 354 late too, in --mode slow (there is no handler hook).
        await self.event_handler.slow(self)
        return await super().smtp_DATA(arg)

    async def _handle_client(self):
        if self.budget is not None and self.budget.take():
            await asyncio.sleep(3600)
            return
        await super()._handle_client()


class SinkController(Controller):
    def __init__(self, *args, silent_budget=None, **kw):
        super().__init__(*args, **kw)
        self.silent_budget = silent_budget

    def factory(self):
        s = SilentSMTP(self.handler, **self.SMTP_kwargs)
        s.budget = self.silent_budget
        return s


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--auth-user")
    ap.add_argument("--auth-password")
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "451", "550", "silent", "drop",
                             "trickle", "slow"])
    ap.add_argument("--count", type=int, default=1000000,
                    help="misbehave this many times, then behave")
    ap.add_argument("--log", help="append one line per SMTP event")
    ap.add_argument("--print", action="store_true", dest="show",
                    help="also show each stored message on stderr")
    ap.add_argument("--stamp", help="append 'RCPT EPOCH_NS PEER' for each "
                    "stored message")
    ap.add_argument("--stall-rcpt", help="never answer the end of DATA of a "
                    "message for this address")
    ap.add_argument("--stall-count", type=int, default=1000000,
                    help="stall this many messages, then behave")
    ap.add_argument("--delay", type=float, default=0.0,
                    help="seconds before answering each end of DATA")
    ap.add_argument("--max-per-conn", type=int, default=0,
                    help="messages per connection; the next MAIL closes it")
    ap.add_argument("--trickle-every", type=float, default=1.0,
                    help="seconds between the lines of --mode trickle")
    ap.add_argument("--slow-reply", type=float, default=8.0,
                    help="seconds before each reply of --mode slow")
    a = ap.parse_args()

    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(a.maildir, sub), exist_ok=True)
    budget = Budget(a.count)
    stall_budget = Budget(a.stall_count)
    handler = Handler(a.maildir, a.mode, budget, a.log, show=a.show,
                      stamp=a.stamp, stall_rcpt=a.stall_rcpt,
                      stall_budget=stall_budget, delay=a.delay,
                      max_per_conn=a.max_per_conn,
                      trickle_every=a.trickle_every,
                      slow_reply=a.slow_reply)
    kw = {"auth_require_tls": False}
    if a.auth_user is not None:
        want = (a.auth_user.encode(), (a.auth_password or "").encode())

        def authenticator(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and
                  (data.login, data.password) == want)
            handler.note("auth " + ("ok" if ok else "bad"))
            # handled=False: aiosmtpd then answers 535 itself.
            return AuthResult(success=ok, handled=False)

        kw.update(authenticator=authenticator, auth_required=True)
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kw.update(tls_context=ctx, require_starttls=True)
        if a.auth_user is not None:
            kw.update(auth_require_tls=True)
    # Block them before any thread starts, so sigwait below gets them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    ctl = SinkController(handler, hostname=a.host, port=a.port,
                         silent_budget=budget if a.mode == "silent" else None,
                         **kw)
    ctl.start()
    budget.armed = stall_budget.armed = handler.stats.armed = True
    print("listening", a.port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    ctl.stop()
    handler.note(handler.stats.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
