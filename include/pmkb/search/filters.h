/*
 * A search's filters: the query's (cause:, service:, severity<=2,
 * after:, ...) merged with the URL's (cause=, service=, severity=, tag=,
 * status=, year=, from=, to=), whose values are checked as the query's
 * are. The lists are JSON arrays of strings, as the searcher binds them
 * to its statements and as docmeta takes them; NULL leaves a field
 * unconstrained, "[]" lets nothing pass.
 *
 * The facet groups count the match set with the URL's own filter on the
 * group left out (filters_without()): a chosen value keeps its siblings.
 */
#ifndef PMKB_SEARCH_FILTERS_H
#define PMKB_SEARCH_FILTERS_H

#include <stdint.h>

#include "pmkb/base/status.h"

struct docmeta;
struct docmeta_filter;
struct pm_query;
struct taxonomy;

/* The URL's filters as sent (NULL: none); values are comma-separated. */
struct url_filters {
	const char *cause, *service, *severity, *tag, *status;
	const char *year;      /* years of started_at */
	const char *from, *to; /* dates: started_at ≥ from, < to + 1 day */
};

/* The list filters, in the order the searcher binds them. */
enum filter_list {
	FL_CAUSE_Q,   /* the query's causes */
	FL_CAUSE_U,   /* the URL's */
	FL_SERVICE_Q,
	FL_SERVICE_U,
	FL_TAG_Q,
	FL_TAG_U,
	FL_AUTHOR,
	FL_TEAM,
	FL_SEVERITY,  /* the query's and the URL's, intersected */
	FL_STATUS,    /* likewise */
	FL_MAX
};

/* The facet groups, in the order of the answer's "facets". */
enum facet_group { FG_CAUSE, FG_SEVERITY, FG_SERVICE, FG_YEAR, FG_MAX };

/* The filters of one request, and what the query searches for. */
struct filters {
	char *lists[FL_MAX];
	int sev_max;	       /* -1: unset */
	int64_t after, before; /* INT64_MIN / INT64_MAX: unset */
	const char *match;     /* the query's MATCH expression (borrowed) */
	int union_only;	       /* match is phrases joined by OR */
	const char *exclude;   /* borrowed */
	int64_t cut;	       /* lowest rowid ranked; INT64_MIN: none */
	char *exact;	       /* quoted words, U+001F apart, or NULL */
	char *year;	       /* the URL's years, JSON, or NULL */
	char *sev_q;	       /* the query's severities alone, or NULL */
	int sev_url;	       /* whether the URL names severities */
};

/*
 * Merges q's filters (borrowed: f points into q, which must outlive it)
 * with the URL's, url, into f. An unknown cause or severity, a year
 * that is not four digits or a date that is not one gives PM_INVALID
 * with a message naming the parameter; f is to be released either way.
 */
enum pm_status filters_build(struct filters *f, const struct pm_query *q,
			     const struct url_filters *url,
			     const struct taxonomy *tax, struct pm_error *err);
void filters_release(struct filters *f);

/*
 * f without the URL's filter on group g, as a shallow copy whose strings
 * stay f's (not to be released); 0 when the URL does not filter g, so
 * that its counts are the match set's.
 */
int filters_without(const struct filters *f, enum facet_group g,
		    struct filters *out);

/*
 * A docmeta filter (search/docmeta.h) of dm's generation that lets pass
 * what f's lists, years and bounds do (not the exclusions or the exact
 * words). Owned: docmeta_filter_free().
 */
struct docmeta_filter *filters_docmeta(const struct docmeta *dm,
				       const struct filters *f);

#endif
