/*
 * Phrase postings in memory: see include/pmkb/search/phrasecache.h.
 *
 * Map:
 *   entries  one per phrase, reference-counted: the table holds one
 *            reference, each search using it another, so that a phrase
 *            replaced or dropped while a search reads it stays whole
 *            until that search puts it back. An entry never changes once
 *            made; bringing it to a later position makes a new one.
 *   read     the phrase's rows from FTS5, ascending, with pm_weight()
 *   update   the rows the change log names after the entry's position
 *            are left out of the old postings, and those of them that
 *            still hold the phrase are read again one by one (a rowid
 *            lookup in FTS5 each); past UPDATE_MAX rows, after a change
 *            without an id (a rebuild), or when the log was trimmed past
 *            the entry, the phrase is read again whole
 *   table    an array (for dropping the least recently used) with a hash
 *            index over it, under one lock; nothing is read from the
 *            database while the lock is held. At most MAX_PHRASES: a
 *            server asked for many rare words keeps the latest.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <roaring/roaring.h>
#include <sqlite3.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/exact.h"
#include "pmkb/db/rankfn.h"
#include "pmkb/db/store.h"
#include "pmkb/search/phrasecache.h"

/* Changed rows read one by one rather than the phrase again whole. */
#define UPDATE_MAX 2048
#define MAX_PHRASES 16384
#define BUCKETS 4096 /* a power of two */

static const char sql_position[] =
	"SELECT coalesce(max(seq), 0) FROM fts_changes";
static const char sql_first_kept[] = "SELECT min(seq) FROM fts_changes";
static const char sql_changes[] =
	"SELECT pm_id FROM fts_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2";
static const char sql_read[] =
	"SELECT rowid, pm_weight(pm_fts, " RANK_WEIGHTS ") FROM pm_fts"
	" WHERE pm_fts MATCH ?1 ORDER BY rowid";
static const char sql_read_row[] =
	"SELECT pm_weight(pm_fts, " RANK_WEIGHTS ") FROM pm_fts"
	" WHERE pm_fts MATCH ?1 AND rowid = ?2";
/* The rows of an expression that hold exact words (?3): no weights. */
static const char sql_holding[] =
	"SELECT pm_fts.rowid, 0 FROM pm_fts CROSS JOIN postmortems x"
	" ON x.id = pm_fts.rowid WHERE pm_fts MATCH ?1 AND " EXACT_X("?3")
	" ORDER BY pm_fts.rowid";
static const char sql_holding_row[] =
	"SELECT 0 FROM pm_fts CROSS JOIN postmortems x"
	" ON x.id = pm_fts.rowid WHERE pm_fts MATCH ?1"
	" AND pm_fts.rowid = ?2 AND " EXACT_X("?3");

struct entry {
	struct phrasepost pub; /* first: a phrasepost is its entry */
	char *phrase;
	char *exact; /* NULL: the phrase's postings */
	uint64_t hash;
	int64_t pos;
	unsigned refs;
	uint64_t used; /* the cache's tick at the last use */
	size_t slot;	     /* its place in the table */
	struct entry *chain; /* the next in its bucket */
	size_t bytes;
	size_t alloc;
	uint32_t *ids, *wf; /* wf: while the rows are read */
	void *packed;	    /* wf in pub.wf_size bytes each, once read */
	roaring_bitmap_t *set; /* ids, once read */
};

struct phrasecache {
	pthread_mutex_t lock;
	struct entry **v; /* the table */
	size_t n, alloc;
	struct entry *bucket[BUCKETS];
	size_t bytes, max_bytes;
	uint64_t tick;
	struct phrasecache_stats stats;
};

static const char cache_key;

static void *cache_new(void)
{
	struct phrasecache *pc = xcalloc(1, sizeof(*pc));

	pthread_mutex_init(&pc->lock, NULL);
	pc->max_bytes = PHRASECACHE_MAX_BYTES;
	return pc;
}

static void entry_free(struct entry *e)
{
	free(e->phrase);
	free(e->exact);
	free(e->ids);
	free(e->wf);
	free(e->packed);
	if (e->set)
		roaring_bitmap_free(e->set);
	free(e);
}

static void cache_free(void *data)
{
	struct phrasecache *pc = data;

	for (size_t i = 0; i < pc->n; i++)
		if (!--pc->v[i]->refs)
			entry_free(pc->v[i]);
	free(pc->v);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

struct phrasecache *phrasecache_of(struct dbconn *c)
{
	return dbconn_shared(c, &cache_key, cache_new, cache_free);
}

static enum pm_status read_int(struct dbconn *c, const char *sql,
			       int64_t *v)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	int rc;

	*v = 0;
	if (!s)
		return PM_DB;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PM_OK : PM_DB;
}

enum pm_status phrasecache_position(struct dbconn *c, int64_t *pos)
{
	return read_int(c, sql_position, pos);
}

static enum pm_status db_fail(struct dbconn *c, struct pm_error *err)
{
	log_kv(LOG_ERROR, "search.phrases", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "search", 0,
			    "search: the index could not be read");
}

static void push(struct entry *e, uint32_t id, uint32_t wf)
{
	if (e->pub.n == e->alloc) {
		e->alloc = e->alloc ? 2 * e->alloc : 64;
		e->ids = xrealloc(e->ids, e->alloc * sizeof(*e->ids));
		e->wf = xrealloc(e->wf, e->alloc * sizeof(*e->wf));
	}
	e->ids[e->pub.n] = id;
	e->wf[e->pub.n++] = wf;
}

/*
 * Appends (rowid, the weight in column col of s) to e; 0 when they do
 * not fit the entry's 32-bit fields.
 */
static int add_row(struct entry *e, int64_t rowid, sqlite3_stmt *s, int col)
{
	double w = sqlite3_column_double(s, col);

	if (rowid < 0 || rowid > UINT32_MAX || w < 0 || w > UINT32_MAX ||
	    w != floor(w))
		return 0;
	push(e, (uint32_t)rowid, (uint32_t)w);
	return 1;
}

static uint64_t key_hash(const char *phrase, const char *exact)
{
	uint64_t h = hash_str(phrase);

	return exact ? hash_more(h, exact, strlen(exact)) : h;
}

static int same_key(const struct entry *e, const char *phrase,
		    const char *exact, uint64_t h)
{
	return e->hash == h && !strcmp(e->phrase, phrase) &&
	       (exact ? e->exact && !strcmp(e->exact, exact) : !e->exact);
}

static struct entry *entry_new(const char *phrase, const char *exact,
			       uint64_t h)
{
	struct entry *e = xcalloc(1, sizeof(*e));

	e->phrase = xstrdup(phrase);
	e->exact = exact ? xstrdup(exact) : NULL;
	e->hash = h;
	return e;
}

/*
 * Once the rows are in: the ids trimmed to their number, the frequencies
 * packed in as few bytes as the largest needs (a common word's are mostly
 * under 256: 5 bytes a posting rather than 8), the public view and the
 * size.
 */
static void entry_done(struct entry *e, int64_t pos)
{
	size_t n = e->pub.n, i;
	uint32_t top = 0;
	unsigned w;

	for (i = 0; i < n; i++)
		if (e->wf[i] > top)
			top = e->wf[i];
	w = top <= UINT8_MAX ? 1 : top <= UINT16_MAX ? 2 : 4;
	e->packed = xmalloc((n ? n : 1) * w);
	for (i = 0; i < n; i++) {
		if (w == 1)
			((uint8_t *)e->packed)[i] = (uint8_t)e->wf[i];
		else if (w == 2)
			((uint16_t *)e->packed)[i] = (uint16_t)e->wf[i];
		else
			((uint32_t *)e->packed)[i] = e->wf[i];
	}
	free(e->wf);
	e->wf = NULL;
	if (n < e->alloc)
		e->ids = xrealloc(e->ids, (n ? n : 1) * sizeof(*e->ids));
	e->set = roaring_bitmap_of_ptr(n, e->ids);
	roaring_bitmap_run_optimize(e->set);
	e->pos = pos;
	e->pub.ids = e->ids;
	e->pub.set = e->set;
	e->pub.wf = e->packed;
	e->pub.wf_size = w;
	e->bytes = sizeof(*e) + strlen(e->phrase) + 1 +
		   (e->exact ? strlen(e->exact) + 1 : 0) +
		   n * (sizeof(*e->ids) + w) +
		   roaring_bitmap_size_in_bytes(e->set);
}

/* The phrase's rows read whole into e; *held 0 when they do not fit. */
static enum pm_status read_whole(struct dbconn *c, struct entry *e,
				 int *held, struct pm_error *err)
{
	sqlite3_stmt *s = dbconn_stmt(c, e->exact ? sql_holding : sql_read);
	int rc = SQLITE_DONE;

	*held = 1;
	if (!s)
		return db_fail(c, err);
	sqlite3_bind_text(s, 1, e->phrase, -1, SQLITE_STATIC);
	if (e->exact)
		sqlite3_bind_text(s, 3, e->exact, -1, SQLITE_STATIC);
	while (*held && (rc = sqlite3_step(s)) == SQLITE_ROW)
		*held = add_row(e, sqlite3_column_int64(s, 0), s, 1);
	sqlite3_reset(s);
	if (*held && rc != SQLITE_DONE)
		return db_fail(c, err);
	return PM_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The distinct rowids the change log names after from, ascending, into
 * *ids; *n is -1 when the phrase must be read whole instead.
 */
static enum pm_status changed_rows(struct dbconn *c, int64_t from,
				   uint32_t **ids, long *n)
{
	sqlite3_stmt *s;
	int64_t first;
	long k = 0, i, m;
	int rc;

	*ids = NULL;
	*n = -1;
	if (read_int(c, sql_first_kept, &first) != PM_OK)
		return PM_DB;
	if (first > from + 1) /* trimmed past the entry */
		return PM_OK;
	if (!(s = dbconn_stmt(c, sql_changes)))
		return PM_DB;
	*ids = xmalloc((UPDATE_MAX + 1) * sizeof(**ids));
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int(s, 2, UPDATE_MAX + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		if (sqlite3_column_type(s, 0) == SQLITE_NULL || id < 0 ||
		    id > UINT32_MAX || k == UPDATE_MAX) {
			k = -1; /* a rebuild, or too many */
			break;
		}
		(*ids)[k++] = (uint32_t)id;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return PM_DB;
	if (k < 0)
		return PM_OK;
	qsort(*ids, (size_t)k, sizeof(**ids), cmp_u32);
	for (i = m = 0; i < k; i++)
		if (!m || (*ids)[m - 1] != (*ids)[i])
			(*ids)[m++] = (*ids)[i];
	*n = m;
	return PM_OK;
}

/*
 * e: old's rows with changed[0..n) read again. *held 0 when a row does
 * not fit.
 */
static enum pm_status read_changed(struct dbconn *c, const struct entry *old,
				   const uint32_t *changed, long n,
				   struct entry *e, int *held,
				   struct pm_error *err)
{
	sqlite3_stmt *s =
		dbconn_stmt(c, e->exact ? sql_holding_row : sql_read_row);
	size_t i = 0;
	long k = 0;
	int rc;

	*held = 1;
	if (!s)
		return db_fail(c, err);
	while (*held && (i < old->pub.n || k < n)) {
		if (k == n || (i < old->pub.n && old->ids[i] < changed[k])) {
			push(e, old->ids[i], phrasepost_wf(&old->pub, i));
			i++;
			continue;
		}
		if (i < old->pub.n && old->ids[i] == changed[k])
			i++;
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, e->phrase, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, changed[k]);
		if (e->exact)
			sqlite3_bind_text(s, 3, e->exact, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			*held = add_row(e, changed[k], s, 0);
		else if (rc != SQLITE_DONE) {
			sqlite3_reset(s);
			return db_fail(c, err);
		}
		k++;
	}
	sqlite3_reset(s);
	return PM_OK;
}

/* The place of the entry for (phrase, exact) (lock held), or pc->n. */
static size_t find(const struct phrasecache *pc, const char *phrase,
		   const char *exact, uint64_t h)
{
	for (const struct entry *e = pc->bucket[h & (BUCKETS - 1)]; e;
	     e = e->chain)
		if (same_key(e, phrase, exact, h))
			return e->slot;
	return pc->n;
}

/* Drops the table's reference to v[i] (lock held). */
static void drop(struct phrasecache *pc, size_t i)
{
	struct entry *e = pc->v[i];
	struct entry **link = &pc->bucket[e->hash & (BUCKETS - 1)];

	while (*link != e)
		link = &(*link)->chain;
	*link = e->chain;
	pc->bytes -= e->bytes;
	pc->v[i] = pc->v[--pc->n];
	pc->v[i]->slot = i;
	if (!--e->refs)
		entry_free(e);
}

/* Drops the phrases used least recently, but keep, past the limit. */
static void make_room(struct phrasecache *pc, const struct entry *keep)
{
	while ((pc->bytes > pc->max_bytes || pc->n > MAX_PHRASES) &&
	       pc->n > (keep ? 1u : 0u)) {
		size_t lru = pc->v[0] == keep ? 1 : 0;

		for (size_t i = 0; i < pc->n; i++)
			if (pc->v[i] != keep &&
			    pc->v[i]->used < pc->v[lru]->used)
				lru = i;
		drop(pc, lru);
		pc->stats.dropped++;
	}
}

/* Puts e in the table unless it holds one as new (lock held). */
static void publish(struct phrasecache *pc, struct entry *e)
{
	size_t i = find(pc, e->phrase, e->exact, e->hash);

	if (i < pc->n) {
		if (pc->v[i]->pos >= e->pos)
			return;
		drop(pc, i);
	}
	XGROW(pc->v, pc->alloc, pc->n + 1);
	e->slot = pc->n;
	pc->v[pc->n++] = e;
	e->chain = pc->bucket[e->hash & (BUCKETS - 1)];
	pc->bucket[e->hash & (BUCKETS - 1)] = e;
	e->refs++;
	e->used = ++pc->tick;
	pc->bytes += e->bytes;
	make_room(pc, e);
}

/*
 * e made at pos, from the log (updated) or read whole: held said whether
 * it fits.
 */
static enum pm_status made(struct phrasecache *pc, struct entry *e,
			   int64_t pos, int updated, int held,
			   const struct phrasepost **out)
{
	if (!held) {
		entry_free(e);
		return PM_OK;
	}
	entry_done(e, pos);
	e->refs = 1;
	pthread_mutex_lock(&pc->lock);
	if (updated)
		pc->stats.updates++;
	else
		pc->stats.reads++;
	publish(pc, e);
	pthread_mutex_unlock(&pc->lock);
	*out = &e->pub;
	return PM_OK;
}

enum pm_status phrasecache_get(struct phrasecache *pc, struct dbconn *c,
			       int64_t pos, const char *phrase,
			       const char *exact,
			       const struct phrasepost **out,
			       struct pm_error *err)
{
	uint64_t h = key_hash(phrase, exact);
	struct entry *old = NULL, *e;
	size_t i;
	uint32_t *changed = NULL;
	long n_changed = -1;
	enum pm_status st = PM_OK;
	int held = 0;

	*out = NULL;
	pthread_mutex_lock(&pc->lock);
	i = find(pc, phrase, exact, h);
	if (i < pc->n && pc->v[i]->pos <= pos) {
		old = pc->v[i];
		old->refs++;
		old->used = ++pc->tick;
	}
	if (old && old->pos == pos)
		pc->stats.hits++;
	pthread_mutex_unlock(&pc->lock);
	if (old && old->pos == pos) {
		*out = &old->pub;
		return PM_OK;
	}
	e = entry_new(phrase, exact, h);
	if (old && changed_rows(c, old->pos, &changed, &n_changed) != PM_OK)
		st = db_fail(c, err);
	else if (old && n_changed >= 0)
		st = read_changed(c, old, changed, n_changed, e, &held, err);
	else
		st = read_whole(c, e, &held, err);
	free(changed);
	if (old)
		phrasecache_put(pc, &old->pub);
	if (st != PM_OK) {
		entry_free(e);
		return st;
	}
	return made(pc, e, pos, old && n_changed >= 0, held, out);
}

void phrasecache_put(struct phrasecache *pc, const struct phrasepost *p)
{
	struct entry *e = (struct entry *)p;

	if (!p)
		return;
	pthread_mutex_lock(&pc->lock);
	if (!--e->refs)
		entry_free(e);
	pthread_mutex_unlock(&pc->lock);
}

void phrasecache_limit(struct phrasecache *pc, size_t bytes)
{
	pthread_mutex_lock(&pc->lock);
	pc->max_bytes = bytes;
	make_room(pc, NULL);
	pthread_mutex_unlock(&pc->lock);
}

void phrasecache_stats(struct phrasecache *pc, struct phrasecache_stats *out)
{
	pthread_mutex_lock(&pc->lock);
	*out = pc->stats;
	out->phrases = pc->n;
	out->bytes = pc->bytes;
	pthread_mutex_unlock(&pc->lock);
}
