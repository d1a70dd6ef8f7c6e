/* SPDX-License-Identifier: MIT */
#ifndef UA_SERVER_SECRETFILE_H
#define UA_SERVER_SECRETFILE_H

#include <stddef.h>
#include <sys/types.h>

#define UA_MAX_SECRET_FILE 1024

/*
 * The first line of path (key names the setting, for messages): a regular
 * file owned by root or uid, mode 0600 or 0400, 1 to max bytes without
 * control characters.  *ret is a new string (wipe it).  Logs refusals.
 */
int ua_secret_file_read(const char *key, const char *path, uid_t uid,
    size_t max, char **ret);

#endif
