#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A Cognito-user-pool-wire-compatible fake server for the tests (HTTPS,
# awsJson 1.1, USER_AUTH with PASSWORD/EMAIL_OTP, TOTP and email MFA,
# RS256 tokens with a JWKS, SigV4-signed admin listings, failure knobs).
# How to start it, the config file and the knobs: fake_cognito.md.
#
#   fake_cognito.py --config FILE (--cert PEM --key PEM | --plain)
#                   [--port-file F] [--control SOCK] [--codes F] ...
#   fake_cognito.py ctl SOCK JSON...      (send knob commands)
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakecognito.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
