/*
 * Times read from a timeline: see include/pmkb/doc/timeline.h.
 *
 * Map:
 *   words     what an entry's words mark
 *   entry     the time a line starts with, after its list marker, table
 *             pipe or emphasis; a time alone is read on the current day
 *   walk      the body's lines: timeline sections, their zone, the day
 *             carried from entry to entry, an entry's words on the next
 *             line when its own line holds only the time
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/text.h"
#include "pmkb/doc/sections.h"
#include "pmkb/doc/timeline.h"

/* Cells of a table row looked at for a time. */
#define TABLE_CELLS 16

/* ---- words ---- */

/*
 * Tried in this order, so that "alert cleared, service restored" is the
 * resolution, not the detection. ASCII words are compared without case.
 */
static const struct {
	const char *word;
	enum timeline_mark mark;
} mark_words[] = {
	{ "resolved", TIMELINE_RESOLVED },
	{ "recovered", TIMELINE_RESOLVED },
	{ "restored", TIMELINE_RESOLVED },
	{ "recovery confirmed", TIMELINE_RESOLVED },
	{ "recovery complete", TIMELINE_RESOLVED },
	{ "operational", TIMELINE_RESOLVED },
	{ "back to normal", TIMELINE_RESOLVED },
	{ "all clear", TIMELINE_RESOLVED },
	{ "outage ends", TIMELINE_RESOLVED },
	{ "outage ended", TIMELINE_RESOLVED },
	{ "復旧", TIMELINE_RESOLVED },
	{ "解消", TIMELINE_RESOLVED },
	{ "解決", TIMELINE_RESOLVED },
	{ "収束", TIMELINE_RESOLVED },
	{ "正常化", TIMELINE_RESOLVED },
	{ "mitigated", TIMELINE_MITIGATED },
	{ "mitigation applied", TIMELINE_MITIGATED },
	{ "workaround", TIMELINE_MITIGATED },
	{ "rolled back", TIMELINE_MITIGATED },
	{ "rollback performed", TIMELINE_MITIGATED },
	{ "rollback complete", TIMELINE_MITIGATED },
	{ "暫定対処", TIMELINE_MITIGATED },
	{ "暫定対応", TIMELINE_MITIGATED },
	{ "緩和", TIMELINE_MITIGATED },
	{ "切り戻し完了", TIMELINE_MITIGATED },
	{ "ロールバック完了", TIMELINE_MITIGATED },
	{ "detected", TIMELINE_DETECTED },
	{ "alert", TIMELINE_DETECTED },
	{ "paged", TIMELINE_DETECTED },
	{ "pages", TIMELINE_DETECTED },
	{ "noticed", TIMELINE_DETECTED },
	{ "検知", TIMELINE_DETECTED },
	{ "検出", TIMELINE_DETECTED },
	{ "アラート", TIMELINE_DETECTED },
	{ "発覚", TIMELINE_DETECTED },
	{ "気づ", TIMELINE_DETECTED },
	{ "気付", TIMELINE_DETECTED },
	{ "outage began", TIMELINE_STARTED },
	{ "outage begins", TIMELINE_STARTED },
	{ "outage started", TIMELINE_STARTED },
	{ "impact began", TIMELINE_STARTED },
	{ "impact started", TIMELINE_STARTED },
	{ "incident began", TIMELINE_STARTED },
	{ "障害発生", TIMELINE_STARTED },
	{ "発生", TIMELINE_STARTED },
};

/*
 * Words that make a resolution or mitigation only begin, or not happen
 * ("復旧作業開始", "復旧せず", "recovery failed"): the entry may still
 * mark something else.
 */
static const char *const not_yet[] = {
	"開始", "着手", "作業中", "対応中", "調査中", "予定", "せず", "しない",
	"できず", "されず", "未復旧", "未解決", "未解消", "失敗", "not ",
	"n't", "failed", "unable",
};

/* Whether text[0..len) holds word (ASCII case folded). */
static int holds(const char *text, size_t len, const char *word)
{
	return text_find_nocase(text, len, word, strlen(word)) != NULL;
}

/* Whether text[0..len) holds one of not_yet. */
static int not_yet_done(const char *text, size_t len)
{
	for (size_t k = 0; k < sizeof(not_yet) / sizeof(not_yet[0]); k++)
		if (holds(text, len, not_yet[k]))
			return 1;
	return 0;
}

/*
 * What text[0..len) marks, or TIMELINE__MAX for nothing. A label in bold
 * that opens it ("**検知**: ...", "**OUTAGE MITIGATED** — ...") says it
 * alone; the words after it may name other things (復旧せず, an alert).
 */
static enum timeline_mark mark_of(const char *text, size_t len)
{
	int done_blocked = -1;
	const char *close;

	if (len > 4 && (!strncmp(text, "**", 2) || !strncmp(text, "__", 2)) &&
	    (close = text_find_nocase(text + 2, len - 2, text, 2))) {
		len = (size_t)(close - (text + 2));
		text += 2;
	}
	for (size_t i = 0; i < sizeof(mark_words) / sizeof(*mark_words); i++) {
		enum timeline_mark m = mark_words[i].mark;

		if (!holds(text, len, mark_words[i].word))
			continue;
		if (m == TIMELINE_RESOLVED || m == TIMELINE_MITIGATED) {
			if (done_blocked < 0)
				done_blocked = not_yet_done(text, len);
			if (done_blocked)
				continue;
		}
		return m;
	}
	return TIMELINE__MAX;
}

/* ---- entry ---- */

static const char *skip_blanks(const char *p, const char *eol)
{
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Past a line's quote, list marker, task box, table pipe and emphasis. */
static const char *entry_start(const char *p, const char *eol)
{
	const char *q;

	p = skip_blanks(p, eol);
	while (p < eol && *p == '>')
		p = skip_blanks(p + 1, eol);
	if (p + 1 < eol && strchr("-*+", *p) && p[1] == ' ') {
		p = skip_blanks(p + 2, eol);
	} else {
		for (q = p; q < eol && isdigit((unsigned char)*q); q++)
			;
		if (q > p && q + 1 < eol && (*q == '.' || *q == ')') &&
		    q[1] == ' ')
			p = skip_blanks(q + 2, eol);
	}
	if (p + 3 < eol && p[0] == '[' && p[2] == ']' && p[3] == ' ')
		p = skip_blanks(p + 4, eol);
	if (p < eol && *p == '|')
		p = skip_blanks(p + 1, eol);
	while (p < eol && (*p == '*' || *p == '_' || *p == '`'))
		p++;
	return p;
}

/*
 * Past what stands between an entry's time and its words: the emphasis
 * that closes a time written in bold ("**09:15 GMT** – Monitoring"), then
 * blanks and punctuation, so that a label in bold after the time
 * ("10:48 **OUTAGE MITIGATED**") keeps its marks (mark_of()).
 */
static const char *skip_separators(const char *p, const char *eol)
{
	static const char *const seps[] = {
		" ", "\t", ":", "|", ",", "-", ".",
		"\xe2\x80\x93", /* – */ "\xe2\x80\x94", /* — */
		"\xef\xbc\x9a", /* ： */ "\xe3\x80\x80", /* ideographic space */
		"\\",
	};
	size_t i;

	while (p < eol && (*p == '*' || *p == '_' || *p == '`'))
		p++;
	for (;;) {
		for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
			size_t n = strlen(seps[i]);

			if ((size_t)(eol - p) >= n && !memcmp(p, seps[i], n)) {
				p += n;
				break;
			}
		}
		if (i == sizeof(seps) / sizeof(seps[0]))
			return p;
	}
}

/*
 * A time of day at the start of s on day (from 1970) into *t: "19:09",
 * "7:56am UTC", "19時9分". Read as pmtime reads it after a Japanese
 * date, so that every form a date may carry is read here too. Returns
 * the bytes it took, or 0.
 */
static size_t clock_on_day(const char *s, int64_t day, struct pm_time *t)
{
	char buf[320];
	const char *end;
	int64_t y;
	int mo, d, pre;

	if (*s == '(' || !strncmp(s, "\xef\xbc\x88", 3)) /* not a weekday */
		return 0;
	civil_from_days(day, &y, &mo, &d);
	pre = snprintf(buf, sizeof(buf), "%04d\xe5\xb9\xb4%d\xe6\x9c\x88%d"
					 "\xe6\x97\xa5 ",
		       (int)y, mo, d);
	snprintf(buf + pre, sizeof(buf) - (size_t)pre, "%s", s);
	if (pm_time_scan(t, buf, &end) || t->date_only)
		return 0;
	return (size_t)(end - buf - pre);
}

/* A copy of p[0..eol) as a string, cut to fit. */
static void line_copy(char *dst, size_t size, const char *p, const char *eol)
{
	size_t n = (size_t)(eol - p) < size - 1 ? (size_t)(eol - p) : size - 1;

	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* ---- walk ---- */

struct walk {
	struct timeline *tl;
	int64_t day;	  /* the current day, from 1970 */
	int have_day;
	int own_day;	  /* the timeline wrote that day */
	int zone, zoned;  /* the timeline's zone, once one is written */
	int start_zone;	  /* the start's offset, else 0 */
	int entries;	  /* entries read in this section */
	struct pm_time prev;
	struct pm_time first_dated; /* the first entry on a day it wrote */
	struct pm_time pending; /* a time whose words come on a later line */
	int pending_set;
};

static void mark(struct walk *w, const struct pm_time *t, const char *text,
		 size_t len)
{
	enum timeline_mark m = mark_of(text, len);

	if (m != TIMELINE__MAX && !w->tl->at[m].set)
		w->tl->at[m] = *t;
}

/*
 * The time s starts with into *t: a date and time, or a time on the
 * current day; a date alone sets the day and is none. *end gets where the
 * time ends, *dated whether it wrote its date. 0: no time.
 */
static int time_at(struct walk *w, const char *s, struct pm_time *t,
		   const char **end, int *dated)
{
	size_t used;

	*dated = 0;
	if (!pm_time_scan(t, s, end)) {
		*dated = 1;
		if (!t->date_only)
			return 1;
		w->day = pm_time_local_day(t);
		w->have_day = w->own_day = 1;
		*end = skip_separators(*end, *end + strlen(*end));
		if (!(used = clock_on_day(*end, w->day, t)))
			return 0;
		*end += used;
		return 1;
	}
	if (!w->have_day || !(used = clock_on_day(s, w->day, t)))
		return 0;
	*end = s + used;
	return 1;
}

/*
 * Takes the entry at t, its words[0..n) (none: they come on a later
 * line), on line of the file.
 */
static void enter(struct walk *w, struct pm_time *t, int dated,
		  const char *words, size_t n, int line)
{
	if (!t->zoned)
		pm_time_at_offset(t, w->zoned ? w->zone : w->start_zone);
	/*
	 * A time alone more than half a day before the last: past midnight
	 * (23:50, then 00:10). A little before it is a row out of order.
	 */
	if (!dated && w->prev.set && w->prev.epoch - t->epoch > 12 * 3600) {
		t->epoch += 86400;
		pm_time_at_offset(t, t->offset_min);
	}
	t->line = line;
	if ((dated || w->own_day) && !w->first_dated.set)
		w->first_dated = *t;
	w->day = pm_time_local_day(t);
	w->have_day = 1;
	w->own_day |= dated;
	w->prev = *t;
	w->entries++;
	w->pending_set = !n;
	if (n)
		mark(w, t, words, n);
	else
		w->pending = *t;
}

/*
 * A table row whose cells hold a time, in any column ("| Failure
 * detected | 2026-04-26 18:06:59 UTC |"): the other cells are its words.
 */
static int table_entry(struct walk *w, const char *p, const char *eol,
		       int line)
{
	const char *from[TABLE_CELLS], *to[TABLE_CELLS], *end = NULL, *q;
	struct buf words = BUF_INIT;
	struct pm_time t;
	char s[300];
	size_t n = 0, i, c, len;
	int dated = 0;

	/* The cells: after each pipe, to the next one or the line's end. */
	for (q = p; q < eol && n < TABLE_CELLS; q++) {
		if (*q != '|')
			continue;
		if (n)
			to[n - 1] = q;
		if (skip_blanks(q + 1, eol) == eol)
			break;
		from[n] = q + 1;
		to[n++] = eol;
	}
	for (i = 0; i < n; i++) {
		line_copy(s, sizeof(s), entry_start(from[i], to[i]), to[i]);
		if (time_at(w, s, &t, &end, &dated))
			break;
	}
	if (i == n)
		return 0;
	/* The event's cells first: a label in bold opens them. */
	for (c = 0; c < n; c++) {
		if (c == i)
			continue;
		buf_add(&words, from[c], (size_t)(to[c] - from[c]));
		buf_addch(&words, ' ');
	}
	buf_addstr(&words, skip_separators(end, end + strlen(end)));
	len = words.len;
	q = text_trim(words.ptr ? words.ptr : "", &len);
	enter(w, &t, dated, q, len, line);
	buf_release(&words);
	return 1;
}

/*
 * Reads an entry from the line p..eol (line number line); 0 when the line
 * starts with no time.
 */
static int entry(struct walk *w, const char *p, const char *eol, int line)
{
	char s[300];
	struct pm_time t;
	const char *end, *words_at;
	int dated;

	p = skip_blanks(p, eol);
	if (p < eol && *p == '|')
		return table_entry(w, p, eol, line);
	p = entry_start(p, eol);
	line_copy(s, sizeof(s), p, eol);
	if (!time_at(w, s, &t, &end, &dated))
		return 0;
	words_at = skip_separators(end, s + strlen(s));
	enter(w, &t, dated, words_at, strlen(words_at), line);
	return 1;
}

/* The heading level of the line p..eol, or 0. */
static int heading_level(const char *p, const char *eol)
{
	int n = 0;

	while (p + n < eol && p[n] == '#')
		n++;
	return n >= 1 && n <= 6 && (p + n == eol || p[n] == ' ') ? n : 0;
}

/* Whether the line opens or closes a fenced code block. */
static int fence(const char *p, const char *eol)
{
	p = skip_blanks(p, eol);
	return eol - p >= 3 &&
	       (!strncmp(p, "```", 3) || !strncmp(p, "~~~", 3));
}

/* Drops marks out of order among themselves: the later kind wins. */
static void keep_order(struct timeline *tl)
{
	for (int a = TIMELINE_STARTED; a < TIMELINE_RESOLVED; a++)
		for (int b = a + 1; b < TIMELINE__MAX; b++)
			if (tl->at[a].set && tl->at[b].set &&
			    pm_time_before(&tl->at[b], &tl->at[a]))
				memset(&tl->at[a], 0, sizeof(tl->at[a]));
}

void timeline_read(const char *body, size_t len, int body_line,
		   const struct pm_time *start, struct timeline *tl)
{
	const char *p = body, *end = body + len, *eol;
	struct walk w;
	int line = body_line, section = 0, in_code = 0, level;

	memset(tl, 0, sizeof(*tl));
	memset(&w, 0, sizeof(w));
	w.tl = tl;
	if (start && start->set) {
		w.day = pm_time_local_day(start);
		w.have_day = 1;
		w.start_zone = start->date_only ? 0 : start->offset_min;
	}
	for (; p < end; p = eol + 1, line++) {
		if (!(eol = memchr(p, '\n', (size_t)(end - p))))
			eol = end;
		if (fence(p, eol)) {
			in_code = !in_code;
			continue;
		}
		if (in_code)
			continue;
		level = heading_level(p, eol);
		if (level && (!section || level <= section)) {
			const char *h = skip_blanks(p + level, eol);

			section = section_kind(h, (size_t)(eol - h)) ==
						  SECTION_TIMELINE
					  ? level
					  : 0;
			w.pending_set = 0;
			w.entries = 0;
			if (section && pm_time_zone_in(h, (size_t)(eol - h),
						       &w.zone))
				w.zoned = 1;
			continue;
		}
		if (!section || skip_blanks(p, eol) == eol)
			continue;
		if (level)
			p = skip_blanks(p + level, eol);
		if (entry(&w, p, eol, line))
			continue;
		if (w.pending_set) {
			mark(&w, &w.pending, p, (size_t)(eol - p));
			w.pending_set = 0;
		} else if (!w.entries && !w.zoned &&
			   pm_time_zone_in(p, (size_t)(eol - p), &w.zone)) {
			w.zoned = 1; /* "All times in UTC." */
		}
	}
	/* Without a start, the first dated entry is when it began. */
	if (!(start && start->set) && !tl->at[TIMELINE_STARTED].set)
		tl->at[TIMELINE_STARTED] = w.first_dated;
	keep_order(tl);
}
