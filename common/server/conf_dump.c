/* SPDX-License-Identifier: MIT */
/*
 * userauthd --dump-config: the effective configuration as INI that the
 * parser accepts again.  It prints paths and names, never a secret (the
 * SMTP password stays in its file).
 */
#include <stdio.h>
#include <string.h>

#include "server/conf_int.h"

static void
dump_key(const struct conf_key *k, const void *base, FILE *out)
{
	const char *f = (const char *)base + k->off;
	const char *s = NULL;
	uint32_t u;
	int prio;
	size_t i;

	switch (k->type) {
	case K_NAME:
	case K_GROUP:
	case K_PATH:
	case K_HOME:
	case K_ADDR:
	case K_TEXT:
	case K_OPTPATH:
	case K_URL:
	case K_POLICY:
		s = *(char *const *)(const void *)f;
		if (s == NULL) /* admin_group, the mail keys: none */
			(void)fprintf(out, "%s =\n", k->name);
		else
			(void)fprintf(out, "%s = %s\n", k->name, s);
		return;
	case K_UINT:
	case K_SECONDS:
		memcpy(&u, f, sizeof(u));
		if (k->type == K_SECONDS)
			u = u < 1000 ? 1 : u / 1000;
		(void)fprintf(out, "%s = %u\n", k->name, u);
		return;
	case K_LEVEL:
		memcpy(&prio, f, sizeof(prio));
		for (i = 0; i < CONF_NLEVELS; i++)
			if (conf_levels[i].prio == prio)
				s = conf_levels[i].name;
		(void)fprintf(out, "%s = %s\n", k->name, s ? s : "info");
		return;
	case K_BACKEND:
		(void)fprintf(out, "%s = %s\n", k->name,
		    *(const enum ua_backend *)(const void *)f ==
			    UA_BACKEND_COGNITO
			? "cognito"
			: "local");
		return;
	case K_STARTTLS:
		(void)fprintf(out, "%s = %s\n", k->name,
		    *(const enum ua_starttls *)(const void *)f ==
			    UA_STARTTLS_REQUIRED
			? "required"
			: "auto");
		return;
	case K_TEMPLATE:
		s = ((const struct ua_mail_template *)(const void *)f)->path;
		(void)fprintf(out, "%s =%s%s\n", k->name, s ? " " : "",
		    s ? s : "");
		return;
	}
}

void
ua_conf_dump(const struct ua_conf *c, FILE *out)
{
	size_t i, p;

	(void)fprintf(out,
	    "# userauth: effective configuration, every "
	    "default resolved\n[daemon]\n");
	for (i = 0; i < NKEYS; i++)
		if (conf_keys[i].scope == S_DAEMON)
			dump_key(&conf_keys[i], c, out);
	(void)fprintf(out, "\n[mail]\n");
	for (i = 0; i < NKEYS; i++)
		if (conf_keys[i].scope == S_MAIL)
			dump_key(&conf_keys[i], c, out);
	for (p = 0; p < c->npools; p++) {
		(void)fprintf(out, "\n[pool %s]\n", c->pools[p].name);
		for (i = 0; i < NKEYS; i++)
			if (conf_keys[i].scope == S_POOL &&
			    conf_key_applies(i, c->pools[p].backend))
				dump_key(&conf_keys[i], &c->pools[p], out);
	}
}
