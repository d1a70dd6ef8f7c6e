/* SPDX-License-Identifier: MIT */
/*
 * Checks of single userauth.conf values: paths, home templates, text,
 * SMTP URLs, the mail template file.  They only say yes or why not; the
 * setters in conf_keys.c turn that into a file:line refusal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/valid.h"
#include "server/conf_int.h"
#include "server/defaults.h"
#include "server/log.h"

int
conf_valid_path(const char *s, const char **ret_why)
{
	const char *p;
	size_t n;

	if (ua_valid_path_field(s, ret_why) < 0)
		return -EINVAL;
	for (p = s; *p != '\0'; p += n) {
		p += strspn(p, "/");
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			*ret_why = "'.' and '..' components are not allowed";
			return -EINVAL;
		}
	}
	return 0;
}

int
conf_home_expand(const char *tmpl, const char *login, const char *pool,
    char *out, size_t outsz)
{
	const char *t, *add;
	size_t n = 0, len;

	if (outsz == 0)
		return -ENAMETOOLONG;
	for (t = tmpl; *t != '\0'; t++) {
		add = t;
		len = 1;
		if (*t == '%') {
			t++;
			if (*t == 'u' || *t == 'p') {
				add = *t == 'u' ? login : pool;
				len = strlen(add);
			} else if (*t != '%')
				return -EINVAL;
		}
		if (len >= outsz - n)
			return -ENAMETOOLONG;
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

int
conf_home_check(const char *tmpl, const char **ret_why)
{
	char buf[UA_CONF_MAX_LINE];

	if (tmpl[0] != '/') {
		*ret_why = "the home template must start with '/'";
		return -EINVAL;
	}
	if (conf_home_expand(tmpl, "u", "p", buf, sizeof(buf)) == -EINVAL) {
		*ret_why = "unknown % escape: use %u (login), %p (pool) or "
			   "%% (a literal %)";
		return -EINVAL;
	}
	return conf_valid_path(buf, ret_why);
}

int
conf_text_check(const char *s, const char **ret_why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n = strlen(s);

	if (!ua_valid_utf8(s, n)) {
		*ret_why = "not valid UTF-8";
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0)) {
			*ret_why = "control characters are not allowed";
			return -EINVAL;
		}
	return 0;
}

/* Dotted decimal a.b.c.d with each part 0..255; *ret_first = a. */
static bool
ipv4_first(const char *h, unsigned *ret_first)
{
	unsigned part = 0, parts = 0, digits = 0;

	for (;; h++) {
		if (*h >= '0' && *h <= '9') {
			part = part * 10 + (unsigned)(*h - '0');
			if (++digits > 3 || part > 255)
				return false;
			continue;
		}
		if (digits == 0 || (*h != '.' && *h != '\0'))
			return false;
		if (parts++ == 0)
			*ret_first = part;
		if (*h == '\0')
			return parts == 4;
		part = digits = 0;
	}
}

/*
 * smtp://HOST[:PORT][/NAME] or smtps://...: HOST a host name, an IPv4
 * address or [IPv6]; NAME (what curl says in EHLO) letters, digits, '.'
 * and '-'.  No user or password, query or fragment.
 */
int
conf_smtp_url_check(const char *url, bool *ret_tls, bool *ret_loopback,
    const char **ret_why)
{
	char host[256], port[8];
	const char *h, *e;
	unsigned first = 0;
	uint64_t v;
	size_t n;

	*ret_tls = strncmp(url, "smtps://", 8) == 0;
	if (strncmp(url, "smtp://", 7) != 0 && !*ret_tls) {
		*ret_why = "only smtp:// and smtps:// URLs are allowed";
		return -EINVAL;
	}
	if (strpbrk(url, "@?#") != NULL) {
		*ret_why = "no user, password, query or fragment in the URL "
			   "(use smtp_user and smtp_password_file)";
		return -EINVAL;
	}
	h = url + (*ret_tls ? 8 : 7);
	*ret_why = "bad host";
	if (*h == '[') {
		e = strchr(h, ']');
		if (e == NULL || e - h < 3 || e - h > 46 ||
		    strspn(h + 1, "0123456789abcdefABCDEF:.") !=
			(size_t)(e - h - 1))
			return -EINVAL;
		e++;
	} else {
		e = h +
		    strspn(h,
			"abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (e == h || e - h > 253 || *h == '.' || *h == '-' ||
		    strstr(h, "..") != NULL)
			return -EINVAL;
	}
	n = (size_t)(e - h);
	memcpy(host, h, n);
	host[n] = '\0';
	if (*e == ':') {
		n = strcspn(e + 1, "/");
		*ret_why = "the port must be a number from 1 to 65535";
		if (n == 0 || n >= sizeof(port))
			return -EINVAL;
		memcpy(port, e + 1, n);
		port[n] = '\0';
		if (ua_parse_uint(port, 1, 65535, &v) < 0)
			return -EINVAL;
		e += 1 + n;
	}
	if (*e == '/') {
		e++;
		if (e[strspn(e,
			"abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")] != '\0') {
			*ret_why = "the path (the EHLO name) may hold only "
				   "letters, digits, '.' and '-'";
			return -EINVAL;
		}
	} else if (*e != '\0') {
		*ret_why = "unexpected text after the host";
		return -EINVAL;
	}
	*ret_loopback = strcasecmp(host, "localhost") == 0 ||
	    strcmp(host, "[::1]") == 0 ||
	    (ipv4_first(host, &first) && first == 127);
	return 0;
}

/* Case-insensitive: does the n bytes at t contain a link? */
static bool
has_link(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		if (memcmp(t + i, "://", 3) == 0)
			return true;
		if (i + 4 <= n && strncasecmp(t + i, "www.", 4) == 0)
			return true;
	}
	return false;
}

/*
 * A mail template's text: UTF-8, LF line ends, tabs allowed, escapes %c
 * %m %p %% only, at least one %c, every line within UA_MAX_MAIL_LINE
 * bytes once expanded, no link.
 */
static int
template_check(const char *t, size_t n, const char **ret_why)
{
	size_t i, line = 0;
	bool code = false;
	unsigned char ch;

	*ret_why = "the template is empty";
	if (n == 0)
		return -EINVAL;
	*ret_why = "the template is not valid UTF-8";
	if (!ua_valid_utf8(t, n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)t[i];
		if (ch == '\n') {
			line = 0;
			continue;
		}
		*ret_why = "the template holds a control character other "
			   "than tab and newline";
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f ||
		    (ch == 0xc2 && i + 1 < n && (unsigned char)t[i + 1] < 0xa0))
			return -EINVAL;
		line++;
		if (ch == '%') {
			ch = i + 1 < n ? (unsigned char)t[++i] : 0;
			*ret_why = "unknown % escape in the template: use %c "
				   "(code), %m (minutes), %p (pool) or %%";
			if (ch != 'c' && ch != 'm' && ch != 'p' && ch != '%')
				return -EINVAL;
			code |= ch == 'c';
			/* Widest expansions: 8 digits, "10", a pool name. */
			line += ch == 'c' ? 7
			    : ch == 'm'   ? 1
			    : ch == 'p'   ? UA_MAX_POOL - 1
					  : 0;
		}
		*ret_why = "a template line is longer than 900 bytes";
		if (line > UA_MAX_MAIL_LINE)
			return -EINVAL;
	}
	*ret_why = "the template has no %c (the code)";
	if (!code)
		return -EINVAL;
	*ret_why = "links are not allowed in the code mail";
	if (has_link(t, n))
		return -EINVAL;
	return 0;
}

int
conf_template_read(const struct parser *P, const char *path, char **ret_text)
{
	char buf[UA_MAX_MAIL_TEMPLATE + 2], q[96];
	const char *why = NULL;
	size_t len = 0, i, o;
	struct stat st;
	ssize_t n;
	int fd, r;

	(void)ua_log_quote(path, q, sizeof(q));
	fd = open(path,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return conf_err(P, P->lineno,
		    "mail_template %s: cannot open: "
		    "%m",
		    q);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = conf_err(P, P->lineno,
		    "mail_template %s: not a regular "
		    "file",
		    q);
		goto out;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		r = conf_err(P, P->lineno,
		    "mail_template %s: must be owned "
		    "by root (or uid %u) and not writable by group or others",
		    q, (unsigned)geteuid());
		goto out;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = conf_err(P, P->lineno,
			    "mail_template %s: read: "
			    "%m",
			    q);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > UA_MAX_MAIL_TEMPLATE) {
		r = conf_err(P, P->lineno,
		    "mail_template %s: larger than %d "
		    "bytes",
		    q, UA_MAX_MAIL_TEMPLATE);
		goto out;
	}
	/* CRLF files are fine: keep LF; a lone CR is refused below. */
	for (i = o = 0; i < len; i++)
		if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
			buf[o++] = buf[i];
	len = o;
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL)
		why = "the template holds a NUL byte";
	else if (template_check(buf, len, &why) == 0)
		why = NULL;
	if (why != NULL) {
		r = conf_err(P, P->lineno, "mail_template %s: %s", q, why);
		goto out;
	}
	*ret_text = strdup(buf);
	r = *ret_text != NULL ? 0 : -ENOMEM;
out:
	(void)close(fd);
	return r;
}

int
ua_conf_home(const struct ua_pool_conf *p, const char *login, char *out,
    size_t outsz)
{
	char buf[UA_MAX_PATHFIELD + 1];
	size_t n;
	int r;

	if (p == NULL || p->home == NULL || login == NULL ||
	    ua_valid_name(login, NULL) < 0)
		return -EINVAL;
	r = conf_home_expand(p->home, login, p->name ? p->name : "", buf,
	    sizeof(buf));
	if (r < 0)
		return r;
	if (ua_valid_path_field(buf, NULL) < 0)
		return -EINVAL;
	n = strlen(buf);
	if (n >= outsz)
		return -ENAMETOOLONG;
	memcpy(out, buf, n + 1);
	return 0;
}
