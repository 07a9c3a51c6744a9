/*
 * The open connections and their reaper: see include/pmkb/http/conns.h.
 * The table is a list under the reaper's lock (base/wake.h); deadlines
 * are atomics, so the request path sets them without the lock.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pmkb/base/log.h"
#include "pmkb/base/clock.h"
#include "pmkb/base/wake.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/http/conns.h"
#include "pmkb/http/metrics.h"

/* How often the reaper looks for connections past their deadline. */
#define REAP_EVERY_MS 250

static const char timeout_answer[] =
	"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
	"Content-Type: application/json; charset=utf-8\r\n"
	"Content-Length: 46\r\n\r\n"
	"{\"error\":\"the request took too long to arrive\"}";

struct conn {
	struct conn *prev, *next;
	int fd;
	struct net_addr addr;
	/* CLOCK_MONOTONIC ns by which a whole request must be in; 0: none. */
	atomic_int_fast64_t deadline;
};

struct conns {
	struct conns_limits lim;
	struct metrics *metrics;
	struct wake wake; /* its lock guards list and n */
	struct conn *list;
	unsigned n;
	pthread_t reaper;
	int reaper_started;
};

/*
 * Writes the 408 straight to the socket, which libmicrohttpd is only
 * reading from at that point, and shuts it down: libmicrohttpd then sees
 * the end of the stream and closes it.
 */
static void time_out(struct conns *t, struct conn *c)
{
	ssize_t n;

	atomic_store(&c->deadline, 0);
	n = send(c->fd, timeout_answer, sizeof(timeout_answer) - 1,
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
	shutdown(c->fd, SHUT_RDWR);
	if (t->metrics)
		metrics_timed_out(t->metrics);
	log_kv(LOG_INFO, "http.timeout", "client", c->addr.text, NULL);
}

static void *reaper_main(void *arg)
{
	struct conns *t = arg;

	while (!wake_stopped(&t->wake)) {
		int64_t now = clock_ns();

		pthread_mutex_lock(&t->wake.lock);
		for (struct conn *c = t->list; c; c = c->next) {
			int64_t d = atomic_load(&c->deadline);

			if (d && d <= now && c->fd >= 0)
				time_out(t, c);
		}
		pthread_mutex_unlock(&t->wake.lock);
		wake_wait_ms(&t->wake, REAP_EVERY_MS);
	}
	return NULL;
}

enum pm_status conns_new(struct conns **out, const struct conns_limits *lim,
			 struct metrics *m, struct pm_error *err)
{
	struct conns *t = xcalloc(1, sizeof(*t));

	t->lim = *lim;
	t->metrics = m;
	wake_init(&t->wake);
	if (pthread_create(&t->reaper, NULL, reaper_main, t)) {
		conns_free(t);
		*out = NULL;
		return pm_error_set(err, PM_INTERNAL, "server", 0,
				    "cannot start a thread");
	}
	t->reaper_started = 1;
	*out = t;
	return PM_OK;
}

void conns_free(struct conns *t)
{
	if (!t)
		return;
	if (t->reaper_started) {
		wake_stop(&t->wake);
		pthread_join(t->reaper, NULL);
	}
	while (t->list) {
		struct conn *c = t->list;

		t->list = c->next;
		free(c);
	}
	wake_destroy(&t->wake);
	free(t);
}

/* The connections open from a (lock held). */
static unsigned count_from(const struct conns *t, const struct net_addr *a)
{
	unsigned n = 0;

	for (const struct conn *c = t->list; c; c = c->next)
		if (c->addr.family == a->family &&
		    !memcmp(c->addr.bytes, a->bytes, sizeof(a->bytes)))
			n++;
	return n;
}

enum conns_verdict conns_admit(struct conns *t, const struct net_addr *a)
{
	enum conns_verdict v = CONNS_ADMIT;

	pthread_mutex_lock(&t->wake.lock);
	if (t->n >= t->lim.max_connections)
		v = CONNS_FULL;
	else if (count_from(t, a) >= t->lim.max_per_ip)
		v = CONNS_PER_ADDRESS;
	pthread_mutex_unlock(&t->wake.lock);
	return v;
}

struct conn *conns_add(struct conns *t, int fd, const struct sockaddr *addr)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	net_addr_from_sockaddr(&c->addr, addr);
	atomic_init(&c->deadline, clock_ns() + t->lim.request_timeout_ns);
	pthread_mutex_lock(&t->wake.lock);
	c->next = t->list;
	if (t->list)
		t->list->prev = c;
	t->list = c;
	t->n++;
	pthread_mutex_unlock(&t->wake.lock);
	return c;
}

void conns_remove(struct conns *t, struct conn *c)
{
	pthread_mutex_lock(&t->wake.lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->n--;
	pthread_mutex_unlock(&t->wake.lock);
	free(c);
}

void conns_request_in(struct conn *c)
{
	atomic_store(&c->deadline, 0);
}

void conns_request_done(struct conns *t, struct conn *c)
{
	atomic_store(&c->deadline,
		     clock_ns() + t->lim.idle_ns + t->lim.request_timeout_ns);
}

const char *conns_client(const struct conn *c)
{
	return c->addr.text;
}

unsigned conns_count(struct conns *t)
{
	unsigned n;

	pthread_mutex_lock(&t->wake.lock);
	n = t->n;
	pthread_mutex_unlock(&t->wake.lock);
	return n;
}
