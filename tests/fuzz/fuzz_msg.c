/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for ua_msg_decode (common/client/proto.c), the decoder of
 * every byte a client sends the public socket.  The input is one frame's
 * payload.  Whatever it accepts must keep the header's promises (a known
 * type, at most UA_MSG_MAX_FIELDS fields, known tags each at most once,
 * values within UA_FIELD_MAX with no NUL) and must encode back to exactly
 * the input: the encoding has one form, so an accepted message that does
 * not is a decoder that reads bytes it should have refused.  Nothing may
 * crash or leak, accepted or not.
 *
 * run-fuzz-sources: common/client/proto.c common/client/buf.c
 * run-fuzz-sources: common/client/frame.c common/client/wipe.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/frame.h"
#include "client/proto.h"
#include "client/wipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ua_msg m;
	uint32_t seen = 0;
	uint8_t *enc = NULL;
	size_t enc_len = 0, i;
	int r;

	memset(&m, 0, sizeof(m));
	r = ua_msg_decode(data, size, &m);
	if (r < 0) {
		/* refused: nothing written */
		check(m.n == 0 && m.type == 0);
		return 0;
	}
	check(r == 0);
	check(m.type >= 1 && m.type <= UA_MSG_MAX);
	check(m.n <= UA_MSG_MAX_FIELDS);
	for (i = 0; i < m.n; i++) {
		check(m.f[i].tag >= 1 && m.f[i].tag <= UA_T_MAX);
		check((seen & (1u << m.f[i].tag)) == 0);
		seen |= 1u << m.f[i].tag;
		check(m.f[i].val != NULL);
		check(m.f[i].len <= UA_FIELD_MAX);
		check(strlen(m.f[i].val) == m.f[i].len);
		check(ua_msg_get(&m, m.f[i].tag) == m.f[i].val);
	}
	r = ua_msg_encode(&m, &enc, &enc_len);
	if (size <= UA_MAX_FRAME) {
		check(r == 0);
		check(enc_len == size);
		check(memcmp(enc, data, size) == 0);
		ua_freezero(enc, enc_len);
	} else
		check(r < 0);
	ua_msg_clear(&m);
	check(m.n == 0);
	return 0;
}
