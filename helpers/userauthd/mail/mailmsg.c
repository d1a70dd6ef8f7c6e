/* SPDX-License-Identifier: MIT */
/*
 * The one-time-code mail as RFC 5322 text.  Owns the header layout, the
 * Message-ID, RFC 2047 subjects and template expansion.  It must never put
 * an unchecked value into a header, and every buffer that held the code
 * is wiped (struct ua_buf wipes when it grows and when it is freed).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "client/buf.h"
#include "client/valid.h"
#include "client/wipe.h"
#include "server/defaults.h"
#include "userauthd/hostname.h"
#include "userauthd/mail/mailmsg.h"

#define MSGID_RANDOM 16 /* bytes, shown as 32 hex digits */
#define EW_CHUNK 45     /* bytes per encoded word: 60 base64 chars */
#define SMTP_LINE 998   /* RFC 5322 2.1.1 */

/* One header value: UTF-8 without C0, DEL or C1 controls (so no CR/LF). */
static bool
header_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n = strlen(s);

	if (!ua_valid_utf8(s, n))
		return false;
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0))
			return false;
	return true;
}

static bool
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x7f || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static int
put(struct ua_buf *b, const char *s)
{
	return ua_buf_put(b, s, strlen(s));
}

/* RFC 5322 3.3 in UTC, independent of the locale. */
static int
put_date(struct ua_buf *b, time_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char s[64];
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return -EINVAL;
	if (ua_snprintf(s, sizeof(s),
		"Date: %s, %02d %s %04d %02d:%02d:%02d "
		"+0000\r\n",
		days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec) < 0)
		return -EINVAL;
	return put(b, s);
}

static void
base64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16 |
		    (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/*
 * Subject: as it is when plain ASCII, else RFC 2047 encoded words of at
 * most 75 characters, one per folded line, never splitting a character.
 */
static int
put_subject(struct ua_buf *b, const char *subject)
{
	const unsigned char *s = (const unsigned char *)subject;
	char word[4 * EW_CHUNK / 3 + 8];
	size_t n = strlen(subject), off = 0, k;
	int r;

	r = put(b, "Subject: ");
	if (r < 0)
		return r;
	if (plain_ascii(subject) && strstr(subject, "=?") == NULL) {
		r = put(b, subject);
		return r < 0 ? r : put(b, "\r\n");
	}
	while (off < n) {
		k = n - off < EW_CHUNK ? n - off : EW_CHUNK;
		/* Back off to the start of a character. */
		while (off + k < n && k > 0 && (s[off + k] & 0xc0) == 0x80)
			k--;
		if (k == 0)
			return -EINVAL;
		base64(s + off, k, word);
		r = put(b, off > 0 ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		if (r == 0)
			r = put(b, word);
		if (r == 0)
			r = put(b, "?=");
		if (r < 0)
			return r;
		off += k;
	}
	return put(b, "\r\n");
}

/* "<32 hex digits@domain>" from getrandom(2). */
static int
make_message_id(const char *from, char **ret)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[MSGID_RANDOM];
	char id[2 * MSGID_RANDOM + UA_MAX_EMAIL + 4], *s;
	const char *dom = strchr(from, '@');
	size_t i;

	if (dom == NULL)
		return -EINVAL;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	id[0] = '<';
	for (i = 0; i < sizeof(rnd); i++) {
		id[1 + 2 * i] = hex[rnd[i] >> 4];
		id[2 + 2 * i] = hex[rnd[i] & 15];
	}
	if (ua_snprintf(id + 1 + 2 * MSGID_RANDOM,
		sizeof(id) - 1 - 2 * MSGID_RANDOM, "%s>", dom) < 0)
		return -EINVAL;
	s = strdup(id);
	if (s == NULL)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/*
 * A validity in words: "3 days", "1 day, 2 hours and 30 minutes", "90
 * minutes" below two hours when not whole hours; at least "1 minute".
 */
static void
human_validity(unsigned s, char *out, size_t outsz)
{
	unsigned v[3] = { s / 86400, s % 86400 / 3600, s % 3600 / 60 };
	static const char *const unit[3] = { "day", "hour", "minute" };
	size_t n = 0, i, k = 0, left;
	int w;

	if (s < 7200 && s % 3600 != 0) {
		v[0] = v[1] = 0;
		v[2] = s < 60 ? 1 : s / 60;
	}
	for (i = 0; i < 3; i++)
		k += v[i] != 0;
	out[0] = '\0';
	for (i = 0; i < 3; i++) {
		if (v[i] == 0)
			continue;
		left = --k;
		w = snprintf(out + n, outsz - n, "%u %s%s%s", v[i], unit[i],
		    v[i] == 1 ? "" : "s",
		    left == 0       ? ""
			: left == 1 ? " and "
				    : ", ");
		if (w < 0 || (size_t)w >= outsz - n)
			return;
		n += (size_t)w;
	}
}

/*
 * The template with its escapes expanded and CRLF line ends.  %h (the
 * host name) and %v (the validity in words) are the invitation's own:
 * pool templates cannot hold them (conf_value.c).
 */
static int
put_body(struct ua_buf *b, const char *tmpl, const char *code,
    const char *minutes, const char *pool, const char *validity)
{
	const char *t, *add;
	size_t line = 0, len;
	int r = 0;

	for (t = tmpl; *t != '\0' && r == 0; t++) {
		add = t;
		len = 1;
		if (*t == '\r')
			return -EINVAL;
		if (*t == '\n') {
			r = put(b, "\r\n");
			line = 0;
			continue;
		}
		if (*t == '%') {
			t++;
			if (*t == 'c' || *t == 'm' || *t == 'p' || *t == 'h' ||
			    *t == 'v') {
				add = *t == 'c' ? code
				    : *t == 'm' ? minutes
				    : *t == 'p' ? pool
				    : *t == 'h' ? hostname_get()
						: validity;
				len = strlen(add);
			} else if (*t != '%')
				return -EINVAL;
		}
		line += len;
		if (line > SMTP_LINE)
			return -EMSGSIZE;
		r = ua_buf_put(b, add, len);
	}
	if (r == 0 && line > 0)
		r = put(b, "\r\n");
	return r;
}

static bool
valid_code(const char *code)
{
	size_t n = strnlen(code, 17);

	return n >= 1 && n <= 16 && strspn(code, "0123456789") == n;
}

/* Headers, blank line, body into b. */
static int
compose(struct ua_buf *b, const struct ua_pool_conf *p, const char *to,
    const char *code, unsigned valid_seconds, time_t now, const char *msgid,
    enum mailmsg_kind kind, const char *text)
{
	bool invite = kind == MAILMSG_INVITE;
	const char *tmpl = kind == MAILMSG_NOTICE ? text
	    : kind == MAILMSG_TEST                ? UA_TEST_MAIL_TEMPLATE
	    : invite ? (p->allow_password ? UA_INVITE_MAIL_TEMPLATE
					  : UA_INVITE_MAIL_TEMPLATE_CODES)
	    : p->mail_template.text != NULL ? p->mail_template.text
					    : UA_DEFAULT_MAIL_TEMPLATE;
	const char *subject = kind == MAILMSG_NOTICE ? UA_NOTICE_MAIL_SUBJECT
	    : kind == MAILMSG_TEST                   ? UA_TEST_MAIL_SUBJECT
	    : invite                                 ? UA_INVITE_MAIL_SUBJECT
	    : p->mail_subject != NULL                ? p->mail_subject
						     : UA_DEFAULT_MAIL_SUBJECT;
	char minutes[16], validity[64];
	int r;

	(void)snprintf(minutes, sizeof(minutes), "%u",
	    valid_seconds < 60 ? 1u : valid_seconds / 60);
	human_validity(valid_seconds, validity, sizeof(validity));
	r = put_date(b, now);
	if (r == 0)
		r = put(b, "From: ");
	if (r == 0)
		r = put(b, p->mail_from);
	if (r == 0)
		r = put(b, "\r\nTo: ");
	if (r == 0)
		r = put(b, to);
	if (r == 0)
		r = put(b, "\r\n");
	if (r == 0)
		r = put_subject(b, subject);
	if (r == 0)
		r = put(b, "Message-ID: ");
	if (r == 0)
		r = put(b, msgid);
	if (r == 0)
		r = put(b,
		    "\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n"
		    "Auto-Submitted: auto-generated\r\n\r\n");
	if (r == 0)
		r = put_body(b, tmpl, code, minutes, p->name ? p->name : "",
		    validity);
	if (r == 0)
		r = ua_buf_put_u8(b, 0);
	return r;
}

static int
compose_any(const struct ua_pool_conf *p, const char *to, const char *code,
    unsigned valid_seconds, time_t now, enum mailmsg_kind kind,
    const char *text, char **ret_body, char **ret_message_id)
{
	struct ua_buf b;
	char *msgid = NULL;
	int r;

	if (p == NULL || p->mail_from == NULL || to == NULL || code == NULL ||
	    ua_valid_email(p->mail_from, NULL) < 0 ||
	    ua_valid_email(to, NULL) < 0 || !valid_code(code) ||
	    (p->mail_subject != NULL &&
		(!header_safe(p->mail_subject) || p->mail_subject[0] == '\0')))
		return -EINVAL;
	r = make_message_id(p->mail_from, &msgid);
	if (r < 0)
		return r;
	ua_buf_init(&b, MAILMSG_MAX);
	r = compose(&b, p, to, code, valid_seconds, now, msgid, kind, text);
	if (r < 0) {
		ua_buf_free(&b);
		free(msgid);
		return r;
	}
	*ret_body = (char *)b.data; /* ours now: wiped by the caller */
	*ret_message_id = msgid;
	return 0;
}

int
mailmsg_compose(const struct ua_pool_conf *p, const char *to, const char *code,
    unsigned valid_seconds, time_t now, char **ret_body, char **ret_message_id)
{
	return compose_any(p, to, code, valid_seconds, now, MAILMSG_CODE, NULL,
	    ret_body, ret_message_id);
}

int
mailmsg_compose_invite(const struct ua_pool_conf *p, const char *to,
    const char *code, unsigned valid_seconds, time_t now, char **ret_body,
    char **ret_message_id)
{
	return compose_any(p, to, code, valid_seconds, now, MAILMSG_INVITE,
	    NULL, ret_body, ret_message_id);
}

int
mailmsg_compose_test(const struct ua_pool_conf *p, const char *to, time_t now,
    char **ret_body, char **ret_message_id)
{
	return compose_any(p, to, "0", 0, now, MAILMSG_TEST, NULL, ret_body,
	    ret_message_id);
}

int
mailmsg_compose_notice(const struct ua_pool_conf *p, const char *to,
    const char *text, time_t now, char **ret_body, char **ret_message_id)
{
	if (text == NULL)
		return -EINVAL;
	return compose_any(p, to, "0", 0, now, MAILMSG_NOTICE, text, ret_body,
	    ret_message_id);
}

int
mailmsg_from(const char *msg, char *out, size_t outsz)
{
	const char *line, *end, *found = NULL;
	size_t n = 0;

	for (line = msg; *line != '\0'; line = end + 2) {
		end = strstr(line, "\r\n");
		if (end == NULL || end == line) /* no CRLF, or the blank line */
			break;
		if (strncmp(line, "From: ", 6) == 0) {
			if (found != NULL)
				return -EINVAL;
			found = line + 6;
			n = (size_t)(end - found);
		}
	}
	if (found == NULL || n == 0 || n >= outsz || n > UA_MAX_EMAIL)
		return -EINVAL;
	memcpy(out, found, n);
	out[n] = '\0';
	if (ua_valid_email(out, NULL) < 0) {
		out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}
