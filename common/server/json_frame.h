/* SPDX-License-Identifier: MIT */
/*
 * The admin protocol's codec: one JSON object per frame (frame.h), parsed
 * with a size cap and JSON_REJECT_DUPLICATES.  doc/PROTOCOL.md lists the
 * requests.
 */
#ifndef UA_JSON_FRAME_H
#define UA_JSON_FRAME_H

#include <jansson.h>
#include <stddef.h>

#define UA_ADMIN_VERSION 1

/* Serialise obj compactly and send it as one frame. */
int ua_json_send(int fd, const json_t *obj, int timeout_ms);

/*
 * Parse a frame payload into an object.  -EBADMSG when it is not a JSON
 * object, has duplicate keys or is not UTF-8; -ENOMEM when memory ran
 * short (the parse is guarded: json_frame.c).
 */
int ua_json_parse(const void *p, size_t n, json_t **ret);

/*
 * json_loadb(p, n, flags) under the same guard, for any JSON (a Cognito
 * answer): 0 and *ret, -EBADMSG (not JSON), -ENOMEM (memory ran short).
 */
int ua_json_loadb(const void *p, size_t n, size_t flags, json_t **ret);

/*
 * jansson's allocator for a process that parses with ua_json_parse
 * (json_set_alloc_funcs): malloc, and a guarded parse's fallback once
 * memory ran short; the free wipes what it frees (ua_erase_free).
 */
void *ua_json_malloc(size_t n);
void ua_json_free(void *p);

/* Read one frame of at most max bytes and parse it. */
int ua_json_recv(int fd, size_t max, int timeout_ms, json_t **ret);

#endif
