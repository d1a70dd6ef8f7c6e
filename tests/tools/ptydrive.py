#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Drive a program on a pseudo-terminal, as a person at a terminal would:
#   ptydrive.py [-t SECONDS] [-e PROMPT -s ANSWER]... -- PROGRAM ARGS...
# Each -e waits (at most -t seconds, default 10) until PROMPT has appeared
# in the output after the previous one, then types ANSWER and Enter; an
# ANSWER "!COMMAND" types the first line COMMAND prints (sh -c; a code
# read from a mailbox only once it is asked for).  Prints the whole transcript (what the terminal showed:
# echoed input included) and exits with the program's status, or 124 when
# a prompt never came.
import os
import pty
import select
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    timeout = 10.0
    steps = []
    while args and args[0] != "--":
        if args[0] == "-t":
            timeout = float(args[1])
        elif args[0] == "-e":
            steps.append([args[1], None])
        elif args[0] == "-s":
            steps[-1][1] = args[1]
        else:
            sys.exit("ptydrive: unknown option " + args[0])
        args = args[2:]
    cmd = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    seen = 0
    rc = None

    def read_some(deadline):
        nonlocal out
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return False
        try:
            data = os.read(fd, 4096)
        except OSError:
            return None
        if not data:
            return None
        out += data
        return True

    for prompt, answer in steps:
        deadline = time.monotonic() + timeout
        while prompt.encode() not in out[seen:]:
            got = read_some(deadline)
            if not got:
                sys.stdout.write(out.decode("utf-8", "replace"))
                sys.stdout.write("\nptydrive: no prompt %r\n" % prompt)
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                sys.exit(124)
        seen = out.index(prompt.encode(), seen) + len(prompt)
        if answer.startswith("!"):
            answer = subprocess.run(["sh", "-c", answer[1:]],
                                    stdout=subprocess.PIPE, text=True,
                                    check=False).stdout.split("\n")[0]
        time.sleep(0.05)
        os.write(fd, answer.encode() + b"\r")
    deadline = time.monotonic() + timeout
    while read_some(deadline):
        pass
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if rc is None else rc)


main()
