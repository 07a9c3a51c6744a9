/* The failure limiter: see include/pmkb/http/limiter.h. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/http/limiter.h"

struct limiter_slot {
	char addr[INET6_ADDRSTRLEN];
	int64_t since; /* start of the window */
	long count;
};

struct limiter {
	pthread_mutex_t lock;
	long limit, window;
	struct hash_key key;
	struct limiter_slot slot[LIMITER_SLOTS];
};

/* Slots looked at for an address: a short probe keeps it O(1). */
#define PROBE 8

struct limiter *limiter_new(long limit, long window)
{
	struct limiter *l = xcalloc(1, sizeof(*l));

	pthread_mutex_init(&l->lock, NULL);
	l->limit = limit;
	l->window = window;
	hash_key_new(&l->key);
	return l;
}

void limiter_free(struct limiter *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static size_t slot_hash(const struct limiter *l, const char *addr)
{
	return (size_t)(hash_keyed(&l->key, addr, strlen(addr)) %
			LIMITER_SLOTS);
}

/*
 * The slot for addr (lock held). With create, an unused slot or the one
 * whose window began longest ago is taken over.
 */
static struct limiter_slot *find_slot(struct limiter *l, const char *addr,
				      int create)
{
	size_t h = slot_hash(l, addr);
	struct limiter_slot *victim = NULL;

	for (size_t i = 0; i < PROBE; i++) {
		struct limiter_slot *s = &l->slot[(h + i) % LIMITER_SLOTS];

		if (!strcmp(s->addr, addr))
			return s;
		if (!victim || !s->addr[0] ||
		    (victim->addr[0] && s->since < victim->since))
			victim = s;
	}
	if (!create)
		return NULL;
	snprintf(victim->addr, sizeof(victim->addr), "%s", addr);
	victim->since = 0;
	victim->count = 0;
	return victim;
}

long limiter_blocked(struct limiter *l, const char *addr, int64_t now)
{
	struct limiter_slot *s;
	long wait = 0;

	pthread_mutex_lock(&l->lock);
	s = find_slot(l, addr, 0);
	if (s && s->count >= l->limit && now - s->since < l->window)
		wait = (long)(l->window - (now - s->since));
	pthread_mutex_unlock(&l->lock);
	return wait;
}

void limiter_fail(struct limiter *l, const char *addr, int64_t now)
{
	struct limiter_slot *s;

	pthread_mutex_lock(&l->lock);
	s = find_slot(l, addr, 1);
	if (now - s->since >= l->window) {
		s->since = now;
		s->count = 0;
	}
	s->count++;
	pthread_mutex_unlock(&l->lock);
}
