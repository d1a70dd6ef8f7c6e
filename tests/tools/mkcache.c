/* SPDX-License-Identifier: MIT */
/*
 * Test tool: writes an NSS cache with ua_cache_write_input from a text
 * file.  Lines: "user NAME UID GID EMAIL|- HOME SHELL GECOS..." (GECOS is
 * the rest of the line), "group NAME GID MEMBER,...|-" and "mark POOL
 * UID_NEXT GID_NEXT"; '#' starts a comment.  Usage: mkcache [-i] OUTPUT
 * [INPUT] (stdin by default); -i writes the bare image to OUTPUT instead
 * of publishing it (fuzz seeds).  Exit 0, 1 on error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/cache_writer.h"

struct desc {
	struct ua_cache_user *users;
	size_t nusers;
	struct ua_cache_group *groups;
	size_t ngroups;
	struct ua_cache_mark *marks;
	size_t nmarks;
	char **lines; /* kept: the fields point into them */
	size_t nlines;
};

/* Next space-separated field, NUL-terminated in place; NULL at the end. */
static char *
field(char **p)
{
	char *s = *p + strspn(*p, " \t");
	char *e;

	if (*s == '\0')
		return NULL;
	e = s + strcspn(s, " \t");
	*p = *e != '\0' ? e + 1 : e;
	*e = '\0';
	return s;
}

static int
parse_id(const char *s, uint32_t *ret)
{
	unsigned long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int
find_user(const struct desc *d, const char *name, uint32_t *ret)
{
	size_t i;

	for (i = 0; i < d->nusers; i++)
		if (strcmp(d->users[i].name, name) == 0) {
			*ret = (uint32_t)i;
			return 0;
		}
	return -ENOENT;
}

static int
add_user(struct desc *d, char *p)
{
	struct ua_cache_user u, *n;
	char *email;

	memset(&u, 0, sizeof(u));
	u.name = field(&p);
	if (parse_id(field(&p), &u.uid) < 0 || parse_id(field(&p), &u.gid) < 0)
		return -EINVAL;
	email = field(&p);
	u.home = field(&p);
	u.shell = field(&p);
	if (u.name == NULL || email == NULL || u.shell == NULL)
		return -EINVAL;
	u.email = strcmp(email, "-") == 0 ? NULL : email;
	u.gecos = p;
	n = reallocarray(d->users, d->nusers + 1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	d->users = n;
	d->users[d->nusers++] = u;
	return 0;
}

static int
add_group(struct desc *d, char *p)
{
	struct ua_cache_group g, *n;
	uint32_t *members = NULL, *m;
	char *list, *name;
	size_t count = 0;

	memset(&g, 0, sizeof(g));
	g.name = field(&p);
	if (g.name == NULL || parse_id(field(&p), &g.gid) < 0)
		return -EINVAL;
	list = field(&p);
	while (list != NULL && strcmp(list, "-") != 0 && *list != '\0') {
		name = list;
		list = strchr(list, ',');
		if (list != NULL)
			*list++ = '\0';
		m = reallocarray(members, count + 1, sizeof(*m));
		if (m == NULL || find_user(d, name, &m[count]) < 0) {
			free(m != NULL ? m : members);
			return m == NULL ? -ENOMEM : -EINVAL;
		}
		members = m;
		count++;
	}
	g.members = members;
	g.nmembers = count;
	n = reallocarray(d->groups, d->ngroups + 1, sizeof(*n));
	if (n == NULL) {
		free(members);
		return -ENOMEM;
	}
	d->groups = n;
	d->groups[d->ngroups++] = g;
	return 0;
}

static int
add_mark(struct desc *d, char *p)
{
	struct ua_cache_mark m, *n;

	memset(&m, 0, sizeof(m));
	m.pool = field(&p);
	if (m.pool == NULL || parse_id(field(&p), &m.uid_next) < 0 ||
	    parse_id(field(&p), &m.gid_next) < 0)
		return -EINVAL;
	n = reallocarray(d->marks, d->nmarks + 1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	d->marks = n;
	d->marks[d->nmarks++] = m;
	return 0;
}

static int
parse_line(struct desc *d, char *line)
{
	char *p = line, *kind;

	line[strcspn(line, "\n")] = '\0';
	kind = field(&p);
	if (kind == NULL || *kind == '#')
		return 0;
	if (strcmp(kind, "user") == 0)
		return add_user(d, p);
	if (strcmp(kind, "group") == 0)
		return add_group(d, p);
	if (strcmp(kind, "mark") == 0)
		return add_mark(d, p);
	return -EINVAL;
}

static int
read_desc(FILE *in, struct desc *d)
{
	char *line = NULL, **n;
	size_t cap = 0;
	unsigned long lineno = 0;
	int r = 0;

	while (getline(&line, &cap, in) >= 0) {
		lineno++;
		n = reallocarray(d->lines, d->nlines + 1, sizeof(*n));
		if (n == NULL) {
			r = -ENOMEM;
			break;
		}
		d->lines = n;
		d->lines[d->nlines++] = line;
		r = parse_line(d, line);
		line = NULL;
		cap = 0;
		if (r < 0) {
			(void)fprintf(stderr, "mkcache: line %lu: %s\n", lineno,
			    strerror(-r));
			break;
		}
	}
	free(line);
	return r;
}

/* The image alone, for fuzz seeds: no tmp file, no stale flag. */
static int
write_image(const char *path, const struct ua_cache_input *in)
{
	uint8_t *img = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	r = ua_cache_build_input(in, &img, &len);
	if (r < 0)
		return r;
	f = fopen(path, "we");
	if (f == NULL)
		r = -errno;
	else if (fwrite(img, 1, len, f) != len)
		r = -EIO;
	if (f != NULL && fclose(f) != 0 && r == 0)
		r = -errno;
	free(img);
	return r;
}

int
main(int argc, char **argv)
{
	struct ua_cache_input ci;
	struct desc d;
	FILE *in = stdin;
	bool image = argc > 1 && strcmp(argv[1], "-i") == 0;
	size_t i;
	int r;

	argc -= image;
	argv += image;
	if (argc < 2 || argc > 3) {
		(void)fprintf(stderr, "usage: mkcache [-i] OUTPUT [INPUT]\n");
		return 1;
	}
	memset(&d, 0, sizeof(d));
	if (argc == 3 && (in = fopen(argv[2], "re")) == NULL) {
		(void)fprintf(stderr, "mkcache: %s: %s\n", argv[2],
		    strerror(errno));
		return 1;
	}
	r = read_desc(in, &d);
	if (r == 0) {
		ci = (struct ua_cache_input){ d.users, d.nusers, d.groups,
			d.ngroups, d.marks, d.nmarks };
		r = image ? write_image(argv[1], &ci)
			  : ua_cache_write_input(argv[1], &ci);
		if (r < 0)
			(void)fprintf(stderr, "mkcache: %s: %s\n", argv[1],
			    strerror(-r));
	}
	if (in != stdin)
		(void)fclose(in);
	for (i = 0; i < d.ngroups; i++)
		free((void *)(uintptr_t)d.groups[i].members);
	for (i = 0; i < d.nlines; i++)
		free(d.lines[i]);
	free(d.lines);
	free(d.users);
	free(d.groups);
	free(d.marks);
	return r < 0 ? 1 : 0;
}
