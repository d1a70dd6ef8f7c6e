# SPDX-License-Identifier: MIT
dist_man_MANS += man/userauthd.8 man/userauthctl.8 man/userauth.conf.5 \
	man/nss_userauth.8
dist_man_MANS += man/pam_userauth.8
dist_man_MANS += man/userauth-nsswitch.8
