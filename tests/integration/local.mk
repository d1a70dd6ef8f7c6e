# SPDX-License-Identifier: MIT
# Shell tests printing TAP; they need root for namespaces and skip (with a
# stated reason) otherwise.  The slowest first (make check -j starts them
# in this order): the fault scripts, Cognito, mail, the logins.
include tests/integration/mail_outage.mk
include tests/integration/mail_expiry.mk
include tests/integration/faults.mk
include tests/integration/oom.mk
include tests/integration/faults2.mk
include tests/integration/faults3.mk
include tests/integration/faults4.mk
include tests/integration/faults5.mk
include tests/integration/cognito.mk
include tests/integration/cognito_hang.mk
include tests/integration/nss.mk
include tests/integration/cli.mk
include tests/integration/admin.mk
include tests/integration/mail.mk
include tests/integration/sshd.mk
include tests/integration/login.mk
include tests/integration/import.mk
include tests/integration/mfa.mk
include tests/integration/password.mk
include tests/integration/hoststate.mk
include tests/integration/burst.mk
include tests/integration/slots.mk
include tests/integration/syslog.mk
include tests/integration/flood.mk
include tests/integration/install.mk
include tests/integration/systemd.mk
include tests/integration/nsswitch.mk
include tests/integration/pamconfigs.mk
include tests/integration/throttle.mk
include tests/integration/bound.mk
include tests/integration/limits.mk
include tests/integration/codehold.mk
include tests/integration/cognito_fake.mk
include tests/integration/recipes.mk
include tests/integration/notice.mk
include tests/integration/nscd.mk
