#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A burst of logins by mailed code on the daemon's public socket (tests
# only): N connections INITIATE at once as USER-PREFIX1 .. USER-PREFIXN
# (each user's mail to PREFIXi@DOMAIN), each is answered with the code
# that reaches the sink's Maildir for it, and each reads frames until its
# RESULT or the end of its connection (a killed daemon), for at most
# TIMEOUT seconds in all.  At most one answer is sent every PACE seconds
# (default 0), so that the logins stay in flight for a while.
#
#   otpburst.py SOCK POOL MAILDIR PREFIX DOMAIN N [TIMEOUT [PACE]]
#
# Prints one line: "ok=K fail=F unavailable=U lost=L challenged=C
# answered=A" (lost: no RESULT; challenged: EMAIL_OTP challenges seen;
# answered: codes sent back).
import mailbox, re, select, socket, struct, sys, time

T = {"INITIATE": 3, "CHALLENGE": 4, "RESPOND": 5, "RESULT": 6, "WAIT": 10}
TAG = {"POOL": 1, "USER": 2, "SERVICE": 3, "CHALLENGE": 8, "ANSWER": 9,
       "OUTCOME": 14}

def frame(mtype, fields):
    body = struct.pack(">HHH", 1, T[mtype], len(fields))
    for k, v in fields.items():
        b = v.encode()
        body += struct.pack(">HH", TAG[k], len(b)) + b
    return struct.pack(">I", len(body)) + body

def frames(c):
    out = []
    while len(c["buf"]) >= 4:
        n = struct.unpack(">I", c["buf"][:4])[0]
        if len(c["buf"]) < 4 + n:
            break
        body = c["buf"][4:4 + n]
        c["buf"] = c["buf"][4 + n:]
        _, mtype, count = struct.unpack(">HHH", body[:6])
        off, f = 6, {}
        for _ in range(count):
            tag, m = struct.unpack(">HH", body[off:off + 4])
            f[tag] = body[off + 4:off + 4 + m].decode()
            off += 4 + m
        out.append((mtype, f))
    return out

def main():
    sock, pool, maildir, prefix, domain, n = sys.argv[1:7]
    timeout = float(sys.argv[7]) if len(sys.argv) > 7 else 15.0
    pace = float(sys.argv[8]) if len(sys.argv) > 8 else 0.0
    next_answer = 0.0
    conns = {}
    for i in range(1, int(n) + 1):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock)
        s.sendall(frame("INITIATE", {"POOL": pool, "USER": "%s%d" % (prefix, i),
                                     "SERVICE": "otpburst"}))
        conns["%s%d@%s" % (prefix, i, domain)] = {
            "s": s, "buf": b"", "asked": False, "answered": False,
            "result": None, "done": False}
    mb = mailbox.Maildir(maildir, create=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end and not all(c["done"] for c in conns.values()):
        live = {c["s"]: c for c in conns.values() if not c["done"]}
        r, _, _ = select.select(list(live), [], [], 0.05)
        for s in r:
            c = live[s]
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                c["done"] = True
                continue
            c["buf"] += d
            for mtype, f in frames(c):
                if mtype == T["CHALLENGE"] and f.get(8) == "EMAIL_OTP":
                    c["asked"] = True
                elif mtype == T["RESULT"]:
                    c["result"] = f.get(14)
                    c["done"] = True
        for key in list(mb.keys()) if time.monotonic() >= next_answer else []:
            try:
                m = mb[key]
            except KeyError:
                continue
            c = conns.get((m.get("To") or "").strip().lower())
            if c is None or c["answered"] or c["done"] or m.get_subdir() != "new":
                continue
            codes = re.findall(r"(?<![0-9])[0-9]{8}(?![0-9])",
                               m.get_payload(decode=True).decode())
            m.set_subdir("cur")
            mb[key] = m
            try:
                c["s"].sendall(frame("RESPOND", {"CHALLENGE": "EMAIL_OTP",
                                                 "ANSWER": codes[0]}))
                c["answered"] = True
            except OSError:
                c["done"] = True
            next_answer = time.monotonic() + pace
            if pace > 0:
                break
    oc = [c["result"] for c in conns.values()]
    print("ok=%d fail=%d unavailable=%d lost=%d challenged=%d answered=%d"
          % (oc.count("OK"), oc.count("FAIL"), oc.count("UNAVAILABLE"),
             oc.count(None), sum(c["asked"] for c in conns.values()),
             sum(c["answered"] for c in conns.values())))

main()
