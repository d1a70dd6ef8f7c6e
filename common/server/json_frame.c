/* SPDX-License-Identifier: MIT */
/*
 * The admin protocol's JSON codec over frames.  Owns serialisation and
 * strict parsing; it must never accept duplicate keys, non-objects or
 * payloads larger than the caller's cap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/frame.h"
#include "client/wipe.h"
#include "server/json_frame.h"

int
ua_json_send(int fd, const json_t *obj, int timeout_ms)
{
	char *s = NULL;
	int r;

	if (!json_is_object(obj))
		return -EINVAL;
	s = json_dumps(obj, JSON_COMPACT);
	if (s == NULL)
		return -ENOMEM;
	r = ua_frame_write(fd, s, strlen(s), timeout_ms);
	/* Requests may carry a password (user.passwd): wipe the text. */
	ua_erase_free(s);
	return r;
}

int
ua_json_parse(const void *p, size_t n, json_t **ret)
{
	json_error_t jerr;
	json_t *o;

	if (n == 0)
		return -EBADMSG;
	o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return -EBADMSG;
	if (!json_is_object(o)) {
		json_decref(o);
		return -EBADMSG;
	}
	*ret = o;
	return 0;
}

int
ua_json_recv(int fd, size_t max, int timeout_ms, json_t **ret)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	r = ua_frame_read(fd, max, timeout_ms, &p, &n);
	if (r < 0)
		return r;
	r = ua_json_parse(p, n, ret);
	ua_freezero(p, n);
	return r;
}
