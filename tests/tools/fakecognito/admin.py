# SPDX-License-Identifier: MIT
"""The SigV4-signed operations the daemon's sync uses: ListUsers,
AdminGetUser, AdminListGroupsForUser, ListGroups, ListUsersInGroup
(shared/COGNITO.md section 8).  Timestamps are epoch seconds."""
import base64
import json
import re

from . import CgError

SIGNED = ("ListUsers", "AdminGetUser", "AdminListGroupsForUser", "ListGroups",
          "ListUsersInGroup")
FILTER = re.compile(r'^\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$')
STANDARD = ("phone_number", "name", "given_name", "family_name", "preferred_username")


def pool_of(engine, body):
    pid = body.get("UserPoolId")
    if not isinstance(pid, str) or not pid:
        raise CgError("InvalidParameterException", "Missing required parameter UserPoolId")
    p = engine.cfg.pools.get(pid)
    if p is None:
        raise CgError("ResourceNotFoundException", "User pool %s does not exist." % pid)
    return p


def limit_of(body, field="Limit"):
    lim = body.get(field, 60)
    if not isinstance(lim, int) or lim < 0 or lim > 60:
        raise CgError("InvalidParameterException",
                      "1 validation error detected: Value '%s' at 'limit' failed to satisfy "
                      "constraint: Member must have value less than or equal to 60" % lim)
    return lim or 60


def page(items, body, field, kind, lim):
    """items[start:start+lim] and the token for the rest (or None)."""
    tok = body.get(field)
    start = 0
    if tok is not None:
        try:
            k, _, n = base64.b64decode(tok, validate=True).decode().rpartition(":")
            start = int(n)
            if k != kind or start < 0:
                raise ValueError(tok)
        except (ValueError, UnicodeDecodeError):
            raise CgError("InvalidParameterException", "Invalid %s" % field)
    more = len(items) > start + lim     # no copy of the rest: pages of 100,000 users
    nxt = base64.b64encode(("%s:%d" % (kind, start + lim)).encode()).decode() if more else None
    return items[start:start + lim], nxt


def user_type(user, attrs_key="Attributes", only=None):
    attrs = user.attribute_list()
    if only is not None:
        attrs = [a for a in attrs if a["Name"] in only]
    d = {"Username": user.username, attrs_key: attrs,
         "UserCreateDate": user.created, "UserLastModifiedDate": user.modified,
         "Enabled": user.enabled, "UserStatus": user.status}
    return d


def user_filter(expr):
    if not expr:
        return lambda u: True
    m = FILTER.match(expr)
    if not m:
        raise CgError("InvalidParameterException", "Error while parsing filter.")
    attr, op, val = m.group(1), m.group(2), re.sub(r'\\(.)', r'\1', m.group(3))

    def value(u):
        if attr == "username":
            return u.username
        if attr == "email":
            return u.email
        if attr == "sub":
            return u.sub
        if attr == "status":
            return "Enabled" if u.enabled else "Disabled"
        if attr == "cognito:user_status":
            return u.status
        return u.attributes.get(attr)

    if attr not in ("username", "email", "sub", "status", "cognito:user_status") + STANDARD:
        raise CgError("InvalidParameterException",
                      "Invalid search attribute %s (custom attributes cannot be searched)" % attr)

    def match(u):
        v = value(u)
        if v is None:
            return False
        return v == val if op == "=" else v.startswith(val)
    return match


class Admin:
    def __init__(self, engine):
        self.engine = engine

    def ListUsers(self, body):
        p = pool_of(self.engine, body)
        lim = limit_of(body)
        keep = user_filter(body.get("Filter"))
        only = body.get("AttributesToGet")
        # without a Filter, the pool's list itself (a page is a slice of it)
        users = [u for u in p.users if keep(u)] if body.get("Filter") else p.users
        chunk, nxt = page(users, body, "PaginationToken", "users", lim)
        out = {"Users": [user_type(u, only=only) for u in chunk]}
        if nxt:
            out["PaginationToken"] = nxt
        return out

    def user(self, p, body):
        name = body.get("Username")
        if not isinstance(name, str) or not name:
            raise CgError("InvalidParameterException", "Missing required parameter Username")
        u = p.find(name)
        if u is None:
            raise CgError("UserNotFoundException", "User does not exist.")
        return u

    def AdminGetUser(self, body):
        p = pool_of(self.engine, body)
        u = self.user(p, body)
        out = user_type(u, "UserAttributes")
        methods = u.mfa_methods(p)
        if methods:
            out["UserMFASettingList"] = methods
            out["PreferredMfaSetting"] = u.preferred_mfa if u.preferred_mfa in methods \
                else methods[0]
        return out

    def AdminListGroupsForUser(self, body):
        p = pool_of(self.engine, body)
        u = self.user(p, body)
        groups = [p.groups[g] for g in u.groups]
        chunk, nxt = page(groups, body, "NextToken", "ugroups", limit_of(body))
        out = {"Groups": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def ListGroups(self, body):
        p = pool_of(self.engine, body)
        chunk, nxt = page(list(p.groups.values()), body, "NextToken", "groups", limit_of(body))
        out = {"Groups": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def ListUsersInGroup(self, body):
        p = pool_of(self.engine, body)
        g = body.get("GroupName")
        if g not in p.groups:
            raise CgError("ResourceNotFoundException", "Group not found.")
        users = [u for u in p.users if g in u.groups]
        chunk, nxt = page(users, body, "NextToken", "members:" + g, limit_of(body))
        out = {"Users": [user_type(u) for u in chunk]}
        if nxt:
            out["NextToken"] = nxt
        return out


def dumps(d):
    return json.dumps(d, separators=(",", ":"))
