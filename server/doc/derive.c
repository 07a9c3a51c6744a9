/*
 * Field precedence: see include/pmkb/doc/derive.h for the order. The
 * metadata block is doc/metablock.c's, the timeline doc/timeline.c's.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/derive.h"
#include "pmkb/doc/metablock.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/timeline.h"

void derive_mark(struct postmortem *pm, int src)
{
	for (int f = 0; f < PM_F__MAX; f++)
		if (!pm->source[f] && pm_field_has_value(pm, (enum pm_field)f))
			pm->source[f] = (unsigned char)src;
}

/*
 * A date in the file's name or its folders: "2021-01-20-title.md",
 * "2020-12-title.md" (the first of the month), "2021-05/x.md". The
 * nearest wins: the file name, then its folder, and so on.
 */
static int fixed_num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void derive_file_name(struct postmortem *pm)
{
	const char *path = pm->path;
	size_t len = strlen(path);

	while (len) {
		size_t start = len;
		const char *name;
		struct pm_time t;
		int y, m, d = 1;
		char text[32];

		while (start && path[start - 1] != '/')
			start--;
		name = path + start;
		y = fixed_num(name, 4);
		m = y >= 0 && name[4] == '-' ? fixed_num(name + 5, 2) : -1;
		if (m >= 0 && !isdigit((unsigned char)name[7])) {
			if (name[7] == '-' && fixed_num(name + 8, 2) >= 0 &&
			    !isdigit((unsigned char)name[10]))
				d = fixed_num(name + 8, 2);
			snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, d);
			if (!pm_time_parse(&t, text)) {
				pm->started = t;
				pm_field_set_source(pm, PM_F_STARTED,
						    PM_SRC_FILE_NAME, 0);
				return;
			}
		}
		if (!start)
			break;
		len = start - 1;
	}
}

/*
 * A dated byline among the last lines of the body, in emphasis:
 * "_Jane Doe 2020-12-28._" or "*— Ann, 2021/01/05*".
 */
/* Whether a line says when the page was last updated, not written. */
static int updated_line(const char *s, size_t l)
{
	static const char *const words[] = { "最終更新", "更新日",
					     "last updated", "updated", NULL };

	for (size_t i = 0; words[i]; i++)
		if (text_find_nocase(s, l, words[i], strlen(words[i])))
			return 1;
	return 0;
}

static void derive_byline(struct postmortem *pm, const char *body,
			  size_t len, int body_line)
{
	const char *end = body + len, *p = end;
	int lines = 0;

	while (p > body && lines < 5) {
		const char *bol = p, *s, *q;
		size_t l;
		struct pm_time t;

		while (bol > body && bol[-1] != '\n')
			bol--;
		l = (size_t)(p - bol);
		s = text_trim(bol, &l);
		if (l > 4 && (*s == '_' || *s == '*') &&
		    (s[l - 1] == '_' || s[l - 1] == '*') && l < 200 &&
		    !updated_line(s, l)) {
			for (q = s; q + 10 <= s + l; q++) {
				if (!isdigit((unsigned char)*q) ||
				    (q > s && isdigit((unsigned char)q[-1])))
					continue;
				if (!pm_time_scan(&t, q, NULL)) {
					int nl = 0;

					for (const char *c = body; c < bol; c++)
						nl += *c == '\n';
					t.line = body_line + nl;
					pm->started = t;
					pm_field_set_source(pm, PM_F_STARTED,
							    PM_SRC_BYLINE, t.line);
					return;
				}
			}
		}
		if (l)
			lines++;
		p = bol > body ? bol - 1 : body;
		if (bol == body)
			break;
	}
}

/* The dates in their order, started first (the timeline's marks). */
static const enum pm_field date_field[TIMELINE__MAX] = {
	[TIMELINE_STARTED] = PM_F_STARTED,
	[TIMELINE_DETECTED] = PM_F_DETECTED,
	[TIMELINE_MITIGATED] = PM_F_MITIGATED,
	[TIMELINE_RESOLVED] = PM_F_RESOLVED,
};

/*
 * Sets date m to t from src (on t's line) unless that would put it out of
 * the order of the dates the file wrote: a guess never makes a file say
 * detected_at is before started_at.
 */
static void guess_date(struct postmortem *pm, int m, const struct pm_time *t,
		       enum pm_source src)
{
	for (int k = 0; k < TIMELINE__MAX; k++) {
		const struct pm_time *o = pm_field_time(pm, date_field[k]);

		if (k != m && o->set &&
		    (k < m ? pm_time_before(t, o) : pm_time_before(o, t)))
			return;
	}
	*pm_field_time(pm, date_field[m]) = *t;
	pm_field_set_source(pm, date_field[m], src, t->line);
}

/*
 * The timeline's times (doc/timeline.h) for the dates the file left open;
 * a start written as a date alone gets its time of day.
 */
static void derive_timeline(struct postmortem *pm, const char *body,
			    size_t len, int body_line)
{
	struct timeline tl;

	timeline_read(body, len, body_line, &pm->started, &tl);
	for (int m = 0; m < TIMELINE__MAX; m++) {
		int refines = m == TIMELINE_STARTED && tl.at[m].set &&
			      pm->started.date_only &&
			      pm_time_local_day(&tl.at[m]) ==
				      pm_time_local_day(&pm->started);

		if (tl.at[m].set &&
		    (pm_field_open(pm, date_field[m]) || refines))
			guess_date(pm, m, &tl.at[m], PM_SRC_TIMELINE);
	}
}

/*
 * The durations the metadata wrote from a start of known time ("Time to
 * detection: 88 minutes") for the dates still open.
 */
static void derive_durations(struct postmortem *pm)
{
	const struct pm_duration *d[TIMELINE__MAX] = {
		[TIMELINE_DETECTED] = &pm->to_detect,
		[TIMELINE_MITIGATED] = &pm->to_mitigate,
		[TIMELINE_RESOLVED] = &pm->to_resolve,
	};

	if (!pm->started.set || pm->started.date_only)
		return;
	for (int m = TIMELINE_DETECTED; m < TIMELINE__MAX; m++) {
		struct pm_time t = pm->started;

		if (!d[m]->set || !pm_field_open(pm, date_field[m]))
			continue;
		t.epoch += d[m]->seconds;
		pm_time_at_offset(&t, t.offset_min);
		t.line = d[m]->line;
		guess_date(pm, m, &t, PM_SRC_BODY);
	}
}

void derive_fields(struct postmortem *pm, const char *body, size_t body_len,
		   int body_line, const struct taxonomy *tax,
		   int64_t git_created)
{
	metablock_read(pm, body, body_len, body_line, tax);
	if (pm_field_open(pm, PM_F_STARTED))
		derive_file_name(pm);
	if (pm_field_open(pm, PM_F_STARTED))
		derive_byline(pm, body, body_len, body_line);
	derive_timeline(pm, body, body_len, body_line);
	derive_durations(pm);
	if (pm_field_open(pm, PM_F_STARTED) && git_created) {
		pm_time_from_epoch(&pm->started, git_created);
		pm_field_set_source(pm, PM_F_STARTED, PM_SRC_GIT, 0);
	}
	if (pm_field_open(pm, PM_F_SUMMARY) && pm->summary_section) {
		free(pm->summary);
		pm->summary = xstrdup(pm->summary_section);
		pm_field_set_source(pm, PM_F_SUMMARY,
				    pm->summary_section_lead ? PM_SRC_LEAD
							     : PM_SRC_SECTION,
				    pm->summary_section_line);
	}
}
