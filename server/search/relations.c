/* Relations between postmortems: see include/pmkb/search/relations.h. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/search/relations.h"
#include "pmkb/search/shares.h"
#include "pmkb/search/simwords.h"

static const char sql_links_to[] =
	"SELECT r.target, r.kind, p.title FROM relations r "
	"LEFT JOIN postmortems p ON p.slug = r.target "
	"WHERE r.pm_id = ?1 ORDER BY r.kind DESC, r.target";
static const char sql_referenced_by[] =
	"SELECT p.slug, r.kind, p.title FROM relations r "
	"JOIN postmortems p ON p.id = r.pm_id "
	"WHERE r.target = ?1 AND p.id != ?2 "
	"ORDER BY p.started_epoch DESC, p.slug";

/*
 * The flagged ones: found when the index was written (relations_detect(),
 * table recurrences) or named by recurrence_of:, whenever they started.
 */
static const char sql_recurrences[] =
	"SELECT e.slug, e.title, e.started_at, "
	"(n.started_epoch - e.started_epoch) / 86400 AS days, "
	"(SELECT json_group_array(l1.value) FROM labels l1 "
	" WHERE l1.pm_id = e.id AND l1.kind = 'service' AND lower(l1.value) "
	" IN (SELECT lower(l2.value) FROM labels l2 WHERE l2.pm_id = n.id "
	"     AND l2.kind = 'service')) AS services, "
	"(SELECT json_group_array(l1.value) FROM labels l1 "
	" WHERE l1.pm_id = e.id AND l1.kind = 'cause' AND l1.value != "
	" 'unknown' AND l1.value IN (SELECT l2.value FROM labels l2 "
	" WHERE l2.pm_id = n.id AND l2.kind = 'cause')) AS causes, "
	"EXISTS (SELECT 1 FROM relations x WHERE x.pm_id = n.id AND "
	" x.kind = 'recurrence_of' AND x.target = e.slug) AS explicit, "
	"(SELECT count(*) FROM action_items a WHERE a.pm_id = e.id AND "
	" (a.done = 0 OR a.done_on >= date(n.started_epoch, 'unixepoch') OR "
	"  (a.done_on IS NULL AND a.ticked_at >= n.started_epoch)) AND "
	" NOT EXISTS (SELECT 1 FROM action_commits ac "
	" WHERE ac.slug = e.slug AND ac.pos = a.pos + 1 AND "
	" ac.commit_time < n.started_epoch)) AS open_items, "
	"r.score, r.terms, coalesce(r.by_labels, 0), "
	"coalesce(r.by_similarity, 0) "
	"FROM postmortems e JOIN postmortems n ON n.id = ?1 "
	"LEFT JOIN recurrences r ON r.pm_id = n.id AND r.earlier_id = e.id "
	"WHERE e.id != n.id AND e.id IN (SELECT earlier_id FROM recurrences "
	" WHERE pm_id = ?1 UNION SELECT p.id FROM relations x JOIN "
	" postmortems p ON p.slug = x.target WHERE x.pm_id = ?1 AND "
	" x.kind = 'recurrence_of') "
	"ORDER BY e.started_epoch DESC, e.slug LIMIT ?2";
enum { R_SLUG, R_TITLE, R_STARTED, R_DAYS, R_SERVICES, R_CAUSES,
       R_EXPLICIT, R_OPEN, R_SCORE, R_TERMS, R_BY_LABELS, R_BY_SIMILARITY };

/* What relations_detect() reads and writes. */
static const char sql_flags_clear[] =
	"DELETE FROM recurrences WHERE pm_id = ?1";
static const char sql_flag_add[] =
	"INSERT INTO recurrences(pm_id, earlier_id, score, terms, by_labels, "
	"by_similarity) VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
/*
 * Earlier within the window, with a service (any case) and a known cause
 * in common: all of them (?3 NULL) or whether ?3 is.
 */
static const char sql_label_peers[] =
	"SELECT e.id FROM postmortems e JOIN postmortems n ON n.id = ?1 "
	"WHERE (?3 IS NULL OR e.id = ?3) AND e.id != n.id AND "
	"e.started_epoch < n.started_epoch AND "
	"e.started_epoch >= n.started_epoch - ?2 * 86400 AND EXISTS "
	"(SELECT 1 FROM labels l1 JOIN labels l2 ON lower(l1.value) = "
	"lower(l2.value) WHERE l1.pm_id = e.id AND l2.pm_id = n.id AND "
	"l1.kind = 'service' AND l2.kind = 'service') AND EXISTS (SELECT 1 "
	"FROM labels l1 JOIN labels l2 ON l1.value = l2.value WHERE "
	"l1.pm_id = e.id AND l2.pm_id = n.id AND l1.kind = 'cause' AND "
	"l2.kind = 'cause' AND l1.value != 'unknown') ORDER BY e.id";
static const char sql_is_earlier[] =
	"SELECT 1 FROM postmortems e JOIN postmortems n ON n.id = ?1 "
	"WHERE e.id = ?2 AND e.started_epoch < n.started_epoch AND "
	"e.started_epoch >= n.started_epoch - ?3 * 86400";

static json_t *pairs(struct dbconn *c, const char *sql, int64_t id,
		     const char *slug)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	json_t *a = json_array();

	if (!s)
		return a;
	if (slug)
		sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, id);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
			a, json_pack("{s:o,s:o,s:o}", "slug",
				     column_string(s, 0), "kind",
				     column_string(s, 1), "title",
				     column_string(s, 2)));
	sqlite3_reset(s);
	return a;
}

json_t *relations_of(struct dbconn *c, int64_t id, const char *slug)
{
	return json_pack("{s:o,s:o}", "links_to",
			 pairs(c, sql_links_to, id, NULL), "referenced_by",
			 pairs(c, sql_referenced_by, id, slug));
}

/* "db, api" from a JSON array of strings. */
static void add_list(struct buf *b, json_t *a)
{
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (i)
			buf_addstr(b, ", ");
		buf_addstr(b, json_string_value(v));
	}
}

static json_t *reasons(json_t *services, json_t *causes, int explicit,
		       int by_labels, int by_similarity, double score,
		       json_t *terms, int64_t days, int64_t open)
{
	json_t *r = json_array();
	struct buf b = BUF_INIT;

	if (explicit)
		json_array_append_new(r, json_string("named in recurrence_of:"));
	if (by_labels && json_array_size(services) &&
	    json_array_size(causes)) {
		buf_addstr(&b, "same service (");
		add_list(&b, services);
		buf_addstr(&b, ") and cause (");
		add_list(&b, causes);
		buf_addf(&b, ") %lld days earlier", (long long)days);
		json_array_append_new(r, json_string(b.ptr));
	}
	if (json_array_size(terms)) {
		buf_reset(&b);
		buf_addf(&b, "%s (score %.2f): ",
			 by_similarity ? "similar" : "shares words", score);
		add_list(&b, terms);
		json_array_append_new(r, json_string(b.ptr));
	}
	if (open) {
		buf_reset(&b);
		buf_addf(&b, "recurred with %lld action item%s still open",
			 (long long)open, open == 1 ? "" : "s");
		json_array_append_new(r, json_string(b.ptr));
	}
	buf_release(&b);
	return r;
}

json_t *relations_recurrences(struct dbconn *c, int64_t id)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_recurrences);
	json_t *a = json_array();

	if (!s)
		return a;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, RELATIONS_MAX_RECURRENCES);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_t *services = column_array(s, R_SERVICES);
		json_t *causes = column_array(s, R_CAUSES);
		json_t *terms = column_array(s, R_TERMS);
		int explicit = sqlite3_column_int(s, R_EXPLICIT);
		int by_labels = sqlite3_column_int(s, R_BY_LABELS);
		int by_sim = sqlite3_column_int(s, R_BY_SIMILARITY);
		int has_score = sqlite3_column_type(s, R_SCORE) != SQLITE_NULL;
		double score = sqlite3_column_double(s, R_SCORE);
		int64_t days = sqlite3_column_int64(s, R_DAYS);
		int64_t open = sqlite3_column_int64(s, R_OPEN);
		json_t *sc = has_score
				     ? json_real(round(score * 1000.0) / 1000.0)
				     : json_null();

		json_array_append_new(
			a,
			json_pack("{s:o,s:o,s:o,s:o,s:O,s:O,s:b,s:b,s:b,s:o,"
				  "s:O,s:I,s:o}",
				  "slug", column_string(s, R_SLUG), "title",
				  column_string(s, R_TITLE), "started_at",
				  column_string(s, R_STARTED), "days_before",
				  column_integer(s, R_DAYS), "services",
				  services, "causes", causes, "explicit",
				  explicit, "same_labels", by_labels,
				  "similar", by_sim, "similarity", sc, "terms",
				  terms, "open_items", (json_int_t)open,
				  "reasons",
				  reasons(services, causes, explicit,
					  by_labels, by_sim, score, terms,
					  days, open)));
		json_decref(services);
		json_decref(causes);
		json_decref(terms);
	}
	sqlite3_reset(s);
	return a;
}

static enum pm_status flag_add(struct dbconn *c, int64_t id,
			       int64_t earlier, double score,
			       const json_t *terms, int by_labels,
			       int by_similarity)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_flag_add);
	char *t = terms ? json_dumps(terms, JSON_COMPACT) : NULL;
	int step;

	if (!s) {
		free(t);
		return PM_DB;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, earlier);
	sqlite3_bind_double(s, 3, score);
	sqlite3_bind_text(s, 4, t ? t : "[]", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 5, by_labels);
	sqlite3_bind_int(s, 6, by_similarity);
	step = sqlite3_step(s);
	sqlite3_reset(s);
	free(t);
	return step == SQLITE_DONE ? PM_OK : PM_DB;
}

/* Whether earlier started before id, within window days. */
static int is_earlier(struct dbconn *c, int64_t id, int64_t earlier,
		      int window)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_is_earlier);
	int yes;

	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, earlier);
	sqlite3_bind_int(s, 3, window);
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return yes;
}

int relations_flagged(int same_labels, double share,
		      const struct learning *l)
{
	if (share >= l->recurrence_similarity)
		return 1;
	return same_labels && share >= l->recurrence_labels_similarity;
}

/*
 * The earlier postmortems with a service and a cause in common with id,
 * within window days: only earlier when it is not 0, all of them
 * otherwise. Appends their ids to *ids (n, alloc).
 */
static enum pm_status label_peers(struct dbconn *c, int64_t id, int window,
				  int64_t earlier, int64_t **ids, size_t *n,
				  size_t *alloc)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_label_peers);
	int step;

	if (!s)
		return PM_DB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, window);
	if (earlier)
		sqlite3_bind_int64(s, 3, earlier);
	else
		sqlite3_bind_null(s, 3);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*ids, *alloc, *n + 1);
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	return step == SQLITE_DONE ? PM_OK : PM_DB;
}

static int has(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/*
 * What relations_detect() asks of each share before its words are read:
 * only a share that could pass the rule costs a query, and a peer (a
 * service and a cause in common) is looked up only when its share would
 * not do alone.
 */
struct detect {
	struct dbconn *c;
	int64_t id;
	const struct learning *l;
	int64_t *peers; /* ids found to be peers */
	size_t npeers, alloc;
	enum pm_status rc;
};

static int detect_keep(void *ctx, int64_t earlier, double share)
{
	struct detect *d = ctx;
	const struct learning *l = d->l;
	size_t before = d->npeers;

	if (d->rc != PM_OK || !relations_flagged(1, share, l) ||
	    !is_earlier(d->c, d->id, earlier, l->recurrence_window_days))
		return 0;
	if (share >= l->recurrence_labels_similarity)
		d->rc = label_peers(d->c, d->id, l->recurrence_window_days,
				    earlier, &d->peers, &d->npeers,
				    &d->alloc);
	return d->rc == PM_OK &&
	       relations_flagged(d->npeers > before, share, l);
}

/*
 * Decides again which earlier postmortems id may repeat, with its words
 * read into w (NULL: id is gone, and has none).
 */
static enum pm_status detect(struct dbconn *c, int64_t id,
			     struct simwords *w, const struct learning *l,
			     struct pm_error *err)
{
	struct share *shares = NULL;
	int64_t *all = NULL;
	size_t nall = 0, alloc = 0, nshares = 0, i;
	double floor = l->recurrence_similarity;
	struct detect d = { c, id, l, NULL, 0, 0, PM_OK };
	enum pm_status rc = PM_OK;
	sqlite3_stmt *s;
	int step;

	if (!(s = dbconn_stmt(c, sql_flags_clear))) {
		rc = PM_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	step = sqlite3_step(s);
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		rc = PM_DB;
		goto out;
	}
	if (!w)
		goto out;
	if (l->recurrence_labels_similarity < floor)
		floor = l->recurrence_labels_similarity;
	rc = shares_of(w, floor, detect_keep, &d, &shares, &nshares, err);
	if (rc == PM_OK)
		rc = d.rc;
	for (i = 0; i < nshares && rc == PM_OK; i++) {
		const struct share *x = &shares[i];
		int same = has(d.peers, d.npeers, x->id);

		rc = flag_add(c, id, x->id, x->share, x->terms,
			      same && x->share >=
					      l->recurrence_labels_similarity,
			      x->share >= l->recurrence_similarity);
	}
	/* With labels_similarity 0, sharing no words is enough. */
	if (rc == PM_OK && relations_flagged(1, 0.0, l))
		rc = label_peers(c, id, l->recurrence_window_days, 0, &all,
				 &nall, &alloc);
	for (i = 0; i < nall && rc == PM_OK; i++) {
		size_t k;

		for (k = 0; k < nshares && shares[k].id != all[i]; k++)
			;
		if (k == nshares)
			rc = flag_add(c, id, all[i], 0.0, NULL, 1, 0);
	}
out:
	shares_free(shares, nshares);
	free(d.peers);
	free(all);
	return rc;
}

enum pm_status relations_detect(struct dbconn *c, int64_t id,
				const struct learning *l,
				struct postings_memo *memo,
				struct pm_error *err)
{
	return relations_detect_many(c, &id, 1, l, memo, err);
}

/*
 * Finding a postmortem's words is most of deciding its recurrences, and
 * touches no connection: the words of a chunk of postmortems are found on
 * two threads while the connection waits, then each is decided in turn.
 */
#define DETECT_CHUNK 32

struct tokenize_half {
	struct simwords *w;
	const enum pm_status *loaded;
	size_t n;
};

/* Tokenizes the odd ones of a chunk (the caller does the even ones). */
static void *tokenize_odd(void *arg)
{
	const struct tokenize_half *h = arg;

	for (size_t i = 1; i < h->n; i += 2)
		if (h->loaded[i] == PM_OK)
			simwords_tokenize(&h->w[i]);
	return NULL;
}

static void tokenize_chunk(struct simwords *w, const enum pm_status *loaded,
			   size_t n)
{
	struct tokenize_half h = { w, loaded, n };
	pthread_t t;
	int threaded = n > 1 && !pthread_create(&t, NULL, tokenize_odd, &h);

	for (size_t i = 0; i < n; i++)
		if (loaded[i] == PM_OK && (!threaded || i % 2 == 0))
			simwords_tokenize(&w[i]);
	if (threaded)
		pthread_join(t, NULL);
}

enum pm_status relations_detect_many(struct dbconn *c, const int64_t *ids,
				     size_t n, const struct learning *l,
				     struct postings_memo *memo,
				     struct pm_error *err)
{
	struct simwords w[DETECT_CHUNK];
	enum pm_status loaded[DETECT_CHUNK], rc = PM_OK;
	size_t i, j, k;

	for (i = 0; i < n && rc == PM_OK; i += k) {
		k = n - i < DETECT_CHUNK ? n - i : DETECT_CHUNK;
		/* The built-in glossary: the settings are not at hand here. */
		for (j = 0; j < k; j++) {
			simwords_init(&w[j], c, NULL, memo);
			loaded[j] = simwords_load(&w[j], NULL, ids[i + j],
						  NULL, err);
			if (loaded[j] != PM_OK && loaded[j] != PM_NOT_FOUND)
				rc = loaded[j];
		}
		if (rc == PM_OK)
			tokenize_chunk(w, loaded, k);
		for (j = 0; j < k && rc == PM_OK; j++)
			rc = detect(c, ids[i + j],
				    loaded[j] == PM_OK ? &w[j] : NULL, l, err);
		for (j = 0; j < k; j++)
			simwords_release(&w[j]);
	}
	return rc;
}

static const char sql_related_rows[] =
	"SELECT p.slug, p.title, p.started_at, p.primary_cause, p.causes, "
	"p.severity, p.services, min(x.why) FROM ("
	" SELECT r.target AS slug, CASE r.kind WHEN 'recurrence_of' THEN "
	" 'recurrence' ELSE 'links to' END AS why FROM relations r "
	" JOIN postmortems n ON n.id = r.pm_id WHERE n.slug = ?1 "
	" UNION ALL SELECT s.slug, CASE r.kind WHEN 'recurrence_of' THEN "
	" 'recurrence' ELSE 'referenced by' END FROM relations r "
	" JOIN postmortems s ON s.id = r.pm_id WHERE r.target = ?1) x "
	"JOIN postmortems p ON p.slug = x.slug WHERE p.slug != ?1 "
	"GROUP BY p.id ORDER BY p.started_epoch DESC LIMIT ?2";

/* The index of the result for slug in results, or -1. */
static long find_result(json_t *results, const char *slug)
{
	json_t *r;
	size_t i;

	json_array_foreach(results, i, r) {
		const char *s = json_string_value(json_object_get(r, "slug"));

		if (s && !strcmp(s, slug))
			return (long)i;
	}
	return -1;
}

void relations_similar_first(struct dbconn *c, json_t *out, int limit)
{
	const char *slug = json_string_value(json_object_get(out, "slug"));
	json_t *results = json_object_get(out, "results");
	json_t *front;
	sqlite3_stmt *s;
	size_t i;

	if (!slug || !json_is_array(results) ||
	    !(s = dbconn_stmt(c, sql_related_rows)))
		return;
	front = json_array();
	sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, limit);
	/* Newest first, taken out of results, then put in front. */
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *rel = column_text(s, 0);
		long at = find_result(results, rel);
		json_t *reason = json_pack("{s:s,s:[s]}", "kind", "related",
					   "values", column_text(s, 7));
		json_t *r;

		if (at >= 0) {
			r = json_incref(json_array_get(results, (size_t)at));
			json_array_remove(results, (size_t)at);
		} else {
			struct buf url = BUF_INIT;

			buf_addstr(&url, "/p/");
			buf_add_urlencoded(&url, rel);
			r = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:f,"
				      "s:[]}",
				      "slug", column_string(s, 0), "title",
				      column_string(s, 1), "started_at",
				      column_string(s, 2), "cause",
				      column_string(s, 3), "causes",
				      column_array(s, 4), "severity",
				      column_string(s, 5), "services",
				      column_array(s, 6), "url", url.ptr,
				      "score", 1.0, "reasons");
			buf_release(&url);
		}
		json_array_insert_new(json_object_get(r, "reasons"), 0,
				      reason);
		json_array_append_new(front, r);
	}
	sqlite3_reset(s);
	for (i = json_array_size(front); i > 0; i--)
		json_array_insert(results, 0, json_array_get(front, i - 1));
	json_decref(front);
	while (json_array_size(results) > (size_t)limit)
		json_array_remove(results, json_array_size(results) - 1);
}
