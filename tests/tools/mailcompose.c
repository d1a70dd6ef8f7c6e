/* SPDX-License-Identifier: MIT */
/*
 * Test helper: print the code mail that userauthd would queue, made by the
 * shipped mailmsg_compose, so the mail integration test can put real
 * messages into mail_queue.  Usage:
 *   mailcompose POOL FROM TO CODE SECONDS [SUBJECT [TEMPLATE]]
 * (an empty SUBJECT is the default one; TEMPLATE is the text itself).
 * Prints the message on stdout; exit 1 with the error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "userauthd/mail/mailmsg.h"

int
main(int argc, char **argv)
{
	struct ua_pool_conf p;
	char *body = NULL, *id = NULL;
	uint64_t secs;
	int r;

	if (argc < 6 || argc > 8 ||
	    ua_parse_uint(argv[5], 1, 86400, &secs) < 0) {
		fprintf(stderr,
		    "usage: mailcompose POOL FROM TO CODE SECONDS "
		    "[SUBJECT [TEMPLATE]]\n");
		return 2;
	}
	memset(&p, 0, sizeof(p));
	p.name = argv[1];
	p.mail_from = argv[2];
	p.mail_subject = argc >= 7 && argv[6][0] != '\0' ? argv[6] : NULL;
	p.mail_template.text = argc == 8 ? argv[7] : NULL;
	r = mailmsg_compose(&p, argv[3], argv[4], (unsigned)secs, time(NULL),
	    &body, &id);
	if (r < 0) {
		fprintf(stderr, "mailcompose: %s\n", strerror(-r));
		return 1;
	}
	fputs(body, stdout);
	ua_erase_free(body);
	free(id);
	return fflush(stdout) == 0 ? 0 : 1;
}
