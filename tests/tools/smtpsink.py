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
#
# --print also shows each stored message on standard error (the demo's
# terminal), framed, with its main headers and text; stdout stays for the
# "listening" line.
#
# --stamp FILE appends "RECIPIENT EPOCH_NS HOST:PORT" for each recipient of
# each stored message: the wall clock (ns) when the end of DATA came in,
# written once the message is in the Maildir, and the client's address,
# which tells one SMTP connection from another (bench/mail.sh).
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


class Handler(Mailbox):
    def __init__(self, maildir, mode, budget, log, show=False, stamp=None):
        super().__init__(maildir)
        self.mode = mode
        self.budget = budget
        self.log = log
        self.show = show
        self.stamp = stamp

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
        if self.mode == "550" and self.budget.take():
            self.note("rcpt 550 " + address)
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # The end of DATA is here: the moment a relay has the message.
        at_ns = time.time_ns()
        if self.mode == "451" and self.budget.take():
            self.note("data 451")
            return "451 4.3.0 Try again later"
        if self.mode == "drop" and self.budget.take():
            self.handle_message(self.prepare_message(session, envelope))
            self.note_stamp(session, envelope, at_ns)
            self.note("data drop")
            server.transport.close()
            return "250 OK"
        self.note("data 250")
        reply = await super().handle_DATA(server, session, envelope)
        self.note_stamp(session, envelope, at_ns)
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
                    choices=["ok", "451", "550", "silent", "drop"])
    ap.add_argument("--count", type=int, default=1000000,
                    help="misbehave this many times, then behave")
    ap.add_argument("--log", help="append one line per SMTP event")
    ap.add_argument("--print", action="store_true", dest="show",
                    help="also show each stored message on stderr")
    ap.add_argument("--stamp", help="append 'RCPT EPOCH_NS PEER' for each "
                    "stored message")
    a = ap.parse_args()

    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(a.maildir, sub), exist_ok=True)
    budget = Budget(a.count)
    handler = Handler(a.maildir, a.mode, budget, a.log, show=a.show,
                      stamp=a.stamp)
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
    budget.armed = True
    print("listening", a.port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
