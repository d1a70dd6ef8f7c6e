#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Password logins on the daemon's public socket for bench/cognito.sh
# (BENCHMARKS.md): each login is one connection, INITIATE with
# PREFERRED=PASSWORD, RESPOND to the PASSWORD challenge, read until the
# RESULT.  Latency is timed per login from sending INITIATE to reading
# RESULT (monotonic clock, this process).
#
#   cgload.py seq SOCK POOL N FIRST NUSERS [PID...]
#       N logins one after the other, users uFIRST.. (wrapping at NUSERS);
#       with PIDs, their CPU time over the run (utime+stime from
#       /proc/PID/stat, in clock ticks, and the sum over the threads'
#       /proc/PID/task/*/schedstat, in ns).
#   cgload.py burst SOCK POOL N FIRST NUSERS PING_MS [PID...]
#       N logins at once (all connected, then all INITIATEs sent in one
#       pass; each answers its challenge as soon as it comes), while a
#       second process sends a public PING on a new connection every
#       PING_MS ms (as bench/daemon.sh does) until the burst ends.
#   cgload.py stats FILE...
#       "n=... p50=... p99=... max=..." over the numbers in FILEs.
#
# seq and burst print key=value lines: "lat MS" per login and "ping MS"
# per PING into the file named by $CGLOAD_RAW (if set), and a summary line
# on stdout: ok= fail= lost= p50= p99= max= wall_ms= [ping_n= ping_p99=
# ping_max=] [cpu_<pid>_ticks= cpu_<pid>_ns=].
# The password of uK is Cg-bench-pw-K; each login names a remote host of
# its own (10.78.x.y), so throttling does not count them as one source.
import os, select, socket, struct, sys, time

T = {"PING": 1, "PONG": 2, "INITIATE": 3, "CHALLENGE": 4, "RESPOND": 5,
     "RESULT": 6, "WAIT": 10}
TAG = {"POOL": 1, "USER": 2, "SERVICE": 3, "RHOST": 4, "PREFERRED": 7,
       "CHALLENGE": 8, "ANSWER": 9, "MESSAGE": 11, "OUTCOME": 14}
NAME = {v: k for k, v in TAG.items()}
TIMEOUT = 20.0


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


class Login:
    def __init__(self, path, k, i):
        self.k = k
        self.i = i
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.t0 = self.t1 = None
        self.outcome = None

    def initiate(self, pool):
        self.t0 = time.monotonic_ns()
        self.s.sendall(frame("INITIATE", {
            "POOL": pool, "USER": "u%d" % self.k, "SERVICE": "cgbench",
            "RHOST": "10.78.%d.%d" % (self.i // 250, self.i % 250 + 1),
            "PREFERRED": "PASSWORD"}))

    def readable(self):
        """Read what came; True when this login is over."""
        d = self.s.recv(65536)
        if not d:
            return True
        self.buf += d
        while len(self.buf) >= 4:
            n = struct.unpack(">I", self.buf[:4])[0]
            if len(self.buf) < 4 + n:
                break
            mtype, f = parse(self.buf[4:4 + n])
            self.buf = self.buf[4 + n:]
            if mtype == T["CHALLENGE"]:
                ans = "Cg-bench-pw-%d" % self.k if f.get("CHALLENGE") == "PASSWORD" else ""
                self.s.sendall(frame("RESPOND", {"CHALLENGE": f.get("CHALLENGE", ""),
                                                 "ANSWER": ans}))
            elif mtype == T["RESULT"]:
                self.t1 = time.monotonic_ns()
                self.outcome = f.get("OUTCOME")
                return True
        return False

    def ms(self):
        return (self.t1 - self.t0) / 1e6


def run(logins, pool):
    """Drive LOGINS (connected) to their end, all at once."""
    for c in logins:
        c.initiate(pool)
    live = {c.s.fileno(): c for c in logins}
    start = time.monotonic()
    while live and time.monotonic() - start < TIMEOUT:
        r, _, _ = select.select(list(live), [], [], 0.5)
        for fd in r:
            c = live[fd]
            if c.readable():
                del live[fd]
                c.s.close()
    for c in live.values():
        c.s.close()


def cpu(pid):
    """(utime+stime ticks, ns on CPU over the threads) of PID."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    ticks = int(st[11]) + int(st[12])
    ns = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                ns += int(f.read().split()[0])
        except OSError:
            pass
    return ticks, ns


def pct(v, p):
    """Nearest-rank percentile of the sorted list V."""
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))
    return v[int(k)]


def summary(lat):
    v = sorted(lat)
    if not v:
        return "n=0 p50=- p99=- max=-"
    return "n=%d p50=%.2f p99=%.2f max=%.2f" % (len(v), pct(v, 50), pct(v, 99), v[-1])


def pinger(path, every_ms, stop_fd, out_fd):
    """A child: PING on a new connection every EVERY_MS until STOP_FD reads."""
    res = []
    while True:
        t = time.monotonic_ns()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        body = struct.pack(">HHH", 1, T["PING"], 0)
        s.sendall(struct.pack(">I", len(body)) + body)
        hdr = b""
        while len(hdr) < 4:
            d = s.recv(4 - len(hdr))
            if not d:
                break
            hdr += d
        if len(hdr) == 4:
            n = struct.unpack(">I", hdr)[0]
            got = 0
            while got < n:
                d = s.recv(n - got)
                if not d:
                    break
                got += len(d)
            res.append((time.monotonic_ns() - t) / 1e6)
        s.close()
        r, _, _ = select.select([stop_fd], [], [], every_ms / 1000.0)
        if r:
            break
    os.write(out_fd, ("\n".join("%.3f" % x for x in res) + "\n").encode())
    os._exit(0)


def main():
    mode = sys.argv[1]
    if mode == "stats":
        v = []
        for fn in sys.argv[2:]:
            with open(fn) as f:
                v += [float(x) for x in f.read().split()]
        print(summary(v))
        return
    sock, pool, n, first, nusers = sys.argv[2], sys.argv[3], int(sys.argv[4]), \
        int(sys.argv[5]), int(sys.argv[6])
    rest = sys.argv[7:]
    every = None
    if mode == "burst":
        every, rest = float(rest[0]), rest[1:]
    pids = [int(p) for p in rest]
    users = [(first - 1 + i) % nusers + 1 for i in range(n)]
    c0 = {p: cpu(p) for p in pids}
    w0 = time.monotonic_ns()
    done = []
    pings = []
    if mode == "seq":
        for i, k in enumerate(users):
            c = Login(sock, k, i)
            run([c], pool)
            done.append(c)
    else:
        stop_r, stop_w = os.pipe()
        out_r, out_w = os.pipe()
        logins = [Login(sock, k, i) for i, k in enumerate(users)]
        pid = os.fork()
        if pid == 0:
            os.close(stop_w)
            os.close(out_r)
            pinger(sock, every, stop_r, out_w)
        os.close(stop_r)
        os.close(out_w)
        time.sleep(0.02)        # the pinger's first PING is before the burst
        run(logins, pool)
        done = logins
        os.write(stop_w, b"x")
        data = b""
        while True:
            d = os.read(out_r, 65536)
            if not d:
                break
            data += d
        os.waitpid(pid, 0)
        pings = [float(x) for x in data.split()]
    w1 = time.monotonic_ns()
    c1 = {p: cpu(p) for p in pids}
    lat = [c.ms() for c in done if c.outcome == "OK"]
    raw = os.environ.get("CGLOAD_RAW")
    if raw:
        with open(raw, "a") as f:
            for x in lat:
                f.write("lat %.3f\n" % x)
            for x in pings:
                f.write("ping %.3f\n" % x)
    oc = [c.outcome for c in done]
    line = "ok=%d fail=%d lost=%d %s wall_ms=%.1f" % (
        oc.count("OK"), sum(1 for o in oc if o not in ("OK", None)), oc.count(None),
        summary(lat), (w1 - w0) / 1e6)
    if mode == "burst":
        v = sorted(pings)
        line += " ping_n=%d ping_p50=%.2f ping_p99=%.2f ping_max=%.2f" % (
            len(v), pct(v, 50), pct(v, 99), v[-1] if v else float("nan"))
    for p in pids:
        line += " cpu_%d_ticks=%d cpu_%d_ns=%d" % (p, c1[p][0] - c0[p][0], p,
                                                  c1[p][1] - c0[p][1])
    print(line)


main()
