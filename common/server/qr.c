/* SPDX-License-Identifier: MIT */
/*
 * Terminal QR codes with libqrencode and Unicode half blocks
 * (U+2580 upper, U+2584 lower, U+2588 full).  Pure: no I/O.
 */
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "server/qr.h"

/* Is module (x, y) light?  The quiet zone and out-of-range are light. */
static bool
light(const QRcode *q, int x, int y)
{
	x -= UA_QR_QUIET;
	y -= UA_QR_QUIET;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return true;
	return (q->data[y * q->width + x] & 1) == 0;
}

char *
ua_qr_render(const char *text)
{
	static const char *const cell[4] = {
		" ",      /* both dark */
		"\u2584", /* lower light */
		"\u2580", /* upper light */
		"\u2588", /* both light */
	};
	QRcode *q;
	char *out, *p;
	int w, x, y;
	size_t sz;

	q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (q == NULL)
		return NULL;
	w = q->width + 2 * UA_QR_QUIET;
	sz = (size_t)((w + 1) / 2 + 1) * ((size_t)w * 3 + 1) + 1;
	out = p = malloc(sz);
	if (out == NULL) {
		QRcode_free(q);
		return NULL;
	}
	for (y = 0; y < w; y += 2) {
		for (x = 0; x < w; x++) {
			const char *c = cell[(light(q, x, y) ? 2 : 0) |
			    (y + 1 >= w || light(q, x, y + 1) ? 1 : 0)];
			size_t n = strlen(c);

			memcpy(p, c, n);
			p += n;
		}
		*p++ = '\n';
	}
	*p = '\0';
	QRcode_free(q);
	return out;
}
