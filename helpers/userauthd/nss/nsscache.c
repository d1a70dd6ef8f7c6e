/* SPDX-License-Identifier: MIT */
/*
 * Turns a store snapshot into the NSS cache's arrays and publishes it.
 * It adds each user's private group; it must never add a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

#include "client/cache.h"
#include "server/cache_writer.h"
#include "server/log.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/nss/nsscache_merge.h"

struct nss_extra {
	unsigned refs;
	struct store_nss n;       /* a part's own users and groups */
	struct nss_extra **parts; /* a join's: n is empty */
	size_t nparts;
};

static pthread_mutex_t extra_lock = PTHREAD_MUTEX_INITIALIZER;

struct nss_extra *
nss_extra_new(struct store_nss *n)
{
	struct nss_extra *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->refs = 1;
	x->n = *n;
	memset(n, 0, sizeof(*n));
	return x;
}

struct nss_extra *
nss_extra_join(struct nss_extra *const *parts, size_t n)
{
	struct nss_extra *x = calloc(1, sizeof(*x));
	size_t i;

	if (x == NULL)
		return NULL;
	x->parts = calloc(n + 1, sizeof(*x->parts));
	if (x->parts == NULL) {
		free(x);
		return NULL;
	}
	x->refs = 1;
	for (i = 0; i < n; i++)
		if (parts[i] != NULL)
			x->parts[x->nparts++] = nss_extra_ref(parts[i]);
	return x;
}

struct nss_extra *
nss_extra_ref(struct nss_extra *x)
{
	if (x != NULL) {
		pthread_mutex_lock(&extra_lock);
		x->refs++;
		pthread_mutex_unlock(&extra_lock);
	}
	return x;
}

void
nss_extra_unref(struct nss_extra *x)
{
	unsigned left;

	if (x == NULL)
		return;
	pthread_mutex_lock(&extra_lock);
	left = --x->refs;
	pthread_mutex_unlock(&extra_lock);
	if (left == 0) {
		size_t i;

		for (i = 0; i < x->nparts; i++)
			nss_extra_unref(x->parts[i]);
		free(x->parts);
		store_nss_free(&x->n);
		free(x);
	}
}

const struct store_nss *
nss_extra_get(const struct nss_extra *x)
{
	return &x->n;
}

/*
 * "" is a user without an address (another backend's: cognito_ids.c); it
 * has no alias, and the writer would refuse it as a bad one, the whole
 * cache with it.
 */
static struct ua_cache_user
cache_user(const struct store_nss_user *u)
{
	const char *email =
	    u->email != NULL && u->email[0] != '\0' ? u->email : NULL;

	return (struct ua_cache_user){ .name = u->login,
		.email = email,
		.gecos = u->gecos,
		.home = u->home,
		.shell = u->shell,
		.uid = u->uid,
		.gid = u->gid };
}

/* The parts a publish adds after the store's (a join's, or the one). */
struct parts {
	const struct nss_extra *const *p;
	size_t n;
	const struct nss_extra *one[1];
};

static void
parts_of(const struct nss_extra *extra, struct parts *ps)
{
	ps->one[0] = extra;
	ps->p = ps->one;
	ps->n = extra != NULL ? 1 : 0;
	if (extra != NULL && extra->parts != NULL) {
		ps->p = (const struct nss_extra *const *)extra->parts;
		ps->n = extra->nparts;
	}
}

/* What one publish hands the writer. */
struct pub {
	struct ua_cache_user *users;
	struct ua_cache_group *groups;
	struct ua_cache_mark *marks;
	uint32_t *map;    /* a user's place before the merge: after */
	uint32_t **moved; /* the parts' member lists, moved */
	size_t nu, ng, nm;
	struct nss_merge_stats left_out;
};

static void
pub_free(struct pub *b)
{
	size_t i;

	for (i = 0; b->moved != NULL && i < b->nm; i++)
		free(b->moved[i]);
	free(b->moved);
	free(b->users);
	free(b->groups);
	free(b->marks);
	free(b->map);
}

/* Room for nu users (and their private groups), ng groups, npools marks. */
static int
pub_alloc(struct pub *b, size_t nu, size_t ng, size_t nmoved, size_t npools)
{
	b->users = calloc(nu + 1, sizeof(*b->users));
	b->map = calloc(nu + 1, sizeof(*b->map));
	b->groups = calloc(nu + ng + 1, sizeof(*b->groups));
	b->marks = calloc(npools + 1, sizeof(*b->marks));
	b->moved = calloc(nmoved + 1, sizeof(*b->moved));
	return b->users == NULL || b->map == NULL || b->groups == NULL ||
		b->marks == NULL || b->moved == NULL
	    ? -ENOMEM
	    : 0;
}

/* The store's users, then each part's; then made to fit (the merge). */
static int
pub_users(struct pub *b, const struct store_nss *n, const struct parts *ps)
{
	size_t i, p;

	for (i = 0; i < n->nusers; i++)
		b->users[b->nu++] = cache_user(&n->users[i]);
	for (p = 0; p < ps->n; p++)
		for (i = 0; i < ps->p[p]->n.nusers; i++)
			b->users[b->nu++] = cache_user(&ps->p[p]->n.users[i]);
	return nss_merge_users(b->users, b->nu, n->nusers, b->map, &b->nu,
	    &b->left_out);
}

static void
private_groups(struct pub *b, size_t from, size_t to)
{
	size_t i;

	/* Each user's private group: gid = uid, no listed members. */
	for (i = from; i < to; i++)
		b->groups[b->ng++] =
		    (struct ua_cache_group){ .name = b->users[i].name,
			    .gid = b->users[i].gid };
}

/* A part's group, its members (its own users' places) moved. */
static int
part_group(struct pub *b, const struct store_nss_group *g, size_t base)
{
	uint32_t *m = calloc(g->nmembers + 1, sizeof(*m));
	size_t j, k = 0;

	if (m == NULL)
		return -ENOMEM;
	b->moved[b->nm++] = m;
	for (j = 0; j < g->nmembers; j++)
		if (b->map[base + g->members[j]] != UINT32_MAX)
			m[k++] = b->map[base + g->members[j]];
	b->groups[b->ng++] = (struct ua_cache_group){ .name = g->name,
		.gid = g->gid,
		.members = m,
		.nmembers = k };
	return 0;
}

/*
 * The groups in the order that wins a clash: the store users' private
 * groups, the store's groups, the other users' private groups, theirs.
 */
static int
pub_groups(struct pub *b, const struct store_nss *n, const struct parts *ps)
{
	size_t i, p, base = n->nusers;
	int r;

	private_groups(b, 0, n->nusers);
	for (i = 0; i < n->ngroups; i++)
		b->groups[b->ng++] =
		    (struct ua_cache_group){ .name = n->groups[i].name,
			    .gid = n->groups[i].gid,
			    .members = n->groups[i].members,
			    .nmembers = n->groups[i].nmembers };
	private_groups(b, n->nusers, b->nu);
	for (p = 0; p < ps->n; p++) {
		for (i = 0; i < ps->p[p]->n.ngroups; i++) {
			r = part_group(b, &ps->p[p]->n.groups[i], base);
			if (r < 0)
				return r;
		}
		base += ps->p[p]->n.nusers;
	}
	return nss_merge_groups(b->groups, b->ng, &b->ng, &b->left_out);
}

int
nsscache_publish(struct store *s, const char *path,
    const struct nss_extra *extra)
{
	struct store_nss n = { 0 };
	struct store_err err = { 0 };
	struct pub b = { 0 };
	struct ua_cache_input in;
	struct parts ps;
	size_t p, i, xu = 0, xg = 0;
	int r;

	parts_of(extra, &ps);
	for (p = 0; p < ps.n; p++) {
		xu += ps.p[p]->n.nusers;
		xg += ps.p[p]->n.ngroups;
	}
	r = store_nss_snapshot(s, &n, &err);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "NSS cache: %s", err.msg);
	r = pub_alloc(&b, n.nusers + xu, n.ngroups + xg, xg, n.npools);
	if (r == 0)
		r = pub_users(&b, &n, &ps);
	if (r == 0)
		r = pub_groups(&b, &n, &ps);
	if (r < 0) {
		r = ua_log_errno(LOG_ERR, r, "NSS cache: %m");
		goto out;
	}
	for (i = 0; i < n.npools; i++)
		b.marks[i] = (struct ua_cache_mark){ n.pools[i].name,
			n.pools[i].uid_next, n.pools[i].gid_next };
	in = (struct ua_cache_input){ b.users, b.nu, b.groups, b.ng, b.marks,
		n.npools };
	r = ua_cache_write_input(path, &in);
	if (r < 0)
		ua_log_errno(LOG_ERR, r,
		    "cannot publish the NSS cache '%s': %m", path);
	else
		ua_log(LOG_DEBUG, "NSS cache '%s': %zu users, %zu groups", path,
		    b.nu, b.ng);
	if (b.left_out.users + b.left_out.emails + b.left_out.groups > 0)
		ua_log(LOG_WARNING,
		    "NSS cache: of other pools, %zu users and "
		    "%zu groups left out, %zu addresses without an alias (a "
		    "name, id or address taken)",
		    b.left_out.users, b.left_out.groups, b.left_out.emails);
out:
	pub_free(&b);
	store_nss_free(&n);
	/*
	 * The snapshot was one small allocation per field of every user:
	 * hand the pages they leave free back to the kernel, or the
	 * daemon's RSS stays at its peak between rebuilds.
	 */
	(void)malloc_trim(0);
	return r;
}

void
nsscache_marks_free(struct store_id_mark *m, size_t n)
{
	size_t i;

	for (i = 0; m != NULL && i < n; i++)
		free((char *)(uintptr_t)m[i].pool);
	free(m);
}

int
nsscache_read_marks(const char *path, struct store_id_mark **ret, size_t *ret_n)
{
	struct store_id_mark *m = NULL, *p;
	struct ua_cache_mark cm;
	struct ua_cache c;
	char buf[256];
	size_t n = 0;
	int r;

	r = ua_cache_map(path, &c, NULL);
	if (r < 0)
		return r;
	while ((r = ua_cache_get_mark(&c, n, &cm, buf, sizeof(buf))) == 0) {
		p = reallocarray(m, n + 1, sizeof(*m));
		if (p == NULL) {
			r = -ENOMEM;
			break;
		}
		m = p;
		m[n].pool = strdup(cm.pool);
		if (m[n].pool == NULL) {
			r = -ENOMEM;
			break;
		}
		m[n].uid_next = cm.uid_next;
		m[n].gid_next = cm.gid_next;
		n++;
	}
	ua_cache_unmap(&c);
	if (r != -ENOENT) {
		nsscache_marks_free(m, n);
		return r < 0 ? r : -EBADMSG;
	}
	*ret = m;
	*ret_n = n;
	return 0;
}

/* ---- the publisher thread ------------------------------------------------ */

struct publisher {
	struct store *store; /* its own connection: used by the thread only */
	char *cache_path;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t want; /* newest generation asked for */
	uint64_t
	    started; /* the generation the running/last publish stands for */
	bool running;
	bool have_result;
	int result_err; /* 0, or why the last publish failed */
	uint64_t result_gen;
	bool stop;
	bool again;              /* publish once more even for the same want */
	int pipe[2];             /* a byte per ended publish */
	struct nss_extra *extra; /* under lock */
};

static void *
publisher_main(void *arg)
{
	struct publisher *p = arg;
	struct nss_extra *x;
	uint64_t gen;
	char b = 1;
	int r;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->want <= p->started && !p->again)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		p->again = false;
		gen = p->started = p->want;
		p->running = true;
		x = nss_extra_ref(p->extra);
		pthread_mutex_unlock(&p->lock);
		r = nsscache_publish(p->store, p->cache_path, x);
		nss_extra_unref(x);
		/* Its pages are read once a rebuild: do not keep them. */
		store_release_memory(p->store);
		pthread_mutex_lock(&p->lock);
		p->running = false;
		p->have_result = true;
		p->result_gen = gen;
		p->result_err = r < 0 ? r : 0;
		/* Non-blocking: a full pipe already means "look". */
		(void)!write(p->pipe[1], &b, 1);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
publisher_start(const char *db_path, const char *cache_path,
    struct publisher **ret)
{
	struct store_err err = { 0 };
	struct publisher *p = calloc(1, sizeof(*p));
	int r;

	if (p == NULL)
		return -ENOMEM;
	p->pipe[0] = p->pipe[1] = -1;
	p->cache_path = strdup(cache_path);
	if (p->cache_path == NULL) {
		free(p);
		return -ENOMEM;
	}
	r = store_open(db_path, &p->store, &err);
	if (r < 0) {
		ua_log(LOG_ERR, "NSS publisher: %s", err.msg);
		goto fail;
	}
	if (pipe2(p->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	r = -pthread_create(&p->thread, NULL, publisher_main, p);
	if (r < 0) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	if (p->pipe[0] >= 0) {
		close(p->pipe[0]);
		close(p->pipe[1]);
	}
	store_close(p->store);
	free(p->cache_path);
	free(p);
	return r;
}

int
publisher_fd(const struct publisher *p)
{
	return p->pipe[0];
}

void
publisher_request(struct publisher *p, uint64_t gen)
{
	pthread_mutex_lock(&p->lock);
	if (gen > p->want) {
		p->want = gen;
		pthread_cond_signal(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
}

void
publisher_retry(struct publisher *p, uint64_t gen)
{
	pthread_mutex_lock(&p->lock);
	if (gen > p->want)
		p->want = gen;
	p->again = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

bool
publisher_collect(struct publisher *p, uint64_t *ret_gen, int *ret_err)
{
	char buf[64];
	bool got;

	while (read(p->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->lock);
	got = p->have_result;
	p->have_result = false;
	*ret_gen = p->result_gen;
	*ret_err = p->result_err;
	pthread_mutex_unlock(&p->lock);
	return got;
}

void
publisher_stop(struct publisher *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	close(p->pipe[0]);
	close(p->pipe[1]);
	store_close(p->store);
	nss_extra_unref(p->extra);
	free(p->cache_path);
	free(p);
}

void
publisher_set_extra(struct publisher *p, struct nss_extra *x)
{
	struct nss_extra *old;

	pthread_mutex_lock(&p->lock);
	old = p->extra;
	p->extra = nss_extra_ref(x);
	pthread_mutex_unlock(&p->lock);
	nss_extra_unref(old);
}
