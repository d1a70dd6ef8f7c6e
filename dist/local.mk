# SPDX-License-Identifier: MIT
# What a system install needs beside the programs: the nsswitch.conf
# helper (installed), and for packagers (debian/ installs them) the
# systemd unit, its tmpfiles.d file and the pam-auth-update profile.
dist_sbin_SCRIPTS = dist/userauth-nsswitch
EXTRA_DIST += dist/userauthd.service dist/userauthd.tmpfiles
EXTRA_DIST += dist/pam-configs/userauth dist/userauth.conf
