/*
 * Repository settings from .pmkb.yml: the cause taxonomy (ids, English and
 * Japanese labels, aliases, colours, groups), severities, the fiscal year's
 * first month and the reporting time zone.
 *
 *   fiscal_year_start_month: 4
 *   time_zone: Asia/Tokyo
 *   severities: [SEV0, SEV1, SEV2, SEV3, SEV4]
 *   causes:
 *     - id: infrastructure
 *       label: Infrastructure
 *       label_ja: インフラ
 *       group: infrastructure
 *       color: "#c0392b"
 *       aliases: [infra, インフラ]
 *   metadata_keys:            # body metadata keys, besides the built-in
 *     障害日: started_at      # any front-matter field name
 *     対応期間: period        # a span: started_at 〜 resolved_at
 *   services:                 # code paths per service (doc/codemap.h)
 *     billing-api: {paths: ['billing/<two stars>']}
 *   review:                   # the review lint's rules (doc/review.h)
 *     non_action: error
 *   synonyms:                 # more groups for the glossary
 *     - [決済, billing, payment]  # (search/glossary.h)
 *
 * Without the file the taxonomy is open: any cause counts, lower-cased.
 */
#ifndef PMKB_DOC_TAXONOMY_H
#define PMKB_DOC_TAXONOMY_H

#include <stddef.h>

#include "pmkb/base/status.h"
#include "pmkb/doc/postmortem.h"

struct review_rules;
struct codemap;
struct learning;

struct pm_cause {
	char *id;
	char *label;	/* English label, defaults to id */
	char *label_ja; /* defaults to label */
	char *group;	/* or NULL */
	char *color;	/* "#rrggbb" or NULL */
	char **aliases;
	size_t n_aliases;
};

/* A metadata key of the body (doc/derive.h) and the field it names. */
struct pm_meta_key {
	char *key;
	int field;  /* enum pm_field */
	int period; /* the value is a span: started_at 〜 resolved_at */
};

struct taxonomy {
	int closed; /* 1 when loaded from a file that lists causes */
	struct pm_cause *causes;
	size_t n_causes;
	char **severities; /* ordered, most severe first; default SEV0..SEV4 */
	size_t n_severities;
	int closed_severities; /* 1 when the file lists severities */
	int fiscal_start_month; /* 1..12, default 1 */
	char *time_zone;	/* IANA name, default "UTC" */
	struct pm_meta_key *meta_keys; /* from metadata_keys */
	size_t n_meta_keys;
	struct review_rules *review; /* from review:, or NULL */
	struct codemap *codemap;     /* from services:, or NULL */
	struct learning *learning; /* doc/learning.h; never NULL */
	/* synonyms: groups of at least two terms, as written */
	struct pm_list *synonyms;
	size_t n_synonyms;
};

/* At most this many synonyms: groups, and terms in one. */
#define PM_SYNONYM_GROUPS_MAX 200
#define PM_SYNONYM_TERMS_MAX 16

/* An open taxonomy with the defaults. Owned: taxonomy_free(). */
struct taxonomy *taxonomy_default(void);

/*
 * Parses .pmkb.yml text. On error returns PM_INVALID, fills err with the
 * line and reason ("causes[2]: missing id", source as given), and sets
 * *out to NULL. Owned: taxonomy_free(). Checks: fiscal month 1..12, a time
 * zone that is "UTC" or exists under /usr/share/zoneinfo, colours
 * "#rrggbb", unique cause ids and severities, aliases that are not another
 * cause's id or another cause's alias. Keys it does not know at the top
 * level are left for other readers of the file; inside a cause they are
 * errors (a misspelt "alias:" would otherwise be silently lost).
 */
enum pm_status taxonomy_parse(struct taxonomy **out, const char *yaml,
			      size_t len, const char *source,
			      struct pm_error *err);
/* Reads and parses a file; PM_NOT_FOUND when it does not exist. */
enum pm_status taxonomy_load(struct taxonomy **out, const char *path,
			     struct pm_error *err);
void taxonomy_free(struct taxonomy *tax);

/*
 * The canonical cause id for raw (trimmed; compared case-insensitively for
 * ASCII and exactly otherwise, aliases included). In an open taxonomy (or
 * tax NULL) that is raw with ASCII lower-cased, written into out (size
 * outsz, truncated on a character boundary). Returns NULL for an empty raw
 * and for an unknown cause in a closed taxonomy; "unknown" is always known.
 */
const char *taxonomy_cause(const struct taxonomy *tax, const char *raw,
			   char *out, size_t outsz);
/* The cause with that canonical id, or NULL (always for tax NULL). */
const struct pm_cause *taxonomy_find(const struct taxonomy *tax,
				     const char *id);
/*
 * The rank of a severity (0 = most severe) and its canonical spelling in
 * *canon (may be NULL; set to NULL when unknown); -1 when unknown. Accepts
 * "sev1", "SEV1", "Sev 1", "sev-1" and "1" (matched against the digits of
 * a severity like SEV1 or P1). tax NULL means the default SEV0..SEV4.
 */
int taxonomy_severity(const struct taxonomy *tax, const char *raw,
		      const char **canon);
/*
 * taxonomy_severity() of a value written with a note after the level:
 * "SEV-3（一部機能の誤動作）", "SEV2 - major", "Sev 1 (customer impact)"
 * name SEV3, SEV2 and SEV1. *lead_len (may be NULL) gets the length of
 * the part that names it; when none does, -1, and the length of the value
 * before its note (a bracket, " - ", a colon or a comma; the whole value
 * without one), trimmed.
 */
int taxonomy_severity_lead(const struct taxonomy *tax, const char *raw,
			   const char **canon, size_t *lead_len);
/* The severities, for messages: "SEV0, SEV1, ..." into out (size). */
void taxonomy_severity_names(const struct taxonomy *tax, char *out,
			     size_t size);
/*
 * The spelling a severity is stored and filtered under, into out (size
 * outsz): the canonical one when known, else raw trimmed and ASCII
 * upper-cased, as postmortems keep a severity outside the list (a status
 * page's "down" is DOWN). NULL for an empty raw, one longer than outsz,
 * and an unknown one when the settings list the severities.
 */
const char *taxonomy_severity_stored(const struct taxonomy *tax,
				     const char *raw, char *out,
				     size_t outsz);

#endif
