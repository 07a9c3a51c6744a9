/*
 * The search response cache: see include/pmkb/search/searchcache.h.
 *
 * One mutex guards the slots, the generation and the watcher connection.
 * Holding it costs a PRAGMA (a few µs) and a copy of one body per lookup,
 * small next to even the cheapest search.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/hash.h"
#include "pmkb/search/searchcache.h"
#include "pmkb/base/xalloc.h"

/*
 * A key may live in any of WAYS slots from its hash on: with one slot per
 * key, two busy keys that share a slot evict each other on every request
 * (45 queries in 128 slots had several such pairs), and with 4 ways a few
 * of 45 keys still took turns evicting each other. The least recently
 * used of the WAYS goes first.
 */
#define WAYS 8

struct slot {
	char *key;
	char *body;
	size_t len;
	uint64_t gen;
	uint64_t used; /* c->clock at the last hit or store */
};

struct search_cache {
	pthread_mutex_t lock;
	sqlite3 *watch;		/* read-only: PRAGMA data_version only */
	sqlite3_stmt *version;
	int64_t data_version;	/* as the watcher last saw it */
	uint64_t gen;		/* bumped whenever data_version changes */
	uint64_t clock;		/* counts hits and stores, for LRU */
	struct slot *slots;
	size_t n;
	struct hash_key key; /* the slots' hash: keys are what users ask */
};

enum pm_status search_cache_open(struct search_cache **out,
				 const char *db_path, size_t slots,
				 struct pm_error *err)
{
	struct search_cache *c;
	enum pm_status st = PM_OK;

	*out = NULL;
	if (!slots)
		return PM_OK;
	c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->n = slots;
	c->slots = xcalloc(slots, sizeof(*c->slots));
	hash_key_new(&c->key);
	c->data_version = -1;
	if (sqlite3_open_v2(db_path, &c->watch,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->watch, "PRAGMA data_version", -1,
			       &c->version, NULL) != SQLITE_OK) {
		st = pm_error_set(err, PM_IO, db_path, 0,
				  "cannot open the database for the search "
				  "cache: %s",
				  c->watch ? sqlite3_errmsg(c->watch)
					   : "no memory");
		search_cache_free(c);
		return st;
	}
	*out = c;
	return PM_OK;
}

void search_cache_free(struct search_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->slots[i].key);
		free(c->slots[i].body);
	}
	free(c->slots);
	sqlite3_finalize(c->version);
	sqlite3_close(c->watch);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/*
 * Brings c->gen up to date with the database (lock held). When the
 * version cannot be read, the generation moves on, so that nothing cached
 * is trusted.
 */
static void refresh(struct search_cache *c)
{
	int64_t v = -2;

	if (sqlite3_step(c->version) == SQLITE_ROW)
		v = sqlite3_column_int64(c->version, 0);
	sqlite3_reset(c->version);
	if (v != c->data_version || v < 0) {
		c->data_version = v;
		c->gen++;
	}
}

char *search_cache_get(struct search_cache *c, const char *key, size_t *len,
		       uint64_t *gen)
{
	struct slot *s;
	char *body = NULL;

	*len = 0;
	*gen = 0;
	if (!c)
		return NULL;
	pthread_mutex_lock(&c->lock);
	refresh(c);
	*gen = c->gen;
	for (size_t w = 0, h = hash_keyed(&c->key, key, strlen(key)); w < WAYS;
	     w++) {
		s = &c->slots[(h + w) % c->n];
		if (s->key && s->gen == c->gen && !strcmp(s->key, key)) {
			body = xmalloc(s->len + 1);
			memcpy(body, s->body, s->len + 1);
			*len = s->len;
			s->used = ++c->clock;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return body;
}

void search_cache_put(struct search_cache *c, const char *key, uint64_t gen,
		      const char *body, size_t len)
{
	struct slot *s;
	char *k, *b;

	if (!c || len > SEARCH_CACHE_MAX_BODY)
		return;
	/* Copies made outside the lock keep the critical section short. */
	k = xstrdup(key);
	b = xmalloc(len + 1);
	memcpy(b, body, len);
	b[len] = '\0';
	pthread_mutex_lock(&c->lock);
	if (gen == c->gen) {
		size_t h = hash_keyed(&c->key, key, strlen(key));

		/* The same key, else an empty or stale slot, else the LRU. */
		s = NULL;
		for (size_t w = 0; w < WAYS; w++) {
			struct slot *t = &c->slots[(h + w) % c->n];
			int t_live = t->key && t->gen == c->gen;
			int s_live = s && s->key && s->gen == c->gen;

			if (t->key && !strcmp(t->key, key)) {
				s = t;
				break;
			}
			if (!s || t_live < s_live ||
			    (t_live == s_live && t->used < s->used))
				s = t;
		}
		free(s->key);
		free(s->body);
		s->key = k;
		s->body = b;
		s->len = len;
		s->gen = gen;
		s->used = ++c->clock;
		k = b = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	free(k);
	free(b);
}
