/* SPDX-License-Identifier: MIT */
/*
 * The login-policy keys of a pool: validation of their text and the
 * structures policy.c reads, derived once after inheritance.
 */
#ifndef UA_CONF_POLICY_H
#define UA_CONF_POLICY_H

#include "server/conf.h"

/* Validate the text of policy key `key`; 0 or -EINVAL and a reason. */
int ua_policy_check(const char *key, const char *val, const char **ret_why);

/* Fill p's derived policy fields from its (validated) text fields. */
int ua_policy_derive(struct ua_pool_conf *p);

/* Free the derived fields (not the text ones). */
void ua_policy_free(struct ua_pool_conf *p);

#endif
