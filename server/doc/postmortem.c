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

const char *pm_source_name(enum pm_source s)
{
	static const char *const names[PM_SRC__MAX] = {
		"none", "front-matter", "body", "heading",
		"file-name", "byline", "timeline", "git", "section", "lead",
	};

	return (unsigned)s < PM_SRC__MAX ? names[s] : "none";
}

struct pm_time *pm_field_time(struct postmortem *pm, enum pm_field f)
{
	switch (f) {
	case PM_F_STARTED:
		return &pm->started;
	case PM_F_DETECTED:
		return &pm->detected;
	case PM_F_MITIGATED:
		return &pm->mitigated;
	case PM_F_RESOLVED:
		return &pm->resolved;
	default:
		return NULL;
	}
}

int pm_field_has_value(const struct postmortem *pm, enum pm_field f)
{
	switch (f) {
	case PM_F_TITLE:
		return pm->title != NULL;
	case PM_F_STARTED:
		return pm->started.set;
	case PM_F_DETECTED:
		return pm->detected.set;
	case PM_F_MITIGATED:
		return pm->mitigated.set;
	case PM_F_RESOLVED:
		return pm->resolved.set;
	case PM_F_SEVERITY:
		return pm->severity != NULL;
	case PM_F_CAUSE:
		return pm->causes.n > 0;
	case PM_F_TRIGGER:
		return pm->trigger != NULL;
	case PM_F_DETECTION:
		return pm->detection != NULL;
	case PM_F_SERVICES:
		return pm->services.n > 0;
	case PM_F_TEAMS:
		return pm->teams.n > 0;
	case PM_F_AUTHORS:
		return pm->authors.n > 0;
	case PM_F_STATUS:
		return pm->status != NULL;
	case PM_F_TAGS:
		return pm->tags.n > 0;
	case PM_F_SUMMARY:
		return pm->summary != NULL && pm->summary[0];
	case PM_F_ACTIONS:
		return pm->n_actions > 0;
	default:
		return 0;
	}
}

int pm_field_open(const struct postmortem *pm, enum pm_field f)
{
	return !pm->source[f] && !pm_field_has_value(pm, f);
}

void pm_field_set_source(struct postmortem *pm, enum pm_field f,
			 enum pm_source src, int line)
{
	pm->source[f] = (unsigned char)src;
	pm->source_line[f] = line;
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
		"the timeline",
		"git history (when the file was first committed)",
		"the summary section",
		"the first paragraph",
	};

	return (unsigned)s < PM_SRC__MAX ? labels[s] : labels[0];
}

static void join_list(const struct pm_list *l, char *out, size_t outsz)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", l->v[i]);
	/* Truncated on a character, not inside one. */
	snprintf(out, outsz, "%.*s",
		 (int)utf8_truncate(b.ptr ? b.ptr : "", b.len, outsz - 1),
		 b.ptr ? b.ptr : "");
	buf_release(&b);
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
	if (s) /* truncated on a character, not inside one */
		snprintf(out, outsz, "%.*s",
			 (int)utf8_truncate(s, strlen(s), outsz - 1), s);
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
		for (d = *p; is_space(*d); d++)
			;
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

/* Length of an opening (closing) bracket ending before (at) p, or 0. */
static size_t bracket_before(const char *text, const char *p)
{
	if (p > text && p[-1] == '(')
		return 1;
	return p - text >= 3 && !strncmp(p - 3, "\xef\xbc\x88", 3) ? 3 : 0;
}

static size_t bracket_at(const char *p)
{
	if (*p == ')')
		return 1;
	return !strncmp(p, "\xef\xbc\x89", 3) ? 3 : 0;
}

/* Removes the brackets around at when a marker left nothing in them. */
static void empty_brackets(char *text, char *at)
{
	char *b = at, *e = at;
	size_t nb, ne;

	while (b > text && b[-1] == ' ')
		b--;
	while (*e == ' ')
		e++;
	if ((nb = bracket_before(text, b)) && (ne = bracket_at(e)))
		memmove(b - nb, e + ne, strlen(e + ne) + 1);
}

/* Whether a labelled value ends at p: 、 ， ( ) （ ） , ; or the end. */
static int value_ends(const char *p)
{
	return !*p || strchr(",;()", *p) ||
	       !strncmp(p, "\xe3\x80\x81", 3) || /* 、 */
	       !strncmp(p, "\xef\xbc\x8c", 3) || /* ， */
	       !strncmp(p, "\xef\xbc\x88", 3) || /* （ */
	       !strncmp(p, "\xef\xbc\x89", 3);   /* ） */
}

/*
 * Where a labelled value starting at v ends: at white space, or for an
 * owner at the separator that follows a name of a few words ("Priya
 * Raman, due ...", "山田 太郎、期限 ...") when one comes within 40 bytes.
 */
static char *label_value_end(char *v, int is_due)
{
	char *e = v;

	while (!value_ends(e) && !is_space(*e))
		e++;
	if (!is_due && is_space(*e)) {
		char *f = e;

		while (!value_ends(f) && f - v < 40)
			f++;
		if (value_ends(f) && *f) {
			while (f > v && is_space(f[-1]))
				f--;
			e = f;
		}
	}
	return e;
}

/*
 * Takes a labelled owner or due date out of text (in place): "担当:
 * platform、期限: 2026-04-30", "(Owner: ann; ...)" (the label, a colon,
 * the value up to white space, 、 , ; or a bracket, and that separator).
 * Sets *owner or *due (owned) when it is not set yet and the value is one
 * (a due date is a date).
 */
static void labelled(char *text, char **owner, char **due)
{
	static const struct {
		const char *label;
		int is_due;
	} labels[] = { { "担当", 0 }, { "担当者", 0 }, { "owner", 0 },
		       { "期限", 1 }, { "期日", 1 }, { "due", 1 } };

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		char **into = labels[i].is_due ? due : owner;
		size_t ll = strlen(labels[i].label);
		char *at = text, *v, *e;
		struct pm_time t;

		while (!*into && (at = (char *)text_find_nocase(
					  at, strlen(at), labels[i].label,
					  ll))) {
			v = at + ll;
			if (at > text && isalnum((unsigned char)at[-1])) {
				at = v; /* "overdue:", "co-owner" */
				continue;
			}
			if (*v == ':')
				v++;
			else if (!strncmp(v, "\xef\xbc\x9a", 3)) /* ： */
				v += 3;
			/* "due 2024-06-21", as well as due:2024-06-21 */
			else if (labels[i].is_due && *v == ' ' &&
				 isdigit((unsigned char)v[1]))
				v++;
			else {
				at = v;
				continue;
			}
			while (*v == ' ')
				v++;
			e = label_value_end(v, labels[i].is_due);
			if (e == v ||
			    (labels[i].is_due &&
			     (pm_time_scan(&t, v, NULL) || !t.date_only)))
				break;
			*into = labels[i].is_due ? xstrndup(t.text, 10)
						 : xstrndup(v, (size_t)(e - v));
			/* The label, its value and one separator go. */
			if (!strncmp(e, "\xe3\x80\x81", 3) ||
			    !strncmp(e, "\xef\xbc\x8c", 3))
				e += 3;
			else if (*e == ',' || *e == ';')
				e++;
			memmove(at, e, strlen(e) + 1);
			empty_brackets(text, at);
		}
	}
}

/*
 * An opening bracket at the end of b, left when a marker took the rest
 * of a bracket with it ("Rotate the keys (due:2026-05-01)"), goes.
 */
static void drop_open_bracket(struct buf *b)
{
	static const char *const open[] = { "(", "\xef\xbc\x88" }; /* （ */

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(open[i]);

		if (b->len >= n && !memcmp(b->ptr + b->len - n, open[i], n)) {
			buf_setlen(b, b->len - n);
			buf_trim(b);
		}
	}
}

struct pm_action *postmortem_add_action(struct postmortem *pm, int done,
					const char *text, int line)
{
	struct buf out = BUF_INIT;
	struct pm_action *a = NULL;
	char *owner = NULL, *due = NULL, *done_on = NULL, *copy = NULL;
	const char *p, *w;
	size_t wl, n;

	if (pm->n_actions >= PM_MAX_ACTIONS) {
		pm->actions_dropped++;
		goto out;
	}
	copy = xstrdup(text ? text : "");
	labelled(copy, &owner, &due);
	p = copy;
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
	if (owner || due || done_on)
		drop_open_bracket(&out);
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
	free(copy);
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
