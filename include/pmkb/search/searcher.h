/*
 * Runs searches and listings against the index: candidate selection with
 * FTS5, bm25 ranking with column weights (title > summary/keywords > body)
 * and ties broken by date, snippets with highlights computed only for the
 * returned page, and facet counts.
 *
 * The list endpoint is a search without terms sorted by date, so both
 * return the same result objects.
 */
#ifndef PMKB_SEARCH_SEARCHER_H
#define PMKB_SEARCH_SEARCHER_H

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/search/filters.h"
#include "pmkb/search/query.h"
#include "pmkb/base/status.h"

struct dbconn;
struct taxonomy;

#define PM_SEARCH_MAX_LIMIT 1000
/* Rows of one export (CSV): a whole result list, bounded. */
#define PM_SEARCH_MAX_EXPORT 10000

/*
 * Relevance; newest first; most severe first; longest time to resolve
 * first (unknown, or resolved before started, last). All but relevance
 * break ties newest first; without terms relevance is newest first.
 */
enum search_sort {
	SEARCH_SORT_RELEVANCE,
	SEARCH_SORT_DATE,
	SEARCH_SORT_SEVERITY,
	SEARCH_SORT_TTR,
};

struct search_request {
	const char *q;	/* query text, may be NULL or "" (filters only) */
	int limit;	/* 1..PM_SEARCH_MAX_EXPORT */
	int offset;	/* ≥ 0 */
	enum search_sort sort;
	int facets;	/* 1: add "facets" */
	int no_snippets; /* 1: results without "snippet", "snippet_html" and
			    "highlights" (an export reads no body) */
	const char *base_url; /* prefix for "url" values, "" for relative */
	/* Extra filters from URL parameters, ANDed with q's. */
	struct url_filters url;
	/*
	 * When more matches than this pass, only those among the newest this
	 * many are ranked by relevance (0: 5,000). The total stays exact.
	 */
	int rank_max;
	/*
	 * 1: rank through FTS5 alone, not over the phrase postings kept in
	 * memory (search/memsearch.h), which give the same answer: for the
	 * tests that compare the two.
	 */
	int fts_only;
};

/*
 * Runs req and sets *out (owned) to
 *   {"query": q, "total": N, "results": [result...], "facets": {...},
 *    "expanded": {"term": ["synonym", ...]}}
 * ("expanded" only when a term was also searched as its synonyms)
 * where each result is
 *   {"slug","title","summary","started_at","resolved_at","ttr_seconds",
 *    "cause","causes","severity","services","tags","status","url",
 *    "snippet","snippet_html","highlights": [[start,end],...]}
 * (snippet offsets in bytes of "snippet"). "facets" (only with
 * req->facets) counts the whole match set:
 *   {"cause": [{"value","count"}...], "severity": [...], "service": [...],
 *    "year": [...]}
 * by every listed cause ("cause_mode": "any" beside "facets": the cause
 * filter matches any cause too, so a value's count is what its filter
 * gives), severity as stored, every listed service and the year of
 * started_at as written; by count (years newest first), 50 values at most.
 * A group's counts leave out the request's own URL filter on that group
 * (req->url's cause, severity, service and year; the query's cause:, severity:
 * stay): a chosen value keeps its siblings, each counted as if it alone
 * were chosen. Values within one URL filter combine with OR.
 * A cause filter (cause:x, req->cause) matches any of a postmortem's
 * causes; services, tags, authors and teams compare without ASCII case.
 * Relevance is bm25 with ties broken by date; when a query matches more
 * than a few thousand postmortems only the most recently indexed ones are
 * ranked (the total stays exact). The snippet comes from the body, or from
 * the summary when only the title, summary or keywords matched; without
 * terms it is the start of the body.
 *
 * A bad query or URL filter gives PM_INVALID or PM_TOO_LARGE with a
 * message for the user in err; no SQLite text ever reaches err.
 */
enum pm_status searcher_run(struct dbconn *c, const struct taxonomy *tax,
			    const struct search_request *req, json_t **out,
			    struct pm_error *err);

/*
 * The same answer appended to out as compact JSON text, byte for byte
 * what jsonout_add() writes of searcher_run()'s: the answer is written as
 * text from the start (searcher_run() reads it back), as building a
 * page's values and freeing them took as long as finding them. out is
 * unchanged on failure.
 */
enum pm_status searcher_write(struct dbconn *c, const struct taxonomy *tax,
			      const struct search_request *req,
			      struct buf *out, struct pm_error *err);

#endif
