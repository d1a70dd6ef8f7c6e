/* SPDX-License-Identifier: MIT */
/*
 * HTTPS requests for network pool backends, off the event loop: one
 * thread drives a libcurl multi handle (connections kept and reused,
 * many transfers at once) and hands each finished request back through
 * the daemon's worker queue (workq_done), so the loop learns of it as of
 * a finished password check.  A slow server delays only its own logins.
 */
#ifndef UA_NET_HTTP_H
#define UA_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userauthd/workq.h"

/* The most a response body may hold; more fails the request. */
#define HTTP_MAX_RESPONSE (1u << 20)
#define HTTP_MAX_HEADERS 12

struct http;

struct http_req {
	/* What the loop gets back when the request is over. */
	struct workq_job *job;
	/* The request: a POST of body to url (GET when body is NULL);
	 * method, when set, replaces the word ("PUT"). */
	char *url;
	const char *method;
	char *headers[HTTP_MAX_HEADERS]; /* "Name: value", owned */
	size_t nheaders;
	char *body; /* owned, wiped */
	size_t body_len;
	const char *ca_file; /* NULL: the system's */
	uint32_t timeout_ms; /* the whole transfer */
	/* The outcome. */
	int error;            /* 0, or -ETIMEDOUT, -ECONNREFUSED, -EIO ... */
	char error_text[128]; /* libcurl's words for error, for logs */
	long status;          /* HTTP status when error is 0 */
	char *resp;           /* NUL-terminated body, owned, wiped */
	size_t resp_len;
	long connects; /* new connections this request made */
	/* the engine's */
	void *easy;   /* its header list */
	void *handle; /* its transfer */
	struct http_req *next;
};

/* Start the thread; finished requests go to done. */
int http_start(struct workq *done, struct http **ret);
/* Stop it: requests under way end with -ECANCELED and are handed back. */
void http_stop(struct http *h);

/* Add a header line "name: value" (copied): 0, -E2BIG, -ENOMEM. */
int http_req_header(struct http_req *rq, const char *name, const char *value);
/* Wipe and free what rq owns (not rq itself, nor its job). */
void http_req_clear(struct http_req *rq);

/*
 * Queue a request: it runs at once and rq->job comes back through the
 * done queue when it is over.  rq must stay alive until then.
 */
int http_submit(struct http *h, struct http_req *rq);

/* Requests finished and connections opened so far (benchmarks, logs). */
void http_counts(struct http *h, uint64_t *requests, uint64_t *connects);

#endif
