#!/bin/sh
# SPDX-License-Identifier: MIT
# The rooms' include rules (STYLE.md: modules are libc and libpam only):
# the modules and common/client include no project header outside
# common/client and their own directory; common/server includes none from
# the daemon or the CLI.  The build enforces the helpers/ half for the
# modules (no -I for it); this also covers common/server, which the same
# -I would let through; and only the store's files include its internals.
# Each finding is named file:line.
. "$top_srcdir/tests/lint/lib.sh"
cd "$top_srcdir" || exit 1

# includes DIRS...: file:line:header of every project ("...") include.
includes() {
	find "$@" -name '*.[ch]' | sort | xargs grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"' |
		sed -E 's/^([^:]+:[0-9]+):.*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1:\2/'
}

hits=$(includes pam_userauth | grep -vE ':(client|pam_userauth)/[^/]+$')
lint_ok "$([ -z "$hits" ]; echo $?)" "pam_userauth includes only client/ and its own headers" "$hits"
hits=$(includes nss_userauth | grep -vE ':(client|nss_userauth)/[^/]+$')
lint_ok "$([ -z "$hits" ]; echo $?)" "nss_userauth includes only client/ and its own headers" "$hits"
hits=$(includes common/client | grep -vE ':client/[^/]+$')
lint_ok "$([ -z "$hits" ]; echo $?)" "common/client includes only its own headers" "$hits"
hits=$(includes common/server | grep -vE ':(client|server)/[^/]+$')
lint_ok "$([ -z "$hits" ]; echo $?)" "common/server includes no daemon or CLI header" "$hits"
# The store's SQL is its own: only store*.c include its internal header.
hits=$(includes helpers | grep -E ':userauthd/store/store_int\.h$' | grep -vE '^helpers/userauthd/store/')
lint_ok "$([ -z "$hits" ]; echo $?)" "only the store's files include store_int.h (no SQL elsewhere on its connection)" "$hits"
lint_done
