#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An EC2 instance metadata service (IMDSv2 only) on loopback for the tests:
# PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds gives a
# session token; the two credential paths answer only with that token in
# X-aws-ec2-metadata-token (IMDSv1 requests get 401, as on an instance
# that requires v2).  Prints "listening PORT" once ready.
#
#   fake_imds.py PORT-FILE ROLE ACCESS-KEY SECRET-KEY [SESSION-TOKEN]
import http.server
import json
import secrets
import sys
import time

TOKENS = set()
PORT_FILE, ROLE, AKID, SECRET = sys.argv[1:5]
SESSION = sys.argv[5] if len(sys.argv) > 5 else "test-session-token"
CREDS_PATH = "/latest/meta-data/iam/security-credentials/"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("imds: %s %s\n" % (self.command, self.path))

    def answer(self, status, body, ctype="text/plain"):
        b = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        if self.path != "/latest/api/token" or \
                not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(400, "bad request")
        t = secrets.token_urlsafe(32)
        TOKENS.add(t)
        self.answer(200, t)

    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") not in TOKENS:
            return self.answer(401, "unauthorized")
        if self.path == CREDS_PATH:
            return self.answer(200, ROLE + "\n")
        if self.path == CREDS_PATH + ROLE:
            exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            return self.answer(200, json.dumps({
                "Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": AKID,
                "SecretAccessKey": SECRET, "Token": SESSION, "Expiration": exp,
                "LastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}),
                "application/json")
        self.answer(404, "not found")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE, "w") as f:
    f.write("%d\n" % srv.server_address[1])
print("listening %d" % srv.server_address[1], flush=True)
srv.serve_forever()
