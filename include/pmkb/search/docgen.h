/*
 * One generation of the search metadata (see docmeta.h): read from a
 * database snapshot in one pass, immutable after. This header is the
 * layout that docmeta.c's filters, scans and pages read; every other
 * module goes through docmeta.h.
 */
#ifndef PMKB_SEARCH_DOCGEN_H
#define PMKB_SEARCH_DOCGEN_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/strtab.h"

struct dbconn;
struct roaring_bitmap_s; /* CRoaring's roaring_bitmap_t */

/* The fields a filter tests. Label fields list several values a row. */
enum docmeta_field {
	DM_CAUSE,
	DM_SERVICE,
	DM_TAG,
	DM_AUTHOR,
	DM_TEAM,
	DM_SEVERITY,
	DM_STATUS,
	DM_YEAR, /* substr(started_at, 1, 4): facet only */
	DM_FIELD_MAX
};

/* The orders of a page. Each breaks ties newest first. */
enum docmeta_order {
	DM_ORDER_DATE,	   /* started_epoch descending, a missing start
			      last, then rowid descending, as ORDER BY
			      started_epoch DESC, id DESC does */
	DM_ORDER_SEVERITY, /* severity_rank ascending (most severe first),
			      a missing rank last */
	DM_ORDER_TTR,	   /* time to resolve descending; unknown, or
			      resolved before started, last */
	DM_ORDER_MAX
};

/* One postmortem. */
struct dm_doc {
	int64_t id;	  /* rowid */
	int64_t epoch;	  /* started_epoch, when has_epoch */
	int64_t ttr;	  /* seconds from start to resolved; -1: unknown */
	int32_t sev_rank; /* -1: none */
	uint32_t len;	  /* tokens in all columns; UINT32_MAX unknown */
	uint8_t has_epoch;
	uint32_t val[3];  /* severity, year, status ids (STRTAB_NONE: NULL) */
	uint32_t lab, n_lab; /* its labels: label[lab .. lab + n_lab) */
};

/* One label of a document: a value id of field. */
struct dm_label {
	uint32_t val;
	uint8_t field;
};

/* Documents are numbered 0 .. n_doc in rowid order. */
struct docmeta {
	struct strtab tab[DM_FIELD_MAX];
	struct strtab lower[DM_FIELD_MAX]; /* lowercased values */
	uint32_t *lower_of[DM_FIELD_MAX];  /* value id → lower id */
	struct dm_doc *doc;
	size_t n_doc, alloc_doc;
	struct dm_label *label;
	size_t n_label, alloc_label;
	uint32_t *by_rowid; /* rowid → doc index, STRTAB_NONE */
	size_t n_rowid;
	/* by value id (lowered id for the fields compared without case) */
	struct roaring_bitmap_s **docs_of[DM_FIELD_MAX];
	size_t n_docs_of[DM_FIELD_MAX];
	uint32_t *place[DM_ORDER_MAX]; /* doc index → place in the order */
	uint32_t *at[DM_ORDER_MAX];    /* place → doc index */
	struct roaring_bitmap_s *all; /* every document */
	/* Whether each value of a counted field has a set of its own (a
	 * case-blind field may spell one value two ways: then it does not). */
	int countable;
};

/* The fields a scan counts for facets: severity, year, service, cause. */
#define DOCGEN_COUNTED 4
extern const int docgen_counted[DOCGEN_COUNTED];

/*
 * The generation of the snapshot c's read transaction sees (returns
 * owned: docgen_free), or NULL when SQLite fails (its message is on c).
 */
struct docmeta *docgen_load(struct dbconn *c);
void docgen_free(struct docmeta *dm);

/* Whether field's values compare without ASCII case (SQLite's lower()):
 * services, tags, authors, teams. */
int docgen_nocase(enum docmeta_field field);

/* The document index of rowid, or STRTAB_NONE when it has none. */
uint32_t docgen_doc(const struct docmeta *dm, int64_t rowid);

/* The id of field's value v in docs_of (its lowercased id when the field
 * compares without case). */
uint32_t docgen_match_id(const struct docmeta *dm, int field, uint32_t v);

#endif
