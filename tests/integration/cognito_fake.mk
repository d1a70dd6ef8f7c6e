# SPDX-License-Identifier: MIT
# The Cognito fake (tests/tools/fake_cognito.py) checked with the official
# AWS SDK for JavaScript (tests/cognito-sdk) and raw HTTPS requests.
TESTS += tests/integration/cognito_fake.sh
EXTRA_DIST += tests/integration/cognito_fake.sh tests/tools/fake_cognito.py \
	tests/tools/fake_cognito.md tests/tools/fake_cognito.example.json \
	tests/tools/fakecognito/__init__.py tests/tools/fakecognito/admin.py \
	tests/tools/fakecognito/auth.py tests/tools/fakecognito/config.py \
	tests/tools/fakecognito/server.py tests/tools/fakecognito/wire.py \
	tests/cognito-sdk/package.json tests/cognito-sdk/package-lock.json \
	tests/cognito-sdk/flows.mjs
