/* SPDX-License-Identifier: MIT */
/*
 * userauthctl's output for people and scripts: aligned tables, key: value
 * blocks, times, and JSON.  Every string that came from outside (the
 * daemon, the command line) is escaped here, so a terminal never sees a
 * control character or broken UTF-8 from it.
 */
#ifndef UACTL_OUTPUT_H
#define UACTL_OUTPUT_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/*
 * Copy s with control characters (C0, DEL, C1) and bytes that are not
 * well-formed UTF-8 written as \xNN, and backslashes doubled.  The result
 * is valid UTF-8.  Returns a malloc'ed string (caller frees) or NULL for
 * ENOMEM.
 */
char *ctl_escape(const char *s);

/* Display width of an escaped string: its number of code points. */
size_t ctl_width(const char *s);

/* What a column of ctl_print_rows shows of its row's member key. */
enum ctl_col_kind {
	CTL_COL_STR,   /* a string; "-" when absent, empty or not a string */
	CTL_COL_INT,   /* an integer in decimal, else "-" */
	CTL_COL_TIME,  /* an epoch as ctl_fmt_time: null is "never" */
	CTL_COL_NAMES, /* an array's strings joined with ", "; "-" if none */
	CTL_COL_FN,    /* what the column's fn makes of the row */
};

/* Room a column's formatter may write to, NUL included. */
#define CTL_CELL_MAX 512

/*
 * A column's formatter, for a cell computed from several members or shown
 * in its own way: key is the column's key (it may be NULL).  Returns a
 * constant, out (outsz is CTL_CELL_MAX), a string held by row, or NULL
 * for "-".  The result is escaped by the printer.
 */
typedef const char *ctl_col_fn(const json_t *row, const char *key, char *out,
    size_t outsz);

/* One column of a table: its heading and what each row shows there. */
struct ctl_col {
	const char *header;
	const char *key;
	enum ctl_col_kind kind;
	ctl_col_fn *fn; /* CTL_COL_FN only */
};

/* Number of columns in an array of struct ctl_col. */
#define CTL_NCOLS(cols) (sizeof(cols) / sizeof((cols)[0]))

/*
 * Print rows, a JSON array of objects, to f as a table with the ncols
 * columns cols: a header line, then a line per element, each column
 * padded to its widest cell and two spaces between columns.  A member
 * that is absent, or an element that is not an object, shows "-"; rows
 * that is not an array prints the header alone, as an empty array does.
 * Every cell is escaped.  Returns 0, -EINVAL for no columns, -ENOMEM
 * (nothing is printed) or -EIO when the write failed.
 */
int ctl_print_rows(FILE *f, const json_t *rows, const struct ctl_col *cols,
    size_t ncols);

/*
 * Print n "key: value" lines with the values aligned.  Values are escaped;
 * NULL prints as "-".  -ENOMEM / -EIO.
 */
int ctl_kv_print(FILE *f, const char *const *keys, const char *const *vals,
    size_t n);

/*
 * Format an epoch number from the daemon as local ISO-8601 with offset
 * ("2024-05-01T10:00:00+02:00"); JSON null as "never"; anything else as
 * "-".  Returns out.
 */
const char *ctl_fmt_time(const json_t *v, char *out, size_t outsz);

/* Member key of obj as a string, or "-" when absent, empty or not a string. */
const char *ctl_get_str(const json_t *obj, const char *key);

/* Member key of obj as a decimal integer into out, or "-".  Returns out. */
const char *ctl_fmt_int(const json_t *obj, const char *key, char *out,
    size_t outsz);

/*
 * Join the strings of array member key with ", " (escaped later by the
 * printers).  Returns a malloc'ed string ("-" when empty or absent; caller
 * frees) or NULL for ENOMEM.
 */
char *ctl_join_names(const json_t *obj, const char *key);

/* Print v as indented JSON followed by a newline.  -EIO. */
int ctl_print_json(FILE *f, const json_t *v);

#endif
