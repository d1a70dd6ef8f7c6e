#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A fake of userauthd's public socket for pam_userauth's own tests: it
# speaks the binary messages of doc/PROTOCOL.md and plays a script, one
# list of steps per connection, so the module can be shown bad peers
# (silence, garbage, unknown challenges) the real daemon never sends.
#
#   fake_pubd.py --socket PATH [--log FILE] [--chown-socket UID]
#                [--listen-uid UID] [--mode OCTAL] --conn JSON [--conn ...]
#
# Steps (a JSON list per --conn, in order):
#   {"recv": "INITIATE", "expect": {"USER": "alice", "RHOST": null}}
#       read one frame, decode it strictly, log it; a wrong type, a value
#       other than expected (null: absent) or a bad frame is logged as a
#       mismatch and the connection is closed.
#   {"send": "CHALLENGE", "fields": {"CHALLENGE": "PASSWORD", ...}}
#   {"raw": "hex bytes"}        exactly these bytes
#   {"garbage": N}              N random bytes, no frame header
#   {"hang": SECONDS}           say nothing until the client hangs up
#   {"sleep": SECONDS}          pause, then go on with the next step
#   {"waits": N, "every": S}    N WAIT frames, S seconds apart (a long
#                               hash queue); stops early when the client
#                               hangs up (logged as {"waits_sent": K})
#   {"close": true}             hang up now
# After the steps the fake waits up to 3 s for the client to hang up and
# logs {"eof": true} or {"eof": false}.  Connections beyond the script are
# logged as extra and closed.  "ready" is printed once it listens; SIGTERM
# ends it.  The log is JSON lines with sorted keys.
import argparse
import json
import os
import signal
import socket
import struct
import sys
import time

TYPES = {"PING": 1, "PONG": 2, "INITIATE": 3, "CHALLENGE": 4, "RESPOND": 5,
         "RESULT": 6, "ACCT": 7, "SESSION": 8, "CHPASS": 9, "WAIT": 10}
TAGS = {"POOL": 1, "USER": 2, "SERVICE": 3, "RHOST": 4, "TTY": 5, "RUSER": 6,
        "PREFERRED": 7, "CHALLENGE": 8, "ANSWER": 9, "INFO": 10,
        "MESSAGE": 11, "DESTINATION": 12, "AVAILABLE": 13, "OUTCOME": 14,
        "VERSION": 15}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
TAG_NAMES = {v: k for k, v in TAGS.items()}
MAX_FRAME = 64 * 1024
MAX_VALUE = 8192
MAX_FIELDS = 16


class Bad(Exception):
    pass


def encode(mtype, fields):
    out = struct.pack(">HHH", 1, TYPES[mtype], len(fields))
    for name, value in fields.items():
        tag = TAGS[name] if name in TAGS else int(name)
        b = value.encode()
        out += struct.pack(">HH", tag, len(b)) + b
    return struct.pack(">I", len(out)) + out


def decode(p):
    if len(p) < 6:
        raise Bad("short header")
    version, mtype, count = struct.unpack(">HHH", p[:6])
    if version != 1:
        raise Bad("version %d" % version)
    if mtype not in TYPE_NAMES or count > MAX_FIELDS:
        raise Bad("type %d count %d" % (mtype, count))
    off, fields = 6, {}
    for _ in range(count):
        if off + 4 > len(p):
            raise Bad("truncated field")
        tag, n = struct.unpack(">HH", p[off:off + 4])
        off += 4
        if tag not in TAG_NAMES or TAG_NAMES[tag] in fields:
            raise Bad("tag %d" % tag)
        if n > MAX_VALUE or off + n > len(p):
            raise Bad("value length %d" % n)
        v = p[off:off + n]
        off += n
        if b"\0" in v:
            raise Bad("NUL in value")
        fields[TAG_NAMES[tag]] = v.decode("utf-8", "surrogateescape")
    if off != len(p):
        raise Bad("%d trailing bytes" % (len(p) - off))
    return TYPE_NAMES[mtype], fields


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        c = s.recv(n - len(buf))
        if not c:
            raise Bad("client hung up")
        buf += c
    return buf


def read_frame(s):
    n = struct.unpack(">I", read_exact(s, 4))[0]
    if n > MAX_FRAME:
        raise Bad("frame of %d bytes" % n)
    return read_exact(s, n)


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None

    def __call__(self, **kw):
        if self.f:
            self.f.write(json.dumps(kw, sort_keys=True) + "\n")


def wait_eof(s, secs):
    s.settimeout(secs)
    try:
        while True:
            if not s.recv(4096):
                return True
    except (socket.timeout, OSError):
        return False


def play(s, conn, steps, log):
    s.settimeout(30)
    for st in steps:
        if "recv" in st:
            try:
                mtype, fields = decode(read_frame(s))
            except (Bad, OSError) as e:
                log(conn=conn, mismatch="bad frame: %s" % e)
                return
            log(conn=conn, type=mtype, fields=fields)
            if mtype != st["recv"]:
                log(conn=conn, mismatch="type %s" % mtype)
                return
            for k, v in st.get("expect", {}).items():
                if fields.get(k) != v:
                    log(conn=conn, mismatch="%s is %r, not %r"
                        % (k, fields.get(k), v))
                    return
        elif "send" in st:
            s.sendall(encode(st["send"], st.get("fields", {})))
        elif "raw" in st:
            s.sendall(bytes.fromhex(st["raw"]))
        elif "garbage" in st:
            s.sendall(os.urandom(st["garbage"]))
        elif "sleep" in st:
            time.sleep(st["sleep"])
        elif "waits" in st:
            for k in range(st["waits"]):
                time.sleep(st["every"])
                try:
                    s.sendall(encode("WAIT", {}))
                except OSError:
                    log(conn=conn, waits_sent=k)
                    return
        elif "hang" in st:
            t = time.monotonic()
            eof = wait_eof(s, st["hang"])
            log(conn=conn, hung=round(time.monotonic() - t, 2), eof=eof)
            return
        elif "close" in st:
            return
    log(conn=conn, eof=wait_eof(s, 3))


def listen(args):
    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket)
    os.chmod(args.socket, int(args.mode, 8))
    if args.listen_uid is not None:
        # The kernel records the listener's credentials at listen().
        os.seteuid(args.listen_uid)
        srv.listen(16)
        os.seteuid(0)
    else:
        srv.listen(16)
    if args.chown_socket is not None:
        os.chown(args.socket, args.chown_socket, -1)
    return srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--log")
    ap.add_argument("--chown-socket", type=int)
    ap.add_argument("--listen-uid", type=int)
    ap.add_argument("--mode", default="666")
    ap.add_argument("--conn", action="append", default=[])
    args = ap.parse_args()
    script = [json.loads(c) for c in args.conn]
    log = Log(args.log)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    srv = listen(args)
    # One write (a pipe delivers it whole), then stdout is done with.
    os.write(1, b"ready\n")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    conn = 0
    try:
        while True:
            s, _ = srv.accept()
            conn += 1
            try:
                if conn <= len(script):
                    play(s, conn, script[conn - 1], log)
                else:
                    log(conn=conn, extra=True)
            except OSError as e:
                log(conn=conn, error=str(e))
            finally:
                s.close()
    finally:
        try:
            os.unlink(args.socket)
        except OSError:
            pass


if __name__ == "__main__":
    main()
