/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl status": how the daemon is doing (the status op), as
 * key: value lines and two tables, or the daemon's object with --json.
 * Read-only; a daemon that does not answer is exit status 3, as for every
 * verb, and "daemon: down" is printed first so that a glance tells.
 */
#include <stdio.h>

#include "cmd.h"
#include "output.h"

/* Seconds as "3d 4h", "2h 5m", "4m 10s", "12s"; "-" when absent. */
static const char *
fmt_age(const json_t *v, char *out, size_t outsz)
{
	json_int_t s;

	if (!json_is_integer(v))
		return "-";
	s = json_integer_value(v);
	if (s >= 86400)
		(void)snprintf(out, outsz, "%lldd %lldh",
		    (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		(void)snprintf(out, outsz, "%lldh %lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		(void)snprintf(out, outsz, "%lldm %llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		(void)snprintf(out, outsz, "%llds", (long long)s);
	return out;
}

/* "TIME (AGE ago)", or "never". */
static const char *
fmt_when(const json_t *when, const json_t *age, char *out, size_t outsz)
{
	char t[40], a[32];

	if (!json_is_integer(when))
		return "never";
	(void)snprintf(out, outsz, "%s (%s ago)",
	    ctl_fmt_time(when, t, sizeof(t)), fmt_age(age, a, sizeof(a)));
	return out;
}

/* When a pool's NSS cache was published (member key) and how long ago. */
static const char *
fmt_published(const json_t *p, const char *key, char *out, size_t outsz)
{
	return fmt_when(json_object_get(p, key), json_object_get(p, "nss_age"),
	    out, outsz);
}

/* A Cognito pool's sync (member key): last success, or why it failed. */
static const char *
fmt_sync(const json_t *p, const char *key, char *out, size_t outsz)
{
	json_t *sync = json_object_get(p, key);
	json_t *ok = json_object_get(sync, "synced_at");
	json_t *err = json_object_get(sync, "error");
	char t[64];

	if (sync == NULL)
		return "-";
	if (json_integer_value(json_object_get(sync, "interval")) == 0)
		return "off";
	if (err != NULL)
		(void)snprintf(out, outsz, "failed %s: %s",
		    ctl_fmt_time(json_object_get(sync, "failed_at"), t,
			sizeof(t)),
		    json_string_value(err));
	else if (ok != NULL)
		(void)snprintf(out, outsz, "ok %s",
		    ctl_fmt_time(ok, t, sizeof(t)));
	else
		(void)snprintf(out, outsz, "not yet");
	return out;
}

static int
print_pools(const json_t *pools)
{
	/* a Cognito pool's users are Cognito's: null, shown "-" */
	static const struct ctl_col cols[] = {
		{ "POOL", "name", CTL_COL_STR, NULL },
		{ "BACKEND", "backend", CTL_COL_STR, NULL },
		{ "USERS", "users", CTL_COL_INT, NULL },
		{ "NSS PUBLISHED", "nss_published", CTL_COL_FN, fmt_published },
		{ "COGNITO SYNC", "sync", CTL_COL_FN, fmt_sync },
	};

	return ctl_print_rows(stdout, pools, cols, CTL_NCOLS(cols));
}

static int
print_logins(const json_t *logins)
{
	static const struct ctl_col cols[] = {
		{ "CHALLENGE", "challenge", CTL_COL_STR, NULL },
		{ "OK", "ok", CTL_COL_INT, NULL },
		{ "FAILED", "fail", CTL_COL_INT, NULL },
		{ "WRONG ANSWERS", "retry", CTL_COL_INT, NULL },
	};

	if (json_array_size(logins) == 0) {
		(void)printf("logins (last hour): none\n");
		return 0;
	}
	(void)printf("logins (last hour):\n");
	return ctl_print_rows(stdout, logins, cols, CTL_NCOLS(cols));
}

static int
print_daemon(const json_t *s)
{
	static const char *const keys[] = { "daemon", "version", "uptime",
		"NSS cache" };
	char up[96], age[32], since[40], nss[96];
	const char *vals[4];

	(void)snprintf(up, sizeof(up), "%s (since %s)",
	    fmt_age(json_object_get(s, "uptime"), age, sizeof(age)),
	    ctl_fmt_time(json_object_get(s, "started"), since, sizeof(since)));
	vals[0] = "up";
	vals[1] = ctl_get_str(s, "version");
	vals[2] = up;
	vals[3] = fmt_when(json_object_get(s, "nss_published"),
	    json_object_get(s, "nss_age"), nss, sizeof(nss));
	return ctl_kv_print(stdout, keys, vals, 4);
}

static int
print_mail(const json_t *m)
{
	static const char *const keys[] = { "mail queue", "oldest queued",
		"mail (last hour)", "delivery latency", "last SMTP error" };
	char q[64], oldest[32], hour[96], lat[64], p50[32], p99[32], n[3][24];
	char errat[40], last[512];
	const json_t *e = json_object_get(m, "last_error");
	const char *vals[5];

	(void)snprintf(q, sizeof(q), "%s queued%s",
	    ctl_fmt_int(m, "queued", n[0], sizeof(n[0])),
	    json_is_false(json_object_get(m, "sender"))
		? " (the sender is not running)"
		: "");
	(void)snprintf(hour, sizeof(hour), "%s sent, %s failed, %s expired",
	    ctl_fmt_int(m, "sent", n[0], sizeof(n[0])),
	    ctl_fmt_int(m, "failed", n[1], sizeof(n[1])),
	    ctl_fmt_int(m, "expired", n[2], sizeof(n[2])));
	if (json_is_integer(json_object_get(m, "latency_p50")))
		(void)snprintf(lat, sizeof(lat), "p50 %s, p99 %s",
		    fmt_age(json_object_get(m, "latency_p50"), p50,
			sizeof(p50)),
		    fmt_age(json_object_get(m, "latency_p99"), p99,
			sizeof(p99)));
	else
		(void)snprintf(lat, sizeof(lat), "- (nothing sent)");
	if (json_is_string(e))
		(void)snprintf(last, sizeof(last), "%s (%s)",
		    json_string_value(e),
		    ctl_fmt_time(json_object_get(m, "last_error_at"), errat,
			sizeof(errat)));
	else
		(void)snprintf(last, sizeof(last), "none");
	vals[0] = q;
	vals[1] = json_is_integer(json_object_get(m, "oldest_age"))
	    ? fmt_age(json_object_get(m, "oldest_age"), oldest, sizeof(oldest))
	    : "-";
	vals[2] = hour;
	vals[3] = lat;
	vals[4] = last;
	return ctl_kv_print(stdout, keys, vals, 5);
}

static int
print_status(struct ctl_ctx *ctx, json_t *s)
{
	int r;

	r = print_daemon(s);
	if (r == 0)
		r = print_pools(json_object_get(s, "pools"));
	if (r == 0)
		r = print_mail(json_object_get(s, "mail"));
	if (r == 0)
		r = print_logins(json_object_get(s, "logins"));
	return ctl_printed(ctx, r);
}

int
ctl_status(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv)
{
	json_t *res = NULL;
	int c, r;

	ctl_opt_reset();
	c = ctl_getopt(ctx, v, argc, argv, NULL);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 0, 0);
	if (r != CTL_EXIT_OK)
		return r;
	r = ctl_simple(ctx, "status", NULL, NULL, NULL, NULL, &res);
	if (r == CTL_EXIT_UNREACHABLE && !ctx->json)
		(void)printf("daemon: down\n");
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_status);
}
