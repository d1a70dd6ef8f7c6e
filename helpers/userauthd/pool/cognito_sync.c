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
#include "server/log.h"
#include "userauthd/pool/cognito_int.h"
#include "userauthd/pool/cognito_sign.h"

#define SY_PAGE 60		/* the most ListUsers returns at once */
#define SY_MAX_USERS 1000000
#define SY_MAX_GROUPS 10000
#define SY_BACKOFF_MIN_MS 1000
#define SY_BACKOFF_MAX_MS 60000
#define SY_RETRY_MS 60000	/* after a failed sync */

enum sy_op { SY_LIST_USERS, SY_LIST_GROUPS, SY_LIST_MEMBERS };

static const char *const sy_ops[] = {
	[SY_LIST_USERS] = "ListUsers",
	[SY_LIST_GROUPS] = "ListGroups",
	[SY_LIST_MEMBERS] = "ListUsersInGroup",
};

struct sy_job {
	struct pool_job pj;
	struct http_req rq;
	char pool[UA_MAX_POOL + 1];
	int imds_step;			/* 0: a page of the sync */
};

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_TIMEOUT_MS 2000
#define IMDS_EARLY 300		/* seconds before expiry: fetch anew */

static void
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

static void
imds_clear(struct cg_sync *y)
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

void
cg_sync_free(struct cg_sync *y)
{
	if (y == NULL)
		return;
	imds_clear(y);
	sy_work_clear(y);
	store_nss_free(&y->last);
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
	h[nh++] = (struct cg_header){ "content-type",
		"application/x-amz-json-1.1" };
	h[nh++] = (struct cg_header){ "host", host };
	h[nh++] = (struct cg_header){ "x-amz-date", date };
	h[nh++] = (struct cg_header){ "x-amz-target", target };
	if (cr->token != NULL)
		h[nh++] = (struct cg_header){ "x-amz-security-token",
			cr->token };
	r = cg_sigv4_authorization(&(struct cg_sigv4_req){ .method = "POST",
		.path = "/", .query = "", .headers = h, .nheaders = nh,
		.body = rq->body, .body_len = rq->body_len,
		.region = pc->cognito_region, .service = "cognito-idp",
		.amz_date = date, .access_key = cr->akid,
		.secret_key = cr->secret }, auth, sizeof(auth));
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
	enum sy_op op = y->phase == SY_USERS ? SY_LIST_USERS :
	    y->phase == SY_GROUPS		 ? SY_LIST_GROUPS :
						   SY_LIST_MEMBERS;
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
		(void)json_object_set_new(b, op == SY_LIST_USERS ?
		    "PaginationToken" : "NextToken", json_string(y->token));
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
	j->pj.wq.owner = 0;	/* the backend's own: pool_cognito_job */
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

static const char *
imds_base(const struct ua_pool_conf *pc)
{
	return pc->cognito_imds_endpoint == NULL ? IMDS_DEFAULT :
						   pc->cognito_imds_endpoint;
}

/* The next IMDSv2 request: a session token, the role, its keys. */
static int
imds_send(struct cognito_backend *cb, struct cg_sync *y,
    const struct ua_pool_conf *pc)
{
	static const char *const paths[] = { "", "/latest/api/token",
		"/latest/meta-data/iam/security-credentials/",
		"/latest/meta-data/iam/security-credentials/" };
	const char *base = imds_base(pc);
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
		    paths[y->imds_step],
		    y->imds_step == 3 ? y->imds_role : "");
	j->rq.timeout_ms = IMDS_TIMEOUT_MS;
	if (r == 0 && y->imds_step == 1) {
		j->rq.method = "PUT";
		j->rq.body = strdup("");
		r = j->rq.body != NULL ?
		    http_req_header(&j->rq,
			"X-aws-ec2-metadata-token-ttl-seconds", "21600") :
		    -ENOMEM;
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
static int
imds_done(struct cg_sync *y, const struct http_req *rq, int step,
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
	y->imds.akid = strdup(json_string_value(json_object_get(o,
	    "AccessKeyId")));
	y->imds.secret = strdup(json_string_value(json_object_get(o,
	    "SecretAccessKey")));
	v = json_string_value(json_object_get(o, "Token"));
	y->imds.token = v != NULL ? strdup(v) : NULL;
	y->imds_expires = iso_time(json_string_value(json_object_get(o,
	    "Expiration")));
	json_decref(o);
	y->imds_step = 0;
	if (y->imds.akid == NULL || y->imds.secret == NULL)
		return -ENOMEM;
	if (y->imds_expires == 0)	/* none said: an hour */
		y->imds_expires = time(NULL) + 3600;
	ua_log(LOG_INFO, "cognito pool %s: sync credentials of role %s from "
	    "the instance metadata, until %lld", y->pool, y->imds_role,
	    (long long)y->imds_expires);
	return 0;
}

static char *
attr_of(json_t *attrs, const char *name)
{
	size_t i;
	json_t *a;
	const char *v;

	json_array_foreach(attrs, i, a) {
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
	json_array_foreach(list, i, u) {
		name = json_string_value(json_object_get(u, "Username"));
		if (name == NULL || !may_sign_in(u) ||
		    ua_valid_name(name, NULL) < 0) {
			y->skipped++;
			continue;
		}
		if (y->nu == SY_MAX_USERS)
			return -E2BIG;
		if (grow((void **)&y->u, y->nu, &y->capu, sizeof(*y->u),
			256) < 0)
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
		nu->created = json_number_value(json_object_get(u,
		    "UserCreateDate"));
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
	json_array_foreach(list, i, g) {
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
		ng->created = json_number_value(json_object_get(g,
		    "CreationDate"));
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
	json_array_foreach(list, i, u) {
		key.login = (char *)(uintptr_t)json_string_value(
		    json_object_get(u, "Username"));
		if (key.login == NULL)
			continue;
		found = bsearch(&key, y->u, y->nu, sizeof(*y->u), by_login);
		if (found == NULL)
			continue;	/* disabled, unconfirmed, not valid */
		if (grow((void **)&g->members, g->n, &g->cap,
			sizeof(*g->members), 16) < 0)
			return -ENOMEM;
		g->members[g->n++] = (uint32_t)(found - y->u);
	}
	return 0;
}

static uint32_t
hash_into(const char *s, uint32_t lo, uint32_t hi)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	uint64_t v = 0;
	size_t i;

	(void)SHA256((const unsigned char *)s, strlen(s), h);
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	return (uint32_t)(lo + v % ((uint64_t)hi - lo + 1));
}

static int
by_id_then_age(const void *a, const void *b)
{
	const struct sy_user *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->login, y->login);
}

static bool
allowed(const struct ua_pool_conf *pc, const struct cg_sync *y, size_t ui)
{
	size_t i, j, k;

	if (pc->allow_groups.any)
		return true;
	for (i = 0; i < y->ng; i++)
		for (k = 0; k < pc->allow_groups.n; k++) {
			if (strcmp(y->g[i].name, pc->allow_groups.names[k]) != 0)
				continue;
			for (j = 0; j < y->g[i].n; j++)
				if (y->g[i].members[j] == ui)
					return true;
		}
	return false;
}

/*
 * The pages are all in: ids, collisions, who is kept, the pool's new
 * NSS part.  Users were sorted by login for the member lookups; groups'
 * members index that order.
 */
static int
sy_finish(struct cg_sync *y, const struct ua_pool_conf *pc,
    struct store_nss *out)
{
	struct store_nss n = { 0 };
	struct cg_claims c;
	uint32_t *newidx = NULL, *order = NULL;
	char home[UA_MAX_PATHFIELD + 1];
	size_t i, j, k, dropped = 0;
	int r = -ENOMEM;

	/* uids; a user without one (no attribute, out of range) is left out */
	for (i = 0; i < y->nu; i++) {
		memset(&c, 0, sizeof(c));
		(void)snprintf(c.sub, sizeof(c.sub), "%s",
		    y->u[i].sub ? y->u[i].sub : y->u[i].login);
		c.attr = y->u[i].attr;
		y->u[i].keep = allowed(pc, y, i) &&
		    cg_uid_of(pc, &c, &y->u[i].uid) == 0;
		y->u[i].index = (uint32_t)i;
	}
	/* the older of two users with one uid keeps it */
	order = calloc(y->nu + 1, sizeof(*order));
	newidx = calloc(y->nu + 1, sizeof(*newidx));
	if (order == NULL || newidx == NULL)
		goto out;
	qsort(y->u, y->nu, sizeof(*y->u), by_id_then_age);
	for (i = 0; i < y->nu; i++) {
		order[y->u[i].index] = (uint32_t)i;
		if (i > 0 && y->u[i].keep && y->u[i - 1].uid == y->u[i].uid &&
		    (y->u[i - 1].keep || y->u[i - 1].collided)) {
			ua_log(LOG_WARNING, "cognito pool %s: user %s has the "
			    "uid %u of the older user %s; left out of NSS",
			    y->pool, y->u[i].login, y->u[i].uid,
			    y->u[i - 1].login);
			y->u[i].keep = false;
			y->u[i].collided = true;
			dropped++;
		}
	}
	n.users = calloc(y->nu + 1, sizeof(*n.users));
	n.groups = calloc(y->ng + 1, sizeof(*n.groups));
	if (n.users == NULL || n.groups == NULL)
		goto out;
	for (i = 0; i < y->nu; i++) {
		struct sy_user *u = &y->u[i];

		newidx[i] = UINT32_MAX;
		if (!u->keep)
			continue;
		if (ua_conf_home(pc, u->login, home, sizeof(home)) < 0)
			continue;
		n.users[n.nusers] = (struct store_nss_user){
			.login = strdup(u->login),
			.email = strdup(u->email ? u->email : ""),
			.gecos = strdup(""), .home = strdup(home),
			.shell = strdup(pc->shell), .uid = u->uid,
			.gid = u->uid };
		if (!n.users[n.nusers].login || !n.users[n.nusers].email ||
		    !n.users[n.nusers].gecos || !n.users[n.nusers].home ||
		    !n.users[n.nusers].shell) {
			n.nusers++;
			goto out;
		}
		newidx[i] = (uint32_t)n.nusers++;
	}
	/* groups: gid from the name; the older of two keeps it */
	for (i = 0; i < y->ng; i++) {
		uint32_t gid = hash_into(y->g[i].name, pc->gid_min,
		    pc->gid_max);
		bool taken = false;

		for (j = 0; j < y->ng && !taken; j++)
			taken = j != i && hash_into(y->g[j].name, pc->gid_min,
			    pc->gid_max) == gid &&
			    (y->g[j].created < y->g[i].created ||
				(y->g[j].created == y->g[i].created && j < i));
		if (taken) {
			ua_log(LOG_WARNING, "cognito pool %s: group %s has "
			    "the gid %u of an older group; left out of NSS",
			    y->pool, y->g[i].name, gid);
			continue;
		}
		n.groups[n.ngroups].name = strdup(y->g[i].name);
		n.groups[n.ngroups].gid = gid;
		n.groups[n.ngroups].members = calloc(y->g[i].n + 1,
		    sizeof(uint32_t));
		if (n.groups[n.ngroups].name == NULL ||
		    n.groups[n.ngroups].members == NULL) {
			n.ngroups++;
			goto out;
		}
		for (k = 0; k < y->g[i].n; k++) {
			uint32_t at = newidx[order[y->g[i].members[k]]];

			if (at != UINT32_MAX)
				n.groups[n.ngroups].members[
				    n.groups[n.ngroups].nmembers++] = at;
		}
		n.ngroups++;
	}
	ua_log(LOG_INFO, "cognito pool %s: synced %zu users and %zu groups "
	    "in %u requests (%zu left out: disabled, unconfirmed, not in "
	    "allow_groups, no valid name or uid; %zu by uid collisions)",
	    y->pool, n.nusers, n.ngroups, y->requests,
	    y->nu - n.nusers + y->skipped, dropped);
	*out = n;
	memset(&n, 0, sizeof(n));
	r = 0;
out:
	store_nss_free(&n);
	free(order);
	free(newidx);
	return r;
}

/* A sync ended (well or not): the next one after the interval. */
static void
sy_end(struct cg_sync *y, const struct ua_pool_conf *pc, uint64_t now,
    bool good)
{
	uint64_t iv = (uint64_t)pc->cognito_sync_interval * 1000;

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

void
cg_sync_done(struct cognito_backend *cb, const struct ua_conf *c,
    struct workq_job *job, uint64_t now)
{
	struct sy_job *j = (struct sy_job *)job;
	const struct ua_pool_conf *pc = ua_conf_pool(c, j->pool);
	struct cg_sync *y = cg_sync_of(cb, j->pool);
	struct cg_answer a;
	struct store_nss n = { 0 };
	json_t *o = NULL;
	const char *next;
	int r = 0;

	if (y == NULL || pc == NULL || pc->backend != UA_BACKEND_COGNITO) {
		sy_job_free(&j->pj);
		return;
	}
	y->in_flight = false;
	if (j->imds_step != 0) {
		const char *why = NULL;

		r = imds_done(y, &j->rq, j->imds_step, &why);
		if (r < 0) {
			if (!y->no_creds)
				ua_log(LOG_WARNING, "cognito pool %s: no AWS "
				    "credentials (environment, "
				    "cognito_credentials_file, instance metadata "
				    "at %s: %s): no NSS entries for its users",
				    y->pool, imds_base(pc), why);
			y->no_creds = true;
			imds_clear(y);
			sy_end(y, pc, now, false);
		} else
			y->next_at = now;
		sy_job_free(&j->pj);
		return;
	}
	cg_answer_read(&j->rq, &a);
	if (a.error == 0 && a.type[0] == '\0')
		o = json_loadb(j->rq.resp, j->rq.resp_len,
		    JSON_REJECT_DUPLICATES, NULL);
	if (a.type[0] != '\0' &&
	    strcmp(a.type, "TooManyRequestsException") == 0) {
		/* the same page again, later: a read is safe to repeat */
		y->backoff_ms = y->backoff_ms ? 2 * y->backoff_ms :
						SY_BACKOFF_MIN_MS;
		if (y->backoff_ms > SY_BACKOFF_MAX_MS)
			y->backoff_ms = SY_BACKOFF_MAX_MS;
		y->next_at = now + y->backoff_ms;
		ua_log(LOG_NOTICE, "cognito pool %s: sync throttled; again in "
		    "%u ms", y->pool, y->backoff_ms);
		goto out;
	}
	if (a.error != 0 || a.type[0] != '\0' || !json_is_object(o)) {
		ua_log(LOG_ERR, "cognito pool %s: sync failed at %s: %s; the "
		    "NSS entries stay as last synced", y->pool,
		    sy_ops[y->phase == SY_USERS ? SY_LIST_USERS :
		    y->phase == SY_GROUPS ? SY_LIST_GROUPS : SY_LIST_MEMBERS],
		    a.error ? a.error_text : a.type[0] ? a.type :
		    "no JSON object in the answer");
		sy_end(y, pc, now, false);
		goto out;
	}
	y->backoff_ms = 0;
	r = y->phase == SY_USERS ? take_users(y, pc, o) :
	    y->phase == SY_GROUPS ? take_groups(y, o) : take_members(y, o);
	next = json_string_value(json_object_get(o,
	    y->phase == SY_USERS ? "PaginationToken" : "NextToken"));
	free(y->token);
	y->token = next != NULL && *next != '\0' ? strdup(next) : NULL;
	if (r < 0 || (next != NULL && *next != '\0' && y->token == NULL)) {
		ua_log_errno(LOG_ERR, r < 0 ? r : -ENOMEM, "cognito pool %s: "
		    "sync failed: %m; the NSS entries stay as last synced",
		    y->pool);
		sy_end(y, pc, now, false);
		goto out;
	}
	if (y->token == NULL) {
		if (y->phase == SY_USERS) {
			qsort(y->u, y->nu, sizeof(*y->u), by_login);
			y->phase = SY_GROUPS;
		} else if (y->phase == SY_GROUPS || ++y->gi < y->ng)
			y->phase = SY_MEMBERS;
		if (y->phase == SY_MEMBERS && y->gi >= y->ng) {
			r = sy_finish(y, pc, &n);
			if (r == 0) {
				store_nss_free(&y->last);
				y->last = n;
				cg_sync_publish(cb, y);
			}
			sy_end(y, pc, now, r == 0);
			goto out;
		}
	}
	y->next_at = now + pace(pc);
out:
	json_decref(o);
	cg_answer_clear(&a);
	sy_job_free(&j->pj);
}

uint64_t
cg_sync_tick(struct cognito_backend *cb, const struct ua_conf *c,
    uint64_t now)
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
		if (r == -ENOKEY && *imds_base(pc) != '\0') {
			/* temporary credentials from the instance metadata */
			if (y->imds_step == 0)
				y->imds_step = 1;
			r = imds_send(cb, y, pc);
			if (r == 0)
				continue;
		}
		if (r == -ENOKEY && !y->no_creds)
			ua_log(LOG_WARNING, "cognito pool %s: no AWS credentials "
			    "(the environment's AWS_ACCESS_KEY_ID, "
			    "cognito_credentials_file, instance metadata): no "
			    "NSS entries for its users; set "
			    "cognito_sync_interval = 0 to say so", y->pool);
		if (r == -ENOKEY)
			y->no_creds = true;
		else if (r < 0)
			ua_log_errno(LOG_ERR, r, "cognito pool %s: cannot sync "
			    "(%m); the NSS entries stay as last synced",
			    y->pool);
		if (r < 0)
			sy_end(y, pc, now, false);
	}
	return wait;
}
