# SPDX-License-Identifier: MIT
"""The fake's configuration: pools, app clients, IAM keys, groups, users.

One JSON file (fake_cognito.md, "The config file").  Either {"pools":
[POOL, ...], "iam_keys": [...]} or, for one pool, {"pool": {...},
"clients": [...], "groups": [...], "users": [...], "iam_keys": [...]}.
Changes made through the API (a new password, an enrolled TOTP secret,
a confirmed status) live in memory and, with --state FILE, are written back
as a config file of the same form that can be loaded again.
"""
import json
import os
import re
import time
import uuid

FIRST_FACTORS = ("PASSWORD", "EMAIL_OTP")
MFA_METHODS = ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP")
STATUSES = ("CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED", "UNCONFIRMED")
POOL_ID = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$")


class ConfigError(Exception):
    pass


class User:
    def __init__(self, d, now):
        if not isinstance(d.get("username"), str) or not d["username"]:
            raise ConfigError("a user without a username: %r" % (d,))
        self.username = d["username"]
        self.sub = d.get("sub") or str(uuid.uuid4())
        self.email = d.get("email")
        self.email_verified = bool(d.get("email_verified", self.email is not None))
        self.password = d.get("password")
        self.status = d.get("status", "CONFIRMED")
        if self.status not in STATUSES:
            raise ConfigError("user %s: status %r is not one of %s"
                              % (self.username, self.status, ", ".join(STATUSES)))
        self.enabled = bool(d.get("enabled", True))
        self.totp_secret = d.get("totp_secret")
        mfa = d.get("mfa", [])
        if isinstance(mfa, str):
            mfa = [mfa]
        self.email_mfa = "EMAIL_OTP" in mfa
        self.preferred_mfa = d.get("preferred_mfa")
        self.groups = list(d.get("groups", []))
        self.attributes = dict(d.get("attributes", {}))
        for k, v in d.items():           # "custom:uid": "1001" at the top too
            if k.startswith("custom:"):
                self.attributes[k] = v
        self.attributes = {k: str(v) for k, v in self.attributes.items()}
        self.created = float(d.get("created", now))
        self.modified = float(d.get("modified", self.created))
        self.pending_totp = None         # AssociateSoftwareToken with an AccessToken
        self.failures = 0                # consecutive wrong passwords
        self.locked_until = 0.0

    def mfa_methods(self, pool):
        """The MFA methods this user has set up, in Cognito's names."""
        out = []
        if self.totp_secret and "SOFTWARE_TOKEN_MFA" in pool.mfa_methods:
            out.append("SOFTWARE_TOKEN_MFA")
        if self.email_mfa and self.email and self.email_verified and \
                "EMAIL_OTP" in pool.mfa_methods:
            out.append("EMAIL_OTP")
        return out

    def attribute_list(self):
        """[{"Name", "Value"}] as ListUsers/AdminGetUser/GetUser give them."""
        out = [{"Name": "sub", "Value": self.sub}]
        if self.email is not None:
            out.append({"Name": "email", "Value": self.email})
            out.append({"Name": "email_verified",
                        "Value": "true" if self.email_verified else "false"})
        for k in sorted(self.attributes):
            out.append({"Name": k, "Value": self.attributes[k]})
        return out

    def to_json(self):
        d = {"username": self.username, "sub": self.sub, "status": self.status,
             "enabled": self.enabled, "created": self.created, "modified": self.modified}
        for k in ("email", "password", "totp_secret", "preferred_mfa"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.email is not None:
            d["email_verified"] = self.email_verified
        if self.email_mfa:
            d["mfa"] = ["EMAIL_OTP"]
        if self.groups:
            d["groups"] = self.groups
        if self.attributes:
            d["attributes"] = self.attributes
        return d


class Client:
    def __init__(self, d, pool):
        if not d.get("client_id"):
            raise ConfigError("pool %s: a client without client_id" % pool.id)
        self.id = d["client_id"]
        self.name = d.get("name", self.id)
        self.secret = d.get("secret")
        self.flows = list(d.get("explicit_auth_flows", ["ALLOW_USER_AUTH"]))
        self.prevent_user_existence_errors = d.get(
            "prevent_user_existence_errors", pool.prevent_user_existence_errors)
        if self.prevent_user_existence_errors not in ("LEGACY", "ENABLED"):
            raise ConfigError("client %s: prevent_user_existence_errors must be "
                              "LEGACY or ENABLED" % self.id)
        self.auth_session_validity = int(d.get("auth_session_validity",
                                               pool.auth_session_validity))
        self.access_token_validity = int(d.get("access_token_validity", 3600))
        self.id_token_validity = int(d.get("id_token_validity", 3600))
        self.pool = pool

    def to_json(self):
        d = {"client_id": self.id, "name": self.name, "explicit_auth_flows": self.flows,
             "prevent_user_existence_errors": self.prevent_user_existence_errors,
             "auth_session_validity": self.auth_session_validity,
             "access_token_validity": self.access_token_validity,
             "id_token_validity": self.id_token_validity}
        if self.secret:
            d["secret"] = self.secret
        return d


class Pool:
    def __init__(self, d, now):
        self.id = d.get("id", "")
        m = POOL_ID.match(self.id)
        if not m:
            raise ConfigError("pool id %r is not of the form <region>_<name>, "
                              "e.g. eu-west-1_TestPool1" % self.id)
        self.region = m.group(1)
        self.mfa = d.get("mfa", "OFF")
        if self.mfa not in ("OFF", "ON", "OPTIONAL"):
            raise ConfigError("pool %s: mfa must be OFF, ON or OPTIONAL" % self.id)
        self.first_factors = list(d.get("allowed_first_factors", ["PASSWORD"]))
        for f in self.first_factors:
            if f not in FIRST_FACTORS:
                raise ConfigError("pool %s: first factor %r is not supported by the "
                                  "fake (only %s)" % (self.id, f, ", ".join(FIRST_FACTORS)))
        if self.mfa == "ON" and "EMAIL_OTP" in self.first_factors:
            # as AWS refuses it (COGNITO.md section 0)
            raise ConfigError("pool %s: Only PASSWORD and WEB_AUTHN (if configured) can be "
                              "enabled as an auth factor if MFA is enabled (mfa ON with "
                              "EMAIL_OTP in allowed_first_factors)" % self.id)
        self.mfa_methods = list(d.get("mfa_methods", list(MFA_METHODS)))
        self.prevent_user_existence_errors = d.get("prevent_user_existence_errors", "ENABLED")
        self.auth_session_validity = int(d.get("auth_session_validity", 180))
        self.password_min_length = int(d.get("password_min_length", 8))
        self.preferred_unavailable = d.get("preferred_unavailable", "select")
        if self.preferred_unavailable not in ("select", "error"):
            raise ConfigError("pool %s: preferred_unavailable must be select or error" % self.id)
        self.lockout_seconds = int(d.get("lockout_seconds", 900))
        self.id_token_claims = dict(d.get("id_token_claims", {}))
        self.created = float(d.get("created", now))
        self.groups = {}
        for g in d.get("groups", []):
            if isinstance(g, str):
                g = {"name": g}
            self.groups[g["name"]] = {
                "GroupName": g["name"], "UserPoolId": self.id,
                "Description": g.get("description", ""),
                "Precedence": int(g.get("precedence", 0)),
                "CreationDate": float(g.get("created", self.created)),
                "LastModifiedDate": float(g.get("created", self.created))}
        self.clients = {}
        for c in d.get("clients", []):
            c = Client(c, self)
            self.clients[c.id] = c
        self.users = []
        for u in d.get("users", []):
            u = User(u, now)
            for g in u.groups:
                if g not in self.groups:
                    raise ConfigError("user %s: group %r is not in pool %s's groups"
                                      % (u.username, g, self.id))
            if self.find(u.username) or (u.email and self.find(u.email)):
                raise ConfigError("pool %s: user %s is there twice (name or email)"
                                  % (self.id, u.username))
            self.users.append(u)

    def find(self, name):
        """The user NAME names: username (any case), sub, or verified email."""
        if not name:
            return None
        low = name.casefold()
        for u in self.users:
            if u.username.casefold() == low or u.sub == name:
                return u
        for u in self.users:
            if u.email and u.email.casefold() == low:
                return u
        return None

    def to_json(self):
        groups = [{"name": g["GroupName"], "description": g["Description"],
                   "precedence": g["Precedence"], "created": g["CreationDate"]}
                  for g in self.groups.values()]
        return {"id": self.id, "mfa": self.mfa, "allowed_first_factors": self.first_factors,
                "mfa_methods": self.mfa_methods,
                "prevent_user_existence_errors": self.prevent_user_existence_errors,
                "auth_session_validity": self.auth_session_validity,
                "password_min_length": self.password_min_length,
                "preferred_unavailable": self.preferred_unavailable,
                "lockout_seconds": self.lockout_seconds,
                "id_token_claims": self.id_token_claims, "created": self.created,
                "groups": groups, "clients": [c.to_json() for c in self.clients.values()],
                "users": [u.to_json() for u in self.users]}


class Config:
    def __init__(self, d):
        now = time.time()
        if "pool" in d:
            one = dict(d["pool"])
            for k in ("clients", "groups", "users"):
                one.setdefault(k, d.get(k, []))
            pools = [one]
        else:
            pools = d.get("pools", [])
        if not pools:
            raise ConfigError("no pool in the config (\"pool\" or \"pools\")")
        self.pools = {}
        self.clients = {}
        for p in pools:
            p = Pool(p, now)
            if p.id in self.pools:
                raise ConfigError("pool %s twice" % p.id)
            self.pools[p.id] = p
            for c in p.clients.values():
                if c.id in self.clients:
                    raise ConfigError("client %s in two pools" % c.id)
                self.clients[c.id] = c
        self.iam_keys = {}
        for k in d.get("iam_keys", []):
            self.iam_keys[k["access_key_id"]] = k["secret_access_key"]
        self.issuer_base = d.get("issuer_base")

    def to_json(self):
        d = {"pools": [p.to_json() for p in self.pools.values()],
             "iam_keys": [{"access_key_id": k, "secret_access_key": v}
                          for k, v in self.iam_keys.items()]}
        if self.issuer_base:
            d["issuer_base"] = self.issuer_base
        return d


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        raise ConfigError("%s: %s" % (path, e))
    try:
        return Config(d)
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError("%s: bad entry: %s" % (path, e))


def save(cfg, path):
    """Write the current state atomically (with --state FILE)."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(cfg.to_json(), f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
