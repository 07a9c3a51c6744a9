/*
 * base/http_client.c against a listener on 127.0.0.1 that answers as
 * told: a status and a body, nothing at all after reading the request, or
 * a closed port.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pmkb/base/http_client.h"
#include "pmkb/base/wake.h"
#include "tap.h"

struct listener {
	int fd;
	unsigned short port;
	const char *reply; /* NULL: read the request, answer nothing */
	char request[4096];
	size_t request_len;
};

static void *serve_one(void *arg)
{
	struct listener *l = arg;
	int c = accept(l->fd, NULL, NULL);
	ssize_t n;

	if (c < 0)
		return NULL;
	/* Headers and a short body arrive together on loopback. */
	n = read(c, l->request, sizeof(l->request) - 1);
	l->request_len = n > 0 ? (size_t)n : 0;
	if (l->reply) {
		if (write(c, l->reply, strlen(l->reply)) < 0)
			perror("write");
	} else {
		char sink[256];

		/* Hold the connection until the client gives up. */
		while (read(c, sink, sizeof(sink)) > 0)
			;
	}
	close(c);
	return NULL;
}

/* Stops the wake it is given a little after the post has gone out. */
static void *stop_soon(void *arg)
{
	usleep(200 * 1000);
	wake_stop(arg);
	return NULL;
}

static int listen_on(struct listener *l)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l->fd, 4) ||
	    getsockname(l->fd, (struct sockaddr *)&a, &len))
		return -1;
	l->port = ntohs(a.sin_port);
	return 0;
}

static void post_to(struct listener *l, const char *const *headers,
		    long timeout_ms, struct wake *cancel, struct http_answer *ans)
{
	char url[64];
	struct http_post p = { 0 };
	pthread_t t;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", l->port);
	p.url = url;
	p.content_type = "application/json";
	p.headers = headers;
	p.body = "{\"text\":\"hi\"}";
	p.len = strlen(p.body);
	p.timeout_ms = timeout_ms;
	p.cancel = cancel;
	pthread_create(&t, NULL, serve_one, l);
	http_post_once(&p, ans);
	pthread_join(t, NULL);
	close(l->fd);
}

int main(void)
{
	static const char big_reply_head[] =
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
		"Connection: close\r\nContent-Length: 20000\r\n\r\n";
	static char big_reply[sizeof(big_reply_head) + 20000];
	const char *headers[] = { "X-Test: yes", NULL };
	struct listener l = { 0 };
	struct http_answer a;
	struct http_post p = { 0 };

	l.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		  "Connection: close\r\n\r\nok";
	ok(!listen_on(&l), "listener");
	post_to(&l, headers, 5000, NULL, &a);
	ok(a.outcome == HTTP_ANSWERED && a.status == 200, "answered 200");
	ok(a.body.len == 2 && !memcmp(a.body.ptr, "ok", 2), "body kept");
	l.request[l.request_len] = '\0';
	ok(strstr(l.request, "POST /hook HTTP/1.1") &&
		   strstr(l.request, "X-Test: yes") &&
		   strstr(l.request, "Content-Type: application/json") &&
		   strstr(l.request, "{\"text\":\"hi\"}"),
	   "method, path, headers and body as given");
	ok(!strstr(l.request, "Expect:"), "no 100-continue round trip");
	http_answer_release(&a);

	memcpy(big_reply, big_reply_head, sizeof(big_reply_head) - 1);
	memset(big_reply + sizeof(big_reply_head) - 1, 'x', 20000);
	l.reply = big_reply;
	listen_on(&l);
	post_to(&l, NULL, 5000, NULL, &a);
	ok(a.outcome == HTTP_ANSWERED && a.status == 429, "answered 429");
	ok(a.body.len == HTTP_CLIENT_MAX_BODY, "the body is capped");
	ok(!strncmp(a.retry_after, " 7", 2), "Retry-After kept");
	http_answer_release(&a);

	l.reply = NULL;
	listen_on(&l);
	post_to(&l, NULL, 300, NULL, &a);
	ok(a.outcome == HTTP_NO_ANSWER && a.error[0],
	   "sent but never answered: no answer, not 'not sent'");
	http_answer_release(&a);

	/* A worker's stop abandons a post the peer never answers, a grace
	 * period later and long before its timeout: still "no answer". */
	{
		struct wake stop;
		pthread_t t;

		wake_init(&stop);
		listen_on(&l);
		pthread_create(&t, NULL, stop_soon, &stop);
		post_to(&l, NULL, 600000, &stop, &a);
		pthread_join(t, NULL);
		ok(a.outcome == HTTP_NO_ANSWER &&
			   strstr(a.error, "callback"),
		   "stopped while waiting: abandoned, no answer");
		http_answer_release(&a);
		wake_destroy(&stop);
	}

	/* A port nobody listens on: bound, then closed. */
	listen_on(&l);
	close(l.fd);
	{
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%u/", l.port);
		p.url = url;
		p.body = "x";
		p.len = 1;
		p.timeout_ms = 2000;
		ok(http_post_once(&p, &a) == HTTP_NOT_SENT, "refused: not sent");
		http_answer_release(&a);
	}
	p.url = "file:///etc/passwd";
	ok(http_post_once(&p, &a) == HTTP_NOT_SENT && a.body.len == 0,
	   "file:// is refused");
	http_answer_release(&a);
	p.url = "ftp://127.0.0.1/";
	ok(http_post_once(&p, &a) == HTTP_NOT_SENT, "ftp:// is refused");
	http_answer_release(&a);
	ok(http_date_parse("Wed, 21 Oct 2015 07:28:00 GMT") == 1445412480LL,
	   "HTTP date");
	return tap_done();
}
