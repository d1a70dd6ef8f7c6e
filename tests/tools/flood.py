#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Abuse of the daemon's public socket (tests only).
#
#   flood.py conns SOCK POOL UID0 NUIDS PER_UID SECS
#       Run as root: for each of the NUIDS uids from UID0 on (seteuid, so
#       that the daemon's SO_PEERCRED sees that uid), PER_UID connections
#       that each INITIATE a login of "u<uid>".  Then waits (FLOOD_WAIT
#       seconds, default 10) for each one's first frame and prints
#       "served=S refused=R unanswered=U connect_failed=F" (served: a
#       frame came; refused: the daemon closed it; unanswered: neither, as
#       for connections left in the listen backlog; connect_failed: no
#       connection at all).  Then holds them all open for SECS seconds, or
#       until the daemon closes every served one, and prints
#       "closed_by_daemon=C".
#   flood.py trickle SOCK        an INITIATE frame, one byte a second;
#                                prints "closed after S s, B bytes sent"
#                                (or "open") when the daemon hangs up
#   flood.py partial SOCK        a whole header announcing 100 bytes, 10 of
#                                them, then silence; prints "closed S" (s)
#   flood.py ping SOCK           PING; prints the milliseconds to its reply
import os, resource, select, socket, struct, sys, time

def initiate(pool, user):
    fields = [(1, pool.encode()), (2, user.encode()), (3, b"flood")]
    body = struct.pack(">HHH", 1, 3, len(fields))
    for t, v in fields:
        body += struct.pack(">HH", t, len(v)) + v
    return struct.pack(">I", len(body)) + body

def closed(s, secs):
    s.settimeout(secs)
    try:
        return s.recv(1 << 16) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False

def conns(path, pool, uid0, nuids, per_uid, secs):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socks, failed = [], 0
    for uid in range(uid0, uid0 + nuids):
        os.seteuid(uid)
        try:
            for _ in range(per_uid):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                # blocking, but a full backlog is waited on 2 s at most
                # (a UNIX connect waits for room as long as SO_SNDTIMEO)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                             struct.pack("ll", 2, 0))
                try:
                    s.connect(path)
                except OSError:
                    failed += 1
                    s.close()
                    continue
                try:
                    s.sendall(initiate(pool, "u%d" % uid))
                except OSError:
                    pass    # closed already: the poll below sees it
                socks.append(s)
        finally:
            os.seteuid(0)
    state = {}
    poller = select.poll()
    by_fd = {s.fileno(): s for s in socks}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    end = time.monotonic() + float(os.environ.get("FLOOD_WAIT", "10"))
    while len(state) < len(socks) and time.monotonic() < end:
        for fd, ev in poller.poll(200):
            s = by_fd[fd]
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            state[fd] = "served" if d else "refused"
            poller.unregister(fd)
    served = [by_fd[fd] for fd, st in state.items() if st == "served"]
    refused = sum(1 for st in state.values() if st == "refused")
    print("served=%d refused=%d unanswered=%d connect_failed=%d" %
          (len(served), refused, len(socks) - len(state), failed), flush=True)
    live = {s.fileno(): s for s in served}
    p2 = select.poll()
    for fd in live:
        p2.register(fd, select.POLLIN)
    end = time.monotonic() + float(secs)
    while live and time.monotonic() < end:
        for fd, ev in p2.poll(200):
            try:
                d = live[fd].recv(65536)
            except OSError:
                d = b""
            if not d:
                p2.unregister(fd)
                del live[fd]
    print("closed_by_daemon=%d" % (len(served) - len(live)), flush=True)

def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "conns":
        pool, uid0, nuids, per_uid, secs = sys.argv[3:8]
        conns(path, pool, int(uid0), int(nuids), int(per_uid), secs)
        return
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if mode == "trickle":
        t, sent = time.monotonic(), 0
        for b in initiate("customer", "trickle"):
            try:
                s.send(bytes([b]))
            except OSError:
                break
            sent += 1
            if closed(s, 1.0):
                break
        else:
            print("open")
            return
        print("closed after %d s, %d bytes sent" % (round(time.monotonic() - t), sent))
    elif mode == "partial":
        t = time.monotonic()
        s.sendall(struct.pack(">I", 100) + b"\x00\x01\x00\x03" + b"x" * 6)
        print("closed" if closed(s, 30) else "open", round(time.monotonic() - t))
    elif mode == "ping":
        t = time.monotonic()
        s.settimeout(10)
        s.sendall(struct.pack(">IHHH", 6, 1, 1, 0))
        r = s.recv(65536)
        if len(r) < 4:
            sys.exit(1)
        print(int((time.monotonic() - t) * 1000))

main()
