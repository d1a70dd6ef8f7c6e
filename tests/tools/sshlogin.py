#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A scripted SSH keyboard-interactive login for the tests and the demo.
# Run it with Debian's /usr/bin/python3 (paramiko comes from
# python3-paramiko).
#
# Every keyboard-interactive round the server sends (title, instruction,
# prompts) is recorded in a JSON transcript (--transcript).  Prompts are
# answered by what they end with:
#   "Code: "      the next item of --codes: a literal code, or "mail" for
#                 the newest code mailed to --email since this program
#                 started (polled in the --maildir of tests/tools/smtpsink.py;
#                 the same mailed code is reused for later "mail" items)
#   "Password: "  --password
#   "Verification code: "
#                 the next item of --totp-codes: a literal code, or "totp"
#                 for the code oathtool computes from --totp-secret at the
#                 time of the round (plus --totp-offset seconds); with
#                 --totp-secret setup, the base32 key shown in an MFA_SETUP
#                 round ("Key: ..." or the otpauth URI's secret=) is used
#   anything else --reply REGEX=VALUE (first regex that matches), else an
#                 error.
# Once logged in it runs --command and prints its output.  With --probe it
# prints the first round's prompts and drops the connection there instead.
# With --hold FILE it answers no round with prompts before FILE exists (a
# test changes something while the login sits at its prompt; "held" is
# printed on stderr once the first such round came).
#
# Exit status: the command's exit status after a login; 1 when the server
# refused the login; 3 after --probe; 2 for any other error, a connection
# that ended during authentication included (paramiko reports that as an
# authentication failure too: result "dropped" in the transcript, not
# "auth_failed", so a server process that died mid-login is no refusal).
import argparse
import email
import email.policy
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time

import paramiko

CODE_RE = re.compile(r"Code:\s*$")
PASSWORD_RE = re.compile(r"Password:\s*$")
TOTP_RE = re.compile(r"Verification code:\s*$")
SETUP_KEY_RE = re.compile(r"(?:\bKey: |[?&]secret=)([A-Z2-7]{16,})")
MAILED_CODE_RE = re.compile(r"\b([0-9]{6,10})\b")


class Abort(Exception):
    pass


class Maildir:
    """The messages a sink stored, and which of them are new."""

    def __init__(self, path):
        self.path = path
        self.seen = set(self.files())

    def files(self):
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.path, sub)
            try:
                out += [os.path.join(d, f) for f in os.listdir(d)]
            except FileNotFoundError:
                pass
        return out

    def newest_code(self, rcpt, timeout):
        """The code in the newest message to rcpt that arrived since start."""
        deadline = time.monotonic() + timeout
        while True:
            found = []
            for f in self.files():
                if f in self.seen:
                    continue
                try:
                    with open(f, "rb") as fh:
                        msg = email.message_from_binary_file(
                            fh, policy=email.policy.default)
                    mtime = os.stat(f).st_mtime_ns
                except (FileNotFoundError, ValueError):
                    continue
                to = " ".join(str(msg.get(h, "")) for h in ("X-RcptTo", "To"))
                if rcpt and rcpt.lower() not in to.lower():
                    continue
                body = msg.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                m = MAILED_CODE_RE.search(text)
                if m:
                    found.append((mtime, f, m.group(1)))
            if found:
                found.sort()
                return found[-1][2], found[-1][1]
            if time.monotonic() > deadline:
                return None, None
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=22)
    ap.add_argument("--user", required=True)
    ap.add_argument("--transcript", help="write the rounds here (JSON)")
    ap.add_argument("--maildir", help="the sink's Maildir, for 'mail' codes")
    ap.add_argument("--email", help="recipient whose mail holds the code")
    ap.add_argument("--codes", default="mail",
                    help="comma-separated answers to successive Code: "
                    "prompts; 'mail' = the mailed code (default: mail)")
    ap.add_argument("--password", help="answer to Password: prompts")
    ap.add_argument("--totp-secret", metavar="BASE32",
                    help="key for 'totp' answers to Verification code: "
                    "prompts (run through oathtool), or 'setup' for the "
                    "key an MFA_SETUP round shows")
    ap.add_argument("--totp-codes", default="totp",
                    help="comma-separated answers to successive "
                    "Verification code: prompts; 'totp' = oathtool's code "
                    "(default: totp)")
    ap.add_argument("--totp-offset", type=int, default=0,
                    help="seconds added to the time of the round for "
                    "'totp' codes (a later step than one already used)")
    ap.add_argument("--oathtool", default="oathtool")
    ap.add_argument("--reply", action="append", default=[],
                    metavar="REGEX=VALUE", help="answer other prompts")
    ap.add_argument("--probe", action="store_true",
                    help="print the first prompts, then drop the "
                    "connection (exit 3)")
    ap.add_argument("--hold", metavar="FILE",
                    help="answer no prompt before FILE exists (at most "
                    "--timeout seconds)")
    ap.add_argument("--command", default="id")
    ap.add_argument("--timeout", type=float, default=15.0)
    ap.add_argument("--show", action="store_true",
                    help="print each round and answer as a terminal would")
    a = ap.parse_args()
    # paramiko logs an exception raised in the handler (an abort) as an
    # error with a traceback; the transcript says what happened.
    logging.getLogger("paramiko").addHandler(logging.NullHandler())
    logging.getLogger("paramiko").propagate = False

    maildir = Maildir(a.maildir) if a.maildir else None
    codes = [c for c in a.codes.split(",") if c]
    replies = []
    for r in a.reply:
        rx, sep, val = r.partition("=")
        if not sep:
            ap.error("--reply wants REGEX=VALUE")
        replies.append((re.compile(rx), val))
    tr = {"user": a.user, "rounds": [], "result": None}
    state = {"mailed": None, "ncode": 0, "ntotp": 0,
             "secret": None if a.totp_secret == "setup" else a.totp_secret}
    totp_codes = [c for c in a.totp_codes.split(",") if c]

    def show(text):
        if a.show:
            print(text, flush=True)

    def code_answer():
        i = state["ncode"]
        state["ncode"] += 1
        item = codes[i] if i < len(codes) else codes[-1] if codes else "mail"
        if item != "mail":
            return item, "given"
        if state["mailed"] is None:
            if maildir is None:
                raise RuntimeError("a mailed code was wanted but no --maildir")
            code, path = maildir.newest_code(a.email, a.timeout)
            if code is None:
                raise RuntimeError("no code arrived in %s for %s within %g s"
                                   % (a.maildir, a.email or "anyone",
                                      a.timeout))
            state["mailed"] = code
            tr["mail_file"] = path
        return state["mailed"], "mail"

    def totp_answer():
        i = state["ntotp"]
        state["ntotp"] += 1
        item = totp_codes[i] if i < len(totp_codes) else \
            totp_codes[-1] if totp_codes else "totp"
        if item != "totp":
            return item, "given"
        if not state["secret"]:
            raise RuntimeError("a TOTP was wanted but there is no key "
                               "(--totp-secret, or no MFA_SETUP key shown)")
        at = int(time.time()) + a.totp_offset
        r = subprocess.run([a.oathtool, "--totp", "--base32",
                            "-N", "@%d" % at, state["secret"]],
                           capture_output=True, text=True, timeout=10)
        if r.returncode != 0 or not r.stdout.strip():
            raise RuntimeError("oathtool failed: %s" % r.stderr.strip())
        tr.setdefault("totp_at", []).append(at)
        return r.stdout.strip(), "totp"

    def handler(title, instructions, prompts):
        rnd = {"title": title, "instructions": instructions,
               "prompts": [{"text": p, "echo": bool(e)} for p, e in prompts],
               "answers": [], "t": round(time.monotonic() - t0, 3)}
        tr["rounds"].append(rnd)
        if title:
            show(title)
        if instructions:
            show(instructions)
        if a.probe and prompts:
            for text, echo in prompts:
                print(text)
            sys.stdout.flush()
            raise Abort()
        if a.hold and prompts and not os.path.exists(a.hold):
            print("held", file=sys.stderr, flush=True)
            deadline = time.monotonic() + a.timeout
            while not os.path.exists(a.hold):
                if time.monotonic() > deadline:
                    raise RuntimeError("%s did not appear within %g s"
                                       % (a.hold, a.timeout))
                time.sleep(0.02)
            rnd["held_until"] = round(time.monotonic() - t0, 3)
        out = []
        if a.totp_secret == "setup":
            m = SETUP_KEY_RE.search(
                (instructions or "") + "\n" +
                "\n".join(p for p, e in prompts))
            if m:
                state["secret"] = m.group(1)
                rnd["setup_key_seen"] = True
                tr["setup_key"] = m.group(1)
        for text, echo in prompts:
            if TOTP_RE.search(text):
                val, kind = totp_answer()
                shown = "%s   [%s]" % (val, kind)
            elif CODE_RE.search(text):
                val, kind = code_answer()
                shown = "%s   [from the mail]" % val if kind == "mail" \
                    else val
            elif PASSWORD_RE.search(text) and a.password is not None:
                val, kind, shown = a.password, "password", "********"
            else:
                for rx, v in replies:
                    if rx.search(text):
                        val, kind, shown = v, "reply", v if echo else "****"
                        break
                else:
                    raise RuntimeError("no answer for prompt %r" % text)
            rnd["answers"].append(kind)
            # As OpenSSH's client shows a keyboard-interactive prompt.
            show("(%s@%s) %s%s" % (a.user, a.host, text, shown))
            out.append(val)
        return out

    def finish(rc):
        tr["elapsed"] = round(time.monotonic() - t0, 3)
        if a.transcript:
            with open(a.transcript, "w") as f:
                json.dump(tr, f, indent=1)
        return rc

    t0 = time.monotonic()
    t = None
    try:
        sock = socket.create_connection((a.host, a.port), timeout=a.timeout)
        t = paramiko.Transport(sock)
        t.start_client(timeout=a.timeout)
        try:
            t.auth_interactive(a.user, handler)
        except paramiko.AuthenticationException as e:
            if not t.is_active():
                tr["result"] = "dropped"
                tr["error"] = "the connection ended during authentication"
                print("sshlogin: %s" % tr["error"], file=sys.stderr)
                return finish(2)
            tr["result"] = "auth_failed"
            tr["error"] = str(e)
            show("Permission denied (%s)" % e)
            return finish(1)
        except Exception as e:
            if isinstance(e, Abort) or isinstance(
                    getattr(e, "__context__", None), Abort):
                tr["result"] = "aborted"
                return finish(3)
            raise
        if not t.is_authenticated():
            raise RuntimeError("not authenticated and no error")
        tr["result"] = "ok"
        ch = t.open_session(timeout=a.timeout)
        ch.settimeout(a.timeout)
        ch.exec_command(a.command)
        out, err = b"", b""
        while True:
            while ch.recv_ready():
                out += ch.recv(65536)
            while ch.recv_stderr_ready():
                err += ch.recv_stderr(65536)
            if ch.exit_status_ready() and not ch.recv_ready() and \
                    not ch.recv_stderr_ready():
                break
            time.sleep(0.01)
        status = ch.recv_exit_status()
        tr["output"] = out.decode("utf-8", "replace")
        tr["stderr"] = err.decode("utf-8", "replace")
        tr["exit_status"] = status
        sys.stdout.write(tr["output"])
        sys.stdout.flush()
        return finish(status)
    except Abort:
        tr["result"] = "aborted"
        return finish(3)
    except Exception as e:
        if tr["result"] is None:
            tr["result"] = "error"
        tr["error"] = "%s: %s" % (type(e).__name__, e)
        print("sshlogin: %s" % tr["error"], file=sys.stderr)
        return finish(2)
    finally:
        if t is not None:
            t.close()


if __name__ == "__main__":
    sys.exit(main())
