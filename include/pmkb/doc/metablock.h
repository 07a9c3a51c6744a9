/*
 * The metadata block near the top of a body, step 2 of doc/derive.h's
 * precedence: a table or list of keys and values written by people who
 * never heard of front matter ("| 発生日時 | 2026-03-19 10:00 |",
 * "- **Severity:** SEV2", "Root cause: network", a header row of keys
 * over a row of values, "### 発生日時" over its value). Keys are English
 * or Japanese, built in or listed in .pmkb.yml's metadata_keys.
 */
#ifndef PMKB_DOC_METABLOCK_H
#define PMKB_DOC_METABLOCK_H

#include <stddef.h>

struct postmortem;
struct taxonomy;

/*
 * The field a metadata key names ("発生日時", "Root cause"; ASCII compared
 * case-insensitively; tax's metadata_keys first), or -1. *period is set
 * when the key names a span (影響期間: start 〜 end).
 */
int metablock_key_field(const struct taxonomy *tax, const char *key,
			size_t len, int *period);

/*
 * Sets the fields still open in pm (pm_field_open()) from the metadata
 * block of the Markdown body[0..len) (valid UTF-8, LF line ends) that
 * starts on line body_line of the file, with source PM_SRC_BODY and the
 * line of each. tax may be NULL.
 */
void metablock_read(struct postmortem *pm, const char *body, size_t len,
		    int body_line, const struct taxonomy *tax);

#endif
