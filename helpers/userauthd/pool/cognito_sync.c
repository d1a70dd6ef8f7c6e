/* SPDX-License-Identifier: MIT */
/*
 * NSS for Cognito pools: the users and groups of each pool, read with
 * SigV4-signed ListUsers, ListGroups and ListUsersInGroup (paginated, at
 * cognito_sync_rate requests a second, backing off on throttling), every
 * cognito_sync_interval seconds.  Only users who may sign in are kept
 * (enabled, confirmed, members of allow_groups); uids come from the
 * configured attribute or a hash of sub, gids from a hash of the group
 * name, the older of two claimants keeping an id.  The last good result
 * is kept in the state directory, so that NSS answers across a restart
 * while Cognito cannot be reached.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "client/wipe.h"
#include "server/json_frame.h"
#include "server/log.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/pool/cognito_int.h"
#include "userauthd/pool/cognito_sign.h"

#define SY_PAGE 60 /* the most ListUsers returns at once */
#define SY_MAX_USERS 1000000
#define SY_MAX_GROUPS 10000
#define SY_BACKOFF_MIN_MS 1000
#define SY_BACKOFF_MAX_MS 60000
#define SY_RETRY_MS 60000 /* after a failed sync */

enum sy_op { SY_LIST_USERS, SY_LIST_GROUPS, SY_LIST_MEMBERS };

static const char *const sy_ops[] = {
	[SY_LIST_USERS] = "ListUsers",
	[SY_LIST_GROUPS] = "ListGroups",
	[SY_LIST_MEMBERS] = "ListUsersInGroup",
};

void
sy_job_free(struct pool_job *pj)
{
	struct sy_job *j = (struct sy_job *)pj;

	http_req_clear(&j->rq);
	free(j);
}

static void
sy_user_clear(struct sy_user *u)
{
	free(u->login);
	free(u->email);
	free(u->sub);
	free(u->attr);
	memset(u, 0, sizeof(*u));
}

static void
sy_work_clear(struct cg_sync *y)
{
	size_t i;

	for (i = 0; i < y->nu; i++)
		sy_user_clear(&y->u[i]);
	for (i = 0; i < y->ng; i++) {
		free(y->g[i].name);
		free(y->g[i].members);
	}
	free(y->u);
	free(y->g);
	free(y->token);
	y->u = NULL;
	y->g = NULL;
	y->token = NULL;
	y->nu = y->capu = y->ng = y->capg = 0;
	y->gi = 0;
}

void
cg_sync_free(struct cg_sync *y)
{
	if (y == NULL)
		return;
	cg_imds_clear(y);
	sy_work_clear(y);
	nss_extra_unref(y->last);
	cg_index_free(&y->ix);
	free(y);
}

struct cg_sync *
cg_sync_of(struct cognito_backend *cb, const char *pool)
{
	size_t i;

	for (i = 0; i < cb->nsyncs; i++)
		if (strcmp(cb->syncs[i]->pool, pool) == 0)
			return cb->syncs[i];
	if (cb->nsyncs == UA_CONF_MAX_POOLS || strlen(pool) > UA_MAX_POOL)
		return NULL;
	cb->syncs[cb->nsyncs] = calloc(1, sizeof(struct cg_sync));
	if (cb->syncs[cb->nsyncs] == NULL)
		return NULL;
	memcpy(cb->syncs[cb->nsyncs]->pool, pool, strlen(pool) + 1);
	return cb->syncs[cb->nsyncs++];
}

/* "host[:port]" of an https:// URL. */
static void
host_of(const char *url, char *out, size_t outsz)
{
	const char *h = strstr(url, "://");
	size_t n;

	h = h != NULL ? h + 3 : url;
	n = strcspn(h, "/");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, h, n);
	out[n] = '\0';
}

/* A SigV4-signed POST of op with body to the pool. */
static int
signed_request(struct http_req *rq, const struct ua_pool_conf *pc,
    const struct cg_creds *cr, const char *op, json_t *body)
{
	char target[96], host[300], date[32], auth[512];
	struct cg_header h[5];
	size_t nh = 0;
	int r;

	r = cg_request(rq, pc, op, body);
	if (r < 0)
		return r;
	host_of(pc->cognito_url, host, sizeof(host));
	(void)snprintf(target, sizeof(target),
	    "AWSCognitoIdentityProviderService.%s", op);
	r = cg_amz_date(time(NULL), date, sizeof(date));
	if (r < 0)
		return r;
	h[nh++] =
	    (struct cg_header){ "content-type", "application/x-amz-json-1.1" };
	h[nh++] = (struct cg_header){ "host", host };
	h[nh++] = (struct cg_header){ "x-amz-date", date };
	h[nh++] = (struct cg_header){ "x-amz-target", target };
	if (cr->token != NULL)
		h[nh++] =
		    (struct cg_header){ "x-amz-security-token", cr->token };
	r = cg_sigv4_authorization(&(struct cg_sigv4_req){ .method = "POST",
				       .path = "/",
				       .query = "",
				       .headers = h,
				       .nheaders = nh,
				       .body = rq->body,
				       .body_len = rq->body_len,
				       .region = pc->cognito_region,
				       .service = "cognito-idp",
				       .amz_date = date,
				       .access_key = cr->akid,
				       .secret_key = cr->secret },
	    auth, sizeof(auth));
	if (r < 0)
		return r;
	r = http_req_header(rq, "Host", host);
	if (r == 0)
		r = http_req_header(rq, "X-Amz-Date", date);
	if (r == 0 && cr->token != NULL)
		r = http_req_header(rq, "X-Amz-Security-Token", cr->token);
	if (r == 0)
		r = http_req_header(rq, "Authorization", auth);
	ua_wipe(auth, sizeof(auth));
	return r;
}

/* The next request of the sync under way. */
static int
sy_send(struct cognito_backend *cb, struct cg_sync *y,
    const struct ua_pool_conf *pc)
{
	const struct cg_creds *cr = cg_creds_of(cb, y->pool);
	enum sy_op op = y->phase == SY_USERS ? SY_LIST_USERS
	    : y->phase == SY_GROUPS          ? SY_LIST_GROUPS
					     : SY_LIST_MEMBERS;
	struct sy_job *j;
	json_t *b;
	int r;

	if (cr == NULL && y->imds.akid != NULL &&
	    time(NULL) < y->imds_expires - IMDS_EARLY)
		cr = &y->imds;
	if (cr == NULL)
		return -ENOKEY;
	b = json_pack("{s:s,s:i}", "UserPoolId", pc->cognito_user_pool_id,
	    "Limit", SY_PAGE);
	if (b != NULL && y->token != NULL)
		(void)json_object_set_new(b,
		    op == SY_LIST_USERS ? "PaginationToken" : "NextToken",
		    json_string(y->token));
	if (b != NULL && op == SY_LIST_MEMBERS)
		(void)json_object_set_new(b, "GroupName",
		    json_string(y->g[y->gi].name));
	j = calloc(1, sizeof(*j));
	if (b == NULL || j == NULL) {
		json_decref(b);
		free(j);
		return -ENOMEM;
	}
	j->pj.free = sy_job_free;
	j->pj.wq.owner = 0; /* the backend's own: pool_cognito_job */
	memcpy(j->pool, y->pool, sizeof(j->pool));
	r = signed_request(&j->rq, pc, cr, sy_ops[op], b);
	j->rq.job = &j->pj.wq;
	if (r == 0)
		r = http_submit(cb->http, &j->rq);
	if (r < 0) {
		sy_job_free(&j->pj);
		return r;
	}
	y->in_flight = true;
	y->requests++;
	return 0;
}

static char *
attr_of(json_t *attrs, const char *name)
{
	size_t i;
	json_t *a;
	const char *v;

	json_array_foreach(attrs, i, a)
	{
		v = json_string_value(json_object_get(a, "Name"));
		if (v != NULL && strcmp(v, name) == 0) {
			v = json_string_value(json_object_get(a, "Value"));
			return v != NULL && strlen(v) < 512 ? strdup(v) : NULL;
		}
	}
	return NULL;
}

/* May the user sign in at all?  Only those are NSS entries. */
static bool
may_sign_in(json_t *u)
{
	const char *st = json_string_value(json_object_get(u, "UserStatus"));
	json_t *en = json_object_get(u, "Enabled");

	if (en != NULL && !json_is_true(en))
		return false;
	return st == NULL || strcmp(st, "CONFIRMED") == 0 ||
	    strcmp(st, "FORCE_CHANGE_PASSWORD") == 0 ||
	    strcmp(st, "RESET_REQUIRED") == 0 ||
	    strcmp(st, "EXTERNAL_PROVIDER") == 0;
}

/* Room for one more of *v (n used, *cap allocated), doubling from first. */
static int
grow(void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	void *p;

	if (n < *cap)
		return 0;
	p = reallocarray(*v, *cap ? 2 * *cap : first, size);
	if (p == NULL)
		return -ENOMEM;
	*v = p;
	*cap = *cap ? 2 * *cap : first;
	return 0;
}

static int
take_users(struct cg_sync *y, const struct ua_pool_conf *pc, json_t *o)
{
	json_t *list = json_object_get(o, "Users"), *u, *attrs;
	struct sy_user *nu;
	const char *name;
	size_t i;

	if (!json_is_array(list))
		return -EBADMSG;
	json_array_foreach(list, i, u)
	{
		name = json_string_value(json_object_get(u, "Username"));
		if (name == NULL || !may_sign_in(u) ||
		    ua_valid_name(name, NULL) < 0) {
			y->skipped++;
			continue;
		}
		if (y->nu == SY_MAX_USERS)
			return -E2BIG;
		if (grow((void **)&y->u, y->nu, &y->capu, sizeof(*y->u), 256) <
		    0)
			return -ENOMEM;
		attrs = json_object_get(u, "Attributes");
		nu = &y->u[y->nu++];
		memset(nu, 0, sizeof(*nu));
		nu->login = strdup(name);
		nu->sub = attr_of(attrs, "sub");
		nu->email = attr_of(attrs, "email");
		if (pc->cognito_uid_attribute != NULL &&
		    *pc->cognito_uid_attribute != '\0')
			nu->attr = attr_of(attrs, pc->cognito_uid_attribute);
		nu->created =
		    json_number_value(json_object_get(u, "UserCreateDate"));
		if (nu->login == NULL)
			return -ENOMEM;
	}
	return 0;
}

static int
take_groups(struct cg_sync *y, json_t *o)
{
	json_t *list = json_object_get(o, "Groups"), *g;
	struct sy_group *ng;
	const char *name;
	size_t i;

	if (!json_is_array(list))
		return -EBADMSG;
	json_array_foreach(list, i, g)
	{
		name = json_string_value(json_object_get(g, "GroupName"));
		if (name == NULL || ua_valid_name(name, NULL) < 0) {
			y->skipped++;
			continue;
		}
		if (y->ng == SY_MAX_GROUPS)
			return -E2BIG;
		if (grow((void **)&y->g, y->ng, &y->capg, sizeof(*y->g), 16) <
		    0)
			return -ENOMEM;
		ng = &y->g[y->ng++];
		memset(ng, 0, sizeof(*ng));
		ng->name = strdup(name);
		ng->created =
		    json_number_value(json_object_get(g, "CreationDate"));
		if (ng->name == NULL)
			return -ENOMEM;
	}
	return 0;
}

static int
by_login(const void *a, const void *b)
{
	return strcmp(((const struct sy_user *)a)->login,
	    ((const struct sy_user *)b)->login);
}

static int
take_members(struct cg_sync *y, json_t *o)
{
	json_t *list = json_object_get(o, "Users"), *u;
	struct sy_group *g = &y->g[y->gi];
	struct sy_user key = { 0 }, *found;
	size_t i;

	if (!json_is_array(list))
		return -EBADMSG;
	json_array_foreach(list, i, u)
	{
		key.login = (char *)(uintptr_t)json_string_value(
		    json_object_get(u, "Username"));
		if (key.login == NULL)
			continue;
		found = bsearch(&key, y->u, y->nu, sizeof(*y->u), by_login);
		if (found == NULL)
			continue; /* disabled, unconfirmed, not valid */
		if (grow((void **)&g->members, g->n, &g->cap,
			sizeof(*g->members), 16) < 0)
			return -ENOMEM;
		g->members[g->n++] = (uint32_t)(found - y->u);
	}
	return 0;
}

/* A sync ended (well or not): the next one after the interval. */
static void
sy_end(struct cg_sync *y, const struct ua_pool_conf *pc, uint64_t now,
    bool good)
{
	uint64_t iv = (uint64_t)pc->cognito_sync_interval * 1000;

	if (good)
		y->synced_at = time(NULL);
	else
		y->failed_at = time(NULL);
	sy_work_clear(y);
	y->phase = SY_IDLE;
	y->skipped = 0;
	y->requests = 0;
	y->next_at = now + (good || iv < SY_RETRY_MS ? iv : SY_RETRY_MS);
	y->backoff_ms = 0;
}

static uint64_t
pace(const struct ua_pool_conf *pc)
{
	return 1000 / (pc->cognito_sync_rate ? pc->cognito_sync_rate : 1);
}

/* A credentials step (IMDSv2) of the sync came back. */
static void
sy_imds_done(struct cg_sync *y, const struct ua_pool_conf *pc, struct sy_job *j,
    uint64_t now)
{
	const char *why = NULL;

	if (cg_imds_done(y, &j->rq, j->imds_step, &why) >= 0) {
		y->next_at = now;
		return;
	}
	if (!y->no_creds)
		ua_log(LOG_WARNING,
		    "cognito pool %s: no AWS credentials "
		    "(environment, cognito_credentials_file, instance metadata "
		    "at %s: %s): no NSS entries for its users",
		    y->pool, cg_imds_base(pc), why);
	y->no_creds = true;
	cg_imds_clear(y);
	sy_end(y, pc, now, false);
}

/* TooManyRequestsException: the same page again, later (a read). */
static void
sy_throttled(struct cg_sync *y, uint64_t now)
{
	y->backoff_ms = y->backoff_ms ? 2 * y->backoff_ms : SY_BACKOFF_MIN_MS;
	if (y->backoff_ms > SY_BACKOFF_MAX_MS)
		y->backoff_ms = SY_BACKOFF_MAX_MS;
	y->next_at = now + y->backoff_ms;
	ua_log(LOG_NOTICE, "cognito pool %s: sync throttled; again in %u ms",
	    y->pool, y->backoff_ms);
}

/* The last page of the last phase is in: ids, then the publish. */
static void
sy_complete(struct cognito_backend *cb, struct cg_sync *y,
    const struct ua_pool_conf *pc, uint64_t now)
{
	struct store_nss n = { 0 };
	struct nss_extra *x;
	int r;

	r = cg_sync_finish(y, pc, &n);
	/* the pages' working set goes before the publish */
	sy_end(y, pc, now, r == 0);
	if (r < 0)
		return;
	x = nss_extra_new(&n);
	if (x != NULL && cg_sync_set_last(y, x) == 0)
		cg_sync_publish(cb, y);
	else
		ua_log(LOG_ERR,
		    "cognito pool %s: out of memory; the NSS "
		    "entries stay as last synced",
		    y->pool);
}

/*
 * A page o of the current phase: taken in, the next token kept; at the
 * end of a phase the next one, and after the members sy_complete.
 */
static void
sy_page(struct cognito_backend *cb, struct cg_sync *y,
    const struct ua_pool_conf *pc, json_t *o, uint64_t now)
{
	const char *next;
	int r;

	y->backoff_ms = 0;
	r = y->phase == SY_USERS    ? take_users(y, pc, o)
	    : y->phase == SY_GROUPS ? take_groups(y, o)
				    : take_members(y, o);
	next = json_string_value(json_object_get(o,
	    y->phase == SY_USERS ? "PaginationToken" : "NextToken"));
	free(y->token);
	y->token = next != NULL && *next != '\0' ? strdup(next) : NULL;
	if (r < 0 || (next != NULL && *next != '\0' && y->token == NULL)) {
		ua_log_errno(LOG_ERR, r < 0 ? r : -ENOMEM,
		    "cognito pool %s: "
		    "sync failed: %m; the NSS entries stay as last synced",
		    y->pool);
		sy_end(y, pc, now, false);
		return;
	}
	if (y->token == NULL) {
		if (y->phase == SY_USERS) {
			qsort(y->u, y->nu, sizeof(*y->u), by_login);
			y->phase = SY_GROUPS;
		} else if (y->phase == SY_GROUPS || ++y->gi < y->ng)
			y->phase = SY_MEMBERS;
		if (y->phase == SY_MEMBERS && y->gi >= y->ng) {
			sy_complete(cb, y, pc, now);
			return;
		}
	}
	y->next_at = now + pace(pc);
}

void
cg_sync_done(struct cognito_backend *cb, const struct ua_conf *c,
    struct workq_job *job, uint64_t now)
{
	struct sy_job *j = (struct sy_job *)job;
	const struct ua_pool_conf *pc = ua_conf_pool(c, j->pool);
	struct cg_sync *y = cg_sync_of(cb, j->pool);
	struct cg_answer a;
	json_t *o = NULL;

	if (y == NULL || pc == NULL || pc->backend != UA_BACKEND_COGNITO) {
		sy_job_free(&j->pj);
		return;
	}
	y->in_flight = false;
	if (j->imds_step != 0) {
		sy_imds_done(y, pc, j, now);
		sy_job_free(&j->pj);
		return;
	}
	/* a page is parsed once: the answer decoder only for errors */
	memset(&a, 0, sizeof(a));
	if (j->rq.error == 0 && j->rq.status >= 200 && j->rq.status < 300 &&
	    j->rq.resp != NULL)
		(void)ua_json_loadb(j->rq.resp, j->rq.resp_len,
		    JSON_REJECT_DUPLICATES, &o);
	else
		cg_answer_read(&j->rq, &a);
	if (strcmp(a.type, "TooManyRequestsException") == 0)
		sy_throttled(y, now);
	else if (a.error != 0 || a.type[0] != '\0' || !json_is_object(o)) {
		(void)snprintf(y->last_error, sizeof(y->last_error), "%s: %s",
		    sy_ops[y->phase == SY_USERS     ? SY_LIST_USERS
			    : y->phase == SY_GROUPS ? SY_LIST_GROUPS
						    : SY_LIST_MEMBERS],
		    a.error         ? a.error_text
			: a.type[0] ? a.type
				    : "no JSON object in the answer");
		ua_log(LOG_ERR,
		    "cognito pool %s: sync failed at %s; the NSS "
		    "entries stay as last synced",
		    y->pool, y->last_error);
		sy_end(y, pc, now, false);
	} else
		sy_page(cb, y, pc, o, now);
	json_decref(o);
	cg_answer_clear(&a);
	sy_job_free(&j->pj);
}

uint64_t
cg_sync_tick(struct cognito_backend *cb, const struct ua_conf *c, uint64_t now)
{
	const struct ua_pool_conf *pc;
	struct cg_sync *y;
	uint64_t wait = 1000;
	size_t i;
	int r;

	for (i = 0; i < c->npools; i++) {
		pc = &c->pools[i];
		if (pc->backend != UA_BACKEND_COGNITO ||
		    pc->cognito_sync_interval == 0)
			continue;
		y = cg_sync_of(cb, pc->name);
		if (y == NULL || y->in_flight)
			continue;
		/* on demand (a user it did not have signed in), but not
		 * more than twice a minute */
		if (y->want_now && y->phase == SY_IDLE) {
			y->want_now = false;
			if (y->next_at > y->started_at + 30000)
				y->next_at = y->started_at + 30000;
		}
		if (now < y->next_at) {
			if (y->next_at - now < wait)
				wait = y->next_at - now;
			continue;
		}
		if (y->phase == SY_IDLE) {
			y->phase = SY_USERS;
			y->started_at = now;
			ua_log(LOG_DEBUG, "cognito pool %s: sync starts",
			    y->pool);
		}
		r = sy_send(cb, y, pc);
		if (r == -ENOKEY && *cg_imds_base(pc) != '\0') {
			/* temporary credentials from the instance metadata */
			if (y->imds_step == 0)
				y->imds_step = 1;
			r = cg_imds_send(cb, y, pc);
			if (r == 0)
				continue;
		}
		if (r == -ENOKEY && !y->no_creds)
			ua_log(LOG_WARNING,
			    "cognito pool %s: no AWS credentials "
			    "(the environment's AWS_ACCESS_KEY_ID, "
			    "cognito_credentials_file, instance metadata): no "
			    "NSS entries for its users; set "
			    "cognito_sync_interval = 0 to say so",
			    y->pool);
		if (r == -ENOKEY) {
			y->no_creds = true;
			(void)snprintf(y->last_error, sizeof(y->last_error),
			    "no AWS credentials");
		} else if (r < 0)
			ua_log_errno(LOG_ERR, r,
			    "cognito pool %s: cannot sync "
			    "(%m); the NSS entries stay as last synced",
			    y->pool);
		if (r < 0)
			sy_end(y, pc, now, false);
	}
	return wait;
}
