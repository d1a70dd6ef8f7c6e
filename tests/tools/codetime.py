#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# One login on the daemon's public socket, timed around its code answer
# (tests only): INITIATE for USER in POOL (PREFERRED=EMAIL_OTP), the first
# CHALLENGE, PAUSE_MS of waiting, then the answer: ANSWER itself, or, with
# --cmd, the first line CMD prints when run after the challenge (the right
# code, read from the mail queue).  WAIT frames are counted, not answered.
#
#   codetime.py SOCK POOL USER PAUSE_MS ANSWER
#   codetime.py SOCK POOL USER PAUSE_MS --cmd CMD
#
# Prints one line:
#   challenge=NAME reply=CHALLENGE:NAME|RESULT:OUTCOME since_challenge_ms=N
#   since_answer_ms=N waits=N
# (since_challenge_ms: from reading the CHALLENGE to reading the reply;
# since_answer_ms: from sending the answer to reading the reply).  Exits 1
# when the login does not get that far.
import socket, struct, subprocess, sys, time

T = {"INITIATE": 3, "CHALLENGE": 4, "RESPOND": 5, "RESULT": 6, "WAIT": 10}
TAG = {"POOL": 1, "USER": 2, "SERVICE": 3, "RHOST": 4, "PREFERRED": 7,
       "CHALLENGE": 8, "ANSWER": 9, "MESSAGE": 11, "OUTCOME": 14}
NAME = {v: k for k, v in TAG.items()}


def frame(mtype, fields):
    body = struct.pack(">HHH", 1, T[mtype], len(fields))
    for k, v in fields.items():
        b = v.encode()
        body += struct.pack(">HH", TAG[k], len(b)) + b
    return struct.pack(">I", len(body)) + body


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError("the daemon closed the connection")
        b += d
    return b


def next_frame(s):
    """The next frame that is not a WAIT: (type, fields, WAITs seen)."""
    waits = 0
    while True:
        n = struct.unpack(">I", recv_exact(s, 4))[0]
        body = recv_exact(s, n)
        _, mtype, count = struct.unpack(">HHH", body[:6])
        off, f = 6, {}
        for _ in range(count):
            tag, ln = struct.unpack(">HH", body[off:off + 4])
            f[NAME.get(tag, str(tag))] = body[off + 4:off + 4 + ln].decode(
                errors="replace")
            off += 4 + ln
        if mtype != T["WAIT"]:
            return mtype, f, waits
        waits += 1


def main():
    if len(sys.argv) not in (6, 7) or (len(sys.argv) == 7 and
                                       sys.argv[5] != "--cmd"):
        sys.exit(__doc__ if __doc__ else "usage: see the script's head")
    sock, pool, user, pause = sys.argv[1], sys.argv[2], sys.argv[3], \
        int(sys.argv[4])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    try:
        s.connect(sock)
        s.sendall(frame("INITIATE", {"POOL": pool, "USER": user,
                                     "SERVICE": "codetime",
                                     "PREFERRED": "EMAIL_OTP"}))
        mtype, f, _ = next_frame(s)
        t_chal = time.monotonic()
        if mtype != T["CHALLENGE"]:
            sys.exit("no challenge: %s" % f.get("OUTCOME", mtype))
        chal = f.get("CHALLENGE", "")
        if len(sys.argv) == 7:
            answer = subprocess.run(sys.argv[6], shell=True, check=True,
                                    capture_output=True,
                                    text=True).stdout.strip()
        else:
            answer = sys.argv[5]
        left = pause / 1000 - (time.monotonic() - t_chal)
        if left > 0:
            time.sleep(left)
        out = frame("RESPOND", {"CHALLENGE": chal, "ANSWER": answer})
        t_ans = time.monotonic()
        s.sendall(out)
        mtype, f, waits = next_frame(s)
        t_end = time.monotonic()
    except (OSError, EOFError, struct.error,
            subprocess.CalledProcessError) as e:
        sys.exit("login failed: %s" % e)
    finally:
        s.close()
    if mtype == T["RESULT"]:
        got = "RESULT:" + f.get("OUTCOME", "?")
    elif mtype == T["CHALLENGE"]:
        got = "CHALLENGE:" + f.get("CHALLENGE", "?")
    else:
        got = "type:%d" % mtype
    print("challenge=%s reply=%s since_challenge_ms=%d since_answer_ms=%d "
          "waits=%d" % (chal, got, (t_end - t_chal) * 1000,
                        (t_end - t_ans) * 1000, waits))


main()
