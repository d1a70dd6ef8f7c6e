#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The enumeration-by-timing measurement of bench/enum.sh (SECURITY.md S3):
# logins on the daemon's public socket, one connection each, the classes
# interleaved in a random (seeded) order.  Each run INITIATEs from a remote
# host of its own, takes the first CHALLENGE (WAIT frames skipped), sends a
# wrong answer and times, in this process (time.perf_counter_ns), from
# sending that RESPOND to reading the next RESULT or CHALLENGE.
#
# (Not "enum.py": a script named so would shadow the standard enum
# module for every Python program started in bench/.)
#
#   enumtime.py SOCK RUNS SEED NET PAUSE_MS SPEC...
#
# SPEC: CLASS:POOL:PREFERRED:ANSWER:ID[,ID...] (PREFERRED as on the wire:
# PASSWORD or EMAIL_OTP); the run's identifier is taken from the IDs in
# turn; run i comes from NET.(i/250).(i%250+1).  PAUSE_MS: how long to
# wait between the CHALLENGE and the answer (0: at once, as a script
# would).  Prints one markdown table of the classes (median,
# p10, p90) and one of the pairs (Mann-Whitney U, normal approximation with
# tie correction, two-sided), then "unmeasured=N" on stderr; exits 1 when
# a run of a class could not be measured.
import math, random, socket, struct, sys, time

T = {"INITIATE": 3, "CHALLENGE": 4, "RESPOND": 5, "RESULT": 6, "WAIT": 10}
TAG = {"POOL": 1, "USER": 2, "SERVICE": 3, "RHOST": 4, "PREFERRED": 7,
       "CHALLENGE": 8, "ANSWER": 9, "MESSAGE": 11, "OUTCOME": 14}
NAME = {v: k for k, v in TAG.items()}
PAIRS = [("a", "b"), ("a", "c"), ("a", "d"), ("e", "f"), ("g", "h")]
ALPHA = 0.01


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
        out[NAME.get(tag, str(tag))] = body[off + 4:off + 4 + n].decode(errors="replace")
        off += 4 + n
    return mtype, out


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError("daemon closed the connection")
        b += d
    return b


def next_frame(s):
    """The next frame that is not a WAIT: (type, fields, waits seen)."""
    waits = 0
    while True:
        n = struct.unpack(">I", recv_exact(s, 4))[0]
        mtype, f = parse(recv_exact(s, n))
        if mtype != T["WAIT"]:
            return mtype, f, waits
        waits += 1


def one_run(sock, pool, user, pref, answer, rhost, pause):
    """ns from RESPOND to the answer's frame, or (None, why)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.connect(sock)
        s.sendall(frame("INITIATE", {"POOL": pool, "USER": user,
                                     "SERVICE": "enum", "RHOST": rhost,
                                     "PREFERRED": pref}))
        mtype, f, _ = next_frame(s)
        if mtype != T["CHALLENGE"]:
            return None, "no challenge (%s)" % f.get("OUTCOME", mtype), "", ""
        chal = f.get("CHALLENGE", "")
        if pause:
            time.sleep(pause)
        msg = s.sendall  # bound before the clock starts
        out = frame("RESPOND", {"CHALLENGE": chal, "ANSWER": answer})
        t0 = time.perf_counter_ns()
        msg(out)
        mtype, f, waits = next_frame(s)
        t1 = time.perf_counter_ns()
        if waits:
            return None, "WAIT frames after the answer (throttled?)", chal, ""
        if mtype == T["RESULT"]:
            got = f.get("OUTCOME", "?")
        elif mtype == T["CHALLENGE"]:
            got = "CHALLENGE " + f.get("CHALLENGE", "?")
        else:
            return None, "frame type %d after the answer" % mtype, chal, ""
        return t1 - t0, "", chal, got
    except (OSError, EOFError, struct.error) as e:
        return None, str(e), "", ""
    finally:
        s.close()


def quantile(v, q):
    # linear interpolation between order statistics (v sorted)
    if len(v) == 1:
        return v[0]
    x = q * (len(v) - 1)
    i = int(math.floor(x))
    j = min(i + 1, len(v) - 1)
    return v[i] + (v[j] - v[i]) * (x - i)


def mann_whitney(x, y):
    """U of x, two-sided p (normal approximation, tie-corrected, with
    continuity correction)."""
    n1, n2 = len(x), len(y)
    allv = sorted([(v, 0) for v in x] + [(v, 1) for v in y])
    n = n1 + n2
    ranks = [0.0] * n
    ties = 0.0
    i = 0
    while i < n:
        j = i
        while j + 1 < n and allv[j + 1][0] == allv[i][0]:
            j += 1
        r = (i + j) / 2.0 + 1.0       # mean rank of the tied block
        for k in range(i, j + 1):
            ranks[k] = r
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    r1 = sum(ranks[k] for k in range(n) if allv[k][1] == 0)
    u1 = r1 - n1 * (n1 + 1) / 2.0
    mu = n1 * n2 / 2.0
    var = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return u1, 1.0
    z = (abs(u1 - mu) - 0.5) / math.sqrt(var)
    z = max(z, 0.0)
    return u1, math.erfc(z / math.sqrt(2.0))


def ms(ns):
    return "%.2f ms" % (ns / 1e6)


def main():
    sock, runs, seed, net, pause = sys.argv[1:6]
    runs = int(runs)
    pause = float(pause) / 1000.0
    classes = {}
    order = []
    for spec in sys.argv[6:]:
        cls, pool, pref, answer, ids = spec.split(":", 4)
        classes[cls] = (pool, pref, answer, ids.split(","))
        order.append(cls)
    plan = [c for c in order for _ in range(runs)]
    random.Random(int(seed)).shuffle(plan)
    times = {c: [] for c in order}
    seen = {c: {} for c in order}
    bad = {c: [] for c in order}
    turn = {c: 0 for c in order}
    for i, c in enumerate(plan):
        pool, pref, answer, ids = classes[c]
        user = ids[turn[c] % len(ids)]
        turn[c] += 1
        rhost = "%s.%d.%d" % (net, i // 250, i % 250 + 1)
        ns, why, chal, got = one_run(sock, pool, user, pref, answer, rhost, pause)
        if ns is None:
            bad[c].append("%s: %s" % (user, why))
            continue
        times[c].append(ns)
        key = "%s→%s" % (chal, got)
        seen[c][key] = seen[c].get(key, 0) + 1
    desc = {"a": "real user, wrong password",
            "b": "unknown login name, any password",
            "c": "unknown email address, any password",
            "d": "disabled user, wrong password",
            "e": "real user, wrong emailed code",
            "f": "unknown identifier, wrong emailed code",
            "g": "(e) with otp_min_answer_age = 0, otp_answer_delay_ms = 0",
            "h": "(f) with otp_min_answer_age = 0, otp_answer_delay_ms = 0",
            "e'": "(e), answered %d ms after the challenge" % (pause * 1000),
            "f'": "(f), answered %d ms after the challenge" % (pause * 1000),
            "g'": "(g), answered %d ms after the challenge" % (pause * 1000),
            "h'": "(h), answered %d ms after the challenge" % (pause * 1000)}
    print("| class | identifiers | runs | median | p10 | p90 | challenge → answer's frame |")
    print("|---|---|---|---|---|---|---|")
    for c in order:
        v = sorted(times[c])
        if not v:
            print("| (%s) %s | %d | 0 of %d | not measured | | | |"
                  % (c, desc.get(c, c), len(classes[c][3]), runs))
            continue
        print("| (%s) %s | %d | %d | %s | %s | %s | %s |" % (
            c, desc.get(c, c), len(classes[c][3]), len(v), ms(quantile(v, .5)),
            ms(quantile(v, .1)), ms(quantile(v, .9)),
            ", ".join("%s ×%d" % kv for kv in sorted(seen[c].items()))))
    print()
    print("| pair | median difference | Mann-Whitney U | p (two-sided) | verdict (α = %.2f) |" % ALPHA)
    print("|---|---|---|---|---|")
    for x, y in PAIRS + [("e'", "f'"), ("g'", "h'")]:
        if x not in times or y not in times:
            continue
        vx, vy = sorted(times[x]), sorted(times[y])
        if not vx or not vy:
            print("| %s vs %s | not measured | | | |" % (x, y))
            continue
        u, p = mann_whitney(vx, vy)
        d = quantile(vx, .5) - quantile(vy, .5)
        verdict = "no difference found" if p > ALPHA else "DIFFERENCE"
        print("| %s vs %s | %+.2f ms | %.0f of %d | %.3g | %s |" % (
            x, y, d / 1e6, u, len(vx) * len(vy), p, verdict))
    nbad = sum(len(b) for b in bad.values())
    for c in order:
        for b in bad[c][:5]:
            print("enumtime.py: class %s not measured: %s" % (c, b), file=sys.stderr)
    print("unmeasured=%d" % nbad, file=sys.stderr)
    return 1 if nbad else 0


sys.exit(main())
