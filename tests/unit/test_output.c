/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for helpers/userauthctl/output.c's column-spec printer,
 * ctl_print_rows: each kind of column, "-" for what is missing, input that
 * is not an array of objects, alignment, and escaping of what the daemon
 * sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>

#include "userauthctl/output.h"

/* Print rows (JSON text) with cols; check the result and the text. */
static void
prints(const char *rows, const struct ctl_col *cols, size_t ncols,
    const char *want)
{
	json_error_t err;
	json_t *v = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (rows != NULL) {
		v = json_loads(rows, JSON_DECODE_ANY, &err);
		if (v == NULL)
			fail_msg("bad JSON in the test: %s", err.text);
	}
	f = open_memstream(&out, &len);
	assert_non_null(f);
	r = ctl_print_rows(f, v, cols, ncols);
	assert_int_equal(fclose(f), 0);
	if (r != 0 || strcmp(out, want) != 0)
		print_error("r=%d, got:\n%s\nwant:\n%s\n", r, out, want);
	assert_int_equal(r, 0);
	assert_string_equal(out, want);
	free(out);
	json_decref(v);
}

static const struct ctl_col str_int[] = {
	{ "NAME", "name", CTL_COL_STR, NULL },
	{ "UID", "uid", CTL_COL_INT, NULL },
};

static void
test_print_rows_string_and_integer(void **state)
{
	(void)state;
	prints("[{\"name\": \"alice\", \"uid\": 10001},"
	       " {\"name\": \"bo\", \"uid\": -7}]",
	    str_int, CTL_NCOLS(str_int),
	    "NAME   UID\n"
	    "alice  10001\n"
	    "bo     -7\n");
}

static void
test_print_rows_empty_array_prints_the_header(void **state)
{
	(void)state;
	prints("[]", str_int, CTL_NCOLS(str_int), "NAME  UID\n");
}

static void
test_print_rows_time(void **state)
{
	static const struct ctl_col cols[] = {
		{ "WHEN", "t", CTL_COL_TIME, NULL },
	};

	(void)state;
	prints("[{\"t\": 1700000000}, {\"t\": null}, {\"t\": -1},"
	       " {\"t\": \"1700000000\"}]",
	    cols, CTL_NCOLS(cols),
	    "WHEN\n"
	    "2023-11-14T22:13:20+00:00\n"
	    "never\n"
	    "-\n"
	    "-\n");
}

static void
test_print_rows_joined_names(void **state)
{
	static const struct ctl_col cols[] = {
		{ "MEMBERS", "members", CTL_COL_NAMES, NULL },
		{ "N", "n", CTL_COL_INT, NULL },
	};

	(void)state;
	/* entries that are not strings are left out */
	prints("[{\"members\": [\"alice\", \"bob\"], \"n\": 2},"
	       " {\"members\": [], \"n\": 0},"
	       " {\"members\": [1, \"carol\", null], \"n\": 1},"
	       " {\"members\": \"alice\", \"n\": 0}]",
	    cols, CTL_NCOLS(cols),
	    "MEMBERS     N\n"
	    "alice, bob  2\n"
	    "-           0\n"
	    "carol       1\n"
	    "-           0\n");
}

/* "lo-hi" from two members, "-" (NULL) when the row has neither. */
static const char *
fmt_range(const json_t *row, const char *key, char *out, size_t outsz)
{
	const json_t *lo = json_object_get(row, "lo");
	const json_t *hi = json_object_get(row, "hi");

	assert_string_equal(key, "range");
	if (lo == NULL && hi == NULL)
		return NULL;
	(void)snprintf(out, outsz, "%lld-%lld",
	    (long long)json_integer_value(lo),
	    (long long)json_integer_value(hi));
	return out;
}

/* A string of the row itself, with no key. */
static const char *
fmt_note(const json_t *row, const char *key, char *out, size_t outsz)
{
	(void)out;
	(void)outsz;
	assert_null(key);
	return json_is_true(json_object_get(row, "locked")) ? "yes" : "no";
}

static void
test_print_rows_formatter(void **state)
{
	static const struct ctl_col cols[] = {
		{ "RANGE", "range", CTL_COL_FN, fmt_range },
		{ "LOCKED", NULL, CTL_COL_FN, fmt_note },
	};

	(void)state;
	prints("[{\"lo\": 100, \"hi\": 199, \"locked\": true}, {}]", cols,
	    CTL_NCOLS(cols),
	    "RANGE    LOCKED\n"
	    "100-199  yes\n"
	    "-        no\n");
}

static void
test_print_rows_missing_key_is_a_dash(void **state)
{
	static const struct ctl_col cols[] = {
		{ "S", "s", CTL_COL_STR, NULL },
		{ "I", "i", CTL_COL_INT, NULL },
		{ "T", "t", CTL_COL_TIME, NULL },
		{ "M", "m", CTL_COL_NAMES, NULL },
		{ "F", "range", CTL_COL_FN, fmt_range },
	};

	(void)state;
	/* absent, and present with the wrong type or empty */
	prints("[{}, {\"s\": \"\", \"i\": \"7\", \"t\": \"x\", \"m\": {}},"
	       " {\"s\": 5, \"i\": 1.5, \"t\": true, \"m\": [5, null]}]",
	    cols, CTL_NCOLS(cols),
	    "S  I  T  M  F\n"
	    "-  -  -  -  -\n"
	    "-  -  -  -  -\n"
	    "-  -  -  -  -\n");
}

static void
test_print_rows_not_an_array(void **state)
{
	(void)state;
	prints("{\"name\": \"alice\", \"uid\": 1}", str_int, CTL_NCOLS(str_int),
	    "NAME  UID\n");
	prints("\"alice\"", str_int, CTL_NCOLS(str_int), "NAME  UID\n");
	prints(NULL, str_int, CTL_NCOLS(str_int), "NAME  UID\n");
}

static void
test_print_rows_element_not_an_object(void **state)
{
	(void)state;
	prints("[\"alice\", 5, null, [\"x\"], {\"name\": \"bob\"}]", str_int,
	    CTL_NCOLS(str_int),
	    "NAME  UID\n"
	    "-     -\n"
	    "-     -\n"
	    "-     -\n"
	    "-     -\n"
	    "bob   -\n");
}

/* A formatter passing on a string of the row, escapes and all. */
static const char *
fmt_raw(const json_t *row, const char *key, char *out, size_t outsz)
{
	(void)out;
	(void)outsz;
	return json_string_value(json_object_get(row, key));
}

static void
test_print_rows_escapes_control_characters(void **state)
{
	static const struct ctl_col cols[] = {
		{ "S", "s", CTL_COL_STR, NULL },
		{ "M", "m", CTL_COL_NAMES, NULL },
		{ "F", "s", CTL_COL_FN, fmt_raw },
		{ "END", "e", CTL_COL_STR, NULL },
	};

	(void)state;
	/* ESC, BEL, DEL, C1 (U+0085), a backslash, a tab, a newline; the
	 * width is that of the escaped text, counted in code points */
	prints("[{\"s\": \"\\u001b[31mx\\u0007\", \"m\": [\"a\\u007f\","
	       " \"b\\\\\"], \"e\": \"\\u0085\"},"
	       " {\"s\": \"t\\tn\\n\", \"m\": [\"\\u00e9t\\u00e9\"],"
	       " \"e\": \"ok\"}]",
	    cols, CTL_NCOLS(cols),
	    "S              M           F              END\n"
	    "\\x1b[31mx\\x07  a\\x7f, b\\\\  \\x1b[31mx\\x07  \\xc2\\x85\n"
	    "t\\x09n\\x0a     \xc3\xa9t\xc3\xa9         t\\x09n\\x0a     ok\n");
}

static void
test_print_rows_refuses_no_columns(void **state)
{
	json_t *v = json_array();

	(void)state;
	assert_non_null(v);
	assert_int_equal(ctl_print_rows(stdout, v, str_int, 0), -EINVAL);
	json_decref(v);
}

static void
test_print_rows_write_error_is_eio(void **state)
{
	json_t *v = json_loads("[{\"name\": \"alice\"}]", 0, NULL);
	FILE *f;

	(void)state;
	assert_non_null(v);
	f = fopen("/dev/null", "r"); /* every write fails */
	assert_non_null(f);
	assert_int_equal(ctl_print_rows(f, v, str_int, CTL_NCOLS(str_int)),
	    -EIO);
	(void)fclose(f);
	json_decref(v);
}

static int
utc(void **state)
{
	(void)state;
	if (setenv("TZ", "UTC", 1) < 0)
		return -1;
	tzset();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_rows_string_and_integer),
		cmocka_unit_test(test_print_rows_empty_array_prints_the_header),
		cmocka_unit_test(test_print_rows_time),
		cmocka_unit_test(test_print_rows_joined_names),
		cmocka_unit_test(test_print_rows_formatter),
		cmocka_unit_test(test_print_rows_missing_key_is_a_dash),
		cmocka_unit_test(test_print_rows_not_an_array),
		cmocka_unit_test(test_print_rows_element_not_an_object),
		cmocka_unit_test(test_print_rows_escapes_control_characters),
		cmocka_unit_test(test_print_rows_refuses_no_columns),
		cmocka_unit_test(test_print_rows_write_error_is_eio),
	};

	return cmocka_run_group_tests_name("output", tests, utc, NULL);
}
