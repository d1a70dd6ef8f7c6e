#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Logins that are started and never answered (tests only): N connections
# to the public socket each INITIATE for USER and wait for the first
# frame.  Prints "served=K refused=R" at once (served: a CHALLENGE came;
# refused: the daemon closed the connection), then holds the served ones
# open for SECONDS, or until the daemon closes them, and prints
# "closed_by_daemon=C after=S" (S: seconds until the last was closed).
#
#   hold.py SOCK POOL USER N SECONDS
import select, socket, struct, sys, time

def frame(fields):
    tags = {"POOL": 1, "USER": 2, "SERVICE": 3}
    body = struct.pack(">HHH", 1, 3, len(fields))
    for k, v in fields.items():
        b = v.encode()
        body += struct.pack(">HH", tags[k], len(b)) + b
    return struct.pack(">I", len(body)) + body

def first_frame(s):
    s.settimeout(5)
    try:
        hdr = s.recv(4)
    except (OSError, socket.timeout):
        return False
    return len(hdr) == 4

sock, pool, user, n, secs = sys.argv[1:6]
served, refused = [], 0
for _ in range(int(n)):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock)
        s.sendall(frame({"POOL": pool, "USER": user, "SERVICE": "hold"}))
    except OSError:
        refused += 1
        continue
    if first_frame(s):
        served.append(s)
    else:
        refused += 1
print("served=%d refused=%d" % (len(served), refused), flush=True)
start = time.monotonic()
live, last = list(served), None
while live and time.monotonic() - start < float(secs):
    r, _, _ = select.select(live, [], [], 0.5)
    for s in r:
        try:
            d = s.recv(65536)
        except OSError:
            d = b""
        if not d:
            live.remove(s)
            last = time.monotonic() - start
print("closed_by_daemon=%d after=%s" % (len(served) - len(live),
      "%.0f" % last if last is not None else "-"), flush=True)
