#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A burst of password logins on the daemon's public socket (tests only):
# N connections INITIATE, then all answer their PASSWORD challenge at the
# same moment, so the daemon's hash queue is N deep.  Each connection reads
# frames until its RESULT, counting the WAIT frames that came first, and
# gives up (like the module) after 6 x TIMEOUT in all or TIMEOUT of silence.
# Each connection names a remote host of its own.
#
#   burst.py SOCK POOL USER PASSWORD N [TIMEOUT [PREFERRED]]
#
# PREFERRED (password, email_otp) is sent as the module's preferred=.
# USER may be a comma-separated list: connection i logs in the i-th of
# them (cycling).  BURST_RHOST in the environment: every connection names
# that one remote host (a jump host, a NAT) instead of one of its own.
# BURST_TOTP: a comma-separated list of codes, the i-th for the i-th
# user: a SOFTWARE_TOKEN_MFA challenge after the password is answered
# with it; one asked again (the code refused) ends that connection,
# counted as "reasked" (a word added at the end of the line).
#
# Prints one line: "ok=K fail=F unavailable=U busy=B lost=L waited=W
# max_waits=M" (busy: UNAVAILABLE with the busy message; lost: no RESULT
# in time, or the connection closed without one; waited: connections
# that got at least one WAIT).
import os, select, socket, struct, sys, time

T = {"INITIATE": 3, "CHALLENGE": 4, "RESPOND": 5, "RESULT": 6, "WAIT": 10}
TAG = {"POOL": 1, "USER": 2, "SERVICE": 3, "RHOST": 4, "CHALLENGE": 8, "ANSWER": 9,
       "MESSAGE": 11, "OUTCOME": 14, "PREFERRED": 7}
NAME = {v: k for k, v in TAG.items()}

def frame(mtype, fields):
    body = struct.pack(">HHH", 1, T[mtype], len(fields))
    for k, v in fields.items():
        b = v.encode()
        body += struct.pack(">HH", TAG[k], len(b)) + b
    return struct.pack(">I", len(body)) + body

def parse(body):
    _, mtype, count = struct.unpack(">HHH", body[:6])
    off, out = 6, {}
    for _ in range(count):
        tag, n = struct.unpack(">HH", body[off:off + 4])
        out[NAME.get(tag, str(tag))] = body[off + 4:off + 4 + n].decode()
        off += 4 + n
    return mtype, out

class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.waits = 0
        self.result = None
        self.totp = None      # the code to give, once
        self.reasked = False

    def frames(self):
        out = []
        while len(self.buf) >= 4:
            n = struct.unpack(">I", self.buf[:4])[0]
            if len(self.buf) < 4 + n:
                break
            out.append(parse(self.buf[4:4 + n]))
            self.buf = self.buf[4 + n:]
        return out

def main():
    sock, pool, user, pw, n = sys.argv[1:6]
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0
    pref = {"PREFERRED": sys.argv[7]} if len(sys.argv) > 7 else {}
    users = user.split(",")
    one_host = os.environ.get("BURST_RHOST")
    codes = os.environ.get("BURST_TOTP")
    codes = codes.split(",") if codes else None
    conns = [Conn(sock) for _ in range(int(n))]
    if codes:
        for i, c in enumerate(conns):
            c.totp = codes[i % len(users)]
    for i, c in enumerate(conns):
        # each from a remote host of its own (10.77.x.y): a burst of one
        # user's logins from one host would be throttling's business
        rhost = one_host or "10.77.%d.%d" % (i // 250, i % 250 + 1)
        c.s.sendall(frame("INITIATE", {"POOL": pool,
                                       "USER": users[i % len(users)],
                                       "SERVICE": "burst", "RHOST": rhost,
                                       **pref}))
    gone = set()    # hung up before their challenge (a daemon killed)
    for c in conns:
        c.s.settimeout(timeout)
        fr = []
        try:
            while not fr:
                d = c.s.recv(65536)
                if not d:
                    break
                c.buf += d
                # WAIT frames (the backend is slow) come before the
                # challenge too: answering one would break the protocol
                fr = c.frames()
                c.waits += sum(1 for m, _ in fr if m == T["WAIT"])
                fr = [x for x in fr if x[0] != T["WAIT"]]
        except OSError:
            pass
        if not fr:
            gone.add(c)
            continue
        mtype, f = fr[0]
        if mtype == T["RESULT"]:
            c.result = f
    for c in conns:
        if c.result is None and c not in gone:
            try:
                c.s.sendall(frame("RESPOND", {"CHALLENGE": "PASSWORD",
                                              "ANSWER": pw}))
            except OSError:
                gone.add(c)
    start = time.monotonic()
    last = {c: start for c in conns}
    live = [c for c in conns if c.result is None and c not in gone]
    while live:
        r, _, _ = select.select([c.s for c in live], [], [], 0.2)
        now = time.monotonic()
        for c in list(live):
            if c.s in r:
                try:
                    d = c.s.recv(65536)
                except OSError:
                    d = b""
                if not d:
                    live.remove(c)
                    continue
                c.buf += d
                last[c] = now
                for mtype, f in c.frames():
                    if mtype == T["WAIT"]:
                        c.waits += 1
                    elif mtype == T["RESULT"]:
                        c.result = f
                        live.remove(c)
                        break
                    elif (mtype == T["CHALLENGE"] and c.totp is not None
                          and f.get("CHALLENGE") == "SOFTWARE_TOKEN_MFA"):
                        c.s.sendall(frame("RESPOND", {
                            "CHALLENGE": "SOFTWARE_TOKEN_MFA",
                            "ANSWER": c.totp}))
                        c.totp = None
                    elif mtype == T["CHALLENGE"]:
                        c.reasked = True
                        live.remove(c)
                        break
            elif now - last[c] > timeout or now - start > 6 * timeout:
                live.remove(c)
    res = [c.result or {} for c in conns]
    oc = [r.get("OUTCOME") for r in res]
    busy = sum(1 for r in res if r.get("OUTCOME") == "UNAVAILABLE"
               and "busy" in r.get("MESSAGE", ""))
    line = ("ok=%d fail=%d unavailable=%d busy=%d lost=%d waited=%d max_waits=%d"
            % (oc.count("OK"), oc.count("FAIL"), oc.count("UNAVAILABLE") - busy,
               busy, oc.count(None), sum(1 for c in conns if c.waits),
               max(c.waits for c in conns)))
    if codes:
        line += " reasked=%d" % sum(1 for c in conns if c.reasked)
    print(line)

main()
