/*
 * The sections postmortems are written in, by what their headings name:
 * the summary, the metadata, the action items, the timeline. The Markdown
 * walk takes the summary and the action tables from them
 * (doc/markdown.h), the metadata block reads on past prose only into
 * them (doc/derive.h), and the timeline's times are read (doc/timeline.h).
 */
#ifndef PMKB_DOC_SECTIONS_H
#define PMKB_DOC_SECTIONS_H

#include <stddef.h>

/* What a section heading names. */
enum section_kind {
	SECTION_OTHER,
	SECTION_SUMMARY,  /* "Summary", "Issue summary", "TL;DR", "概要" */
	SECTION_METADATA, /* "Metadata", "メタデータ", "Incident details" */
	SECTION_ACTIONS,  /* "Action items", "Follow-ups", "再発防止策" */
	SECTION_TIMELINE, /* "Timeline", "タイムライン", "時系列", "経緯" */
};

/*
 * What the heading text s[0..len) (with or without its #s) names.
 * Numbering, symbols and emoji before the name, a colon or question mark
 * after it do not count ("## 📌 Incident Summary", "1. Overview:"), and
 * either of two names does ("Action items / 再発防止策", "再発防止
 * （Action Items）").
 */
enum section_kind section_kind(const char *s, size_t len);

#endif
