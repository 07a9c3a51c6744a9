/*
 * The search query language, shared by the UI, the API, the CLI and Slack:
 *
 *   disk full            both terms (AND)
 *   "exact phrase"       a phrase
 *   redis OR memcached   either
 *   -staging             exclude
 *   deploy*              prefix
 *   cause:infrastructure service:payment-api severity:SEV1 severity<=2
 *   tag:dns author:tanaka status:draft after:2017-07-01 before:2018
 *
 * query_parse() turns user text into an FTS5 expression in which every term
 * is quoted and every operator emitted by this module, plus SQL filters.
 * User text never reaches FTS5 syntax unescaped.
 *
 * Terms are split on ASCII and ideographic spaces. A word matches its
 * inflections and any word it begins (deploy: deployed, deployment); a
 * term ending in a lone CJK character matches what follows it (鍵: 鍵が);
 * a term of several tokens (payment-api, Aurora障害) is a phrase. Words
 * that cannot be indexed (*, (, emoji) are ignored, so is an OR or AND
 * with nothing on one side, and a filter without a value; `name:value`
 * with an unknown name is a plain term (12:30, http://x). Filter values
 * may be lists (cause:network,dns) or quoted (team:"sre japan"). A query
 * of only exclusions (-staging) lists every postmortem without them.
 * Dates and date filters are in UTC.
 *
 * A term in the glossary (search/glossary.h: failover, フェイルオーバー) is
 * also searched as the other terms of its groups, at most
 * PM_QUERY_MAX_SYNONYMS of them: (failover OR フェイルオーバー). A quoted
 * term, a prefix (deploy*) and an excluded term (-staging) are searched as
 * written.
 */
#ifndef PMKB_SEARCH_QUERY_H
#define PMKB_SEARCH_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/doc/postmortem.h"
#include "pmkb/base/status.h"

struct buf;
struct taxonomy;

#define PM_QUERY_MAX_BYTES 1024 /* longer queries are PM_TOO_LARGE */
#define PM_QUERY_MAX_TERMS 32	/* more terms are PM_INVALID */
#define PM_QUERY_MAX_SYNONYMS 8 /* synonyms searched for one term */

struct pm_query {
	char *match;		 /* FTS5 MATCH expression, NULL: filters only */
	char *exclude;		 /* with match NULL: rows matching it are left
				    out (a query of only -terms); else NULL */
	struct pm_list terms;	 /* positive terms as typed and their
				    synonyms, for highlighting */
	/*
	 * The terms searched with their synonyms: {"term as typed":
	 * ["synonym", ...]}, owned; NULL when none was.
	 */
	json_t *expanded;
	/*
	 * Quoted words and phrases ("balancer") that must appear as written,
	 * unstemmed: the MATCH finds the stemmed candidates, the searcher
	 * keeps those that hold each of these (empty with OR in the query).
	 * Quoted CJK alone ("障害が") is not listed: its n-grams are not
	 * stemmed, so the phrase already finds it as written.
	 */
	struct pm_list exact;
	/* match joins its phrases by OR only (one group, nothing left out):
	 * every document of each phrase matches. */
	int union_only;
	struct pm_list causes;	 /* canonical ids; any of them */
	struct pm_list services; /* any of them */
	struct pm_list tags, authors, teams, statuses;
	struct pm_list severities; /* canonical; any of them */
	int severity_max_rank;	   /* severity<=N: rank ≤ N, -1 when unset */
	int64_t after;		   /* started_epoch ≥ after; INT64_MIN unset */
	int64_t before;		   /* started_epoch < before; INT64_MAX unset */
};

void query_init(struct pm_query *q);
void query_release(struct pm_query *q);

/*
 * Parses text (any bytes; invalid UTF-8 is PM_INVALID) into q (initialised
 * by the caller). tax (may be NULL) resolves cause aliases and severities
 * and adds its synonyms: to the built-in glossary.
 * On error returns PM_INVALID or PM_TOO_LARGE with a message for the user
 * in err (source "query", column of the problem).
 */
enum pm_status query_parse(struct pm_query *q, const char *text,
			   const struct taxonomy *tax, struct pm_error *err);

/*
 * Appends s[0..n) to b as one FTS5 string (quoted, quotes doubled), the
 * way query_parse() writes every term: for modules that build their own
 * MATCH expressions (similar.c, suggest.c) from words they tokenized.
 */
void query_quote(struct buf *b, const char *s, size_t n);

/* What the tokenizer makes of a term typed in a query. */
struct query_term_shape {
	int ntok;	/* tokens; 0: nothing to search for (*, an emoji) */
	int last_flags; /* PM_TOKEN_* of the last token */
	int last_len;	/* bytes of the last (normalised) token */
	int cjk;	/* tokens that are CJK n-grams */
};

/*
 * Tokenizes s[0..n) as FTS5 will for a quoted query string, so that
 * callers can decide how to query it (an ASCII word of 3+ letters also as
 * a prefix, a lone CJK character as a prefix). Used by query.c and the
 * typeahead.
 */
void query_term_shape(const char *s, size_t n, struct query_term_shape *sh);

/*
 * Reads a date filter value: 2017, 2017-07 or 2017-07-01 (UTC). Sets
 * *epoch to the first second of that period, or with end set to the first
 * second after it (to=2017-07 covers July). Returns 0, or -1 when s is not
 * such a date.
 */
int query_date(const char *s, int end, int64_t *epoch);

#endif
