# SPDX-License-Identifier: MIT
"""HTTPS front end, run-time knobs and the control socket."""
import argparse
import http.server
import json
import os
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
import uuid

from . import CgError, config, wire
from .admin import SIGNED, Admin, dumps
from .auth import Engine

TARGET = "AWSCognitoIdentityProviderService."
CTYPE = "application/x-amz-json-1.1"
UNSIGNED = ("InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken",
            "VerifySoftwareToken", "ChangePassword", "GetUser")


def log(msg):
    sys.stderr.write("fake_cognito: %s\n" % msg)
    sys.stderr.flush()


class Knobs:
    """Run-time failure injection, set through the control socket."""

    FIELDS = ("latency_ms", "fail_next", "throttle_after", "drop_next", "down",
              "status_for")

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.latency_ms = 0          # int, or {"<Op>": ms, "*": ms}
        self.fail_next = None        # {"count", "status", "type", "message", "ops"}
        self.throttle_after = None   # more than N requests in one second: 429-ish
        self.drop_next = 0           # close the next N connections without answer
        self.down = False            # close every connection without answer
        self.status_for = {}         # {"<__type>": status} instead of 400
        self.window = (0, 0)         # (second, requests in it)

    def snapshot(self):
        return {k: getattr(self, k) for k in self.FIELDS}

    def latency(self, op):
        lat = self.latency_ms
        if isinstance(lat, dict):
            lat = lat.get(op, lat.get("*", 0))
        return (lat or 0) / 1000.0

    def should_drop(self):
        with self.lock:
            if self.down:
                return True
            if self.drop_next > 0:
                self.drop_next -= 1
                return True
        return False

    def injected(self, op):
        """A CgError to answer with instead of doing OP, or None."""
        with self.lock:
            sec = int(time.monotonic())
            n = self.window[1] + 1 if self.window[0] == sec else 1
            self.window = (sec, n)
            if self.throttle_after is not None and n > self.throttle_after:
                return CgError("TooManyRequestsException", "Rate exceeded",
                               self.status_for.get("TooManyRequestsException", 400))
            f = self.fail_next
            if f and f.get("count", 0) > 0 and (not f.get("ops") or op in f["ops"]):
                f["count"] -= 1
                if f["count"] <= 0:
                    self.fail_next = None
                return CgError(f.get("type", "InternalErrorException"),
                               f.get("message", "injected by the fake's fail_next knob"),
                               int(f.get("status", 500)))
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_cognito"
    timeout = 60                          # an idle kept-alive connection is closed
    # One write per answer, sent at once: headers and body buffered and
    # flushed together (handle_one_request flushes), and no Nagle delay
    # (a separate header write waited ~40 ms for the client's late ACK).
    wbufsize = -1
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        self.server.count("connections")
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
            self.server.count("handshakes")

    def log_message(self, fmt, *args):    # our own one line per request instead
        pass

    # --- answers -------------------------------------------------------------

    def send_body(self, status, body, ctype=CTYPE, extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_error_json(self, e):
        status = self.server.knobs.status_for.get(e.name, e.status)
        body = {"__type": e.name}
        if e.message:
            body["message"] = e.message
        self.send_body(status, dumps(body), extra=[("x-amzn-ErrorType", e.name)])
        return status

    def drop(self):
        self.close_connection = True
        try:
            self.request.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def read_body(self):
        n = self.headers.get("Content-Length")
        if n is None or not n.isdigit():
            return None
        return self.rfile.read(int(n))

    # --- methods -------------------------------------------------------------

    def do_GET(self):
        if self.server.knobs.should_drop():
            log("GET %s dropped (knob)" % self.path)
            return self.drop()
        parts = self.path.split("?")[0].strip("/").split("/")
        pool = self.server.engine.cfg.pools.get(parts[0]) if parts else None
        if pool is not None and parts[1:2] == [".well-known"] and len(parts) == 3:
            iss = self.server.engine.issuer(pool)
            own = "%s/%s" % (self.server.base, pool.id)
            if parts[2] == "jwks.json":
                log("GET jwks.json 200")
                return self.send_body(200, json.dumps(self.server.engine.signer.jwks()),
                                      "application/json")
            if parts[2] == "openid-configuration":
                log("GET openid-configuration 200")
                doc = {"issuer": iss, "jwks_uri": own + "/.well-known/jwks.json",
                       "id_token_signing_alg_values_supported": ["RS256"],
                       "subject_types_supported": ["public"],
                       "response_types_supported": ["code", "token"],
                       "scopes_supported": ["openid", "email", "aws.cognito.signin.user.admin"],
                       "claims_supported": ["sub", "email", "email_verified", "cognito:username",
                                            "cognito:groups"]}
                return self.send_body(200, json.dumps(doc), "application/json")
        if len(parts) == 3 and parts[1] == ".well-known":
            log("GET %s 404" % self.path)
            return self.send_error_json(CgError("ResourceNotFoundException",
                                                "No such pool or document", 404))
        log("GET %s 400 UnknownOperationException" % self.path)
        self.send_error_json(CgError("UnknownOperationException",
                                     "Only POST / (and GET of .well-known documents) is served"))

    def not_post(self):
        self.read_body()
        log("%s %s 400 UnknownOperationException" % (self.command, self.path))
        self.send_error_json(CgError("UnknownOperationException",
                                     "Only POST / (and GET of .well-known documents) is served"))

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = not_post

    def do_POST(self):
        t0 = time.monotonic()
        body = self.read_body()
        knobs = self.server.knobs
        target = self.headers.get("X-Amz-Target", "")
        op = target[len(TARGET):] if target.startswith(TARGET) else target or "-"
        if body is None:
            log("%s 411 no Content-Length" % op)
            self.close_connection = True
            return self.send_body(411, dumps({"__type": "LengthRequired"}),
                                  extra=[("x-amzn-ErrorType", "LengthRequired")])
        if knobs.should_drop():
            log("%s dropped (knob)" % op)
            return self.drop()
        time.sleep(knobs.latency(op))
        try:
            out = self.dispatch(op, target, body)
        except CgError as e:
            status = self.send_error_json(e)
            log("%s %d %s (%.0f ms)" % (op, status, e.name, (time.monotonic() - t0) * 1000))
            return
        except Exception:
            traceback.print_exc()
            status = self.send_error_json(CgError("InternalErrorException",
                                                  "the fake failed", 500))
            log("%s %d InternalErrorException" % (op, status))
            return
        self.send_body(200, dumps(out))
        log("%s 200 %s (%.0f ms)" % (op, out.get("ChallengeName") or
                                     ("tokens" if "AuthenticationResult" in out else "OK"),
                                     (time.monotonic() - t0) * 1000))

    def dispatch(self, op, target, raw):
        if self.path != "/":
            raise CgError("UnknownOperationException", "POST to / only", 404)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != CTYPE:
            raise CgError("UnknownOperationException",
                          "Content-Type must be %s (got %r)" % (CTYPE, ctype))
        if not target.startswith(TARGET) or op not in UNSIGNED + SIGNED:
            raise CgError("UnknownOperationException")
        inj = self.server.knobs.injected(op)
        if inj:
            raise inj
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise CgError("SerializationException", "Body is not JSON")
        if not isinstance(body, dict):
            raise CgError("SerializationException", "Body is not a JSON object")
        engine = self.server.engine
        if op in SIGNED:
            pid = body.get("UserPoolId")
            m = config.POOL_ID.match(pid) if isinstance(pid, str) else None
            region = m.group(1) if m else None
            if region is None:
                raise CgError("InvalidParameterException", "Invalid UserPoolId")
            wire.sigv4_check(self.headers.items(), raw, engine.cfg.iam_keys, region)
            with engine.lock:
                return getattr(self.server.admin, op)(body)
        with engine.lock:
            return getattr(engine, op)(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # a burst of a hundred new connections must not overflow the backlog
    # (Python's default is 5; a dropped SYN costs a second)
    request_queue_size = 256
    # TCP connections accepted and TLS handshakes completed since the
    # start (the control socket's replies carry them; benchmarks count
    # connection reuse with them).
    connections = handshakes = 0
    count_lock = threading.Lock()

    def count(self, what):
        with self.count_lock:
            setattr(self, what, getattr(self, what) + 1)

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (ssl.SSLError, ConnectionError, socket.timeout, TimeoutError)):
            log("connection from %s: %s" % (client_address[0], e.__class__.__name__))
        else:
            super().handle_error(request, client_address)


# --- control socket (JSON lines) ------------------------------------------------

def control(server, cmd):
    """Apply one control command; the reply object."""
    knobs, engine = server.knobs, server.engine
    if not isinstance(cmd, dict):
        raise ValueError("a command is a JSON object")
    with knobs.lock:
        if cmd.get("reset"):
            knobs.reset()
            engine.clock_offset = 0.0
            engine.simulate = None
        for k in Knobs.FIELDS:
            if k in cmd:
                setattr(knobs, k, cmd[k])
        if "throttle_after" in cmd:
            knobs.window = (0, 0)     # count from now on
    with engine.lock:
        if "clock_offset" in cmd:
            engine.clock_offset = float(cmd["clock_offset"])
        if "advance_clock" in cmd:
            engine.clock_offset += float(cmd["advance_clock"])
        if "simulate" in cmd:
            engine.simulate = cmd["simulate"]
        if cmd.get("unlock"):
            for p in engine.cfg.pools.values():
                for u in p.users:
                    u.failures, u.locked_until = 0, 0.0
        unknown = set(cmd) - set(Knobs.FIELDS) - {"reset", "clock_offset", "advance_clock",
                                                  "simulate", "unlock", "get"}
        if unknown:
            raise ValueError("unknown knob(s): %s" % ", ".join(sorted(unknown)))
        out = {"ok": True, "knobs": knobs.snapshot(), "clock_offset": engine.clock_offset,
               "simulate": engine.simulate, "sessions": len(engine.sessions)}
    with server.count_lock:
        out["connections"], out["handshakes"] = server.connections, server.handshakes
    return out


class ControlHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            line = line.strip()
            if not line:
                continue
            try:
                out = control(self.server.fake, json.loads(line))
                log("control %s" % line.decode(errors="replace")[:200])
            except (ValueError, TypeError) as e:
                out = {"ok": False, "error": str(e)}
            self.wfile.write((json.dumps(out) + "\n").encode())
            self.wfile.flush()


class ControlServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def ctl_main(argv):
    """fake_cognito.py ctl SOCKET JSON...: send commands, print replies."""
    if len(argv) < 2:
        sys.exit("usage: fake_cognito.py ctl SOCKET JSON...")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(argv[0])
    f = s.makefile("rwb")
    ok = True
    for cmd in argv[1:]:
        f.write(cmd.encode() + b"\n")
        f.flush()
        reply = f.readline().decode()
        sys.stdout.write(reply)
        ok = ok and json.loads(reply).get("ok", False)
    sys.exit(0 if ok else 1)


# --- main ---------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="fake_cognito.py",
                                 description="A Cognito user-pool fake for the tests "
                                 "(tests/tools/fake_cognito.md).")
    ap.add_argument("--config", required=True, help="pools, clients, keys, users (JSON)")
    ap.add_argument("--cert", help="TLS certificate (PEM, chain allowed)")
    ap.add_argument("--key", help="TLS private key (PEM)")
    ap.add_argument("--plain", action="store_true", help="plain HTTP (debugging only)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    ap.add_argument("--port-file", help="write the port chosen here once listening")
    ap.add_argument("--control", help="UNIX socket for knobs (JSON lines)")
    ap.add_argument("--codes", help="append '<username> <email> <code>' per EMAIL_OTP code")
    ap.add_argument("--maildir", help="also deliver each code as a mail into this Maildir")
    ap.add_argument("--state", help="write the users' current state here after each change")
    ap.add_argument("--issuer-base", help="token issuer base (default: the fake's own URL)")
    a = ap.parse_args(argv)
    if not a.plain and not (a.cert and a.key):
        ap.error("--cert and --key are needed (or --plain for plain HTTP)")
    return a


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ctl"]:
        return ctl_main(argv[1:])
    a = parse_args(argv)
    try:
        cfg = config.load(a.config)
    except config.ConfigError as e:
        log("config error: %s" % e)
        sys.exit(2)
    server = Server((a.host, a.port), Handler)
    port = server.server_address[1]
    scheme = "http" if a.plain else "https"
    host = a.host if ":" not in a.host else "[%s]" % a.host
    server.base = "%s://%s:%d" % (scheme, host, port)
    if not a.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    base = a.issuer_base or cfg.issuer_base or server.base
    persist = (lambda: config.save(cfg, a.state)) if a.state else None
    server.engine = Engine(cfg, wire.Signer(), lambda: base.rstrip("/"), codes=a.codes,
                           maildir=a.maildir, persist=persist, log=log)
    server.admin = Admin(server.engine)
    server.knobs = Knobs()
    ctl = None
    if a.control:
        if os.path.exists(a.control):
            os.unlink(a.control)
        ctl = ControlServer(a.control, ControlHandler)
        ctl.fake = server
        threading.Thread(target=ctl.serve_forever, daemon=True).start()
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log("listening on %s (pools %s; issuer base %s)%s"
        % (server.base, ", ".join(cfg.pools), base,
           "; control %s" % a.control if a.control else ""))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if ctl is not None:
            ctl.server_close()
            try:
                os.unlink(a.control)
            except OSError:
                pass
    return 0
