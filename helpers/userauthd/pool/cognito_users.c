/* SPDX-License-Identifier: MIT */
/*
 * The Cognito backend's own state: client secrets read as root, the
 * pools' token keys, the users signed in lately (ACCT and SESSION come
 * on connections of their own, right after a login), and uids.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "client/wipe.h"
#include "server/log.h"
#include "server/secretfile.h"
#include "userauthd/pool/cognito_int.h"

static void
creds_clear(struct cg_creds *c)
{
	ua_erase_free(c->akid);
	ua_erase_free(c->secret);
	ua_erase_free(c->token);
	memset(c, 0, sizeof(*c));
}

static char *
trimmed(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * The [profile] section of a shared credentials file (aws_access_key_id,
 * aws_secret_access_key, aws_session_token), read as root like every
 * secret: a regular file of root's or the daemon user's, mode 0600/0400.
 */
static int
read_creds_file(const char *path, const char *profile, uid_t uid,
    struct cg_creds *ret)
{
	char buf[16384], *line, *save = NULL, *eq, *k, *v, want[80];
	struct stat st;
	bool in = false;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ua_log_errno(LOG_ERR, -errno,
		    "cognito_credentials_file '%s': %m", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != uid) || (st.st_mode & 077) ||
	    st.st_size >= (off_t)sizeof(buf)) {
		(void)close(fd);
		ua_log(LOG_ERR,
		    "cognito_credentials_file '%s' must be a "
		    "regular file under 16 KiB owned by root or the daemon "
		    "user "
		    "with mode 0600 or 0400",
		    path);
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n < 0)
		return ua_log_errno(LOG_ERR, -errno,
		    "cognito_credentials_file '%s': %m", path);
	buf[n] = '\0';
	(void)snprintf(want, sizeof(want), "[%s]", profile);
	for (line = strtok_r(buf, "\n", &save); line != NULL && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		line = trimmed(line);
		if (*line == '[') {
			in = strcmp(line, want) == 0;
			continue;
		}
		eq = strchr(line, '=');
		if (!in || eq == NULL || *line == '#' || *line == ';')
			continue;
		*eq = '\0';
		k = trimmed(line);
		v = trimmed(eq + 1);
		if (strcmp(k, "aws_access_key_id") == 0)
			r = (ret->akid = strdup(v)) ? 0 : -ENOMEM;
		else if (strcmp(k, "aws_secret_access_key") == 0)
			r = (ret->secret = strdup(v)) ? 0 : -ENOMEM;
		else if (strcmp(k, "aws_session_token") == 0)
			r = (ret->token = strdup(v)) ? 0 : -ENOMEM;
	}
	ua_wipe(buf, sizeof(buf));
	if (r == 0 && (ret->akid == NULL || ret->secret == NULL)) {
		ua_log(LOG_ERR,
		    "cognito_credentials_file '%s': no "
		    "aws_access_key_id and aws_secret_access_key in %s",
		    path, want);
		r = -EINVAL;
	}
	if (r < 0)
		creds_clear(ret);
	return r;
}

static int
env_creds(struct cg_creds *c)
{
	const char *a = getenv("AWS_ACCESS_KEY_ID");
	const char *s = getenv("AWS_SECRET_ACCESS_KEY");
	const char *t = getenv("AWS_SESSION_TOKEN");

	if (a == NULL || s == NULL || *a == '\0' || *s == '\0')
		return 0;
	c->akid = strdup(a);
	c->secret = strdup(s);
	c->token = t != NULL && *t != '\0' ? strdup(t) : NULL;
	if (c->akid == NULL || c->secret == NULL ||
	    (t != NULL && *t != '\0' && c->token == NULL)) {
		creds_clear(c);
		return -ENOMEM;
	}
	return 0;
}

const struct cg_creds *
cg_creds_of(const struct cognito_backend *cb, const char *pool)
{
	size_t i;

	if (cb->secrets == NULL)
		return NULL;
	for (i = 0; i < cb->secrets->n; i++)
		if (strcmp(cb->secrets->v[i].pool, pool) == 0 &&
		    cb->secrets->v[i].creds.akid != NULL)
			return &cb->secrets->v[i].creds;
	return cb->secrets->env.akid != NULL ? &cb->secrets->env : NULL;
}

int
pool_cognito_read_secrets(const struct ua_conf *c, uid_t daemon_uid,
    struct cg_secrets **ret)
{
	struct cg_secrets *s = calloc(1, sizeof(*s));
	const struct ua_pool_conf *pc;
	size_t i;
	int r = 0;

	if (s == NULL)
		return -ENOMEM;
	s->v = calloc(c->npools + 1, sizeof(*s->v));
	if (s->v == NULL) {
		free(s);
		return -ENOMEM;
	}
	r = env_creds(&s->env);
	for (i = 0; i < c->npools && r == 0; i++) {
		pc = &c->pools[i];
		if (pc->backend != UA_BACKEND_COGNITO)
			continue;
		s->v[s->n].pool = strdup(pc->name);
		if (s->v[s->n].pool == NULL) {
			r = -ENOMEM;
			break;
		}
		s->n++;
		if (pc->cognito_client_secret_file != NULL &&
		    *pc->cognito_client_secret_file != '\0')
			r = ua_secret_file_read("cognito_client_secret_file",
			    pc->cognito_client_secret_file, daemon_uid, 256,
			    &s->v[s->n - 1].secret);
		if (r == 0 && pc->cognito_credentials_file != NULL &&
		    *pc->cognito_credentials_file != '\0')
			r = read_creds_file(pc->cognito_credentials_file,
			    pc->cognito_credentials_profile != NULL &&
				    *pc->cognito_credentials_profile != '\0'
				? pc->cognito_credentials_profile
				: "default",
			    daemon_uid, &s->v[s->n - 1].creds);
	}
	if (r < 0) {
		pool_cognito_secrets_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void
pool_cognito_secrets_free(struct cg_secrets *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].pool);
		ua_erase_free(s->v[i].secret);
		creds_clear(&s->v[i].creds);
	}
	creds_clear(&s->env);
	free(s->v);
	free(s);
}

const char *
cg_secret_of(const struct cognito_backend *cb, const char *pool)
{
	size_t i;

	for (i = 0; cb->secrets != NULL && i < cb->secrets->n; i++)
		if (strcmp(cb->secrets->v[i].pool, pool) == 0)
			return cb->secrets->v[i].secret;
	return NULL;
}

struct cg_keys *
cg_keys_of(struct cognito_backend *cb, const char *pool)
{
	size_t i;

	for (i = 0; i < cb->nkeys; i++)
		if (strcmp(cb->keys[i].pool, pool) == 0)
			return &cb->keys[i];
	if (cb->nkeys == UA_CONF_MAX_POOLS || strlen(pool) > UA_MAX_POOL)
		return NULL;
	memcpy(cb->keys[cb->nkeys].pool, pool, strlen(pool) + 1);
	return &cb->keys[cb->nkeys++];
}

static void
user_clear(struct cg_user *u)
{
	size_t i;

	for (i = 0; i < u->ngroups; i++)
		free(u->groups[i]);
	memset(u, 0, sizeof(*u));
}

const struct cg_user *
cg_recent_find(struct cognito_backend *cb, const char *pool, const char *ident,
    time_t now)
{
	const struct cg_user *u, *best = NULL;
	size_t i;

	for (i = 0; i < cb->nrecent; i++) {
		u = &cb->recent[i];
		if (u->until < now || strcmp(u->pool, pool) != 0 ||
		    (strcmp(u->login, ident) != 0 &&
			strcasecmp(u->email, ident) != 0))
			continue;
		if (best == NULL || u->until > best->until)
			best = u;
	}
	return best;
}

void
cg_recent_add(struct cognito_backend *cb, const struct cg_user *in)
{
	struct cg_user *u = NULL;
	size_t i;

	if (cb->recent == NULL) {
		cb->recent = calloc(CG_MAX_RECENT, sizeof(*cb->recent));
		if (cb->recent == NULL)
			return;
	}
	/* the same user again replaces the entry */
	for (i = 0; i < cb->nrecent && u == NULL; i++)
		if (strcmp(cb->recent[i].pool, in->pool) == 0 &&
		    strcmp(cb->recent[i].login, in->login) == 0)
			u = &cb->recent[i];
	if (u == NULL && cb->nrecent < CG_MAX_RECENT)
		u = &cb->recent[cb->nrecent++];
	if (u == NULL) {
		u = &cb->recent[cb->next_recent];
		cb->next_recent = (cb->next_recent + 1) % CG_MAX_RECENT;
	}
	user_clear(u);
	memcpy(u, in, sizeof(*u));
	for (i = 0; i < in->ngroups; i++)
		u->groups[i] = strdup(in->groups[i]);
	for (i = 0; i < u->ngroups; i++)
		if (u->groups[i] == NULL) {
			u->ngroups = i;
			break;
		}
}

void
cg_recent_free(struct cognito_backend *cb)
{
	size_t i;

	for (i = 0; i < cb->nrecent; i++)
		user_clear(&cb->recent[i]);
	free(cb->recent);
	cb->recent = NULL;
	cb->nrecent = 0;
}

/*
 * Without an attribute, the uid is SHA-256(sub) read as a number, into
 * the pool's range: the same on every host, with nothing shared but the
 * configuration (as SSSD maps SIDs).
 */
int
cg_uid_of(const struct ua_pool_conf *pc, const struct cg_claims *c,
    uint32_t *ret)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	uint64_t v = 0, span = (uint64_t)pc->uid_max - pc->uid_min + 1;
	char *end;
	unsigned long n;
	size_t i;

	if (pc->cognito_uid_attribute != NULL &&
	    *pc->cognito_uid_attribute != '\0') {
		if (c->attr == NULL)
			return -ENOENT;
		errno = 0;
		n = strtoul(c->attr, &end, 10);
		if (errno != 0 || end == c->attr || *end != '\0' ||
		    n < pc->uid_min || n > pc->uid_max)
			return -ERANGE;
		*ret = (uint32_t)n;
		return 0;
	}
	(void)SHA256((const unsigned char *)c->sub, strlen(c->sub), h);
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	*ret = (uint32_t)(pc->uid_min + v % span);
	return 0;
}
