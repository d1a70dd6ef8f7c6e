#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A TCP endpoint that accepts and never answers (tests only): listens on
# 127.0.0.1 (any free port, written to PORTFILE once listening), accepts
# every connection, reads and drops what comes, sends nothing.  Appends a
# line "accepted" to PORTFILE.log per connection.
#
#   tarpit.py PORTFILE
import os, select, socket, sys

portfile = sys.argv[1]
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(128)
log = open(portfile + ".log", "a", buffering=1)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
conns = []
while True:
    r, _, _ = select.select([ls] + conns, [], [])
    for s in r:
        if s is ls:
            c, _ = ls.accept()
            conns.append(c)
            log.write("accepted\n")
            continue
        try:
            d = s.recv(65536)
        except OSError:
            d = b""
        if not d:
            conns.remove(s)
            s.close()
