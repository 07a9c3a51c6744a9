/* The HTTP client: see include/pmkb/base/http_client.h. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pmkb/base/http_client.h"
#include "pmkb/base/wake.h"
#include "pmkb/base/xalloc.h"

struct http_client {
	CURL *curl;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void curl_start(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

struct http_client *http_client_new(void)
{
	struct http_client *c;

	pthread_once(&curl_once, curl_start);
	if (!curl_ok)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	if (!(c->curl = curl_easy_init())) {
		free(c);
		return NULL;
	}
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_answer *a = arg;
	size_t len = size * n;

	if (a->body.len < a->max_body)
		buf_add(&a->body, data,
			len < a->max_body - a->body.len
				? len
				: a->max_body - a->body.len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_answer *a = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	if (len > sizeof(name) - 1 &&
	    !strncasecmp(data, name, sizeof(name) - 1)) {
		size_t vlen = len - (sizeof(name) - 1);

		if (vlen >= sizeof(a->retry_after))
			vlen = sizeof(a->retry_after) - 1;
		memcpy(a->retry_after, data + sizeof(name) - 1, vlen);
		a->retry_after[vlen] = '\0';
	}
	return len;
}

/* Whether curl's failure came before any of the body could have gone. */
struct progress {
	struct wake *cancel;
	struct timespec stopped; /* when the stop was first seen, or 0 */
};

/* libcurl's progress callback (about once a second at the least):
 * non-zero abandons the transfer, a grace period after the stop. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct progress *pr = arg;
	struct timespec now;

	(void)dt, (void)dn, (void)ut, (void)un;
	if (!wake_stopped(pr->cancel))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!pr->stopped.tv_sec && !pr->stopped.tv_nsec)
		pr->stopped = now;
	return (now.tv_sec - pr->stopped.tv_sec) * 1000 +
		       (now.tv_nsec - pr->stopped.tv_nsec) / 1000000 >=
	       HTTP_CLIENT_STOP_GRACE_MS;
}

static int before_sending(CURLcode rc)
{
	return rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY ||
	       rc == CURLE_COULDNT_CONNECT || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	       rc == CURLE_URL_MALFORMAT || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_PEER_FAILED_VERIFICATION ||
	       rc == CURLE_FAILED_INIT;
}

enum http_outcome http_client_post(struct http_client *c,
				   const struct http_post *p,
				   struct http_answer *a)
{
	struct curl_slist *headers = NULL;
	char ct[128];
	CURL *h = c->curl;
	CURLcode rc;
	curl_off_t up = 0;
	long connect = p->connect_timeout_ms;
	struct progress pr = { p->cancel, { 0, 0 } };

	memset(a, 0, sizeof(*a));
	buf_init(&a->body, 0);
	a->max_body = p->max_body ? p->max_body : HTTP_CLIENT_MAX_BODY;
	if (p->content_type) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", p->content_type);
		headers = curl_slist_append(headers, ct);
	}
	/* No "Expect: 100-continue" round trip for a small body. */
	headers = curl_slist_append(headers, "Expect:");
	for (const char *const *hd = p->headers; hd && *hd; hd++)
		headers = curl_slist_append(headers, *hd);
	if (!connect)
		connect = p->timeout_ms < 5000 ? p->timeout_ms : 5000L;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, p->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	if (p->method && !strcmp(p->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, p->body ? p->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)p->len);
		if (p->method && strcmp(p->method, "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, p->method);
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect);
	/* Signals are for the main thread; timeouts must not use them. */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_USERAGENT,
			 p->user_agent ? p->user_agent : "pmkb/" PMKB_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
	if (p->cancel) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &pr);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
		a->outcome = HTTP_ANSWERED;
	} else {
		curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
		a->outcome = before_sending(rc) || up < (curl_off_t)p->len
				     ? HTTP_NOT_SENT
				     : HTTP_NO_ANSWER;
		snprintf(a->error, sizeof(a->error), "%s",
			 curl_easy_strerror(rc));
	}
	curl_slist_free_all(headers);
	return a->outcome;
}

enum http_outcome http_post_once(const struct http_post *p,
				 struct http_answer *a)
{
	struct http_client *c = http_client_new();
	enum http_outcome o;

	if (!c) {
		memset(a, 0, sizeof(*a));
		buf_init(&a->body, 0);
		a->outcome = HTTP_NOT_SENT;
		snprintf(a->error, sizeof(a->error), "cannot start libcurl");
		return a->outcome;
	}
	o = http_client_post(c, p, a);
	http_client_free(c);
	return o;
}

void http_answer_release(struct http_answer *a)
{
	buf_release(&a->body);
}

long long http_date_parse(const char *s)
{
	return (long long)curl_getdate(s, NULL);
}
