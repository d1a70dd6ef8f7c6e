# SPDX-License-Identifier: MIT
# A real sshd (as PAM service "sshd-userauth") with pam_userauth and the NSS
# module, driven by paramiko (tests/tools/sshlogin.py); and the demo, run
# once against this build.  Root only; both skip otherwise.
TESTS += tests/integration/sshd.sh tests/integration/demo.sh
EXTRA_DIST += tests/integration/sshd.sh tests/integration/demo.sh \
	tests/tools/sshlogin.py demo/run.sh
# TOTP MFA (password + Verification code:, enrolment at login) through sshd.
TESTS += tests/integration/sshd_mfa.sh
EXTRA_DIST += tests/integration/sshd_mfa.sh
# sshd's LoginGraceTime kills a login mid-prompt: the daemon frees it.
TESTS += tests/integration/sshd_grace.sh
EXTRA_DIST += tests/integration/sshd_grace.sh
