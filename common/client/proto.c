/* SPDX-License-Identifier: MIT */
/*
 * Encoding and strict decoding of the public socket's messages.  It must
 * accept nothing it does not understand and leave no secret behind.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/buf.h"
#include "client/frame.h"
#include "client/proto.h"
#include "client/wipe.h"

void
ua_msg_init(struct ua_msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

int
ua_msg_add(struct ua_msg *m, uint16_t tag, const char *val)
{
	size_t len;
	char *v;

	if (val == NULL)
		return 0;
	if (m->n >= UA_MSG_MAX_FIELDS)
		return -E2BIG;
	len = strlen(val);
	if (len > UA_FIELD_MAX)
		return -EMSGSIZE;
	v = malloc(len + 1);
	if (v == NULL)
		return -ENOMEM;
	memcpy(v, val, len + 1);
	m->f[m->n].tag = tag;
	m->f[m->n].val = v;
	m->f[m->n].len = len;
	m->n++;
	return 0;
}

const char *
ua_msg_get(const struct ua_msg *m, uint16_t tag)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->f[i].tag == tag)
			return m->f[i].val;
	return NULL;
}

void
ua_msg_clear(struct ua_msg *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		ua_freezero(m->f[i].val, m->f[i].len);
	m->n = 0;
}

int
ua_msg_encode(const struct ua_msg *m, uint8_t **ret, size_t *ret_len)
{
	struct ua_buf b;
	size_t i;
	int r;

	ua_buf_init(&b, UA_MAX_FRAME);
	r = ua_buf_put_u16(&b, UA_PROTO_VERSION);
	if (r == 0)
		r = ua_buf_put_u16(&b, m->type);
	if (r == 0)
		r = ua_buf_put_u16(&b, (uint16_t)m->n);
	for (i = 0; r == 0 && i < m->n; i++) {
		r = ua_buf_put_u16(&b, m->f[i].tag);
		if (r == 0)
			r = ua_buf_put_str(&b, m->f[i].val);
	}
	if (r < 0) {
		ua_buf_free(&b);
		return r;
	}
	*ret = b.data;
	*ret_len = b.len;
	return 0;
}

int
ua_msg_decode(const uint8_t *p, size_t n, struct ua_msg *ret)
{
	struct ua_msg m;
	struct ua_buf b;
	uint16_t version = 0, count = 0, tag;
	uint32_t seen = 0;
	size_t i;
	char *v;
	int r;

	ua_msg_init(&m, 0);
	ua_buf_view(&b, p, n);
	r = ua_buf_get_u16(&b, &version);
	if (r == 0)
		r = ua_buf_get_u16(&b, &m.type);
	if (r == 0)
		r = ua_buf_get_u16(&b, &count);
	if (r < 0)
		return r;
	if (version != UA_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (m.type == 0 || m.type > UA_MSG_MAX || count > UA_MSG_MAX_FIELDS)
		return -EBADMSG;
	for (i = 0; i < count; i++) {
		r = ua_buf_get_u16(&b, &tag);
		if (r < 0)
			goto fail;
		if (tag == 0 || tag > UA_T_MAX || (seen & (1u << tag))) {
			r = -EBADMSG;
			goto fail;
		}
		seen |= 1u << tag;
		r = ua_buf_get_str(&b, UA_FIELD_MAX, &v);
		if (r < 0)
			goto fail;
		m.f[m.n].tag = tag;
		m.f[m.n].val = v;
		m.f[m.n].len = strlen(v);
		m.n++;
	}
	r = ua_buf_end(&b);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	ua_msg_clear(&m);
	return r;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return -1; /* callers give up rather than wait forever */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ua_msg_call(int fd, const struct ua_msg *m, struct ua_msg *ret, int timeout_ms)
{
	uint8_t *out = NULL, *in = NULL;
	size_t outlen = 0, inlen = 0;
	int64_t start, now, left;
	int r;

	r = ua_msg_encode(m, &out, &outlen);
	if (r < 0)
		return r;
	r = ua_frame_write(fd, out, outlen, timeout_ms);
	ua_freezero(out, outlen);
	if (r < 0)
		return r;
	start = mono_ms();
	for (;;) {
		/* the whole call ends at UA_MSG_WAIT_FACTOR x timeout_ms */
		now = mono_ms();
		left = (int64_t)timeout_ms * UA_MSG_WAIT_FACTOR - (now - start);
		if (start < 0 || now < 0 || left <= 0)
			return -ETIMEDOUT;
		r = ua_frame_read(fd, UA_MAX_FRAME,
		    left < timeout_ms ? (int)left : timeout_ms, &in, &inlen);
		if (r < 0)
			return r;
		r = ua_msg_decode(in, inlen, ret);
		ua_freezero(in, inlen);
		in = NULL;
		if (r < 0 || ret->type != UA_MSG_WAIT)
			return r;
		ua_msg_clear(ret);
		/* the daemon is alive and at it: a new span of silence */
	}
}
