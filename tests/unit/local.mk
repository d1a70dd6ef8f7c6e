# SPDX-License-Identifier: MIT
# One cmocka program per unit; each component adds its own below.
if HAVE_CMOCKA
include tests/unit/client.mk
include tests/unit/cache.mk
include tests/unit/conf.mk
include tests/unit/daemon.mk
include tests/unit/mail.mk
include tests/unit/notify.mk
include tests/unit/cognito.mk
include tests/unit/cli.mk
else
# No cmocka: the unit and module tests cannot be built, and make check
# must say so by failing rather than pass without them.
TESTS += tests/unit/no-cmocka.sh
endif
EXTRA_DIST += tests/unit/no-cmocka.sh
