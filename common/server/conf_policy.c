/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the pool policy keys: first_factors, select_challenge,
 * group_challenge, allow_groups, service_groups.  Words are separated by
 * spaces; names are checked with the same validators as everywhere else.
 * It must accept nothing ambiguous (unknown factor, duplicate rule).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/valid.h"
#include "server/conf_policy.h"

#define POLICY_MAX_WORDS 64
#define POLICY_MAX_SERVICE 64

/* Split a copy of val into words; returns the count or -errno. */
static int
split(const char *val, char sep, char **ret_copy, char *words[], size_t max)
{
	char *copy = strdup(val), *p, *save = NULL;
	char seps[3] = { ' ', sep, '\0' };
	size_t n = 0;

	if (copy == NULL)
		return -ENOMEM;
	for (p = strtok_r(copy, seps, &save); p != NULL;
	     p = strtok_r(NULL, seps, &save)) {
		if (n == max) {
			free(copy);
			return -E2BIG;
		}
		words[n++] = p;
	}
	*ret_copy = copy;
	return (int)n;
}

static int
check_groups(const char *list, const char **why)
{
	char *copy = NULL, *w[POLICY_MAX_WORDS];
	int n, i, r = 0;

	n = split(list, ',', &copy, w, POLICY_MAX_WORDS);
	if (n < 0) {
		*why = "too many groups";
		return -EINVAL;
	}
	if (n == 0)
		r = -EINVAL, *why = "expected * or group names";
	for (i = 0; r == 0 && i < n; i++) {
		if (strcmp(w[i], "*") == 0) {
			if (n > 1)
				r = -EINVAL, *why = "* stands alone";
		} else if (ua_valid_name(w[i], why) < 0)
			r = -EINVAL;
	}
	free(copy);
	return r;
}

/* "SERVICE:GROUPS" or "GROUP:FACTOR" pairs, space-separated. */
static int
check_pairs(const char *val, bool services, const char **why)
{
	char *copy = NULL, *w[POLICY_MAX_WORDS], *colon;
	int n, i, j, r = 0;

	n = split(val, ' ', &copy, w, POLICY_MAX_WORDS);
	if (n < 0) {
		*why = "too many rules";
		return -EINVAL;
	}
	for (i = 0; r == 0 && i < n; i++) {
		colon = strchr(w[i], ':');
		if (colon == NULL || colon == w[i]) {
			r = -EINVAL;
			*why = services ? "expected SERVICE:GROUP[,GROUP...]"
					: "expected GROUP:password or "
					  "GROUP:email_otp";
			break;
		}
		*colon = '\0';
		for (j = 0; j < i; j++)
			if (strcmp(w[j], w[i]) == 0) {
				r = -EINVAL;
				*why = services ? "a service is named twice"
						: "a group is named twice";
			}
		if (r < 0)
			break;
		if (services) {
			if (strlen(w[i]) > POLICY_MAX_SERVICE ||
			    strspn(w[i],
				"abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789_.-") != strlen(w[i]))
				r = -EINVAL, *why = "not a PAM service name";
			else
				r = check_groups(colon + 1, why);
		} else if (ua_valid_name(w[i], why) < 0)
			r = -EINVAL;
		else if (strcmp(colon + 1, "password") != 0 &&
		    strcmp(colon + 1, "email_otp") != 0)
			r = -EINVAL,
			*why = "the factor must be password or "
			       "email_otp";
	}
	free(copy);
	return r;
}

int
ua_policy_check(const char *key, const char *val, const char **ret_why)
{
	const char *why = NULL;
	char *copy = NULL, *w[4];
	int n, i, r = 0;

	if (strcmp(key, "select_challenge") == 0) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			r = -EINVAL, why = "expected yes or no";
	} else if (strcmp(key, "first_factors") == 0) {
		n = split(val, ' ', &copy, w, 4);
		if (n <= 0)
			r = -EINVAL, why = "expected password and/or email_otp";
		for (i = 0; r == 0 && i < n; i++)
			if (strcmp(w[i], "password") &&
			    strcmp(w[i], "email_otp"))
				r = -EINVAL,
				why = "expected password and/or "
				      "email_otp";
		if (r == 0 && n == 2 && strcmp(w[0], w[1]) == 0)
			r = -EINVAL, why = "a factor is named twice";
		free(copy);
	} else if (strcmp(key, "mfa") == 0) {
		if (strcmp(val, "off") && strcmp(val, "optional") &&
		    strcmp(val, "required"))
			r = -EINVAL, why = "expected off, optional or required";
	} else if (strcmp(key, "totp_algorithm") == 0) {
		if (strcmp(val, "sha1") && strcmp(val, "sha256") &&
		    strcmp(val, "sha512"))
			r = -EINVAL, why = "expected sha1, sha256 or sha512";
	} else if (strcmp(key, "mfa_enrol_at_login") == 0) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			r = -EINVAL, why = "expected yes or no";
	} else if (strcmp(key, "allow_groups") == 0)
		r = check_groups(val, &why);
	else if (strcmp(key, "group_challenge") == 0)
		r = check_pairs(val, false, &why);
	else if (strcmp(key, "service_groups") == 0)
		r = check_pairs(val, true, &why);
	else
		r = -EINVAL, why = "not a policy key";
	if (r < 0 && ret_why != NULL)
		*ret_why = why;
	return r;
}

static int
derive_groups(const char *list, struct ua_group_list *g)
{
	char *copy = NULL, *w[POLICY_MAX_WORDS];
	int n, i;

	memset(g, 0, sizeof(*g));
	n = split(list, ',', &copy, w, POLICY_MAX_WORDS);
	if (n < 0)
		return n;
	if (n == 1 && strcmp(w[0], "*") == 0) {
		g->any = true;
		free(copy);
		return 0;
	}
	g->names = calloc((size_t)n + 1, sizeof(*g->names));
	for (i = 0; g->names != NULL && i < n; i++) {
		g->names[i] = strdup(w[i]);
		if (g->names[i] == NULL)
			break;
		g->n++;
	}
	free(copy);
	return g->names != NULL && g->n == (size_t)n ? 0 : -ENOMEM;
}

static void
free_groups(struct ua_group_list *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->names[i]);
	free(g->names);
	memset(g, 0, sizeof(*g));
}

static int
derive_rules(struct ua_pool_conf *p)
{
	char *copy = NULL, *w[POLICY_MAX_WORDS], *colon;
	int n, i, r = 0;

	n = p->group_challenge
	    ? split(p->group_challenge, ' ', &copy, w, POLICY_MAX_WORDS)
	    : 0;
	if (n < 0)
		return n;
	p->group_rules = calloc((size_t)n + 1, sizeof(*p->group_rules));
	for (i = 0; r == 0 && p->group_rules && i < n; i++) {
		colon = strchr(w[i], ':');
		*colon = '\0';
		p->group_rules[i].group = strdup(w[i]);
		p->group_rules[i].email_otp =
		    strcmp(colon + 1, "email_otp") == 0;
		if (p->group_rules[i].group == NULL)
			r = -ENOMEM;
		else
			p->ngroup_rules++;
	}
	free(copy);
	copy = NULL;
	if (r < 0 || p->group_rules == NULL)
		return -ENOMEM;
	n = p->service_groups
	    ? split(p->service_groups, ' ', &copy, w, POLICY_MAX_WORDS)
	    : 0;
	if (n < 0)
		return n;
	p->service_rules = calloc((size_t)n + 1, sizeof(*p->service_rules));
	for (i = 0; r == 0 && p->service_rules && i < n; i++) {
		colon = strchr(w[i], ':');
		*colon = '\0';
		p->service_rules[i].service = strdup(w[i]);
		if (p->service_rules[i].service == NULL)
			r = -ENOMEM;
		else
			r = derive_groups(colon + 1,
			    &p->service_rules[i].groups);
		p->nservice_rules++;
	}
	free(copy);
	return r < 0 || p->service_rules == NULL ? -ENOMEM : 0;
}

int
ua_policy_derive(struct ua_pool_conf *p)
{
	int r;

	ua_policy_free(p);
	p->allow_password = strstr(p->first_factors, "password") != NULL;
	p->allow_email_otp = strstr(p->first_factors, "email_otp") != NULL;
	p->select_challenge = strcmp(p->select_challenge_s, "yes") == 0;
	p->mfa = strcmp(p->mfa_s, "required") == 0 ? UA_MFA_REQUIRED
	    : strcmp(p->mfa_s, "optional") == 0    ? UA_MFA_OPTIONAL
						   : UA_MFA_OFF;
	p->totp_algorithm = strcmp(p->totp_algorithm_s, "sha256") == 0
	    ? UA_TOTP_SHA256
	    : strcmp(p->totp_algorithm_s, "sha512") == 0 ? UA_TOTP_SHA512
							 : UA_TOTP_SHA1;
	p->mfa_enrol_at_login = strcmp(p->mfa_enrol_at_login_s, "yes") == 0;
	r = derive_groups(p->allow_groups_s, &p->allow_groups);
	if (r == 0)
		r = derive_rules(p);
	if (r < 0)
		ua_policy_free(p);
	return r;
}

void
ua_policy_free(struct ua_pool_conf *p)
{
	size_t i;

	for (i = 0; i < p->ngroup_rules; i++)
		free(p->group_rules[i].group);
	free(p->group_rules);
	p->group_rules = NULL;
	p->ngroup_rules = 0;
	for (i = 0; i < p->nservice_rules; i++) {
		free(p->service_rules[i].service);
		free_groups(&p->service_rules[i].groups);
	}
	free(p->service_rules);
	p->service_rules = NULL;
	p->nservice_rules = 0;
	free_groups(&p->allow_groups);
}
