/*
 * Field precedence: the one place that decides where each field of a
 * postmortem comes from, for collections written without pmkb in mind.
 *
 * For every field the first of these that gives it a value wins, and
 * pm->source[field] records which (with pm->source_line[field]):
 *
 *   1. front matter, with the aliases of common formats (status pages'
 *      resolvedWhen and affected, Jekyll and Hugo's date);
 *   2. a metadata table or list near the top of the body ("| 発生日時 |
 *      2026-03-19 10:00 |", "- Severity: SEV2"), keys in English or
 *      Japanese (built in, plus the metadata_keys of .pmkb.yml);
 *   3. the title only: the first heading;
 *   4. dates only: a date in the file or folder name (2021-01-20-x.md,
 *      2020-12-x.md, 2021-05/x.md), then a dated byline at the end of the
 *      body ("_Ann 2020-12-28._"), then the timeline (doc/timeline.h),
 *      which also gives a date-only start its time of day; then the
 *      durations the metadata wrote from a start of known time ("Time
 *      to detection: 88 minutes");
 *   5. started_at only: when git history first saw the file;
 *   6. otherwise no value: an incident without a date is Unknown.
 *
 * A file's modification time is never an incident date. The summary
 * comes from the front matter (summary, or Hugo's description and
 * Jekyll's excerpt), a summary or 概要 row of the metadata block, or last
 * the first paragraph under a heading such as "## Summary" or "## 概要",
 * else the body's first paragraph that may stand for one
 * (pm->summary_section, which the Markdown walk finds).
 */
#ifndef PMKB_DOC_DERIVE_H
#define PMKB_DOC_DERIVE_H

#include <stddef.h>
#include <stdint.h>

struct postmortem;
struct taxonomy;

/* Records src for every field that has a value and no source yet. */
void derive_mark(struct postmortem *pm, int src);

/*
 * Applies steps 2 to 6 to pm, whose front matter and Markdown are already
 * read: body/body_len is the Markdown (valid UTF-8, LF line ends) that
 * starts on line body_line of the file. tax may be NULL. git_created is
 * when git first saw the file (0: unknown).
 */
void derive_fields(struct postmortem *pm, const char *body, size_t body_len,
		   int body_line, const struct taxonomy *tax,
		   int64_t git_created);

#endif
