/* SPDX-License-Identifier: MIT */
/*
 * A QR code for the terminal (libqrencode): the enrolment URI drawn with
 * Unicode half blocks, so that it fits a login prompt.  Shared by the
 * daemon (MFA_SETUP at login) and userauthctl (mfa enroll).
 */
#ifndef UA_QR_H
#define UA_QR_H

#define UA_QR_QUIET 2 /* modules of quiet zone around the code */

/*
 * text as a QR code (ECC level L), two module rows per line: light
 * modules (and the quiet zone) are drawn as blocks, dark ones as spaces,
 * for the usual light-on-dark terminal.  Lines end in "\n".  A malloc'ed
 * string, or NULL (ENOMEM, or text too long for a QR code).
 */
char *ua_qr_render(const char *text);

#endif
