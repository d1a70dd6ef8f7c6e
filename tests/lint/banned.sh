#!/bin/sh
# SPDX-License-Identifier: MIT
# Functions the code must not call (STYLE.md 3.5, after curl's checksrc):
# unbounded copies and formats, tokenisers with hidden state, weak
# randomness, shells, and getpw*/getgr* in the NSS module and the daemon
# (the daemon must not recurse into NSS; the module is NSS).  Each finding
# is named file:line.  Sources only; the tests may use what they like.
. "$top_srcdir/tests/lint/lib.sh"
cd "$top_srcdir" || exit 1

# banned ERE DESCRIPTION FILES...: no call of a matching name in FILES.
banned() {
	re=$1
	what=$2
	shift 2
	# a call: the name followed by "(" (comments and strings may name
	# them: lines that are only comment are left out)
	hits=$(grep -HnE "(^|[^A-Za-z0-9_.>])($re)[[:space:]]*\\(" "$@" 2>/dev/null |
		grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')
	lint_ok "$([ -z "$hits" ]; echo $?)" "no $what" "$hits"
}

src=$(find common pam_userauth nss_userauth helpers -name '*.c' -o -name '*.h' | sort)
banned 'strcpy|strcat|sprintf|vsprintf|gets|stpcpy' \
	"unbounded string copy or format (strcpy strcat sprintf vsprintf gets stpcpy)" $src
banned 'strtok' "strtok (hidden state; strtok_r or the bounded buffer API)" $src
banned 'atoi|atol|atoll|atof|sscanf|scanf' \
	"unchecked number parsing (atoi atol sscanf: use ua_parse_uint / strtoul)" $src
banned 'rand|srand|random|srandom|drand48|lrand48' \
	"weak randomness (rand random drand48: use getrandom)" $src
banned 'system|popen|mktemp|tmpnam|tempnam' \
	"shells and racy temp names (system popen mktemp tmpnam)" $src
banned '_pam_overwrite|_pam_drop_reply|_pam_drop' \
	"Linux-PAM's private macros (use ua_wipe / ua_erase_free)" $src
# main.c resolves its own run-as user and admin group once at start-up,
# with USERAUTH_NSS_BYPASS set (our module answers UNAVAIL): the one place.
mod=$(find nss_userauth helpers/userauthd -name '*.c' ! -path helpers/userauthd/main.c | sort)
banned 'getpwnam|getpwnam_r|getpwuid|getpwuid_r|getpwent|getgrnam|getgrnam_r|getgrgid|getgrgid_r|getgrent|getgrouplist|initgroups' \
	"NSS lookups in the NSS module or the daemon (recursion into ourselves)" $mod

# The check itself must see a planted call (it cannot pass by matching nothing).
tmp=$(mktemp -d) || exit 1
printf 'int f(char *d, const char *s)\n{\n\treturn strcpy(d, s) != 0;\n}\n' >"$tmp/planted.c"
printf '/* strcpy(a, b) in a comment */\nint g(void);\n' >"$tmp/comment.c"
n0=$LINT_N
out=$(banned 'strcpy' "x" "$tmp/planted.c")
case $out in "not ok"*) r=0 ;; *) r=1 ;; esac
out2=$(banned 'strcpy' "x" "$tmp/comment.c")
case $out2 in "ok"*) r2=0 ;; *) r2=1 ;; esac
LINT_N=$n0
rm -rf "$tmp"
lint_ok "$r" "the check finds a planted strcpy call"
lint_ok "$r2" "  ... and leaves one named in a comment alone"
lint_done
