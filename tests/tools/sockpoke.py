#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Misbehaving clients for the daemon's sockets (tests only):
#   sockpoke.py garbage SOCK     random bytes in a frame; expect the close
#   sockpoke.py oversize SOCK    a 16 MiB length header; expect the close
#   sockpoke.py stall SOCK SECS  half a header, then silence; prints when
#                                the daemon hangs up and after how long
#   sockpoke.py ping SOCK        PING on the public socket; prints the version
#   sockpoke.py idle SOCK [ping] connect and send nothing (with ping: one
#                                PING, its reply read, then nothing); prints
#                                "closed" or "open" and the seconds since the
#                                connect (or the reply) to the hang-up, at
#                                most 30
#   sockpoke.py json SOCK TEXT   one raw admin frame; prints the reply
import os, socket, struct, sys, time

def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(15)
    s.connect(path)
    return s

def closed(s):
    try:
        return s.recv(1 << 16) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True

def read_frame(s):
    hdr = b""
    while len(hdr) < 4:
        c = s.recv(4 - len(hdr))
        if not c:
            return None
        hdr += c
    n = struct.unpack(">I", hdr)[0]
    body = b""
    while len(body) < n:
        c = s.recv(n - len(body))
        if not c:
            return None
        body += c
    return body

mode, path = sys.argv[1], sys.argv[2]
s = conn(path)
if mode == "garbage":
    junk = os.urandom(200)
    s.sendall(struct.pack(">I", len(junk)) + junk)
    r = read_frame(s)
    print("reply" if r is not None else "closed", "then", "closed" if closed(s) else "open")
elif mode == "oversize":
    s.sendall(struct.pack(">I", 16 << 20) + b"x" * 100)
    print("closed" if closed(s) else "open")
elif mode == "stall":
    t = time.monotonic()
    s.sendall(b"\x00\x00")
    print("closed" if closed(s) else "open", round(time.monotonic() - t))
elif mode == "ping":
    # version 1, type PING, no fields
    s.sendall(struct.pack(">IHHH", 6, 1, 1, 0))
    r = read_frame(s)
    v, t, count, tag, n = struct.unpack(">HHHHH", r[:10])
    print(v, t, count, tag, r[10:10 + n].decode())
elif mode == "idle":
    s.settimeout(30)
    t = time.monotonic()
    if sys.argv[3:4] == ["ping"]:
        s.sendall(struct.pack(">IHHH", 6, 1, 1, 0))
        if read_frame(s) is None:
            sys.exit("no reply to PING")
        t = time.monotonic()
    try:
        gone = closed(s)
    except socket.timeout:
        gone = False
    print("closed" if gone else "open", "%.1f" % (time.monotonic() - t))
elif mode == "json":
    b = sys.argv[3].encode()
    s.sendall(struct.pack(">I", len(b)) + b)
    r = read_frame(s)
    print(r.decode() if r is not None else "closed")
