#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A /dev/log for the tests: a UNIX datagram socket at PATH (mode 0666, as
# syslog daemons make it, so a daemon that dropped root can reconnect).
#
#   devlog.py PATH OUT          each datagram received, one line in OUT
#   devlog.py PATH OUT noread   bind, write "ready" to OUT, and read
#                               nothing: the socket's queue fills up.
#                               SIGUSR1: write "queued=N" (the datagrams
#                               that were waiting), then go on reading
#                               as above
#
# "ready" (alone on the first line of OUT) says the socket is bound.
# SIGTERM stops it and removes PATH.
import os, signal, socket, sys, time

path, out = sys.argv[1], sys.argv[2]
noread = len(sys.argv) > 3 and sys.argv[3] == "noread"
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
f = open(out, "a", buffering=1)

def stop(*_):
    try:
        os.unlink(path)
    except OSError:
        pass
    os._exit(0)

drain = []

def on_usr1(*_):
    drain.append(1)

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGUSR1, on_usr1)
f.write("ready\n")
if noread:
    while not drain:
        time.sleep(0.05)
    s.setblocking(False)
    n = 0
    while True:
        try:
            d = s.recv(65536)
        except BlockingIOError:
            break
        n += 1
        f.write(d.decode(errors="replace") + "\n")
    f.write("queued=%d\n" % n)
    s.setblocking(True)
while True:
    d = s.recv(65536)
    f.write(d.decode(errors="replace") + "\n")
