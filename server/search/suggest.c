/*
 * Typeahead: see include/pmkb/search/suggest.h for the contract.
 *
 * Map:
 *   labels   causes, services and tags come from the labels table's
 *            (kind, value) index. SQLite cannot range-scan a BINARY index
 *            without regard to case, so the first (up to) three ASCII
 *            letters of q are tried in both cases, one range each (at
 *            most eight seeks), and the rest of q is compared in C.
 *            Causes are also matched by the settings' labels and aliases.
 *   titles   one FTS5 query on the title column, newest rows first, so
 *            that FTS5 stops after `limit` rows instead of ranking every
 *            match. The last word is a prefix only where a prefix is
 *            needed: an ASCII word, or a lone CJK character; a CJK bigram
 *            is matched exactly, which costs a fraction of a prefix
 *            (measured on 100,000 documents: "障害" 0.1 ms, "障害"* 30 ms:
 *            FTS5 merges the posting lists of a prefix before reading
 *            the first row).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "pmkb/base/text.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/log.h"
#include "pmkb/search/query.h"
#include "pmkb/db/store.h"
#include "pmkb/search/suggest.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* Leading characters of q whose ASCII case is tried both ways. */
#define CASE_CHARS 3

enum kind { K_CAUSE, K_SERVICE, K_TAG, K_TITLE, K__MAX };

static const char *const kind_name[K__MAX] = { "cause", "service", "tag",
					       "title" };

static const char sql_range[] =
	"SELECT value, count(*) FROM labels WHERE kind = ?1"
	" AND value >= ?2 AND value < ?3 GROUP BY value";
static const char sql_count[] =
	"SELECT count(*) FROM labels WHERE kind = ?1 AND value = ?2";
static const char sql_titles[] =
	"SELECT p.slug, p.title FROM pm_fts CROSS JOIN postmortems p"
	" ON p.id = pm_fts.rowid WHERE pm_fts MATCH ?1"
	" ORDER BY pm_fts.rowid DESC LIMIT ?2";

struct sugg {
	enum kind kind;
	char *value;
	char *matched; /* causes: the label or alias that matched, or NULL */
	char *slug;    /* titles */
	int64_t count;
};

struct list {
	struct sugg *v;
	size_t n, alloc;
};

struct ctx {
	struct dbconn *c;
	const struct taxonomy *tax;
	const char *q;	/* trimmed, not NUL-terminated */
	size_t qlen;
	struct list kinds[K__MAX];
	struct pm_error *err;
};

static enum pm_status db_fail(struct dbconn *c, struct pm_error *err)
{
	log_kv(LOG_ERROR, "suggest.sql", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "suggest", 0,
			    "suggest: the index could not be read");
}



/* Whether s begins with the n bytes of p, ASCII letters in any case. */
static int has_prefix(const char *s, const char *p, size_t n)
{
	return s && strlen(s) >= n && !strncasecmp(s, p, n);
}

static struct sugg *list_add(struct list *l, enum kind kind,
			     const char *value, int64_t count)
{
	struct sugg *s;

	XGROW(l->v, l->alloc, l->n + 1);
	s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->value = xstrdup(value);
	s->count = count;
	return s;
}

static struct sugg *list_find(struct list *l, const char *value)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].value, value))
			return &l->v[i];
	return NULL;
}

static void list_release(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].value);
		free(l->v[i].matched);
		free(l->v[i].slug);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Most used first, then by value. */
static int by_count(const void *a, const void *b)
{
	const struct sugg *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

/* ---- causes, services, tags ---- */

/*
 * Adds the values of kind in [lo, hi) that begin with q (without ASCII
 * case) to the list for kind.
 */
static enum pm_status scan_range(struct ctx *x, enum kind kind,
				 const char *lo, const char *hi)
{
	sqlite3_stmt *st = dbconn_stmt(x->c, sql_range);
	int step;

	if (!st)
		return db_fail(x->c, x->err);
	sqlite3_bind_text(st, 1, kind_name[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		if (has_prefix(v, x->q, x->qlen) &&
		    !list_find(&x->kinds[kind], v))
			list_add(&x->kinds[kind], kind, v,
				 sqlite3_column_int64(st, 1));
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? PM_OK : db_fail(x->c, x->err);
}

/*
 * Every value of kind that begins with q: one index range per spelling
 * of q's first CASE_CHARS characters with their ASCII letters in either
 * case.
 */
static enum pm_status scan_labels(struct ctx *x, enum kind kind)
{
	char lo[CASE_CHARS * 4 + 1], hi[sizeof(lo)];
	size_t head = 0, letters[CASE_CHARS], nletters = 0, chars = 0;
	enum pm_status rc = PM_OK;
	unsigned mask;

	/* The head: whole characters, so that hi stays a valid bound. */
	while (head < x->qlen && chars < CASE_CHARS) {
		unsigned char ch = (unsigned char)x->q[head];

		if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')
			letters[nletters++] = head;
		head++;
		while (head < x->qlen && ((unsigned char)x->q[head] & 0xC0) ==
						 0x80)
			head++;
		chars++;
	}
	memcpy(lo, x->q, head);
	lo[head] = '\0';
	for (mask = 0; mask < (1u << nletters) && rc == PM_OK; mask++) {
		size_t i;

		for (i = 0; i < nletters; i++) {
			char ch = lo[letters[i]];

			lo[letters[i]] = (char)((mask >> i) & 1 ? (ch & ~0x20)
								: (ch | 0x20));
		}
		/*
		 * Every value beginning with lo sorts before lo with its last
		 * byte raised (BINARY compares bytes; no valid UTF-8 byte is
		 * 0xFF, so the raise cannot overflow).
		 */
		memcpy(hi, lo, head + 1);
		hi[head - 1] = (char)((unsigned char)hi[head - 1] + 1);
		rc = scan_range(x, kind, lo, hi);
	}
	return rc;
}

static enum pm_status label_count(struct ctx *x, const char *kind,
				  const char *value, int64_t *n)
{
	sqlite3_stmt *st = dbconn_stmt(x->c, sql_count);
	enum pm_status rc = PM_OK;

	*n = 0;
	if (!st)
		return db_fail(x->c, x->err);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = db_fail(x->c, x->err);
	sqlite3_reset(st);
	return rc;
}

/*
 * The causes that begin with q: in an open taxonomy whatever the index
 * holds; then the settings' causes whose id, label, Japanese label or an
 * alias does (インフラ for infrastructure). A closed taxonomy allows no
 * other cause in the index but "unknown".
 */
static enum pm_status scan_causes(struct ctx *x)
{
	struct list *l = &x->kinds[K_CAUSE];
	enum pm_status rc = PM_OK;
	size_t i, j;
	int64_t n;

	if (!x->tax || !x->tax->closed)
		rc = scan_labels(x, K_CAUSE);
	else if (has_prefix("unknown", x->q, x->qlen) &&
		 (rc = label_count(x, "cause", "unknown", &n)) == PM_OK && n)
		list_add(l, K_CAUSE, "unknown", n);
	for (i = 0; x->tax && i < x->tax->n_causes && rc == PM_OK; i++) {
		const struct pm_cause *pc = &x->tax->causes[i];
		const char *hit = NULL;
		struct sugg *s;

		if (has_prefix(pc->id, x->q, x->qlen))
			hit = pc->id;
		else if (has_prefix(pc->label, x->q, x->qlen))
			hit = pc->label;
		else if (has_prefix(pc->label_ja, x->q, x->qlen))
			hit = pc->label_ja;
		for (j = 0; !hit && j < pc->n_aliases; j++)
			if (has_prefix(pc->aliases[j], x->q, x->qlen))
				hit = pc->aliases[j];
		if (!hit)
			continue;
		if (!(s = list_find(l, pc->id))) {
			if ((rc = label_count(x, "cause", pc->id, &n)) != PM_OK)
				break;
			s = list_add(l, K_CAUSE, pc->id, n);
		}
		if (hit != pc->id && !s->matched)
			s->matched = xstrdup(hit);
	}
	return rc;
}

/* ---- titles ---- */

/*
 * Appends the FTS5 expression for one word of q to m (joined by AND);
 * last: the word the user is still typing. A word without tokens (*, an
 * emoji) adds nothing.
 */
static void add_word(struct buf *m, const char *w, size_t n, int last)
{
	struct query_term_shape sh;

	query_term_shape(w, n, &sh);
	if (!sh.ntok)
		return;
	if (m->len)
		buf_addstr(m, " AND ");
	if (last && !(sh.last_flags & PM_TOKEN_CJK) && sh.last_len >= 3) {
		/*
		 * As query.c does: the stemmed word finds its inflections,
		 * the unstemmed prefix the longer words it begins. Shorter
		 * words are left exact (DB, S3): "a"* or "de"* would merge
		 * the postings of a good part of the index first.
		 */
		buf_addch(m, '(');
		query_quote(m, w, n);
		buf_addstr(m, " OR ");
		query_quote(m, w, n);
		buf_addstr(m, "*)");
	} else if (last && (sh.last_flags & PM_TOKEN_RUN_END)) {
		/* A lone CJK character: the bigrams it begins. */
		query_quote(m, w, n);
		buf_addch(m, '*');
	} else {
		query_quote(m, w, n);
	}
}

static enum pm_status scan_titles(struct ctx *x, const char *q, int limit)
{
	struct buf m = BUF_INIT, match = BUF_INIT;
	struct list *l = &x->kinds[K_TITLE];
	size_t len = strlen(q), i = 0, sp;
	enum pm_status rc = PM_OK;
	sqlite3_stmt *st;
	int step;

	while (i < len) {
		size_t start;

		if ((sp = text_space_len(q + i, len - i))) {
			i += sp;
			continue;
		}
		start = i;
		while (i < len && !text_space_len(q + i, len - i))
			i++;
		/* Still being typed unless a space follows. */
		add_word(&m, q + start, i - start, i == len);
	}
	if (!m.len)
		goto out;
	buf_addf(&match, "{title} : (%s)", m.ptr);
	if (!(st = dbconn_stmt(x->c, sql_titles))) {
		rc = db_fail(x->c, x->err);
		goto out;
	}
	sqlite3_bind_text(st, 1, match.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *slug = (const char *)sqlite3_column_text(st, 0);
		const char *title = (const char *)sqlite3_column_text(st, 1);
		struct sugg *s = list_add(l, K_TITLE, title ? title : "", -1);

		s->slug = xstrdup(slug ? slug : "");
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		rc = db_fail(x->c, x->err);
out:
	buf_release(&m);
	buf_release(&match);
	return rc;
}

/* ---- the answer ---- */

static json_t *sugg_json(const struct ctx *x, const struct sugg *s)
{
	json_t *j = json_pack("{s:s,s:s}", "kind", kind_name[s->kind],
			      "value", s->value);
	const struct pm_cause *pc;

	if (!j)
		return NULL;
	switch (s->kind) {
	case K_CAUSE:
		pc = taxonomy_find(x->tax, s->value);
		json_object_set_new(j, "label",
				    json_string(pc ? pc->label : s->value));
		json_object_set_new(j, "label_ja",
				    json_string(pc ? pc->label_ja : s->value));
		if (s->matched)
			json_object_set_new(j, "matched",
					    json_string(s->matched));
		json_object_set_new(j, "count", json_integer(s->count));
		break;
	case K_SERVICE:
	case K_TAG:
		json_object_set_new(j, "label", json_string(s->value));
		json_object_set_new(j, "count", json_integer(s->count));
		break;
	case K_TITLE:
	case K__MAX:
		json_object_set_new(j, "label", json_string(s->value));
		json_object_set_new(j, "slug", json_string(s->slug));
		break;
	}
	return j;
}

/*
 * Labels first, titles after; labels take at most half the places when
 * titles match too, so that neither crowds the other out.
 */
static json_t *answer(struct ctx *x, const char *q, int limit)
{
	json_t *a = json_array(), *j;
	size_t nlabels = 0, ntitles = x->kinds[K_TITLE].n, take, cap, k, i;
	size_t room = (size_t)limit, half = (room + 1) / 2;

	for (k = K_CAUSE; k < K_TITLE; k++) {
		if (x->kinds[k].n)
			qsort(x->kinds[k].v, x->kinds[k].n,
			      sizeof(*x->kinds[k].v), by_count);
		nlabels += x->kinds[k].n;
	}
	/* Labels get half the places, or what titles leave, or all. */
	cap = !ntitles ? room : ntitles < room - half ? room - ntitles : half;
	take = nlabels < cap ? nlabels : cap;
	for (k = K_CAUSE; k < K_TITLE; k++)
		for (i = 0; i < x->kinds[k].n && take; i++, take--, room--)
			if ((j = sugg_json(x, &x->kinds[k].v[i])))
				json_array_append_new(a, j);
	for (i = 0; i < ntitles && room; i++, room--)
		if ((j = sugg_json(x, &x->kinds[K_TITLE].v[i])))
			json_array_append_new(a, j);
	return json_pack("{s:s,s:o}", "query", q, "suggestions", a);
}

enum pm_status suggest_run(struct dbconn *c, const struct taxonomy *tax,
			   const char *q, int limit, json_t **out,
			   struct pm_error *err)
{
	struct ctx x;
	enum pm_status rc = PM_OK;
	size_t len = q ? strlen(q) : 0, sp;
	int in_txn = 0, k;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.tax = tax;
	x.err = err;
	if (limit < 1 || limit > PM_SUGGEST_MAX_LIMIT) {
		rc = pm_error_set(err, PM_INVALID, "suggest", 0,
				  "limit: expected a number from 1 to %d",
				  PM_SUGGEST_MAX_LIMIT);
		goto out;
	}
	if (len > PM_SUGGEST_MAX_BYTES) {
		rc = pm_error_set(err, PM_INVALID, "suggest", 0,
				  "q: too long (at most %d bytes)",
				  PM_SUGGEST_MAX_BYTES);
		goto out;
	}
	if (!utf8_valid(q ? q : "", len)) {
		rc = pm_error_set(err, PM_INVALID, "suggest", 0,
				  "q: not valid UTF-8");
		goto out;
	}
	x.q = q ? q : "";
	x.qlen = len;
	while (x.qlen && (sp = text_space_len(x.q, x.qlen)))
		x.q += sp, x.qlen -= sp;
	while (x.qlen && (sp = text_space_before(x.q, x.qlen)))
		x.qlen -= sp;
	if (!x.qlen) {
		rc = pm_error_set(err, PM_INVALID, "suggest", 0,
				  "q: missing (the text typed so far)");
		goto out;
	}
	/* One snapshot for every part of the answer. */
	if (dbconn_snapshot(c) != PM_OK) {
		rc = db_fail(c, err);
		goto out;
	}
	in_txn = 1;
	if ((rc = scan_causes(&x)) != PM_OK ||
	    (rc = scan_labels(&x, K_SERVICE)) != PM_OK ||
	    (rc = scan_labels(&x, K_TAG)) != PM_OK ||
	    (rc = scan_titles(&x, q, limit)) != PM_OK)
		goto out;
	if (!(*out = answer(&x, q, limit)))
		rc = pm_error_set(err, PM_INTERNAL, "suggest", 0,
				  "suggest: the answer could not be written");
out:
	if (in_txn)
		dbconn_snapshot_end(c);
	for (k = 0; k < K__MAX; k++)
		list_release(&x.kinds[k]);
	return rc;
}
