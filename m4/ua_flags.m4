dnl SPDX-License-Identifier: MIT
dnl UA_CHECK_CFLAG(FLAG, ACTION-IF-OK): compile a tiny program with FLAG
dnl (and -Werror, so a flag the compiler only warns about counts as refused).
AC_DEFUN([UA_CHECK_CFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	ua_saved_cflags="$CFLAGS"
	CFLAGS="$CFLAGS -Werror $1"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[]], [[return 0;]])],
		[AC_MSG_RESULT([yes])
		 CFLAGS="$ua_saved_cflags"
		 $2],
		[AC_MSG_RESULT([no])
		 CFLAGS="$ua_saved_cflags"])
])
dnl UA_CHECK_LDFLAG(FLAG, ACTION-IF-OK): link a tiny program with FLAG.
AC_DEFUN([UA_CHECK_LDFLAG], [
	AC_MSG_CHECKING([whether the linker accepts $1])
	ua_saved_ldflags="$LDFLAGS"
	LDFLAGS="$LDFLAGS -Werror $1"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([[]], [[return 0;]])],
		[AC_MSG_RESULT([yes])
		 LDFLAGS="$ua_saved_ldflags"
		 $2],
		[AC_MSG_RESULT([no])
		 LDFLAGS="$ua_saved_ldflags"])
])
