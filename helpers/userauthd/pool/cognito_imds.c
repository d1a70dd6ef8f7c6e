/* SPDX-License-Identifier: MIT */
/*
 * Temporary credentials for the sync from the EC2 instance metadata
 * service, IMDSv2 only: a session token (PUT), the instance's role, its
 * keys; fetched again some minutes before they expire.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/pool/cognito_int.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_TIMEOUT_MS 2000

void
cg_imds_clear(struct cg_sync *y)
{
	ua_erase_free(y->imds_token);
	free(y->imds_role);
	ua_erase_free(y->imds.akid);
	ua_erase_free(y->imds.secret);
	ua_erase_free(y->imds.token);
	y->imds_token = y->imds_role = NULL;
	memset(&y->imds, 0, sizeof(y->imds));
	y->imds_step = 0;
	y->imds_expires = 0;
}

const char *
cg_imds_base(const struct ua_pool_conf *pc)
{
	return pc->cognito_imds_endpoint == NULL ? IMDS_DEFAULT
						 : pc->cognito_imds_endpoint;
}

/* The next IMDSv2 request: a session token, the role, its keys. */
int
cg_imds_send(struct cognito_backend *cb, struct cg_sync *y,
    const struct ua_pool_conf *pc)
{
	static const char *const paths[] = { "", "/latest/api/token",
		"/latest/meta-data/iam/security-credentials/",
		"/latest/meta-data/iam/security-credentials/" };
	const char *base = cg_imds_base(pc);
	struct sy_job *j = calloc(1, sizeof(*j));
	size_t n;
	int r = 0;

	if (j == NULL)
		return -ENOMEM;
	j->pj.free = sy_job_free;
	j->pj.wq.owner = 0;
	j->imds_step = y->imds_step;
	memcpy(j->pool, y->pool, sizeof(j->pool));
	n = strlen(base) + strlen(paths[y->imds_step]) +
	    (y->imds_role ? strlen(y->imds_role) : 0) + 2;
	j->rq.url = malloc(n);
	if (j->rq.url == NULL)
		r = -ENOMEM;
	else
		(void)snprintf(j->rq.url, n, "%s%s%s", base,
		    paths[y->imds_step], y->imds_step == 3 ? y->imds_role : "");
	j->rq.timeout_ms = IMDS_TIMEOUT_MS;
	if (r == 0 && y->imds_step == 1) {
		j->rq.method = "PUT";
		j->rq.body = strdup("");
		r = j->rq.body != NULL
		    ? http_req_header(&j->rq,
			  "X-aws-ec2-metadata-token-ttl-seconds", "21600")
		    : -ENOMEM;
	} else if (r == 0)
		r = http_req_header(&j->rq, "X-aws-ec2-metadata-token",
		    y->imds_token);
	j->rq.job = &j->pj.wq;
	if (r == 0)
		r = http_submit(cb->http, &j->rq);
	if (r < 0) {
		sy_job_free(&j->pj);
		return r;
	}
	y->in_flight = true;
	return 0;
}

/* "2026-12-03T18:00:00Z" */
static time_t
iso_time(const char *s)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	e = s != NULL ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (e == NULL || (*e != 'Z' && *e != '\0'))
		return 0;
	return timegm(&tm);
}

/* An IMDS answer: 0 and on to the next step (or the sync), or -errno. */
int
cg_imds_done(struct cg_sync *y, const struct http_req *rq, int step,
    const char **why)
{
	json_t *o;
	const char *v;
	size_t n;

	*why = rq->error != 0 ? rq->error_text : "unexpected answer";
	if (rq->error != 0 || rq->status != 200 || rq->resp == NULL)
		return -EIO;
	if (step == 1) {
		ua_erase_free(y->imds_token);
		y->imds_token = strndup(rq->resp, 256);
		y->imds_step = 2;
		return y->imds_token != NULL ? 0 : -ENOMEM;
	}
	if (step == 2) {
		n = strcspn(rq->resp, "\r\n");
		if (n == 0 || n > 128)
			return -EBADMSG;
		free(y->imds_role);
		y->imds_role = strndup(rq->resp, n);
		y->imds_step = 3;
		return y->imds_role != NULL ? 0 : -ENOMEM;
	}
	o = json_loadb(rq->resp, rq->resp_len, 0, NULL);
	v = json_string_value(json_object_get(o, "Code"));
	if (v == NULL || strcmp(v, "Success") != 0 ||
	    json_string_value(json_object_get(o, "AccessKeyId")) == NULL ||
	    json_string_value(json_object_get(o, "SecretAccessKey")) == NULL) {
		json_decref(o);
		*why = "no credentials in the answer";
		return -EBADMSG;
	}
	ua_erase_free(y->imds.akid);
	ua_erase_free(y->imds.secret);
	ua_erase_free(y->imds.token);
	y->imds.akid =
	    strdup(json_string_value(json_object_get(o, "AccessKeyId")));
	y->imds.secret =
	    strdup(json_string_value(json_object_get(o, "SecretAccessKey")));
	v = json_string_value(json_object_get(o, "Token"));
	y->imds.token = v != NULL ? strdup(v) : NULL;
	y->imds_expires =
	    iso_time(json_string_value(json_object_get(o, "Expiration")));
	json_decref(o);
	y->imds_step = 0;
	if (y->imds.akid == NULL || y->imds.secret == NULL)
		return -ENOMEM;
	if (y->imds_expires == 0) /* none said: an hour */
		y->imds_expires = time(NULL) + 3600;
	ua_log(LOG_INFO,
	    "cognito pool %s: sync credentials of role %s from "
	    "the instance metadata, until %lld",
	    y->pool, y->imds_role, (long long)y->imds_expires);
	return 0;
}
