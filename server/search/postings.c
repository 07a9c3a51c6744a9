/*
 * Postings of a MATCH expression: see include/pmkb/search/postings.h.
 *
 * Map:
 *   read       one FTS5 query, ORDER BY rowid with a LIMIT: FTS5 walks the
 *              doclists in rowid order and stops at the cap.
 *   memo       an open-addressing table keyed by (cap, match), each entry
 *              a copy of the answer. It is bounded: past MEMO_MAX_BYTES it
 *              is emptied and fills again, so a batch of any size costs at
 *              most that much memory.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/search/postings.h"

#define MEMO_MAX_BYTES (16u << 20)

static const char sql_postings[] =
	"SELECT rowid FROM pm_fts WHERE pm_fts MATCH ?1"
	" ORDER BY rowid LIMIT ?2";

struct entry {
	char *match; /* NULL: an empty slot */
	uint64_t hash;
	int cap, n;
	int64_t *ids;
};

struct postings_memo {
	struct entry *slots;
	size_t nslots, used, bytes;
};

struct postings_memo *postings_memo_new(void)
{
	return xcalloc(1, sizeof(struct postings_memo));
}

static void memo_clear(struct postings_memo *m)
{
	for (size_t i = 0; i < m->nslots; i++) {
		free(m->slots[i].match);
		free(m->slots[i].ids);
	}
	free(m->slots);
	m->slots = NULL;
	m->nslots = m->used = m->bytes = 0;
}

void postings_memo_free(struct postings_memo *m)
{
	if (!m)
		return;
	memo_clear(m);
	free(m);
}

static uint64_t key_hash(const char *match, int cap)
{
	return hash_more(hash_str(match), &cap, sizeof(cap));
}

/* The slot of (match, cap): its entry, or the empty slot it would take. */
static struct entry *memo_slot(const struct postings_memo *m,
			       const char *match, int cap, uint64_t h)
{
	size_t k = h & (m->nslots - 1);

	for (;;) {
		struct entry *e = &m->slots[k];

		if (!e->match || (e->hash == h && e->cap == cap &&
				  !strcmp(e->match, match)))
			return e;
		k = (k + 1) & (m->nslots - 1);
	}
}

static void memo_grow(struct postings_memo *m)
{
	struct entry *old = m->slots;
	size_t nold = m->nslots, i;

	m->nslots = nold ? nold * 2 : 256;
	m->slots = xcalloc(m->nslots, sizeof(*m->slots));
	for (i = 0; i < nold; i++)
		if (old[i].match)
			*memo_slot(m, old[i].match, old[i].cap,
				   old[i].hash) = old[i];
	free(old);
}

static int64_t *copy_ids(const int64_t *ids, int n)
{
	int64_t *v = xmalloc((size_t)(n ? n : 1) * sizeof(*v));

	if (n)
		memcpy(v, ids, (size_t)n * sizeof(*v));
	return v;
}

static void memo_put(struct postings_memo *m, const char *match, int cap,
		     uint64_t h, const int64_t *ids, int n)
{
	size_t len = strlen(match) + 1;
	struct entry *e;

	m->bytes += len + (size_t)n * sizeof(*ids) + sizeof(*e);
	if (m->bytes > MEMO_MAX_BYTES) {
		memo_clear(m);
		m->bytes = len + (size_t)n * sizeof(*ids) + sizeof(*e);
	}
	if ((m->used + 1) * 2 > m->nslots)
		memo_grow(m);
	e = memo_slot(m, match, cap, h);
	e->match = xstrdup(match);
	e->hash = h;
	e->cap = cap;
	e->n = n;
	e->ids = copy_ids(ids, n);
	m->used++;
}

static enum pm_status read_index(struct dbconn *c, const char *match,
				 int cap, int64_t **ids, int *n,
				 struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_postings);
	size_t alloc = 0;
	int step;

	*ids = NULL;
	*n = 0;
	if (!st)
		step = SQLITE_ERROR;
	else {
		sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, cap);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			XGROW(*ids, alloc, (size_t)*n + 1);
			(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
	}
	if (step == SQLITE_DONE)
		return PM_OK;
	log_kv(LOG_ERROR, "postings.sql", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	free(*ids);
	*ids = NULL;
	*n = 0;
	return pm_error_set(err, PM_DB, "postings", 0,
			    "the full-text index could not be read");
}

enum pm_status postings_read(struct dbconn *c, struct postings_memo *m,
			     const char *match, int cap, int64_t **ids,
			     int *n, struct pm_error *err)
{
	uint64_t h = key_hash(match, cap);
	enum pm_status rc;

	if (m && m->nslots) {
		const struct entry *e = memo_slot(m, match, cap, h);

		if (e->match) {
			*ids = copy_ids(e->ids, e->n);
			*n = e->n;
			return PM_OK;
		}
	}
	rc = read_index(c, match, cap, ids, n, err);
	if (rc == PM_OK && m)
		memo_put(m, match, cap, h, *ids, *n);
	return rc;
}
