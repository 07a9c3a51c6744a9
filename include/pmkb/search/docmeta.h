/*
 * The search metadata of every postmortem, in memory: severity, status,
 * year, start time, time to resolve, labels (causes, services, tags,
 * authors, teams) and length in tokens, as arrays indexed by document.
 * Filters, exact totals and facets of a match set then cost an array
 * lookup per match instead of one SQL row lookup per match and facet.
 *
 * One generation per database snapshot: it is loaded on a connection,
 * inside the read transaction the request runs in (so it agrees with
 * everything else the request reads), and kept with the connection until
 * the database changes.
 */
#ifndef PMKB_SEARCH_DOCMETA_H
#define PMKB_SEARCH_DOCMETA_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"
#include "pmkb/search/docgen.h"

struct dbconn;
struct docmeta_filter;

/*
 * The generation for the snapshot that c's read transaction sees; c must
 * be inside BEGIN (this starts the snapshot when nothing has read yet).
 * Loads it when c has none or the database changed. *out is borrowed
 * from c, valid until the next call on c.
 */
enum pm_status docmeta_current(struct dbconn *c, const struct docmeta **out,
			       struct pm_error *err);

/* A filter that every document passes; add conditions, all must hold. */
struct docmeta_filter *docmeta_filter_new(const struct docmeta *dm);
void docmeta_filter_free(struct docmeta_filter *f);
/*
 * The document's field has one of the values of json, a JSON array of
 * strings (as searcher.c binds them); json NULL adds nothing, "[]" lets
 * nothing pass. Services, tags, authors and teams compare without ASCII
 * case (SQLite's lower()), the others exactly.
 */
void docmeta_filter_values(struct docmeta_filter *f, enum docmeta_field field,
			   const char *json);
/*
 * severity_rank ≤ sev_max (unless sev_max < 0), after ≤ started_epoch
 * (unless INT64_MIN) and started_epoch < before (unless INT64_MAX); a
 * missing rank or start never passes a bound that is set.
 */
void docmeta_filter_bounds(struct docmeta_filter *f, int sev_max,
			   int64_t after, int64_t before);

/* Whether the document with rowid passes f (one not in f's generation
 * never does). */
int docmeta_passes(const struct docmeta_filter *f, int64_t rowid);

/*
 * The rowids of the documents that pass f, ascending, into *rows (owned:
 * free()) and *n, when f's conditions on values leave at most max of
 * them; else 0 (f has none, or more pass: walking them would not pay).
 */
int docmeta_filter_rows(const struct docmeta_filter *f, size_t max,
			uint32_t **rows, size_t *n);

/* The document's length in tokens, all columns together (what FTS5's
 * bm25() reads from its docsize table), or UINT32_MAX when unknown. */
uint32_t docmeta_length(const struct docmeta *dm, int64_t rowid);

/* Only the documents with rowids ids[0..n) may pass (a condition that
 * memory cannot decide, such as exact words, decided beforehand). */
void docmeta_filter_only(struct docmeta_filter *f, const int64_t *ids,
			 size_t n);

/* What docmeta_scan found. */
struct docmeta_scan {
	int64_t total;		 /* documents that passed */
	int64_t *count[DM_FIELD_MAX]; /* per value id; NULL when not asked */
	uint32_t *pass;		 /* documents that passed (indexes) */
	size_t n_pass, alloc_pass;
	/* or, when not NULL, the filter's set that they are (borrowed:
	 * valid while the filter is) */
	const struct roaring_bitmap_s *from;
};

/*
 * Filters every document (all) or those with rowids ids[0..n)
 * through f into *out: the total, with facets the counts per value of
 * severity, year, services and causes, and with keep the passing
 * documents (out->pass, or without facets and bounds the filter's set:
 * out->from). Rowids that are not in the generation are skipped. Release
 * with docmeta_scan_release.
 */
void docmeta_scan(const struct docmeta *dm, const struct docmeta_filter *f,
		  int all, const int64_t *ids, size_t n, int facets, int keep,
		  struct docmeta_scan *out);
void docmeta_scan_release(struct docmeta_scan *s);

/* The number of distinct values of field, and value id's text. */
size_t docmeta_values(const struct docmeta *dm, enum docmeta_field field);
const char *docmeta_value(const struct docmeta *dm, enum docmeta_field field,
			  uint32_t id);

/* < 0 when document a comes before b in DM_ORDER_DATE, 0 when a is b; a
 * rowid not in the generation comes last. */
int docmeta_newer_first(const struct docmeta *dm, int64_t a, int64_t b);

/*
 * Orders s->pass by order far enough to hold its first offset + limit
 * (the rest in no order), and sets ids[0..*n) to the rowids of that page;
 * with s->from, walks the order through the set instead when that is
 * shorter. ids has room for limit.
 */
void docmeta_page(const struct docmeta *dm, struct docmeta_scan *s,
		  enum docmeta_order order, size_t offset, size_t limit,
		  int64_t *ids, size_t *n);

#endif
