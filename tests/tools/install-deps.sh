#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what building and testing userauth needs on Debian 12, and the
# userauth system user the daemon drops to.  Run as root; safe to re-run.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get and useradd)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config make \
	libpam0g-dev libssl-dev libcurl4-openssl-dev libjansson-dev \
	liboath-dev oathtool libqrencode-dev libsqlite3-dev sqlite3 libcrypt-dev \
	libcmocka-dev libpam-wrapper libnss-wrapper libpamtest0-dev pamtester \
	python3 python3-aiosmtpd python3-paramiko libpam-pwquality \
	openssh-server openssh-client expect \
	mandoc iproute2 netcat-openbsd curl util-linux passwd \
	ca-certificates openssl sudo
# The daemon's unprivileged account (a package's postinst would do this).
if ! getent passwd userauth >/dev/null; then
	useradd --system --user-group --home-dir /nonexistent \
		--no-create-home --shell /usr/sbin/nologin userauth
fi
