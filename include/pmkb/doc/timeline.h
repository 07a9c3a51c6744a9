/*
 * The times a postmortem's timeline gives: when the incident began, was
 * detected, mitigated and resolved, read from the entries under a
 * "Timeline" or "タイムライン" heading, as people write them:
 *
 *   - 19:09 検知                       a list item
 *   | 2026-04-06 14:23 | **検知** ... | a table row
 *   - **09:15 GMT** – Monitoring detected failures
 *   *2023-01-04 05:13*: The website monitor triggered an alert
 *   February 15, 2024: 7:56am UTC     a date, then a paragraph
 *   ### Fri Aug 9 05:18:59 2019 +0000  a heading per entry
 *
 * A time without a date is on the day of the last date the timeline wrote
 * (the start's day before any), and on the next day when it is more than
 * half a day earlier than the entry before it (23:50, then 00:10). A time
 * without a zone is in the timeline's zone ("## Timeline (JST)", "All
 * times in UTC", "| 時刻 (JST) |"), else the start's, else UTC.
 *
 * What an entry marks comes from its words: 検知, アラート, "detected",
 * "alert" mark the detection; 暫定対処, 緩和, "mitigated", "rolled back"
 * the mitigation; 復旧, 解消, "resolved", "recovered", "operational" the
 * resolution (not when the entry says the work began: 復旧作業開始);
 * 障害発生, "outage began" the start. The first entry of each kind
 * counts; without a start given, the first entry on a day the timeline
 * wrote is the start. Marks out of order among themselves are dropped (the
 * earlier kind). Code blocks are not read.
 */
#ifndef PMKB_DOC_TIMELINE_H
#define PMKB_DOC_TIMELINE_H

#include <stddef.h>

#include "pmkb/doc/pmtime.h"

enum timeline_mark {
	TIMELINE_STARTED,
	TIMELINE_DETECTED,
	TIMELINE_MITIGATED,
	TIMELINE_RESOLVED,
	TIMELINE__MAX
};

/* What the timeline marks; unset (set 0) where it marks nothing. The
 * times' lines are lines of the file. */
struct timeline {
	struct pm_time at[TIMELINE__MAX];
};

/*
 * Reads the timeline sections of the Markdown body[0..len) (valid UTF-8,
 * LF line ends, NUL after it) that starts on line body_line of the file.
 * start (may be NULL or unset) gives the day and zone of times written
 * without them.
 */
void timeline_read(const char *body, size_t len, int body_line,
		   const struct pm_time *start, struct timeline *tl);

#endif
