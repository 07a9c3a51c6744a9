/*
 * The postmortem record: see include/pmkb/doc/postmortem.h for the contract.
 * Reading a file into one is doc/parse.c's.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* Longest action item text kept; the index does not need more. */
#define ACTION_TEXT_MAX 4096

void pm_list_add(struct pm_list *l, const char *s)
{
	XGROW(l->v, l->alloc, l->n + 1);
	l->v[l->n++] = xstrdup(s);
}

void pm_list_add_unique(struct pm_list *l, const char *s)
{
	if (!pm_list_has(l, s))
		pm_list_add(l, s);
}

int pm_list_has(const struct pm_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

void pm_list_release(struct pm_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * The fields, with every name they go by. The first name of each is the
 * canonical one, used in messages about the field as a whole and by
 * pm_field_name().
 */
static const struct {
	const char *name;
	enum pm_field field;
} field_names[] = {
	{ "title", PM_F_TITLE },
	{ "started_at", PM_F_STARTED },
	{ "date", PM_F_STARTED },
	{ "start_time", PM_F_STARTED },
	{ "detected_at", PM_F_DETECTED },
	{ "mitigated_at", PM_F_MITIGATED },
	{ "resolved_at", PM_F_RESOLVED },
	{ "resolved", PM_F_RESOLVED },
	{ "end_time", PM_F_RESOLVED },
	{ "resolvedwhen", PM_F_RESOLVED },
	{ "resolved_when", PM_F_RESOLVED },
	{ "severity", PM_F_SEVERITY },
	{ "cause", PM_F_CAUSE },
	{ "causes", PM_F_CAUSE },
	{ "categories", PM_F_CAUSE },
	{ "category", PM_F_CAUSE },
	{ "trigger", PM_F_TRIGGER },
	{ "detection", PM_F_DETECTION },
	{ "services", PM_F_SERVICES },
	{ "service", PM_F_SERVICES },
	{ "affected", PM_F_SERVICES },
	{ "affected_services", PM_F_SERVICES },
	{ "teams", PM_F_TEAMS },
	{ "team", PM_F_TEAMS },
	{ "authors", PM_F_AUTHORS },
	{ "author", PM_F_AUTHORS },
	{ "status", PM_F_STATUS },
	{ "tags", PM_F_TAGS },
	{ "tag", PM_F_TAGS },
	{ "keywords", PM_F_TAGS },
	{ "summary", PM_F_SUMMARY },
	{ "description", PM_F_SUMMARY }, /* Hugo */
	{ "excerpt", PM_F_SUMMARY },	  /* Jekyll */
	{ "action_items", PM_F_ACTIONS },
};

const char *pm_field_name(enum pm_field f)
{
	for (size_t i = 0; i < sizeof(field_names) / sizeof(field_names[0]);
	     i++)
		if (field_names[i].field == f)
			return field_names[i].name;
	return "?";
}

/* Keys are matched case-insensitively: "Title:" is common enough. */
int pm_field_lookup(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (!strcasecmp(field_names[i].name, key))
			return (int)field_names[i].field;
	return -1;
}

json_t *pm_list_json(const struct pm_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

char *pm_list_dumps(const struct pm_list *l)
{
	json_t *a;
	char *s;

	if (!l->n)
		return NULL;
	a = pm_list_json(l);
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Parses a UTC offset: Z, +HH:MM, +HHMM or +HH. */
static int parse_offset(const char **pp, int *off)
{
	const char *p = *pp;
	int sign, h, m = 0;

	if (*p == 'Z' || *p == 'z') {
		*off = 0;
		*pp = p + 1;
		return 1;
	}
	if (*p != '+' && *p != '-')
		return 0;
	sign = *p++ == '-' ? -1 : 1;
	if (text_digits(&p, 2, &h))
		return 0;
	if (*p == ':') {
		p++;
		if (text_digits(&p, 2, &m))
			return 0;
	} else if (*p >= '0' && *p <= '9') {
		if (text_digits(&p, 2, &m))
			return 0;
	}
	if (h > 23 || m > 59)
		return 0;
	*off = sign * (h * 60 + m);
	*pp = p;
	return 1;
}

/*
 * Writes t->text. The fields are range-checked by the callers, but the
 * compiler cannot know that, so the text goes through a buffer it can see
 * is large enough.
 */
static void set_text(struct pm_time *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_text(struct pm_time *t, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	snprintf(t->text, sizeof(t->text), "%.31s", tmp);
}

/* Reads 1 to max ASCII digits at *p into *out and advances *p. */
static int some_digits(const char **p, int max, int *out)
{
	int v = 0, n = 0;

	while (n < max && (*p)[n] >= '0' && (*p)[n] <= '9')
		v = v * 10 + ((*p)[n++] - '0');
	if (!n)
		return 0;
	*p += n;
	*out = v;
	return 1;
}

/* Skips the UTF-8 text lit at *p; 1 if it was there. */
static int skip_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n))
		return 0;
	*p += n;
	return 1;
}

/*
 * Skips an opening bracket at *p, "(" or "（", and returns the closing
 * one that goes with it; NULL (nothing skipped) when there is none.
 */
static const char *open_bracket(const char **p)
{
	if (skip_lit(p, "("))
		return ")";
	if (skip_lit(p, "\xef\xbc\x88")) /* （ */
		return "\xef\xbc\x89";
	return NULL;
}

/*
 * After a Japanese date: an optional weekday in brackets, "(水)" or
 * "（水）", which says nothing the date does not.
 */
static void skip_weekday(const char **pp)
{
	const char *p = *pp;
	const char *close;

	while (*p == ' ')
		p++;
	if (!(close = open_bracket(&p)))
		return;
	for (int i = 0; i < 16 && *p; i++, p++)
		if (skip_lit(&p, close)) {
			*pp = p;
			return;
		}
}

/*
 * A zone name after a time, "JST", also in brackets, "(JST)" or "（JST）",
 * and after 頃 ("about": "00:00 頃 (JST)"). Only names with one meaning
 * in incident reports; a zone that changes with the season (PT, ET) has
 * none.
 */
static int zone_name(const char **pp, int *off)
{
	static const struct {
		const char *name;
		int off;
	} names[] = {
		{ "UTC", 0 },	    { "GMT", 0 },	{ "JST", 540 },
		{ "KST", 540 },	    { "CET", 60 },	{ "CEST", 120 },
		{ "PST", -480 },    { "PDT", -420 },	{ "MST", -420 },
		{ "MDT", -360 },    { "EST", -300 },	{ "EDT", -240 },
		{ "AEST", 600 },    { "AEDT", 660 },
	};
	const char *p = *pp, *close;

	while (*p == ' ')
		p++;
	/* 頃, ごろ */
	if (skip_lit(&p, "\xe9\xa0\x83") ||
	    skip_lit(&p, "\xe3\x81\x94\xe3\x82\x8d"))
		while (*p == ' ')
			p++;
	close = open_bracket(&p);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		const char *e = p + n;

		if (strncmp(p, names[i].name, n) || isalnum((unsigned char)*e))
			continue;
		if (close && !skip_lit(&e, close))
			continue;
		*off = names[i].off;
		*pp = e;
		return 1;
	}
	return 0;
}

int pm_time_scan(struct pm_time *t, const char *s, const char **end)
{
	const char *p = skip_space(s), *q;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, date_only = 1;
	int n, aoff, ja = 0, timed = 0;
	char sep;

	memset(t, 0, sizeof(*t));
	if (text_digits(&p, 4, &y))
		return -1;
	if (skip_lit(&p, "\xe5\xb9\xb4")) { /* 年 */
		ja = 1;
		if (!some_digits(&p, 2, &mo) ||
		    !skip_lit(&p, "\xe6\x9c\x88") || /* 月 */
		    !some_digits(&p, 2, &d) ||
		    !skip_lit(&p, "\xe6\x97\xa5")) /* 日 */
			return -1;
		skip_weekday(&p);
	} else {
		sep = *p;
		if ((sep != '-' && sep != '/') || !(p++, some_digits(&p, 2, &mo)) ||
		    *p++ != sep || !some_digits(&p, 2, &d))
			return -1;
	}
	/* A time: T or blanks, then H:MM[:SS] or (Japanese) H時M分. */
	q = p;
	if (*q == 'T' || *q == 't')
		q++;
	else
		while (*q == ' ' || *q == '\t')
			q++;
	if (q != p && some_digits(&q, 2, &h)) {
		timed = 1;
		if (*q == ':') {
			q++;
			if (text_digits(&q, 2, &mi))
				return -1;
			if (*q == ':') {
				q++;
				if (text_digits(&q, 2, &sec))
					return -1;
				if (*q == '.' || *q == ',') {
					q++;
					for (n = 0; *q >= '0' && *q <= '9'; n++)
						q++;
					if (!n)
						return -1;
				}
			}
		} else if (ja && skip_lit(&q, "\xe6\x99\x82")) { /* 時 */
			if (some_digits(&q, 2, &mi) &&
			    !skip_lit(&q, "\xe5\x88\x86")) /* 分 */
				return -1;
		} else {
			/* Not a time of day: the date stands alone. */
			h = 0;
			timed = 0;
		}
	}
	if (timed) {
		date_only = 0;
		p = q;
		/* YAML 1.1 timestamps allow a space before the zone. */
		if (*p == ' ' && (p[1] == 'Z' || p[1] == '+' || p[1] == '-'))
			p++;
		if ((*p == 'Z' || *p == 'z' || *p == '+' || *p == '-') &&
		    !parse_offset(&p, &off))
			return -1;
		if (!off)
			zone_name(&p, &off);
	}
	if (y < 1000 || mo < 1 || mo > 12 || d < 1 ||
	    d > civil_days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;

	t->set = 1;
	t->date_only = date_only;
	t->offset_min = off;
	t->epoch = civil_to_days(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		   sec - (int64_t)off * 60;
	aoff = off < 0 ? -off : off;
	if (date_only)
		set_text(t, "%04d-%02d-%02d", y, mo, d);
	else
		set_text(t, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo,
			 d, h, mi, sec, off < 0 ? '-' : '+', aoff / 60,
			 aoff % 60);
	if (end)
		*end = p;
	return 0;
}

int pm_time_parse(struct pm_time *t, const char *s)
{
	const char *end;

	if (pm_time_scan(t, s, &end))
		return -1;
	if (*skip_space(end)) {
		memset(t, 0, sizeof(*t));
		return -1;
	}
	return 0;
}

const char *pm_source_name(enum pm_source s)
{
	static const char *const names[PM_SRC__MAX] = {
		"none", "front-matter", "body", "heading",
		"file-name", "byline", "git",
	};

	return (unsigned)s < PM_SRC__MAX ? names[s] : "none";
}

const char *pm_source_label(enum pm_source s)
{
	static const char *const labels[PM_SRC__MAX] = {
		"nowhere",
		"the front matter",
		"the metadata table or list",
		"the first heading",
		"the file name",
		"the byline",
		"git history (when the file was first committed)",
	};

	return (unsigned)s < PM_SRC__MAX ? labels[s] : labels[0];
}

static void join_list(const struct pm_list *l, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n && used + 1 < outsz; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%s",
					 i ? ", " : "", l->v[i]);
}

void postmortem_field_text(const struct postmortem *pm, enum pm_field f,
			   char *out, size_t outsz)
{
	const struct pm_time *t = NULL;
	const char *s = NULL;

	out[0] = '\0';
	switch (f) {
	case PM_F_TITLE: s = pm->title; break;
	case PM_F_STARTED: t = &pm->started; break;
	case PM_F_DETECTED: t = &pm->detected; break;
	case PM_F_MITIGATED: t = &pm->mitigated; break;
	case PM_F_RESOLVED: t = &pm->resolved; break;
	case PM_F_SEVERITY: s = pm->severity; break;
	case PM_F_CAUSE: join_list(&pm->causes, out, outsz); return;
	case PM_F_TRIGGER: s = pm->trigger; break;
	case PM_F_DETECTION: s = pm->detection; break;
	case PM_F_SERVICES: join_list(&pm->services, out, outsz); return;
	case PM_F_TEAMS: join_list(&pm->teams, out, outsz); return;
	case PM_F_AUTHORS: join_list(&pm->authors, out, outsz); return;
	case PM_F_STATUS: s = pm->status; break;
	case PM_F_TAGS: join_list(&pm->tags, out, outsz); return;
	case PM_F_SUMMARY: s = pm->summary; break;
	case PM_F_ACTIONS:
		snprintf(out, outsz, "%zu item%s", pm->n_actions,
			 pm->n_actions == 1 ? "" : "s");
		return;
	default: return;
	}
	if (t && t->set)
		s = t->text;
	if (s)
		snprintf(out, outsz, "%s", s);
}

void pm_time_from_epoch(struct pm_time *t, int64_t epoch)
{
	int64_t days = civil_floor_div(epoch, 86400);
	int64_t rem = epoch - days * 86400, y;
	int m, d;

	memset(t, 0, sizeof(*t));
	civil_from_days(days, &y, &m, &d);
	t->set = 1;
	t->epoch = epoch;
	set_text(t, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", (int)y, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

void postmortem_init(struct postmortem *pm)
{
	memset(pm, 0, sizeof(*pm));
}

static void action_release(struct pm_action *a)
{
	free(a->owner);
	free(a->due);
	free(a->done_on);
	free(a->links);
	free(a->text);
}

void postmortem_release(struct postmortem *pm)
{
	size_t i;

	free(pm->path);
	free(pm->slug);
	free(pm->title);
	free(pm->summary);
	free(pm->severity);
	free(pm->trigger);
	free(pm->detection);
	free(pm->status);
	pm_list_release(&pm->causes);
	pm_list_release(&pm->services);
	pm_list_release(&pm->teams);
	pm_list_release(&pm->authors);
	pm_list_release(&pm->tags);
	free(pm->html);
	free(pm->text);
	for (i = 0; i < pm->n_actions; i++)
		action_release(&pm->actions[i]);
	free(pm->actions);
	free(pm->diags);
	free(pm->extra);
	pm_list_release(&pm->related);
	free(pm->recurrence_of);
	free(pm->extra_rows);
	free(pm->summary_section);
	postmortem_init(pm);
}

void postmortem_diag(struct postmortem *pm, enum pm_diag_level level, int line,
		     const char *fmt, ...)
{
	struct pm_diag *d;
	va_list ap;

	/*
	 * A pathological file could otherwise produce a diagnostic per list
	 * item or task; a writer needs the first few, not thousands.
	 */
	if (pm->n_diags > PM_MAX_DIAGS)
		return;
	XGROW(pm->diags, pm->alloc_diags, pm->n_diags + 1);
	d = &pm->diags[pm->n_diags++];
	if (pm->n_diags == PM_MAX_DIAGS + 1) {
		d->level = PM_DIAG_ERROR;
		d->line = 0;
		snprintf(d->message, sizeof(d->message),
			 "more than %d problems; the rest are not shown",
			 PM_MAX_DIAGS);
		return;
	}
	d->level = level;
	d->line = line;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
}

int postmortem_has_errors(const struct postmortem *pm)
{
	size_t i;

	for (i = 0; i < pm->n_diags; i++)
		if (pm->diags[i].level == PM_DIAG_ERROR)
			return 1;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Owner names: ASCII letters, digits, _ - . and any non-ASCII letter. */
static size_t owner_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '_' ||
			   s[n] == '-' || s[n] == '.' ||
			   (unsigned char)s[n] >= 0x80))
		n++;
	/* "@tanaka." ends a sentence; the dot is not part of the name. */
	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == '-'))
		n--;
	return n;
}

/* Punctuation that may follow a marker without belonging to it. */
static int is_trailing_punct(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(".,;:)]", s[i]))
			return 0;
	return 1;
}

/*
 * A date marker, "due:DATE" or "done:DATE", at word w (wl bytes, p just
 * past it): when w starts with name and a colon, the date is taken into
 * *date (YYYY-MM-DD, owned), *p moves past it ("due: 2018-03-31" puts the
 * date in the next word) and 1 is returned. A marker whose date is not
 * one is reported on line and 0 returned: the word stays in the text.
 */
static int date_marker(struct postmortem *pm, int line, const char *name,
		       const char *w, size_t wl, const char **p, char **date)
{
	size_t nl = strlen(name), n;
	const char *d = w + nl + 1, *end = *p;
	struct pm_time t;

	if (*date || wl < nl + 1 || strncasecmp(w, name, nl) || w[nl] != ':')
		return 0;
	if (wl == nl + 1) {
		d = skip_space(*p);
		end = d;
		while (*end && !is_space(*end))
			end++;
	}
	n = (size_t)(end - d);
	while (n > 10 && is_trailing_punct(d + n - 1, 1))
		n--;
	if (n == 10) {
		char text[11];

		memcpy(text, d, 10);
		text[10] = '\0';
		if (!pm_time_parse(&t, text) && t.date_only) {
			*date = xstrdup(text);
			*p = end;
			return 1;
		}
	}
	postmortem_diag(pm, PM_DIAG_WARNING, line,
			"action item: %s date '%.*s' is not a date like "
			"2018-03-31",
			name, (int)utf8_truncate(d, n, 40), d);
	return 0;
}

struct pm_action *postmortem_add_action(struct postmortem *pm, int done,
					const char *text, int line)
{
	struct buf out = BUF_INIT;
	struct pm_action *a = NULL;
	char *owner = NULL, *due = NULL, *done_on = NULL;
	const char *p = text, *w;
	size_t wl, n;

	if (pm->n_actions >= PM_MAX_ACTIONS) {
		pm->actions_dropped++;
		goto out;
	}
	/*
	 * Walk the words: the first @name is the owner, the first due:DATE
	 * the due date and the first done:DATE the day it was done; every
	 * other word is kept, so white space is collapsed, which is what a
	 * one-line summary of a task wants.
	 */
	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && !is_space(*p))
			p++;
		wl = (size_t)(p - w);
		if (!owner && w[0] == '@' && (n = owner_len(w + 1, wl - 1)) &&
		    is_trailing_punct(w + 1 + n, wl - 1 - n)) {
			owner = xstrndup(w + 1, n);
			continue;
		}
		if (date_marker(pm, line, "due", w, wl, &p, &due) ||
		    date_marker(pm, line, "done", w, wl, &p, &done_on))
			continue;
		if (out.len)
			buf_addch(&out, ' ');
		buf_add(&out, w, wl);
	}
	if (done_on && !done)
		postmortem_diag(pm, PM_DIAG_WARNING, line,
				"action item: done:%s on an item whose box is "
				"not ticked (write [x] when it is done)",
				done_on);
	XGROW(pm->actions, pm->alloc_actions, pm->n_actions + 1);
	a = &pm->actions[pm->n_actions++];
	a->done = !!done;
	a->owner = owner;
	a->due = due;
	a->done_on = done ? done_on : NULL;
	if (done)
		done_on = NULL;
	owner = due = NULL;
	a->text = xstrndup(out.ptr, utf8_truncate(out.ptr, out.len,
						  ACTION_TEXT_MAX));
	a->links = NULL;
	a->line = line;
out:
	free(owner);
	free(due);
	free(done_on);
	buf_release(&out);
	return a;
}

char *postmortem_slug(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	struct buf slug = BUF_INIT;
	size_t len;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	/* ".pmkb" is a hidden file's name, not an extension. */
	len = !dot || dot == base ? strlen(base) : (size_t)(dot - base);
	/*
	 * A slug goes into URLs and JSON, so it is text: a name in another
	 * encoding gets U+FFFD for each invalid sequence (the indexer makes
	 * two such slugs distinct; lint says why the name looks so).
	 */
	utf8_repair(&slug, base, len);
	return buf_detach(&slug, NULL);
}

/* The seconds from a to b when both have a time of day and a <= b. */
static int64_t duration(const struct pm_time *a, const struct pm_time *b)
{
	if (!a->set || !b->set || a->date_only || b->date_only ||
	    b->epoch < a->epoch)
		return -1;
	return b->epoch - a->epoch;
}

int64_t postmortem_ttd(const struct postmortem *pm)
{
	return duration(&pm->started, &pm->detected);
}

int64_t postmortem_ttm(const struct postmortem *pm)
{
	return duration(&pm->started, &pm->mitigated);
}

int64_t postmortem_ttr(const struct postmortem *pm)
{
	return duration(&pm->started, &pm->resolved);
}
