/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl user import POOL FILE": read a CSV (RFC 4180, header line)
 * or JSON-lines file, refuse rows it cannot even parse, stream the rest
 * to the daemon in chunks on one connection (user.import.begin/chunk),
 * ask the daemon to check them all, report every rejected row with its
 * line number, and commit only when nothing was rejected (or with
 * --skip-bad).  Closing the connection without a commit imports nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/valid.h"

#include "cmd.h"
#include "output.h"

#define IMPORT_FIELD_MAX 1024 /* bytes; the daemon's limits are lower */
#define IMPORT_GROUPS_MAX 64
#define IMPORT_ROWS_MAX 2000000
#define IMPORT_CHUNK_BYTES 60000 /* under the 64 KiB request cap */
#define IMPORT_COMMIT_TIMEOUT_MS 600000

enum { OPT_FORMAT = CTL_OPT_LONG, OPT_SKIP_BAD };

enum col { C_LOGIN, C_EMAIL, C_DISPLAY, C_GROUPS, C_HOME, C_SHELL, C_N };
static const char *const col_names[C_N] = { "login", "email", "display_name",
	"groups", "home", "shell" };

struct import {
	json_t *rows;     /* row objects with "line" */
	json_t *rejected; /* {"line", "login", "reason"} found here */
};

static int reject(struct import *im, unsigned long line, const char *login,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
reject(struct import *im, unsigned long line, const char *login,
    const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return json_array_append_new(im->rejected,
	    json_pack("{s:I s:s s:s}", "line", (json_int_t)line, "login",
		login != NULL && ua_valid_utf8(login, strlen(login)) ? login
								     : "",
		"reason", why));
}

/* Check one field's text; 0 or a reason in why. */
static const char *
field_problem(const char *s, size_t n)
{
	if (memchr(s, 0, n) != NULL)
		return "contains a NUL byte";
	if (!ua_valid_utf8(s, n))
		return "is not valid UTF-8";
	if (n > IMPORT_FIELD_MAX)
		return "is too long";
	return NULL;
}

/* "a;b;c" (or a JSON list) into a JSON list of names. */
static json_t *
split_groups(const char *s)
{
	json_t *a = json_array();
	const char *p = s;

	while (a != NULL && *p != '\0') {
		size_t n = strcspn(p, ";");

		if (n > 0 && json_array_append_new(a, json_stringn(p, n)) < 0) {
			json_decref(a);
			return NULL;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return a;
}

/* Add one parsed row (fields[C_*] may be NULL) to im. */
static int
add_row(struct import *im, unsigned long line, const char *const *fields,
    const size_t *lens)
{
	json_t *o;
	int c;

	for (c = 0; c < C_N; c++) {
		const char *why;

		if (fields[c] == NULL)
			continue;
		why = field_problem(fields[c], lens[c]);
		if (why != NULL)
			return reject(im, line, fields[C_LOGIN],
			    "field '%s' %s (%zu bytes, at most %d)",
			    col_names[c], why, lens[c], IMPORT_FIELD_MAX);
	}
	o = json_pack("{s:I}", "line", (json_int_t)line);
	if (o == NULL)
		return -ENOMEM;
	for (c = 0; c < C_N; c++) {
		json_t *v;

		if (fields[c] == NULL ||
		    (lens[c] == 0 && c != C_LOGIN && c != C_EMAIL))
			continue;
		v = c == C_GROUPS ? split_groups(fields[c])
				  : json_stringn(fields[c], lens[c]);
		if (v == NULL || json_object_set_new(o, col_names[c], v) < 0) {
			json_decref(o);
			return -ENOMEM;
		}
		if (c == C_GROUPS && json_array_size(v) > IMPORT_GROUPS_MAX) {
			json_decref(o);
			return reject(im, line, fields[C_LOGIN],
			    "more than %d groups", IMPORT_GROUPS_MAX);
		}
	}
	return json_array_append_new(im->rows, o);
}

/* ---- CSV (RFC 4180) ----------------------------------------------------- */

struct csv {
	char *p, *end;
	unsigned long line; /* of p */
};

/* Is p at a CRLF line end? */
static bool
at_crlf(const struct csv *s)
{
	return *s->p == '\r' && s->p + 1 < s->end && s->p[1] == '\n';
}

/*
 * A quoted field at s->p, copied unquoted to out; *ret_out its end.
 * False when unterminated or followed by anything but a separator.
 */
static bool
csv_quoted(struct csv *s, char *out, char **ret_out)
{
	s->p++;
	for (;;) {
		if (s->p >= s->end)
			return false; /* unterminated */
		if (*s->p == '"') {
			if (s->p + 1 < s->end && s->p[1] == '"') {
				*out++ = '"';
				s->p += 2;
				continue;
			}
			s->p++;
			break;
		}
		if (*s->p == '\n')
			s->line++;
		*out++ = *s->p++;
	}
	*ret_out = out;
	/* text after the closing quote */
	return s->p >= s->end || *s->p == ',' || *s->p == '\n' || at_crlf(s);
}

/* A bare field: to the next separator; false when it holds a quote. */
static bool
csv_bare(struct csv *s, char *out, char **ret_out)
{
	bool ok = true;

	while (s->p < s->end && *s->p != ',' && *s->p != '\n') {
		if (*s->p == '"')
			ok = false;
		if (at_crlf(s))
			break;
		*out++ = *s->p++;
	}
	*ret_out = out;
	return ok;
}

/* After a bad field: skip to the end of the physical line. */
static void
csv_skip_line(struct csv *s)
{
	while (s->p < s->end && *s->p != '\n')
		s->p++;
	if (s->p < s->end) {
		s->p++;
		s->line++;
	}
}

/*
 * One record into fields (NUL-terminated in place; quotes undone).
 * Returns the number of fields, 0 at the end, -EINVAL for bad quoting
 * (the rest of the record is skipped), -E2BIG past max fields.
 */
static int
csv_record(struct csv *s, char **f, size_t *lens, int max)
{
	char *out, *start;
	bool good;
	int n = 0;

	if (s->p >= s->end)
		return 0;
	for (;;) {
		start = s->p;
		good = s->p < s->end && *s->p == '"'
		    ? csv_quoted(s, start, &out)
		    : csv_bare(s, start, &out);
		if (!good) {
			csv_skip_line(s);
			return -EINVAL;
		}
		if (n < max) {
			f[n] = start;
			lens[n] = (size_t)(out - start);
		}
		n++;
		if (s->p < s->end && *s->p == ',') {
			*out = '\0';
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == '\r')
			s->p++;
		if (s->p < s->end && *s->p == '\n') {
			s->p++;
			s->line++;
		}
		*out = '\0';
		return n > max ? -E2BIG : n;
	}
}

static int
parse_csv(struct ctl_ctx *ctx, struct import *im, char *buf, size_t len)
{
	struct csv s = { buf, buf + len, 1 };
	char *f[C_N * 2];
	size_t lens[C_N * 2];
	int map[C_N * 2], ncols, n, c, k, r;

	/* Header. */
	ncols = csv_record(&s, f, lens, C_N * 2);
	if (ncols <= 0)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "line 1: expected a header line (login,email,...)");
	for (c = 0; c < ncols; c++) {
		map[c] = -1;
		for (k = 0; k < C_N; k++)
			if (strcmp(f[c], col_names[k]) == 0)
				map[c] = k;
		if (map[c] < 0)
			return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
			    "line 1: unknown column '%.64s' (known: login, "
			    "email, display_name, groups, home, shell)",
			    f[c]);
		for (k = 0; k < c; k++)
			if (map[k] == map[c])
				return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
				    "line 1: column '%s' given twice", f[c]);
	}
	for (k = C_LOGIN; k <= C_EMAIL; k++) {
		for (c = 0; c < ncols && map[c] != k; c++)
			;
		if (c == ncols)
			return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
			    "line 1: the header has no '%s' column",
			    col_names[k]);
	}
	for (;;) {
		unsigned long line = s.line;
		const char *row[C_N] = { 0 };
		size_t rl[C_N] = { 0 };

		n = csv_record(&s, f, lens, C_N * 2);
		if (n == 0)
			break;
		if (n == 1 && lens[0] == 0)
			continue; /* blank line */
		if (n == -EINVAL)
			r = reject(im, line, NULL, "bad CSV quoting");
		else if (n != ncols)
			r = reject(im, line, n > 0 ? f[0] : NULL,
			    "%d fields, the header has %d", n < 0 ? C_N * 2 : n,
			    ncols);
		else {
			for (c = 0; c < ncols; c++) {
				row[map[c]] = f[c];
				rl[map[c]] = lens[c];
			}
			r = add_row(im, line, row, rl);
		}
		if (r < 0)
			return ctl_fail_oom(ctx);
	}
	return CTL_EXIT_OK;
}

/* ---- JSON lines ------------------------------------------------------------
 */

/* reject's result r as the helpers below say it: 1 (rejected) or < 0. */
static int
rejected(int r)
{
	return r < 0 ? r : 1;
}

/*
 * A "groups" array as one ';'-joined string for add_row (which splits
 * again): 0 and *ret (caller frees), 1 when the line was rejected, or
 * < 0.
 */
static int
join_groups(struct import *im, unsigned long line, const char *login,
    const json_t *g, char **ret)
{
	size_t i, total = 1, at = 0, len;
	json_t *x;
	char *j;

	if (json_array_size(g) > IMPORT_GROUPS_MAX)
		return rejected(reject(im, line, login, "more than %d groups",
		    IMPORT_GROUPS_MAX));
	json_array_foreach(g, i, x)
	{
		if (!json_is_string(x) ||
		    strchr(json_string_value(x), ';') != NULL)
			return rejected(reject(im, line, login,
			    "'groups' must hold names"));
		total += json_string_length(x) + 1;
	}
	j = calloc(1, total);
	if (j == NULL)
		return -ENOMEM;
	/* total counts every name and separator: each fits. */
	json_array_foreach(g, i, x)
	{
		len = json_string_length(x);
		if (i > 0)
			j[at++] = ';';
		memcpy(j + at, json_string_value(x), len);
		at += len;
	}
	j[at] = '\0';
	*ret = j;
	return 0;
}

/*
 * The members of one JSON line into the columns f/lens (strings only;
 * "groups" may be an array, returned in *ret_groups).  0, 1 when the
 * line was rejected, or < 0.
 */
static int
jsonl_members(struct import *im, unsigned long line, json_t *o, const char **f,
    size_t *lens, json_t **ret_groups)
{
	const char *key;
	json_t *v;
	int c;

	json_object_foreach(o, key, v)
	{
		for (c = 0; c < C_N && strcmp(key, col_names[c]) != 0; c++)
			;
		if (c == C_N)
			return rejected(reject(im, line, NULL,
			    "unknown member '%.64s'", key));
		if (c == C_GROUPS && json_is_array(v)) {
			*ret_groups = v;
			continue;
		}
		if (!json_is_string(v))
			return rejected(reject(im, line, NULL,
			    "'%s' must be a string", key));
		f[c] = json_string_value(v);
		lens[c] = json_string_length(v);
	}
	return 0;
}

static int
jsonl_line(struct import *im, unsigned long line, const char *p, size_t n)
{
	const char *f[C_N] = { 0 };
	size_t lens[C_N] = { 0 };
	json_error_t e;
	json_t *o, *g = NULL;
	char *groups = NULL;
	int r;

	if (!ua_valid_utf8(p, n) || memchr(p, 0, n) != NULL)
		return reject(im, line, NULL, "not valid UTF-8");
	o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &e);
	if (!json_is_object(o)) {
		json_decref(o);
		return reject(im, line, NULL, "not a JSON object%s%s",
		    o == NULL ? ": " : "", o == NULL ? e.text : "");
	}
	r = jsonl_members(im, line, o, f, lens, &g);
	if (r != 0) {
		r = r > 0 ? 0 : r;
		goto out;
	}
	if (f[C_LOGIN] == NULL || f[C_EMAIL] == NULL) {
		r = reject(im, line, f[C_LOGIN], "needs 'login' and 'email'");
		goto out;
	}
	if (g != NULL) {
		r = join_groups(im, line, f[C_LOGIN], g, &groups);
		if (r != 0 || groups == NULL) {
			r = r > 0 ? 0 : r;
			goto out;
		}
		f[C_GROUPS] = groups;
		lens[C_GROUPS] = strlen(groups);
	}
	r = add_row(im, line, f, lens);
out:
	free(groups);
	json_decref(o);
	return r;
}

static int
parse_jsonl(struct ctl_ctx *ctx, struct import *im, char *buf, size_t len)
{
	unsigned long line = 1;
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0 && strspn(p, " \t") < n &&
		    jsonl_line(im, line, p, n) < 0)
			return ctl_fail_oom(ctx);
		p = nl ? nl + 1 : end;
		line++;
	}
	return CTL_EXIT_OK;
}

/* ---- talking to the daemon ---------------------------------------------- */

static int
cmp_line(const void *a, const void *b)
{
	json_int_t x =
	    json_integer_value(json_object_get(*(json_t *const *)a, "line"));
	json_int_t y =
	    json_integer_value(json_object_get(*(json_t *const *)b, "line"));

	return x < y ? -1 : x > y;
}

/* Print every rejection, sorted by line, on stderr. */
static void
print_rejected(const char *file, json_t *all)
{
	size_t i, n = json_array_size(all);
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(all, i);
	qsort(v, n, sizeof(*v), cmp_line);
	for (i = 0; i < n; i++) {
		char *why = ctl_escape(ctl_get_str(v[i], "reason"));
		const char *l =
		    json_string_value(json_object_get(v[i], "login"));
		char *login = ctl_escape(l != NULL ? l : "");

		(void)fprintf(stderr, "userauthctl: %s:%lld: %s%s%s%s\n", file,
		    (long long)json_integer_value(
			json_object_get(v[i], "line")),
		    login && *login ? "'" : "", login && *login ? login : "",
		    login && *login ? "': " : "", why ? why : "");
		free(why);
		free(login);
	}
	free(v);
}

static int
send_chunks(struct ctl_ctx *ctx, int fd, json_t *rows)
{
	size_t i = 0, n = json_array_size(rows);
	int r;

	while (i < n) {
		json_t *req = ctl_request_new("user.import.chunk");
		json_t *chunk = json_array(), *res = NULL;
		size_t bytes = 64;

		if (req == NULL || chunk == NULL ||
		    json_object_set_new(req, "rows", chunk) < 0) {
			json_decref(req);
			return ctl_fail_oom(ctx);
		}
		for (; i < n; i++) {
			json_t *row = json_array_get(rows, i);
			size_t b = json_dumpb(row, NULL, 0, JSON_COMPACT) + 1;

			if (json_array_size(chunk) > 0 &&
			    bytes + b > IMPORT_CHUNK_BYTES)
				break;
			bytes += b;
			if (json_array_append(chunk, row) < 0) {
				json_decref(req);
				return ctl_fail_oom(ctx);
			}
		}
		r = ctl_session_call(ctx, fd, req, CTL_REQUEST_TIMEOUT_MS,
		    &res);
		json_decref(req);
		json_decref(res);
		if (r != CTL_EXIT_OK)
			return r;
	}
	return CTL_EXIT_OK;
}

static int
simple_call(struct ctl_ctx *ctx, int fd, const char *op, const char *k,
    json_t *v, int timeout_ms, json_t **res)
{
	json_t *req = ctl_request_new(op);
	int r;

	if (req == NULL || (k != NULL && json_object_set_new(req, k, v) < 0)) {
		json_decref(req);
		return ctl_fail_oom(ctx);
	}
	r = ctl_session_call(ctx, fd, req, timeout_ms, res);
	json_decref(req);
	return r;
}

static int
read_all(struct ctl_ctx *ctx, const char *path, char **ret, size_t *ret_len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	size_t len = 0, cap = 1 << 16;
	char *buf;

	if (f == NULL)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage", "%s: %s", path,
		    strerror(errno));
	buf = malloc(cap + 1);
	while (buf != NULL) {
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (len < cap)
			break;
		cap *= 2;
		{
			char *p = realloc(buf, cap + 1);

			if (p == NULL) {
				free(buf);
				buf = NULL;
			} else
				buf = p;
		}
	}
	if (buf == NULL || ferror(f)) {
		int e = errno;

		if (f != stdin)
			(void)fclose(f);
		free(buf);
		return buf == NULL ? ctl_fail_oom(ctx)
				   : ctl_fail(ctx, CTL_EXIT_REFUSED, "local",
					 "%s: %s", path, strerror(e));
	}
	if (f != stdin)
		(void)fclose(f);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return CTL_EXIT_OK;
}

/* The format FILE's name implies: csv, jsonl, or "" (none). */
static const char *
format_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL)
		return "";
	if (strcmp(dot, ".csv") == 0)
		return "csv";
	if (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0)
		return "jsonl";
	return "";
}

/* What "user import" was asked to do. */
struct import_job {
	const char *pool, *path, *format;
	bool skip_bad;
	size_t nrows; /* rows read, good and rejected */
};

/*
 * Options and operands into job: -1 to go on, else the exit status
 * (after --help, or a usage error).
 */
static int
import_args(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv, struct import_job *job)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "skip-bad", no_argument, NULL, OPT_SKIP_BAD },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, lo)) != -1) {
		if (c == OPT_FORMAT)
			job->format = optarg;
		else if (c == OPT_SKIP_BAD)
			job->skip_bad = true;
		else
			return ctl_opt_end(ctx, v, c);
	}
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r != CTL_EXIT_OK)
		return r;
	job->pool = argv[optind];
	job->path = argv[optind + 1];
	r = ctl_arg_pool(ctx, "POOL", job->pool);
	if (r != CTL_EXIT_OK)
		return r;
	if (job->format == NULL)
		job->format = format_of(job->path);
	if (strcmp(job->format, "csv") != 0 &&
	    strcmp(job->format, "jsonl") != 0)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "give --format csv or --format jsonl (FILE does not end "
		    "in .csv or .jsonl)");
	return -1;
}

/* Read and parse the file into im (at most IMPORT_ROWS_MAX rows). */
static int
import_read(struct ctl_ctx *ctx, struct import_job *job, struct import *im)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (job->path == NULL || job->format == NULL)
		return CTL_EXIT_USAGE; /* import_args sets both */
	r = read_all(ctx, job->path, &buf, &len);
	if (r != CTL_EXIT_OK)
		return r;
	r = strcmp(job->format, "csv") == 0 ? parse_csv(ctx, im, buf, len)
					    : parse_jsonl(ctx, im, buf, len);
	free(buf);
	if (r != CTL_EXIT_OK)
		return r;
	job->nrows = json_array_size(im->rows) + json_array_size(im->rejected);
	if (job->nrows > IMPORT_ROWS_MAX)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "%zu rows; an import takes at most %d", job->nrows,
		    IMPORT_ROWS_MAX);
	return CTL_EXIT_OK;
}

/*
 * Send the rows on a session fd and have the daemon check them: *ret_all
 * the rows rejected here and there, *ret_nbad how many.
 */
static int
import_send(struct ctl_ctx *ctx, int fd, const struct import_job *job,
    const struct import *im, json_t **ret_all, size_t *ret_nbad)
{
	json_t *res = NULL;
	int r;

	r = simple_call(ctx, fd, "user.import.begin", "pool",
	    json_string(job->pool), CTL_REQUEST_TIMEOUT_MS, &res);
	json_decref(res);
	res = NULL;
	if (r == CTL_EXIT_OK)
		r = send_chunks(ctx, fd, im->rows);
	if (r == CTL_EXIT_OK)
		r = simple_call(ctx, fd, "user.import.check", NULL, NULL,
		    IMPORT_COMMIT_TIMEOUT_MS, &res);
	if (r != CTL_EXIT_OK)
		return r;
	*ret_all = json_copy(im->rejected);
	if (*ret_all == NULL ||
	    json_array_extend(*ret_all, json_object_get(res, "rejected")) < 0) {
		json_decref(res);
		return ctl_fail_oom(ctx);
	}
	*ret_nbad = json_array_size(im->rejected) +
	    (size_t)json_integer_value(json_object_get(res, "rejected_count"));
	json_decref(res);
	return CTL_EXIT_OK;
}

/* The commit's result res, for people or as JSON. */
static void
import_report(struct ctl_ctx *ctx, const struct import_job *job,
    const json_t *res, json_t *all, size_t nbad)
{
	json_int_t imported =
	    json_integer_value(json_object_get(res, "imported"));

	if (ctx->json) {
		json_t *o = json_pack("{s:I s:I s:s s:I s:O}", "rows",
		    (json_int_t)job->nrows, "imported", imported, "pool",
		    job->pool, "rejected_count", (json_int_t)nbad, "rejected",
		    all);

		(void)ctl_print_json(stdout, o);
		json_decref(o);
	} else
		(void)printf("imported %lld of %zu rows into pool %s\n",
		    (long long)imported, job->nrows, job->pool);
}

int
ctl_user_import(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	struct import im = { json_array(), json_array() };
	struct import_job job = { 0 };
	json_t *res = NULL, *all = NULL;
	size_t nbad = 0;
	int r, fd = -1;

	r = import_args(ctx, v, argc, argv, &job);
	if (r >= 0)
		goto out;
	r = im.rows == NULL || im.rejected == NULL ? ctl_fail_oom(ctx)
						   : CTL_EXIT_OK;
	if (r == CTL_EXIT_OK)
		r = import_read(ctx, &job, &im);
	if (r == CTL_EXIT_OK)
		r = ctl_session_open(ctx, &fd);
	if (r == CTL_EXIT_OK)
		r = import_send(ctx, fd, &job, &im, &all, &nbad);
	if (r != CTL_EXIT_OK)
		goto out;
	if (nbad > 0)
		print_rejected(job.path, all);
	if (nbad > 0 && !job.skip_bad) {
		r = ctl_fail(ctx, CTL_EXIT_REFUSED, "invalid",
		    "%zu of %zu rows rejected; nothing imported", nbad,
		    job.nrows);
		goto out; /* closing the connection drops the rows */
	}
	r = simple_call(ctx, fd, "user.import.commit", "skip_bad",
	    json_boolean(job.skip_bad), IMPORT_COMMIT_TIMEOUT_MS, &res);
	if (r == CTL_EXIT_OK)
		import_report(ctx, &job, res, all, nbad);
out:
	if (fd >= 0)
		(void)close(fd);
	json_decref(res);
	json_decref(all);
	json_decref(im.rows);
	json_decref(im.rejected);
	return r;
}
