/* SPDX-License-Identifier: MIT */
/*
 * The id high-water marks: for each pool, the next uid and gid its
 * counters would hand out, kept in a small state file beside the database
 * (and, by the publisher, in the NSS cache) so that a database truncated,
 * lost or replaced cannot make the pool hand out an id it used before.
 * The file is rewritten, atomically, inside every transaction that raised
 * a counter, before that transaction commits; marks never go down.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/valid.h"
#include "userauthd/store/store_int.h"

#define MARKS_MAX_BYTES (1u << 20)
#define MARKS_MAX 4096 /* UA_CACHE_MAX_MARKS: they go there too */

void
store_marks_free(struct store_mark *m, size_t n)
{
	size_t i;

	for (i = 0; m != NULL && i < n; i++)
		free(m[i].pool);
	free(m);
}

/* Raise pool's mark to the given values (adding it): 1 if it changed. */
static int
mark_merge(struct store_mark **m, size_t *n, const char *pool,
    uint32_t uid_next, uint32_t gid_next)
{
	struct store_mark *p;
	size_t i;
	int changed = 0;

	for (i = 0; i < *n; i++)
		if (strcmp((*m)[i].pool, pool) == 0)
			break;
	if (i == *n) {
		if (*n >= MARKS_MAX)
			return -EMSGSIZE;
		p = reallocarray(*m, *n + 1, sizeof(**m));
		if (p == NULL)
			return -ENOMEM;
		*m = p;
		p[i].pool = strdup(pool);
		if (p[i].pool == NULL)
			return -ENOMEM;
		p[i].uid_next = p[i].gid_next = 0;
		(*n)++;
		changed = 1;
	}
	p = &(*m)[i];
	if (uid_next > p->uid_next) {
		p->uid_next = uid_next;
		changed = 1;
	}
	if (gid_next > p->gid_next) {
		p->gid_next = gid_next;
		changed = 1;
	}
	return changed;
}

/* Next space-separated word of *p, NUL-terminated in place, or NULL. */
static char *
word(char **p)
{
	char *s = *p + strspn(*p, " \t"), *e;

	if (*s == '\0')
		return NULL;
	e = s + strcspn(s, " \t");
	*p = *e != '\0' ? e + 1 : e;
	*e = '\0';
	return s;
}

/* "pool NAME uid_next N gid_next N" */
static int
parse_line(char *line, struct store_mark **m, size_t *n)
{
	const char *w[6];
	uint64_t uid, gid;
	char *p = line;
	int i;

	for (i = 0; i < 6; i++)
		w[i] = word(&p);
	if (w[5] == NULL || word(&p) != NULL || strcmp(w[0], "pool") != 0 ||
	    ua_valid_pool(w[1], NULL) < 0 || strcmp(w[2], "uid_next") != 0 ||
	    ua_parse_uint(w[3], 0, UINT32_MAX, &uid) < 0 ||
	    strcmp(w[4], "gid_next") != 0 ||
	    ua_parse_uint(w[5], 0, UINT32_MAX, &gid) < 0)
		return -EBADMSG;
	return mark_merge(m, n, w[1], (uint32_t)uid, (uint32_t)gid);
}

/* The file's text: '#' comments and empty lines, then one line a pool. */
static int
parse(const char *path, char *text, struct store_mark **ret, size_t *ret_n,
    struct store_err *err)
{
	struct store_mark *m = NULL;
	size_t n = 0;
	unsigned line = 0;
	char *p = text, *nl;
	int r = 0;

	while (*p != '\0') {
		line++;
		nl = strchr(p, '\n');
		if (nl == NULL) {
			r = -EBADMSG; /* cut short: no end of line */
			break;
		}
		*nl = '\0';
		if (p[0] != '#' && p[strspn(p, " \t")] != '\0' &&
		    (r = parse_line(p, &m, &n)) < 0)
			break;
		r = 0;
		p = nl + 1;
	}
	if (r < 0) {
		store_marks_free(m, n);
		return store_fail(err, r, "internal",
		    "%s:%u: %s; the file records the ids each pool handed out: "
		    "restore it from a backup (removing it is safe only while "
		    "the database is intact)",
		    path, line,
		    r == -EBADMSG ? "not 'pool NAME uid_next N gid_next N'"
				  : strerror(-r));
	}
	*ret = m;
	*ret_n = n;
	return 0;
}

/* Read the marks at path (none if there is no file).  Checks like the DB's. */
static int
marks_read(const char *path, struct store_mark **ret, size_t *ret_n,
    struct store_err *err)
{
	struct stat st;
	char *text = NULL;
	ssize_t got;
	size_t len = 0;
	int fd, r;

	*ret = NULL;
	*ret_n = 0;
	fd = open(path,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return store_fail(err, -errno, "internal", "'%s': %s%s", path,
		    strerror(errno), errno == ELOOP ? " (a symlink?)" : "");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_size > MARKS_MAX_BYTES) {
		r = store_fail(err, -EPERM, "internal",
		    "'%s' must be a "
		    "regular file of at most 1 MiB owned by the daemon user "
		    "with mode 0600",
		    path);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		r = store_oom(err);
		goto out;
	}
	while (len < (size_t)st.st_size) {
		got = read(fd, text + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	text[len] = '\0';
	r = strlen(text) != len ? store_fail(err, -EBADMSG, "internal",
				      "'%s' holds a NUL byte", path)
				: parse(path, text, ret, ret_n, err);
out:
	free(text);
	(void)close(fd);
	return r;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, r = 0;

	if (ua_snprintf(dir, sizeof(dir), "%s", path) < 0)
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		(void)ua_snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	(void)close(fd);
	return r;
}

/* Write the marks to path: tmp O_EXCL 0600, fsync, rename, fsync dir. */
static int
marks_write(const char *path, const struct store_mark *m, size_t n)
{
	static const char head[] =
	    "# userauthd: the ids each pool may have handed out, see\n"
	    "# userauthd(8).  No uid below uid_next and no gid below\n"
	    "# gid_next is handed out again.  Never lower a number.\n";
	char tmp[PATH_MAX], line[128];
	size_t i;
	int fd, r;

	if (ua_snprintf(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return -ENAMETOOLONG;
	(void)unlink(tmp); /* left by a crash */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, head, sizeof(head) - 1);
	for (i = 0; r == 0 && i < n; i++) {
		r = ua_snprintf(line, sizeof(line),
		    "pool %s uid_next %u gid_next %u\n", m[i].pool,
		    (unsigned)m[i].uid_next, (unsigned)m[i].gid_next);
		if (r >= 0)
			r = write_all(fd, line, (size_t)r);
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	else
		r = sync_dir_of(path);
	return r;
}

/*
 * Fold the pools' counters into a copy of m: 1 and the copy if that raised
 * anything (or added a pool), 0 if not (*ret untouched).
 */
static int
fold_counters(struct store *s, const struct store_mark *m, size_t n,
    struct store_mark **ret, size_t *ret_n, struct store_err *err)
{
	struct store_mark *c = NULL;
	sqlite3_stmt *st = NULL;
	size_t nc = 0, i;
	int r, rc, changed = 0;

	for (i = 0, r = 0; r >= 0 && i < n; i++)
		r = mark_merge(&c, &nc, m[i].pool, m[i].uid_next,
		    m[i].gid_next);
	if (r < 0)
		goto fail;
	r = store_prepare(s, "SELECT name, next_uid, next_gid FROM pools", &st,
	    err);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *pool = (const char *)sqlite3_column_text(st, 0);
		int64_t u = sqlite3_column_int64(st, 1);
		int64_t g = sqlite3_column_int64(st, 2);

		if (pool == NULL || u < 0 || g < 0)
			continue;
		r = mark_merge(&c, &nc, pool,
		    u > UINT32_MAX ? UINT32_MAX : (uint32_t)u,
		    g > UINT32_MAX ? UINT32_MAX : (uint32_t)g);
		if (r < 0)
			goto fail;
		changed |= r;
	}
	r = rc == SQLITE_DONE ? 0 : store_fail_db(s, err, rc);
	if (r == 0 && changed) {
		*ret = c;
		*ret_n = nc;
		c = NULL;
		r = 1;
	}
	goto out;
fail:
	r = store_fail(err, r, "internal", "id marks: %s", strerror(-r));
out:
	sqlite3_finalize(st);
	store_marks_free(c, nc);
	return r;
}

int
store_marks_sync(struct store *s, struct store_err *err)
{
	struct store_mark *m = NULL;
	size_t n = 0;
	int r;

	if (s->marks_path == NULL)
		return 0;
	r = fold_counters(s, s->marks, s->nmarks, &m, &n, err);
	if (r < 0)
		return r;
	if (r == 0 && !s->marks_dirty)
		return 0;
	if (r == 0) { /* nothing new, but the file must say so */
		m = s->marks;
		n = s->nmarks;
	}
	r = marks_write(s->marks_path, m, n);
	if (r < 0) {
		if (m != s->marks)
			store_marks_free(m, n);
		return store_fail(err, r, "internal",
		    "cannot record the ids handed out in '%s' (%s); nothing "
		    "was changed",
		    s->marks_path, strerror(-r));
	}
	if (m != s->marks) {
		store_marks_free(s->marks, s->nmarks);
		s->marks = m;
		s->nmarks = n;
	}
	s->marks_dirty = false;
	return 0;
}

/* Raise pool's counters to the mark (making its row if there is none). */
static int
raise_pool(struct store *s, const struct store_mark *m, size_t *raised,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "INSERT INTO pools (name, next_uid, next_gid) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name) DO UPDATE SET "
	    "next_uid = max(next_uid, excluded.next_uid), "
	    "next_gid = max(next_gid, excluded.next_gid) "
	    "WHERE next_uid < excluded.next_uid OR "
	    "next_gid < excluded.next_gid",
	    &st, err, "tii", m->pool, (int64_t)m->uid_next,
	    (int64_t)m->gid_next);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	else if (sqlite3_changes(s->db) > 0)
		(*raised)++;
	sqlite3_finalize(st);
	return r;
}

int
store_marks_attach(struct store *s, const char *path,
    const struct store_id_mark *extra, size_t nextra, size_t *ret_raised,
    struct store_err *err)
{
	struct store_mark *m = NULL;
	size_t n = 0, i, raised = 0;
	int r;

	r = marks_read(path, &m, &n, err);
	if (r < 0)
		return r;
	for (i = 0; r >= 0 && i < nextra; i++)
		if (ua_valid_pool(extra[i].pool, NULL) == 0)
			r = mark_merge(&m, &n, extra[i].pool, extra[i].uid_next,
			    extra[i].gid_next);
	if (r < 0) {
		store_marks_free(m, n);
		return store_fail(err, r, "internal", "id marks: %s",
		    strerror(-r));
	}
	s->marks_path = strdup(path);
	if (s->marks_path == NULL) {
		store_marks_free(m, n);
		return store_oom(err);
	}
	s->marks = m;
	s->nmarks = n;
	s->marks_dirty = true; /* the first commit writes the file */
	r = store_begin(s, err);
	for (i = 0; r == 0 && i < n; i++)
		r = raise_pool(s, &m[i], &raised, err);
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0) {
		store_rollback(s);
		store_marks_detach(s);
		return r;
	}
	if (ret_raised != NULL)
		*ret_raised = raised;
	return 0;
}

void
store_marks_detach(struct store *s)
{
	free(s->marks_path);
	s->marks_path = NULL;
	store_marks_free(s->marks, s->nmarks);
	s->marks = NULL;
	s->nmarks = 0;
	s->marks_dirty = false;
}
