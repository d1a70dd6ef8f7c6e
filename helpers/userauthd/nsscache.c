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
#include "userauthd/nsscache.h"

int
nsscache_publish(struct store *s, const char *path)
{
	struct store_nss n = { 0 };
	struct store_err err = { 0 };
	struct ua_cache_user *users = NULL;
	struct ua_cache_group *groups = NULL;
	struct ua_cache_mark *marks = NULL;
	struct ua_cache_input in;
	size_t i, ng;
	int r;

	r = store_nss_snapshot(s, &n, &err);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "NSS cache: %s", err.msg);
	users = calloc(n.nusers ? n.nusers : 1, sizeof(*users));
	groups = calloc(n.nusers + n.ngroups + 1, sizeof(*groups));
	marks = calloc(n.npools + 1, sizeof(*marks));
	if (users == NULL || groups == NULL || marks == NULL) {
		r = ua_log_errno(LOG_ERR, -ENOMEM, "NSS cache: %m");
		goto out;
	}
	for (i = 0; i < n.nusers; i++) {
		users[i] = (struct ua_cache_user){
			.name = n.users[i].login,
			.email = n.users[i].email,
			.gecos = n.users[i].gecos,
			.home = n.users[i].home,
			.shell = n.users[i].shell,
			.uid = n.users[i].uid,
			.gid = n.users[i].gid,
		};
		/* The user's private group: gid = uid, no listed members. */
		groups[i] = (struct ua_cache_group){
			.name = n.users[i].login,
			.gid = n.users[i].gid,
		};
	}
	ng = n.nusers;
	for (i = 0; i < n.ngroups; i++)
		groups[ng++] = (struct ua_cache_group){
			.name = n.groups[i].name,
			.gid = n.groups[i].gid,
			.members = n.groups[i].members,
			.nmembers = n.groups[i].nmembers,
		};
	for (i = 0; i < n.npools; i++)
		marks[i] = (struct ua_cache_mark){ n.pools[i].name,
			n.pools[i].uid_next, n.pools[i].gid_next };
	in = (struct ua_cache_input){ users, n.nusers, groups, ng, marks,
		n.npools };
	r = ua_cache_write_input(path, &in);
	if (r < 0)
		ua_log_errno(LOG_ERR, r, "cannot publish the NSS cache '%s': %m",
		    path);
	else
		ua_log(LOG_DEBUG, "NSS cache '%s': %zu users, %zu groups",
		    path, n.nusers, ng);
out:
	free(users);
	free(groups);
	free(marks);
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
nsscache_read_marks(const char *path, struct store_id_mark **ret,
    size_t *ret_n)
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
	struct store *store;	/* its own connection: used by the thread only */
	char *cache_path;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t want;		/* newest generation asked for */
	uint64_t started;	/* the generation the running/last publish stands for */
	bool running;
	bool have_result;
	int result_err;		/* 0, or why the last publish failed */
	uint64_t result_gen;
	bool stop;
	bool again;		/* publish once more even for the same want */
	int pipe[2];		/* a byte per ended publish */
};

static void *
publisher_main(void *arg)
{
	struct publisher *p = arg;
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
		pthread_mutex_unlock(&p->lock);
		r = nsscache_publish(p->store, p->cache_path);
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
	free(p->cache_path);
	free(p);
}
