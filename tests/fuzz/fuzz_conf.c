/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the userauth.conf parser: any bytes in, a config or a
 * refusal out.  It must never crash, leak or read past the input; a
 * config it accepts must dump to text that it accepts again.
 *
 * run-fuzz-sources: common/server/conf.c common/server/log.c
 * common/client/valid.c common/client/buf.c common/client/wipe.c
 * run-fuzz-sources: common/server/conf_keys.c common/server/conf_value.c
 * run-fuzz-sources: common/server/conf_check.c common/server/conf_dump.c
 * run-fuzz-sources: common/server/conf_policy.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "server/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ua_conf *c = NULL, *again = NULL;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	if (ua_conf_parse("fuzz.conf", (const char *)data, size, &c, err,
		sizeof(err)) < 0)
		return 0;
	/* Accepted: the dump must parse again (ua_conf_dump's promise). */
	f = open_memstream(&text, &len);
	if (f != NULL) {
		ua_conf_dump(c, f);
		if (fclose(f) == 0 &&
		    ua_conf_parse("dump", text, len, &again, err, sizeof(err)) <
			0)
			abort();
		ua_conf_free(again);
		free(text);
	}
	ua_conf_free(c);
	return 0;
}
