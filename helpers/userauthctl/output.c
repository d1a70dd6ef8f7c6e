/* SPDX-License-Identifier: MIT */
/*
 * userauthctl's printers: tables, key: value blocks, times and JSON.  All
 * text from outside passes through ctl_escape before it reaches stdout or
 * stderr; nothing here ever sees a password.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"

#include "output.h"

/* Length of the well-formed, printable UTF-8 sequence at p, or 0. */
static size_t
utf8_printable_len(const unsigned char *p)
{
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (memchr(p, '\0', n) != NULL)
		return 0;
	if (!ua_valid_utf8((const char *)p, n))
		return 0;
	if (p[0] == 0xc2 && p[1] < 0xa0) /* C1 controls */
		return 0;
	return n;
}

char *
ctl_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, n;
	char *out;

	out = malloc(len * 4 + 1);
	if (out == NULL)
		return NULL;
	while (i < len) {
		if (p[i] == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
			i++;
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i++];
		} else if (p[i] >= 0x80 &&
		    (n = utf8_printable_len(p + i)) > 0) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			(void)snprintf(out + o, 5, "\\x%02x", p[i]);
			o += 4;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

size_t
ctl_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/*
 * A table: a header row and data rows of escaped cells, printed with each
 * column padded to its widest cell and two spaces between columns.
 */
struct table {
	size_t ncols;
	size_t nrows; /* including the header */
	size_t cap;   /* rows allocated */
	char **cells; /* nrows * ncols */
};

static int
table_grow(struct table *t)
{
	size_t cap;
	char **cells;

	if (t->nrows < t->cap)
		return 0;
	cap = t->cap == 0 ? 16 : t->cap * 2;
	cells = reallocarray(t->cells, cap * t->ncols, sizeof(*cells));
	if (cells == NULL)
		return -ENOMEM;
	t->cells = cells;
	t->cap = cap;
	return 0;
}

/* Free the cells; t may be half-built. */
static void
table_free(struct table *t)
{
	size_t i;

	if (t->cells != NULL)
		for (i = 0; i < t->nrows * t->ncols; i++)
			free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* -ENOMEM, or -EIO when the write failed. */
static int
table_print(const struct table *t, FILE *f)
{
	size_t *width, r, c, w;

	width = calloc(t->ncols, sizeof(*width));
	if (width == NULL)
		return -ENOMEM;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			w = ctl_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			(void)fputs(s, f);
			if (c + 1 == t->ncols) {
				(void)fputc('\n', f);
				continue;
			}
			for (w = ctl_width(s); w < width[c] + 2; w++)
				(void)fputc(' ', f);
		}
	free(width);
	return ferror(f) ? -EIO : 0;
}

/* Row's cell in col, escaped (row NULL: the header); NULL for ENOMEM. */
static char *
cell_new(const json_t *row, const struct ctl_col *col)
{
	char buf[CTL_CELL_MAX], *names, *cell;
	const char *s = NULL;

	if (row == NULL)
		return ctl_escape(col->header);
	switch (col->kind) {
	case CTL_COL_STR:
		s = ctl_get_str(row, col->key);
		break;
	case CTL_COL_INT:
		s = ctl_fmt_int(row, col->key, buf, sizeof(buf));
		break;
	case CTL_COL_TIME:
		s = ctl_fmt_time(json_object_get(row, col->key), buf,
		    sizeof(buf));
		break;
	case CTL_COL_NAMES:
		names = ctl_join_names(row, col->key);
		if (names == NULL)
			return NULL;
		cell = ctl_escape(names);
		free(names);
		return cell;
	case CTL_COL_FN:
		if (col->fn != NULL)
			s = col->fn(row, col->key, buf, sizeof(buf));
		break;
	}
	return ctl_escape(s != NULL ? s : "-");
}

/* Append row's cells in the table's columns cols (row NULL: the header). */
static int
table_add(struct table *t, const json_t *row, const struct ctl_col *cols)
{
	char **cell;
	size_t c;
	int r;

	r = table_grow(t);
	if (r < 0)
		return r;
	cell = t->cells + t->nrows * t->ncols;
	for (c = 0; c < t->ncols; c++) {
		cell[c] = cell_new(row, &cols[c]);
		if (cell[c] == NULL) {
			while (c > 0)
				free(cell[--c]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

int
ctl_print_rows(FILE *f, const json_t *rows, const struct ctl_col *cols,
    size_t ncols)
{
	struct table t = { .ncols = ncols };
	size_t i;
	int r;

	if (ncols == 0)
		return -EINVAL;
	r = table_add(&t, NULL, cols);
	/* json_array_size and json_array_get take a non-array as empty */
	for (i = 0; r == 0 && i < json_array_size(rows); i++)
		r = table_add(&t, json_array_get(rows, i), cols);
	if (r == 0)
		r = table_print(&t, f);
	table_free(&t);
	return r;
}

int
ctl_kv_print(FILE *f, const char *const *keys, const char *const *vals,
    size_t n)
{
	size_t i, w, kw = 0;
	char *v;

	for (i = 0; i < n; i++)
		if (strlen(keys[i]) > kw)
			kw = strlen(keys[i]);
	for (i = 0; i < n; i++) {
		v = ctl_escape(vals[i] != NULL ? vals[i] : "-");
		if (v == NULL)
			return -ENOMEM;
		(void)fprintf(f, "%s:", keys[i]);
		for (w = strlen(keys[i]); w <= kw; w++)
			(void)fputc(' ', f);
		(void)fprintf(f, "%s\n", v);
		free(v);
	}
	return ferror(f) ? -EIO : 0;
}

const char *
ctl_fmt_time(const json_t *v, char *out, size_t outsz)
{
	char date[32];
	struct tm tm;
	time_t t;
	long off;

	if (json_is_null(v))
		return "never";
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return "-";
	t = (time_t)json_integer_value(v);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return "-";
	off = tm.tm_gmtoff / 60;
	(void)snprintf(out, outsz, "%s%c%02ld:%02ld", date, off < 0 ? '-' : '+',
	    labs(off) / 60, labs(off) % 60);
	return out;
}

const char *
ctl_get_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL && s[0] != '\0' ? s : "-";
}

const char *
ctl_fmt_int(const json_t *obj, const char *key, char *out, size_t outsz)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return "-";
	(void)snprintf(out, outsz, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(v));
	return out;
}

char *
ctl_join_names(const json_t *obj, const char *key)
{
	const json_t *a = json_object_get(obj, key), *e;
	size_t i, n, len = 0, o = 0;
	char *out;

	for (i = 0; i < json_array_size(a); i++)
		if ((e = json_array_get(a, i)) != NULL && json_is_string(e))
			len += strlen(json_string_value(e)) + 2;
	if (len == 0)
		return strdup("-");
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		if (e == NULL || !json_is_string(e))
			continue;
		if (o > 0) {
			memcpy(out + o, ", ", 2);
			o += 2;
		}
		n = strlen(json_string_value(e));
		memcpy(out + o, json_string_value(e), n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

int
ctl_print_json(FILE *f, const json_t *v)
{
	if (json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY) != 0)
		return -EIO;
	(void)fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}
