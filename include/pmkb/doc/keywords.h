/*
 * The keywords column of the full-text index: the words a postmortem is
 * found by beyond its title, summary and body.
 *
 *   causes     each cause id with its English and Japanese labels, so
 *              that インフラ finds infrastructure
 *   labels     services and tags
 *   extra      front-matter values under keys pmkb does not know
 *              (affected:, components:)
 *   parts      the parts of CamelCase and snake_case identifiers in the
 *              extra values, the title and the text, so that "semaphore"
 *              finds HybridPrioritySemaphore and "lag" finds replica_lag
 */
#ifndef PMKB_DOC_KEYWORDS_H
#define PMKB_DOC_KEYWORDS_H

struct buf;
struct postmortem;
struct taxonomy;

/*
 * Appends pm's keywords to out, space-separated, without trailing space.
 * tax (borrowed, may be NULL) gives the causes' labels.
 */
void keywords_write(const struct taxonomy *tax, const struct postmortem *pm,
		    struct buf *out);

/*
 * Appends to out, each followed by a space, the parts of the identifiers
 * in s (may be NULL): ASCII words split at each underscore and at each
 * upper-case letter after a lower-case one. Only words that split, of 100
 * bytes at most; parts of one letter are left out; each part once, up to
 * KEYWORDS_MAX_PARTS of them.
 */
#define KEYWORDS_MAX_PARTS 2000
void keywords_identifier_parts(const char *s, struct buf *out);

#endif
