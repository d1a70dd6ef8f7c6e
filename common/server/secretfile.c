/* SPDX-License-Identifier: MIT */
/*
 * Secrets kept in files of their own (smtp_password_file,
 * cognito_client_secret_file): read as root before the daemon drops its
 * privileges, refused unless private.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/wipe.h"
#include "server/log.h"
#include "server/secretfile.h"

int
ua_secret_file_read(const char *key, const char *path, uid_t uid, size_t max,
    char **ret)
{
	char buf[UA_MAX_SECRET_FILE + 2], *nl;
	struct stat st;
	size_t len = 0, i;
	ssize_t n;
	int fd, r = 0;

	fd = open(path,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ua_log_errno(LOG_ERR, -errno, "%s '%s': %m", key, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != uid) || (st.st_mode & 077)) {
		ua_log(LOG_ERR,
		    "%s '%s' must be a regular file owned by root "
		    "or the daemon user with mode 0600 or 0400",
		    key, path);
		r = -EPERM;
		goto out;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if ((nl = memchr(buf, '\n', len)) != NULL)
		len = (size_t)(nl - buf);
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	for (i = 0; i < len && r == 0; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			r = -EINVAL;
	if (r == 0 && (len == 0 || len > max || len > UA_MAX_SECRET_FILE))
		r = -EINVAL;
	if (r < 0) {
		ua_log(LOG_ERR,
		    "%s '%s': the first line must hold the secret "
		    "(1 to %zu bytes, no control characters)",
		    key, path,
		    max < UA_MAX_SECRET_FILE ? max
					     : (size_t)UA_MAX_SECRET_FILE);
		goto out;
	}
	if ((*ret = strdup(buf)) == NULL)
		r = -ENOMEM;
out:
	ua_wipe(buf, sizeof(buf));
	(void)close(fd);
	return r;
}
