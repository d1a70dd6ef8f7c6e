# SPDX-License-Identifier: MIT
"""A Cognito-user-pool-wire-compatible fake server for the tests.

fake_cognito.py (beside this package) is the entry point; fake_cognito.md
says how to start it, what the config file holds and which knobs exist.
Modules: config (pools, clients, users, state file), wire (SECRET_HASH,
TOTP, SigV4, JWT signing), auth (the user-facing operations), admin (the
SigV4-signed list/get operations), server (HTTPS, knobs, control socket).
"""


class CgError(Exception):
    """An answer of the form 400 {"__type": NAME, "message": TEXT}."""

    def __init__(self, name, message="", status=400):
        super().__init__(name, message)
        self.name = name
        self.message = message
        self.status = status
