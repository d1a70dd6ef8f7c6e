/* SPDX-License-Identifier: MIT */
/*
 * The HTTPS thread (net/http.h).  It owns the multi handle: requests are
 * passed in under a lock and the thread is woken with curl_multi_wakeup;
 * nothing else touches libcurl's state.  TLS is always verified, no
 * proxy is taken from the environment, redirects are not followed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "client/wipe.h"
#include "userauthd/net/http.h"

/*
 * Connections per host, open and kept: a burst of logins runs at once
 * (a transfer queued for a connection spends its time-out waiting), and
 * the connections stay for the next one, so that steady traffic makes no
 * new TLS handshakes.
 */
#define HTTP_HOST_CONNECTIONS 128
#define HTTP_CONNECT_TIMEOUT_MS 3000

struct http {
	pthread_mutex_t lock;
	struct http_req *in;     /* submitted, not yet added */
	struct http_req *active; /* the thread's: under way */
	bool stopping;
	CURLM *multi;
	struct workq *done;
	pthread_t thread;
	uint64_t requests, connects;
};

int
http_req_header(struct http_req *rq, const char *name, const char *value)
{
	size_t n;

	if (rq->nheaders >= HTTP_MAX_HEADERS)
		return -E2BIG;
	n = strlen(name) + strlen(value) + 3;
	rq->headers[rq->nheaders] = malloc(n);
	if (rq->headers[rq->nheaders] == NULL)
		return -ENOMEM;
	(void)snprintf(rq->headers[rq->nheaders], n, "%s: %s", name, value);
	rq->nheaders++;
	return 0;
}

void
http_req_clear(struct http_req *rq)
{
	size_t i;

	free(rq->url);
	for (i = 0; i < rq->nheaders; i++)
		ua_erase_free(rq->headers[i]);
	if (rq->body != NULL)
		ua_wipe(rq->body, rq->body_len);
	free(rq->body);
	if (rq->resp != NULL)
		ua_wipe(rq->resp, rq->resp_len);
	free(rq->resp);
	rq->url = rq->body = rq->resp = NULL;
	rq->nheaders = 0;
	rq->body_len = rq->resp_len = 0;
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct http_req *rq = arg;
	size_t len = size * n;
	char *b;

	if (len > HTTP_MAX_RESPONSE - rq->resp_len)
		return 0; /* too long: the transfer fails */
	b = malloc(rq->resp_len + len + 1);
	if (b == NULL)
		return 0;
	if (rq->resp != NULL) {
		memcpy(b, rq->resp, rq->resp_len);
		ua_wipe(rq->resp, rq->resp_len);
		free(rq->resp);
	}
	memcpy(b + rq->resp_len, p, len);
	rq->resp = b;
	rq->resp_len += len;
	rq->resp[rq->resp_len] = '\0';
	return len;
}

static int
errno_of(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return -ECONNREFUSED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return -EPERM;
	case CURLE_WRITE_ERROR:
		return -EMSGSIZE;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

/* The transfer of rq, or NULL (then rq failed with -ENOMEM). */
static CURL *
easy_of(struct http_req *rq, struct curl_slist **hl)
{
	CURL *e = curl_easy_init();
	size_t i;
	struct curl_slist *l = NULL, *t;

	if (e == NULL)
		return NULL;
	for (i = 0; i < rq->nheaders; i++) {
		t = curl_slist_append(l, rq->headers[i]);
		if (t == NULL)
			goto fail;
		l = t;
	}
	/* no "Expect: 100-continue" round trip for a POST */
	t = curl_slist_append(l, "Expect:");
	if (t == NULL)
		goto fail;
	l = t;
	*hl = l;
	if (curl_easy_setopt(e, CURLOPT_URL, rq->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, l) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http") !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)rq->timeout_ms) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
		(long)HTTP_CONNECT_TIMEOUT_MS) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, rq) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PRIVATE, rq) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, rq->error_text) !=
		CURLE_OK)
		goto fail;
	if (rq->ca_file != NULL &&
	    curl_easy_setopt(e, CURLOPT_CAINFO, rq->ca_file) != CURLE_OK)
		goto fail;
	if (rq->body != NULL &&
	    (curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body) != CURLE_OK ||
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
		    (long)rq->body_len) != CURLE_OK))
		goto fail;
	if (rq->method != NULL &&
	    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK)
		goto fail;
	return e;
fail:
	curl_slist_free_all(l);
	*hl = NULL;
	curl_easy_cleanup(e);
	return NULL;
}

static void
finish(struct http *h, CURL *e, CURLcode code)
{
	struct http_req *rq = NULL, **pp;
	struct curl_slist *hl = NULL;
	long connects = 0;

	(void)curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&rq);
	if (rq == NULL)
		return; /* not ours: every easy handle carries its request */
	for (pp = &h->active; *pp != NULL && *pp != rq; pp = &(*pp)->next)
		;
	if (*pp == rq)
		*pp = rq->next;
	rq->next = NULL;
	(void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &rq->status);
	(void)curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
	hl = rq->easy;
	rq->connects = connects;
	rq->error = code == CURLE_OK ? 0 : errno_of(code);
	if (rq->error != 0 && rq->error_text[0] == '\0')
		(void)snprintf(rq->error_text, sizeof(rq->error_text), "%s",
		    curl_easy_strerror(code));
	curl_multi_remove_handle(h->multi, e);
	curl_easy_cleanup(e);
	curl_slist_free_all(hl);
	rq->easy = NULL;
	pthread_mutex_lock(&h->lock);
	h->requests++;
	h->connects += (uint64_t)connects;
	pthread_mutex_unlock(&h->lock);
	workq_done(h->done, rq->job);
}

static void
fail_now(struct http *h, struct http_req *rq, int error)
{
	rq->error = error;
	(void)snprintf(rq->error_text, sizeof(rq->error_text), "%s",
	    error == -ECANCELED ? "the daemon is stopping"
				: "cannot start the request");
	workq_done(h->done, rq->job);
}

/* Take what was submitted and start it. */
static bool
take_new(struct http *h)
{
	struct http_req *rq, *next;
	struct curl_slist *hl;
	bool stopping;
	CURL *e;

	pthread_mutex_lock(&h->lock);
	rq = h->in;
	h->in = NULL;
	stopping = h->stopping;
	pthread_mutex_unlock(&h->lock);
	for (; rq != NULL; rq = next) {
		next = rq->next;
		rq->next = NULL;
		if (stopping) {
			fail_now(h, rq, -ECANCELED);
			continue;
		}
		e = easy_of(rq, &hl);
		if (e == NULL) {
			fail_now(h, rq, -ENOMEM);
			continue;
		}
		rq->easy = hl;
		if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
			curl_easy_cleanup(e);
			curl_slist_free_all(hl);
			rq->easy = NULL;
			fail_now(h, rq, -ENOMEM);
			continue;
		}
		rq->next = h->active;
		h->active = rq;
		rq->handle = e;
	}
	return stopping;
}

static void *
run(void *arg)
{
	struct http *h = arg;
	CURLMsg *m;
	int running, left;

	for (;;) {
		if (take_new(h))
			break;
		(void)curl_multi_perform(h->multi, &running);
		while ((m = curl_multi_info_read(h->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE)
				finish(h, m->easy_handle, m->data.result);
		(void)curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
	}
	/* Stopping: every transfer under way ends cancelled. */
	while (h->active != NULL)
		finish(h, h->active->handle, CURLE_ABORTED_BY_CALLBACK);
	return NULL;
}

int
http_start(struct workq *done, struct http **ret)
{
	struct http *h;
	int r;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->done = done;
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		free(h);
		return -ENOMEM;
	}
	(void)curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)HTTP_HOST_CONNECTIONS);
	(void)curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
	    (long)HTTP_HOST_CONNECTIONS);
	pthread_mutex_init(&h->lock, NULL);
	r = pthread_create(&h->thread, NULL, run, h);
	if (r != 0) {
		pthread_mutex_destroy(&h->lock);
		curl_multi_cleanup(h->multi);
		free(h);
		return -r;
	}
	*ret = h;
	return 0;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_mutex_unlock(&h->lock);
	(void)curl_multi_wakeup(h->multi);
	pthread_join(h->thread, NULL);
	curl_multi_cleanup(h->multi);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int
http_submit(struct http *h, struct http_req *rq)
{
	struct http_req **pp;

	rq->error = 0;
	rq->status = 0;
	rq->error_text[0] = '\0';
	rq->next = NULL;
	pthread_mutex_lock(&h->lock);
	if (h->stopping) {
		pthread_mutex_unlock(&h->lock);
		return -ESHUTDOWN;
	}
	/* FIFO, so a burst starts in the order it came */
	for (pp = &h->in; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = rq;
	pthread_mutex_unlock(&h->lock);
	return curl_multi_wakeup(h->multi) == CURLM_OK ? 0 : -EIO;
}

void
http_counts(struct http *h, uint64_t *requests, uint64_t *connects)
{
	pthread_mutex_lock(&h->lock);
	*requests = h->requests;
	*connects = h->connects;
	pthread_mutex_unlock(&h->lock);
}
