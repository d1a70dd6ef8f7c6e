# SPDX-License-Identifier: MIT
# One cmocka program per unit; each component adds its own below.
if HAVE_CMOCKA
include tests/unit/client.mk
include tests/unit/cache.mk
include tests/unit/conf.mk
include tests/unit/daemon.mk
include tests/unit/mail.mk
endif
