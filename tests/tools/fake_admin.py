#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stand-in for userauthd's admin socket, for exercising userauthctl
without the daemon: an in-memory store speaking doc/PROTOCOL.md, or a
misbehaving peer.  Test tool only; never installed.

usage: fake_admin.py SOCKET [MODE]
MODE: store (default), garbage, silent, close, denied, version, notjson,
      escape (a message with terminal control characters)
Each request is also appended, one JSON line, to SOCKET.log (passwords
replaced by their length).
"""
import json, os, socket, struct, sys, time


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k:
            raise EOFError
        b += k
    return b


def send(c, obj):
    p = json.dumps(obj).encode()
    c.sendall(struct.pack(">I", len(p)) + p)


def err(code, msg):
    return {"v": 1, "ok": False, "error": code, "message": msg}


class Store:
    def __init__(self):
        self.pools = {"customer": (200000, 200009), "staff": (210000, 210009)}
        self.users = {}
        self.groups = {}
        self.next = {p: r[0] for p, r in self.pools.items()}

    def find(self, u):
        for x in self.users.values():
            if x["login"] == u or x["email"] == u.lower():
                return x
        return None

    def op(self, q):
        op = q.get("op")
        if op == "pool.list":
            return [{"name": n, "backend": "local", "uid_min": a, "uid_max": b,
                     "gid_min": a + 100000, "gid_max": b + 100000,
                     "users": sum(1 for u in self.users.values() if u["pool"] == n),
                     "groups": sum(1 for g in self.groups.values() if g["pool"] == n)}
                    for n, (a, b) in self.pools.items()]
        if op == "user.add":
            if q["pool"] not in self.pools:
                return err("not_found", "no pool '%s'" % q["pool"])
            if q["login"] in self.users or self.find(q["email"]):
                return err("exists", "login or email already taken")
            uid = self.next[q["pool"]]
            self.next[q["pool"]] += 1
            u = {"login": q["login"], "pool": q["pool"], "email": q["email"],
                 "display_name": q.get("display_name", ""), "uid": uid, "gid": uid,
                 "home": q.get("home", "/home/" + q["login"]),
                 "shell": q.get("shell", "/bin/sh"),
                 "state": "disabled" if q.get("disabled") else "enabled",
                 "created": int(time.time()), "last_login": None,
                 "password_set": False, "groups": q.get("groups", [])}
            self.users[q["login"]] = u
            for g in u["groups"]:
                self.groups.setdefault(g, {"name": g, "pool": q["pool"], "gid": 300000,
                                           "members": []})["members"].append(q["login"])
            return u
        if op in ("user.show", "user.disable", "user.enable", "user.del", "user.passwd"):
            u = self.find(q["user"])
            if u is None:
                return err("not_found", "no user '%s'" % q["user"])
            if op == "user.disable":
                u["state"] = "disabled"
            elif op == "user.enable":
                u["state"] = "enabled"
            elif op == "user.del":
                del self.users[u["login"]]
                return {"login": u["login"]}
            elif op == "user.passwd":
                u["password_set"] = True
                return {"login": u["login"]}
            return u
        if op == "user.list":
            return [u for u in self.users.values() if q.get("pool") in (None, u["pool"])]
        if op == "group.add":
            if q["name"] in self.groups:
                return err("exists", "group '%s' exists" % q["name"])
            g = {"name": q["name"], "pool": q["pool"], "gid": 300000 + len(self.groups),
                 "members": []}
            self.groups[q["name"]] = g
            return g
        if op == "group.del":
            if self.groups.pop(q["group"], None) is None:
                return err("not_found", "no group '%s'" % q["group"])
            return {"name": q["group"]}
        if op == "group.list":
            return [g for g in self.groups.values() if q.get("pool") in (None, g["pool"])]
        if op in ("group.member.add", "group.member.del"):
            g = self.groups.get(q["group"])
            u = self.find(q["user"])
            if g is None or u is None:
                return err("not_found", "no such group or user")
            if op.endswith("add"):
                g["members"].append(u["login"])
            else:
                g["members"].remove(u["login"])
            return g
        return err("unsupported", "unknown op")


def main():
    path = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "store"
    store = Store()
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    log = open(path + ".log", "a")
    while True:
        c, _ = s.accept()
        try:
            n = struct.unpack(">I", recv_exact(c, 4))[0]
            q = json.loads(recv_exact(c, n))
            shown = dict(q)
            if "password" in shown:  # never keep a secret in the log
                shown["password"] = "<%d chars>" % len(shown["password"])
            log.write(json.dumps(shown) + "\n")
            log.flush()
            if mode == "silent":
                time.sleep(15)
            elif mode == "close":
                pass
            elif mode == "garbage":
                c.sendall(struct.pack(">I", 5) + b"\x01\x02xyz")
            elif mode == "notjson":
                c.sendall(struct.pack(">I", 3) + b"[1]")
            elif mode == "version":
                send(c, {"v": 2, "ok": True, "result": {}})
            elif mode == "denied":
                send(c, err("denied", "admin socket: not an admin"))
            elif mode == "escape":
                send(c, err("invalid", "bad \x1b[31mred\x1b[0m\nline \u0085 \u00e9"))
            else:
                r = store.op(q)
                if isinstance(r, dict) and r.get("ok") is False:
                    send(c, r)
                else:
                    send(c, {"v": 1, "ok": True, "result": r})
        except (EOFError, KeyError, ValueError) as e:
            print("fake_admin:", repr(e), file=sys.stderr)
        finally:
            c.close()


if __name__ == "__main__":
    main()
