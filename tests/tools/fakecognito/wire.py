# SPDX-License-Identifier: MIT
"""Cryptographic wire pieces: SECRET_HASH, TOTP, SigV4, RS256 tokens.

All written from the descriptions in shared/COGNITO.md (sections 2, 3.5, 6
and 8); TOTP is RFC 6238 (HMAC-SHA-1, 30 s, 6 digits).  Only the RSA
signing uses python3-cryptography.
"""
import base64
import calendar
import hashlib
import hmac
import json
import secrets
import struct
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import CgError


def secret_hash(secret, username, client_id):
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


# --- TOTP (RFC 6238 over RFC 4226) ----------------------------------------

def new_totp_secret():
    """A base32 seed as AssociateSoftwareToken's SecretCode (32 chars)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _b32decode(s):
    s = s.replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def totp(secret_b32, t, step=30, digits=6):
    counter = int(t // step)
    mac = hmac.new(_b32decode(secret_b32), struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%0*d" % (digits, n % 10 ** digits)


def totp_ok(secret_b32, code, t):
    """True when CODE is the code of the step at T or one step either side."""
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        return False
    return any(hmac.compare_digest(totp(secret_b32, t + d * 30), code) for d in (-1, 0, 1))


# --- SigV4 (service cognito-idp) -------------------------------------------

SIGV4_MISMATCH = ("The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult "
                  "the service documentation for details.")


def _hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_check(headers, body, keys, region, path="/"):
    """Verify the Authorization header of a signed operation.

    HEADERS is a list of (name, value) as received; KEYS maps access key id
    to secret.  Raises CgError on any failure.
    """
    hdr = {}
    for k, v in headers:
        k = k.lower()
        v = " ".join(v.strip().split())
        hdr[k] = hdr[k] + "," + v if k in hdr else v
    auth = hdr.get("authorization")
    if not auth:
        raise CgError("MissingAuthenticationTokenException", "Missing Authentication Token")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        raise CgError("IncompleteSignatureException", "Unsupported signature algorithm")
    parts = {}
    for item in auth[len("AWS4-HMAC-SHA256 "):].split(","):
        k, _, v = item.strip().partition("=")
        parts[k] = v
    try:
        akid, date, reg, service, term = parts["Credential"].split("/")
        signed = parts["SignedHeaders"].split(";")
        sig = parts["Signature"]
    except (KeyError, ValueError):
        raise CgError("IncompleteSignatureException",
                      "Authorization header requires Credential, SignedHeaders and Signature")
    if akid not in keys:
        raise CgError("UnrecognizedClientException",
                      "The security token included in the request is invalid.")
    amzdate = hdr.get("x-amz-date", "")
    if not amzdate.startswith(date) or term != "aws4_request":
        raise CgError("IncompleteSignatureException", "Credential scope does not match X-Amz-Date")
    if service != "cognito-idp" or reg != region:
        raise CgError("InvalidSignatureException",
                      "Credential should be scoped to a valid region and service cognito-idp "
                      "(got %s/%s, wanted %s/cognito-idp)" % (reg, service, region))
    try:
        when = calendar.timegm(time.strptime(amzdate, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise CgError("IncompleteSignatureException", "Bad X-Amz-Date")
    if abs(time.time() - when) > 300:
        raise CgError("InvalidSignatureException", "Signature expired: %s is more than 5 "
                      "minutes from the server's time" % amzdate)
    for h in ("host", "x-amz-date"):
        if h not in signed:
            raise CgError("InvalidSignatureException", "%s must be signed" % h)
    canon = "\n".join([
        "POST", path, "",
        "".join("%s:%s\n" % (h, hdr.get(h, "")) for h in signed),
        ";".join(signed),
        hdr.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (date, reg, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(canon.encode()).hexdigest()])
    k = _hm(("AWS4" + keys[akid]).encode(), date)
    for m in (reg, service, "aws4_request"):
        k = _hm(k, m)
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        raise CgError("InvalidSignatureException", SIGV4_MISMATCH)
    return akid


# --- RS256 tokens ----------------------------------------------------------

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Signer:
    """Two RSA keys: one signs ID tokens, the other access tokens."""

    def __init__(self):
        self.keys = {}
        for use in ("id", "access"):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
            kid = b64u(hashlib.sha256(pub).digest())[:43] + "="
            self.keys[use] = (kid, key)

    def jwks(self):
        out = []
        for kid, key in self.keys.values():
            n = key.public_key().public_numbers()
            out.append({"alg": "RS256", "e": b64u(n.e.to_bytes(3, "big").lstrip(b"\0")),
                        "kid": kid, "kty": "RSA",
                        "n": b64u(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")),
                        "use": "sig"})
        return {"keys": out}

    def sign(self, use, claims):
        kid, key = self.keys[use]
        head = b64u(json.dumps({"kid": kid, "alg": "RS256"}, separators=(",", ":")).encode())
        body = b64u(json.dumps(claims, separators=(",", ":")).encode())
        sig = key.sign((head + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
        return head + "." + body + "." + b64u(sig)

    def verify(self, token, use):
        """The claims of one of our own tokens, or None if it is not one."""
        try:
            head, body, sig = token.split(".")
            h = json.loads(b64u_dec(head))
            kid, key = self.keys[use]
            if h.get("kid") != kid or h.get("alg") != "RS256":
                return None
            key.public_key().verify(b64u_dec(sig), (head + "." + body).encode(),
                                    padding.PKCS1v15(), hashes.SHA256())
            return json.loads(b64u_dec(body))
        except Exception:
            return None


def new_jti():
    return str(uuid.uuid4())
