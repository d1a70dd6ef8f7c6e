# SPDX-License-Identifier: MIT
"""The unsigned, user-facing operations: InitiateAuth (USER_AUTH),
RespondToAuthChallenge, AssociateSoftwareToken, VerifySoftwareToken,
ChangePassword, GetUser.  Semantics follow shared/COGNITO.md sections 2-6;
where AWS's behaviour is unknown the choice made is named in fake_cognito.md.
"""
import hmac
import json
import os
import random
import secrets
import threading
import time

from . import CgError, wire

BAD_LOGIN = "Incorrect username or password."
BAD_SESSION = "Invalid session for the user."
OLD_SESSION = "Invalid session for the user, session is expired."
BAD_CODE = "Invalid code or auth state for the user."
PREFERABLE = ("PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
MAX_WRONG_CODES = 3


def mask_email(addr):
    """a***@e*** as Cognito shows a code's destination."""
    local, _, domain = addr.partition("@")
    return "%s***@%s***" % (local[:1], domain[:1])


def need(d, key, where="AuthParameters"):
    v = d.get(key)
    if not isinstance(v, str) or not v:
        raise CgError("InvalidParameterException", "Missing required parameter %s" % key)
    return v


class Session:
    """One step of a sign-in: the challenge it waits for and what it knows."""

    def __init__(self, engine, client, user, step, name, **kw):
        self.id = "AYAB" + wire.b64u(secrets.token_bytes(96))
        self.client = client
        self.user = user                  # None: a simulated (unknown) user
        self.name = name                  # the USERNAME first sent
        self.step = step
        self.created = engine.now()
        self.expires = self.created + client.auth_session_validity
        self.wrong = 0
        self.code = None                  # the EMAIL_OTP code sent
        self.first = kw.get("first")      # "first" or "mfa" for EMAIL_OTP
        self.available = kw.get("available", [])
        self.secret = kw.get("secret")    # MFA_SETUP: associated TOTP seed
        self.verified = kw.get("verified", False)
        self.enroll_email = kw.get("enroll_email", False)
        self.factor = kw.get("factor")    # first factor used (PASSWORD/EMAIL_OTP)


class Engine:
    def __init__(self, cfg, signer, issuer_base, codes=None, maildir=None, persist=None,
                 log=None):
        self.cfg = cfg
        self.signer = signer
        self.issuer_base = issuer_base    # a callable giving the URL base
        self.codes = codes
        self.maildir = maildir
        self.persist = persist or (lambda: None)
        self.log = log or (lambda *a: None)
        self.sessions = {}
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self.simulate = None              # knob: force the simulated challenge

    def now(self):
        return time.time() + self.clock_offset

    def issuer(self, pool):
        return "%s/%s" % (self.issuer_base(), pool.id)

    # --- helpers -----------------------------------------------------------

    def client(self, body):
        cid = body.get("ClientId")
        if not isinstance(cid, str) or not cid:
            raise CgError("InvalidParameterException", "Missing required parameter ClientId")
        c = self.cfg.clients.get(cid)
        if c is None:
            raise CgError("ResourceNotFoundException", "User pool client %s does not exist." % cid)
        return c

    def check_secret_hash(self, client, username, given):
        if not client.secret:
            return
        if not given:
            raise CgError("NotAuthorizedException", "Client %s is configured with secret but "
                          "SECRET_HASH was not received" % client.id)
        want = wire.secret_hash(client.secret, username, client.id)
        if not hmac.compare_digest(want, given):
            raise CgError("NotAuthorizedException",
                          "Unable to verify secret hash for client %s" % client.id)

    def new_session(self, client, user, step, name, **kw):
        now = self.now()
        for k in [k for k, v in self.sessions.items() if v.expires + 3600 < now]:
            del self.sessions[k]                   # long expired: forget them
        s = Session(self, client, user, step, name, **kw)
        self.sessions[s.id] = s
        return s

    def find_session(self, token, client):
        if not isinstance(token, str) or not token:
            raise CgError("InvalidParameterException", "Missing required parameter Session")
        s = self.sessions.get(token)
        if s is None or s.client is not client:
            raise CgError("NotAuthorizedException", BAD_SESSION)
        if self.now() > s.expires:
            del self.sessions[token]
            raise CgError("NotAuthorizedException", OLD_SESSION)
        return s

    def challenge(self, client, user, step, name, params=None, available=None, **kw):
        s = self.new_session(client, user, step, name, available=available or [], **kw)
        out = {"ChallengeName": step, "Session": s.id, "ChallengeParameters": params or {}}
        if available is not None:
            out["AvailableChallenges"] = list(available)
        return out, s

    def deliver(self, user, code):
        """The EMAIL_OTP code goes to the codes file and/or the Maildir."""
        if self.codes:
            with open(self.codes, "a", encoding="utf-8") as f:
                f.write("%s %s %s\n" % (user.username, user.email, code))
        if self.maildir:
            for d in ("tmp", "new", "cur"):
                os.makedirs(os.path.join(self.maildir, d), exist_ok=True)
            name = "%d.%s.fakecognito" % (time.time(), secrets.token_hex(6))
            msg = ("From: no-reply@verificationemail.com\nTo: %s\nSubject: Your sign-in code\n"
                   "Date: %s\nX-Cognito-Username: %s\n\nYour code is %s\n"
                   % (user.email, time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                      user.username, code))
            tmp = os.path.join(self.maildir, "tmp", name)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(msg)
            os.rename(tmp, os.path.join(self.maildir, "new", name))

    def email_otp(self, client, user, name, purpose, available=None, enroll=False):
        code = "%08d" % secrets.randbelow(10 ** 8)
        params = {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                  "CODE_DELIVERY_DESTINATION": mask_email(user.email)}
        if purpose == "mfa":
            params["USER_ID_FOR_SRP"] = user.username
        out, s = self.challenge(client, user, "EMAIL_OTP", name, params, available,
                                first=purpose, enroll_email=enroll, factor="PASSWORD"
                                if purpose == "mfa" else "EMAIL_OTP")
        s.code = code
        self.deliver(user, code)
        return out

    def fake_email_otp(self, client, name, available=None):
        dest = name if "@" in name else "%s@%s" % (name, random.choice("egmopst"))
        params = {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                  "CODE_DELIVERY_DESTINATION": mask_email(dest)}
        out, _ = self.challenge(client, None, "EMAIL_OTP", name, params, available, first="first")
        return out

    def first_factors(self, pool, user):
        out = []
        for f in pool.first_factors:
            if f == "PASSWORD" and user.password is not None:
                out.append(f)
            # users with MFA are not offered passwordless sign-in (COGNITO.md 3.5)
            if f == "EMAIL_OTP" and user.email and user.email_verified and \
                    not (pool.mfa != "OFF" and user.mfa_methods(pool)):
                out.append(f)
        return out

    def check_password(self, user, given):
        pool = user_pool(self, user)
        now = self.now()
        if user.failures >= 5 and now < user.locked_until:
            raise CgError("NotAuthorizedException", "Password attempts exceeded")
        if user.password is None or not isinstance(given, str) or \
                not hmac.compare_digest(user.password.encode(), given.encode()):
            if user.failures >= 5:         # the lock ran out: one more try
                user.failures = 4
            user.failures += 1
            if user.failures >= 5:
                user.locked_until = now + pool.lockout_seconds
            raise CgError("NotAuthorizedException", BAD_LOGIN)
        user.failures = 0

    def policy(self, pool, pw):
        if not isinstance(pw, str) or len(pw) < pool.password_min_length:
            raise CgError("InvalidPasswordException",
                          "Password did not conform with policy: Password not long enough")

    # --- after a factor ----------------------------------------------------

    def after_first(self, client, user, name, factor):
        if factor == "PASSWORD" and user.status == "FORCE_CHANGE_PASSWORD":
            attrs = {"email": user.email} if user.email else {}
            attrs.update(user.attributes)
            if user.email is not None:
                attrs["email_verified"] = "true" if user.email_verified else "false"
            params = {"USER_ID_FOR_SRP": user.username,
                      "requiredAttributes": json.dumps([]),
                      "userAttributes": json.dumps(attrs)}
            return self.challenge(client, user, "NEW_PASSWORD_REQUIRED", name, params,
                                  factor=factor)[0]
        return self.mfa_or_tokens(client, user, name, factor)

    def mfa_or_tokens(self, client, user, name, factor):
        pool = client.pool
        if factor != "PASSWORD" or pool.mfa == "OFF":
            return self.tokens(client, user)
        methods = user.mfa_methods(pool)
        if methods:
            if len(methods) == 1:
                return self.start_mfa(client, user, name, methods[0])
            if user.preferred_mfa in methods:
                return self.start_mfa(client, user, name, user.preferred_mfa)
            params = {"MFAS_CAN_CHOOSE": json.dumps(methods), "USER_ID_FOR_SRP": user.username}
            return self.challenge(client, user, "SELECT_MFA_TYPE", name, params,
                                  available=None, factor=factor)[0]
        if pool.mfa == "ON":
            can = [m for m in pool.mfa_methods]
            params = {"MFAS_CAN_SETUP": json.dumps(can), "USER_ID_FOR_SRP": user.username}
            return self.challenge(client, user, "MFA_SETUP", name, params, factor=factor)[0]
        return self.tokens(client, user)

    def start_mfa(self, client, user, name, method):
        if method == "EMAIL_OTP":
            return self.email_otp(client, user, name, "mfa")
        params = {"USER_ID_FOR_SRP": user.username}
        return self.challenge(client, user, "SOFTWARE_TOKEN_MFA", name, params,
                              factor="PASSWORD")[0]

    def tokens(self, client, user):
        pool = client.pool
        now = int(self.now())
        iss = self.issuer(pool)
        origin, event = wire.new_jti(), wire.new_jti()
        idc = {"sub": user.sub}
        if user.groups:
            idc["cognito:groups"] = list(user.groups)
        if user.email is not None:
            idc["email_verified"] = bool(user.email_verified)
        idc.update({"iss": iss, "cognito:username": user.username, "origin_jti": origin,
                    "aud": client.id, "event_id": event, "token_use": "id",
                    "auth_time": now, "exp": now + client.id_token_validity, "iat": now,
                    "jti": wire.new_jti()})
        if user.email is not None:
            idc["email"] = user.email
        for k, v in user.attributes.items():
            idc.setdefault(k, v)
        idc.update(pool.id_token_claims)      # the "pre-token hook" of the config
        acc = {"sub": user.sub}
        if user.groups:
            acc["cognito:groups"] = list(user.groups)
        acc.update({"iss": iss, "client_id": client.id, "origin_jti": origin,
                    "event_id": event, "token_use": "access",
                    "scope": "aws.cognito.signin.user.admin", "auth_time": now,
                    "exp": now + client.access_token_validity, "iat": now,
                    "jti": wire.new_jti(), "username": user.username})
        user.failures = 0
        return {"ChallengeParameters": {},
                "AuthenticationResult": {
                    "AccessToken": self.signer.sign("access", acc),
                    "ExpiresIn": client.access_token_validity, "TokenType": "Bearer",
                    "RefreshToken": "RT" + wire.b64u(secrets.token_bytes(180)),
                    "IdToken": self.signer.sign("id", idc)}}

    def code_mismatch(self, s, name="CodeMismatchException", msg=BAD_CODE):
        """A wrong code: the session stays usable for MAX_WRONG_CODES in all."""
        s.wrong += 1
        if s.wrong < MAX_WRONG_CODES:
            self.sessions[s.id] = s
        raise CgError(name, msg)

    # --- operations --------------------------------------------------------

    def InitiateAuth(self, body):
        client = self.client(body)
        flow = body.get("AuthFlow")
        if flow != "USER_AUTH":
            raise CgError("InvalidParameterException",
                          "Unsupported AuthFlow %s (this fake implements USER_AUTH only)" % flow)
        if "ALLOW_USER_AUTH" not in client.flows:
            raise CgError("InvalidParameterException", "USER_AUTH flow not enabled for this client")
        params = body.get("AuthParameters") or {}
        name = need(params, "USERNAME")
        self.check_secret_hash(client, name, params.get("SECRET_HASH"))
        pool = client.pool
        pref = params.get("PREFERRED_CHALLENGE")
        if pref is not None and pref not in PREFERABLE:
            raise CgError("InvalidParameterException", "Invalid PREFERRED_CHALLENGE %s" % pref)
        user = pool.find(name)
        if user is None:
            if client.prevent_user_existence_errors == "LEGACY":
                raise CgError("UserNotFoundException", "User does not exist.")
            return self.simulated(client, name, pref, params)
        if not user.enabled:
            raise CgError("NotAuthorizedException", "User is disabled.")
        if user.status == "UNCONFIRMED":
            raise CgError("UserNotConfirmedException", "User is not confirmed.")
        if user.status == "RESET_REQUIRED":
            raise CgError("PasswordResetRequiredException", "Password reset required for the user")
        avail = self.first_factors(pool, user)
        if not avail:
            raise CgError("NotAuthorizedException", BAD_LOGIN)
        if pref is not None and pref not in avail and pool.preferred_unavailable == "error":
            raise CgError("InvalidParameterException",
                          "The preferred challenge %s is not available for this user" % pref)
        if pref in avail:
            return self.start_first(client, user, name, pref, params.get("PASSWORD"), avail)
        if avail == ["EMAIL_OTP"]:
            return self.email_otp(client, user, name, "first", available=avail)
        return self.challenge(client, user, "SELECT_CHALLENGE", name, {}, available=avail)[0]

    def start_first(self, client, user, name, factor, password, avail):
        if factor == "EMAIL_OTP":
            return self.email_otp(client, user, name, "first", available=[factor])
        if password is None:
            return self.challenge(client, user, "PASSWORD", name, {})[0]
        self.check_password(user, password)
        return self.after_first(client, user, name, "PASSWORD")

    def simulated(self, client, name, pref, params):
        """PreventUserExistenceErrors ENABLED: a plausible challenge for a
        name that does not exist; every answer is then NotAuthorized."""
        allowed = client.pool.first_factors
        if pref in allowed:
            choice = pref
        else:
            kinds = (["EMAIL_OTP"] if "EMAIL_OTP" in allowed else []) + \
                (["SELECT_CHALLENGE"] if "PASSWORD" in allowed else [])
            choice = self.simulate if self.simulate in kinds else random.choice(kinds)
        if choice == "EMAIL_OTP":
            return self.fake_email_otp(client, name, available=["EMAIL_OTP"])
        if choice == "PASSWORD":
            if params.get("PASSWORD") is not None:
                raise CgError("NotAuthorizedException", BAD_LOGIN)
            return self.challenge(client, None, "PASSWORD", name, {})[0]
        return self.challenge(client, None, "SELECT_CHALLENGE", name, {},
                              available=list(allowed))[0]

    def RespondToAuthChallenge(self, body):
        client = self.client(body)
        cname = body.get("ChallengeName")
        if not isinstance(cname, str) or not cname:
            raise CgError("InvalidParameterException", "Missing required parameter ChallengeName")
        s = self.find_session(body.get("Session"), client)
        resp = body.get("ChallengeResponses") or {}
        name = need(resp, "USERNAME", "ChallengeResponses")
        self.check_secret_hash(client, name, resp.get("SECRET_HASH"))
        if s.user is not None:
            if client.pool.find(name) is not s.user:
                raise CgError("NotAuthorizedException", BAD_SESSION)
        elif name.casefold() != s.name.casefold():
            raise CgError("NotAuthorizedException", BAD_SESSION)
        if cname != s.step:
            raise CgError("InvalidParameterException",
                          "Invalid challenge name %s: the session waits for %s" % (cname, s.step))
        del self.sessions[s.id]                        # single use
        user = s.user
        if user is None:                               # simulated: never succeeds
            if s.step == "SELECT_CHALLENGE" and resp.get("ANSWER") == "EMAIL_OTP" \
                    and "PASSWORD" not in resp:
                return self.fake_email_otp(client, name, available=["EMAIL_OTP"])
            if s.step == "SELECT_CHALLENGE" and resp.get("ANSWER") == "PASSWORD" \
                    and "PASSWORD" not in resp:
                return self.challenge(client, None, "PASSWORD", name, {})[0]
            raise CgError("NotAuthorizedException", BAD_LOGIN)
        if not user.enabled:
            raise CgError("NotAuthorizedException", "User is disabled.")
        return getattr(self, "answer_" + s.step)(client, s, user, name, resp)

    def answer_SELECT_CHALLENGE(self, client, s, user, name, resp):
        ans = need(resp, "ANSWER", "ChallengeResponses")
        if ans not in s.available:
            raise CgError("InvalidParameterException",
                          "ANSWER %s is not one of the available challenges" % ans)
        return self.start_first(client, user, name, ans, resp.get("PASSWORD"), s.available)

    def answer_PASSWORD(self, client, s, user, name, resp):
        self.check_password(user, need(resp, "PASSWORD", "ChallengeResponses"))
        return self.after_first(client, user, name, "PASSWORD")

    def answer_EMAIL_OTP(self, client, s, user, name, resp):
        code = need(resp, "EMAIL_OTP_CODE", "ChallengeResponses")
        if not hmac.compare_digest(code.encode(), s.code.encode()):
            self.code_mismatch(s)
        if s.enroll_email:
            user.email_mfa = True
            user.email_verified = True
            self.persist()
        if s.first == "first":
            return self.after_first(client, user, name, "EMAIL_OTP")
        return self.tokens(client, user)

    def answer_SOFTWARE_TOKEN_MFA(self, client, s, user, name, resp):
        code = need(resp, "SOFTWARE_TOKEN_MFA_CODE", "ChallengeResponses")
        if not user.totp_secret or not wire.totp_ok(user.totp_secret, code, self.now()):
            self.code_mismatch(s)
        return self.tokens(client, user)

    def answer_SELECT_MFA_TYPE(self, client, s, user, name, resp):
        ans = need(resp, "ANSWER", "ChallengeResponses")
        if ans not in user.mfa_methods(client.pool):
            raise CgError("InvalidParameterException", "MFA type %s is not set up" % ans)
        return self.start_mfa(client, user, name, ans)

    def answer_MFA_SETUP(self, client, s, user, name, resp):
        if s.verified:
            return self.tokens(client, user)
        email = resp.get("EMAIL")
        if email and "EMAIL_OTP" in client.pool.mfa_methods:
            user.email = email
            return self.email_otp(client, user, name, "mfa", enroll=True)
        self.sessions[s.id] = s                        # still waiting for the setup
        raise CgError("SoftwareTokenMFANotFoundException",
                      "Software Token MFA has not been set up for the user "
                      "(AssociateSoftwareToken and VerifySoftwareToken first).")

    def answer_NEW_PASSWORD_REQUIRED(self, client, s, user, name, resp):
        pw = need(resp, "NEW_PASSWORD", "ChallengeResponses")
        try:
            self.policy(client.pool, pw)
        except CgError:
            self.sessions[s.id] = s                    # the user may try another
            raise
        for k, v in resp.items():
            if k.startswith("userAttributes."):
                attr = k[len("userAttributes."):]
                if attr == "email":
                    user.email = v
                elif attr != "email_verified":
                    user.attributes[attr] = v
        user.password = pw
        user.status = "CONFIRMED"
        user.modified = self.now()
        self.persist()
        return self.mfa_or_tokens(client, user, name, "PASSWORD")

    def access_user(self, token):
        if not isinstance(token, str) or not token:
            raise CgError("InvalidParameterException", "Missing required parameter AccessToken")
        c = self.signer.verify(token, "access")
        if c is None or c.get("token_use") != "access":
            raise CgError("NotAuthorizedException", "Invalid Access Token")
        if c.get("exp", 0) < self.now():
            raise CgError("NotAuthorizedException", "Access Token has expired")
        client = self.cfg.clients.get(c.get("client_id"))
        user = None
        if client is not None:
            user = next((u for u in client.pool.users if u.sub == c.get("sub")), None)
        if user is None:
            raise CgError("NotAuthorizedException", "Invalid Access Token")
        return client, user

    def setup_session(self, token):
        s = self.sessions.get(token) if isinstance(token, str) else None
        if s is None or s.step != "MFA_SETUP":
            raise CgError("NotAuthorizedException", BAD_SESSION)
        if self.now() > s.expires:
            del self.sessions[token]
            raise CgError("NotAuthorizedException", OLD_SESSION)
        return s

    def AssociateSoftwareToken(self, body):
        if bool(body.get("Session")) == bool(body.get("AccessToken")):
            raise CgError("InvalidParameterException", "Give exactly one of Session and AccessToken")
        secret = wire.new_totp_secret()
        if body.get("AccessToken"):
            _, user = self.access_user(body["AccessToken"])
            user.pending_totp = secret
            return {"SecretCode": secret}
        s = self.setup_session(body["Session"])
        if "SOFTWARE_TOKEN_MFA" not in s.client.pool.mfa_methods:
            raise CgError("InvalidParameterException", "Software token MFA is not enabled")
        del self.sessions[s.id]
        n = self.new_session(s.client, s.user, "MFA_SETUP", s.name, secret=secret,
                             factor=s.factor)
        return {"SecretCode": secret, "Session": n.id}

    def VerifySoftwareToken(self, body):
        code = body.get("UserCode")
        if not isinstance(code, str) or not code:
            raise CgError("InvalidParameterException", "Missing required parameter UserCode")
        if bool(body.get("Session")) == bool(body.get("AccessToken")):
            raise CgError("InvalidParameterException", "Give exactly one of Session and AccessToken")
        if body.get("AccessToken"):
            _, user = self.access_user(body["AccessToken"])
            if not user.pending_totp:
                raise CgError("InvalidParameterException", "AssociateSoftwareToken first")
            if not wire.totp_ok(user.pending_totp, code, self.now()):
                raise CgError("EnableSoftwareTokenMFAException",
                              "Code mismatch and fail enable Software Token MFA")
            user.totp_secret, user.pending_totp = user.pending_totp, None
            self.persist()
            return {"Status": "SUCCESS"}
        s = self.setup_session(body["Session"])
        if not s.secret:
            raise CgError("NotAuthorizedException", BAD_SESSION)
        del self.sessions[s.id]
        if not wire.totp_ok(s.secret, code, self.now()):
            self.code_mismatch(s, "EnableSoftwareTokenMFAException",
                               "Code mismatch and fail enable Software Token MFA")
        s.user.totp_secret = s.secret
        s.user.modified = self.now()
        self.persist()
        n = self.new_session(s.client, s.user, "MFA_SETUP", s.name, verified=True,
                             factor=s.factor)
        return {"Status": "SUCCESS", "Session": n.id}

    def ChangePassword(self, body):
        client, user = self.access_user(body.get("AccessToken"))
        prev = body.get("PreviousPassword")
        new = body.get("ProposedPassword")
        if not isinstance(new, str) or not new:
            raise CgError("InvalidParameterException",
                          "Missing required parameter ProposedPassword")
        if user.password is not None or prev is not None:
            self.check_password(user, prev)
        self.policy(client.pool, new)
        user.password = new
        user.modified = self.now()
        self.persist()
        return {}

    def GetUser(self, body):
        client, user = self.access_user(body.get("AccessToken"))
        out = {"Username": user.username, "UserAttributes": user.attribute_list()}
        methods = user.mfa_methods(client.pool)
        if methods:
            out["UserMFASettingList"] = methods
            out["PreferredMfaSetting"] = user.preferred_mfa if user.preferred_mfa in methods \
                else methods[0]
        return out


def user_pool(engine, user):
    for p in engine.cfg.pools.values():
        if user in p.users:
            return p
    raise KeyError(user.username)
