/*
 * The postmortem record: see include/pmkb/doc/postmortem.h for the contract.
 *
 * postmortem_parse() runs the pipeline for one file:
 *
 *   bytes → repair UTF-8, drop NULs, strip a BOM, CRLF/CR → LF
 *         → frontmatter_split() → frontmatter_parse() (fields)
 *         → markdown_render() (html, text, title fallback, task lists)
 *         → defaults and the checks that need everything (title, cause,
 *           started_at, the order of the timestamps)
 *
 * Line numbers in diagnostics are always the file's: the normalisation
 * keeps one LF per line break of the original (CRLF and a lone CR each
 * count as one), and the front matter and body know where they start.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/frontmatter.h"
#include "pmkb/doc/markdown.h"
#include "pmkb/doc/postmortem.h"
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
 * Calendar arithmetic after Howard Hinnant's days_from_civil and
 * civil_from_days: exact for the proleptic Gregorian calendar and free of
 * the process time zone, unlike mktime(), and of timegm()'s portability.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* Reads exactly n ASCII digits at *p into *out and advances *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return 0;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 1;
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
	if (!digits(&p, 2, &h))
		return 0;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &m))
			return 0;
	} else if (*p >= '0' && *p <= '9') {
		if (!digits(&p, 2, &m))
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

int pm_time_parse(struct pm_time *t, const char *s)
{
	const char *p = skip_space(s);
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, date_only = 1;
	int n, aoff;

	memset(t, 0, sizeof(*t));
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == 't' ||
	    (*p == ' ' && isdigit((unsigned char)p[1]))) {
		date_only = 0;
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				return -1;
			if (*p == '.' || *p == ',') {
				p++;
				for (n = 0; *p >= '0' && *p <= '9'; n++)
					p++;
				if (!n)
					return -1;
			}
		}
		/* YAML 1.1 timestamps allow a space before the zone. */
		if (*p == ' ' && (p[1] == 'Z' || p[1] == '+' || p[1] == '-'))
			p++;
		if ((*p == 'Z' || *p == 'z' || *p == '+' || *p == '-') &&
		    !parse_offset(&p, &off))
			return -1;
	}
	if (*skip_space(p))
		return -1;
	if (y < 1000 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;

	t->set = 1;
	t->date_only = date_only;
	t->offset_min = off;
	t->epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		   sec - (int64_t)off * 60;
	aoff = off < 0 ? -off : off;
	if (date_only)
		set_text(t, "%04d-%02d-%02d", y, mo, d);
	else
		set_text(t, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo,
			 d, h, mi, sec, off < 0 ? '-' : '+', aoff / 60,
			 aoff % 60);
	return 0;
}

void pm_time_from_epoch(struct pm_time *t, int64_t epoch)
{
	int64_t days = floor_div(epoch, 86400);
	int64_t rem = epoch - days * 86400;
	int y, m, d;

	memset(t, 0, sizeof(*t));
	civil_from_days(days, &y, &m, &d);
	t->set = 1;
	t->epoch = epoch;
	set_text(t, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", y, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

/* The calendar day of t as written (in its own offset), for comparisons. */
static int64_t local_day(const struct pm_time *t)
{
	return floor_div(t->epoch + (int64_t)t->offset_min * 60, 86400);
}

void postmortem_init(struct postmortem *pm)
{
	memset(pm, 0, sizeof(*pm));
}

static void action_release(struct pm_action *a)
{
	free(a->owner);
	free(a->due);
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

struct pm_action *postmortem_add_action(struct postmortem *pm, int done,
					const char *text, int line)
{
	struct buf out = BUF_INIT;
	struct pm_action *a = NULL;
	char *owner = NULL, *due = NULL;
	const char *p = text, *w, *end;
	struct pm_time t;
	size_t wl, n;

	if (pm->n_actions >= PM_MAX_ACTIONS) {
		pm->actions_dropped++;
		goto out;
	}
	/*
	 * Walk the words: the first @name is the owner and the first
	 * due:DATE the due date; every other word is kept, so white space
	 * is collapsed, which is what a one-line summary of a task wants.
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
		if (!due && wl >= 4 && !strncasecmp(w, "due:", 4)) {
			const char *d = w + 4;

			end = p;
			/* "due: 2018-03-31" puts the date in the next word. */
			if (wl == 4) {
				d = skip_space(p);
				end = d;
				while (*end && !is_space(*end))
					end++;
			}
			n = (size_t)(end - d);
			while (n > 10 && is_trailing_punct(d + n - 1, 1))
				n--;
			if (n == 10) {
				char date[11];

				memcpy(date, d, 10);
				date[10] = '\0';
				if (!pm_time_parse(&t, date) && t.date_only) {
					due = xstrdup(date);
					p = end;
					continue;
				}
			}
			postmortem_diag(pm, PM_DIAG_WARNING, line,
					"action item: due date '%.*s' is not a "
					"date like 2018-03-31",
					(int)utf8_truncate(d, n, 40), d);
		}
		if (out.len)
			buf_addch(&out, ' ');
		buf_add(&out, w, wl);
	}
	XGROW(pm->actions, pm->alloc_actions, pm->n_actions + 1);
	a = &pm->actions[pm->n_actions++];
	a->done = !!done;
	a->owner = owner;
	a->due = due;
	owner = due = NULL;
	a->text = xstrndup(out.ptr, utf8_truncate(out.ptr, out.len,
						  ACTION_TEXT_MAX));
	a->line = line;
out:
	free(owner);
	free(due);
	buf_release(&out);
	return a;
}

char *postmortem_slug(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	/* ".pmkb" is a hidden file's name, not an extension. */
	if (!dot || dot == base)
		return xstrdup(base);
	return xstrndup(base, (size_t)(dot - base));
}

/* The 1-based line of data[off], counting CRLF and a lone CR as one break. */
static int line_at(const char *data, size_t off)
{
	size_t i;
	int line = 1;

	for (i = 0; i < off; i++) {
		if (data[i] == '\n')
			line++;
		else if (data[i] == '\r' &&
			 (i + 1 >= off || data[i + 1] != '\n'))
			line++;
	}
	return line;
}

/*
 * Makes data valid UTF-8 with LF line ends and no BOM, in out, recording a
 * warning for each kind of repair with the line of its first occurrence.
 */
static void normalise(struct postmortem *pm, struct buf *out,
		      const char *data, size_t len)
{
	struct buf fixed = BUF_INIT;
	size_t i, pos, first_bad = len, first_nul = len, nuls = 0, bad;
	size_t start = 0;
	const char *s;

	for (i = 0; i < len; i++)
		if (!data[i] && !nuls++)
			first_nul = i;
	pos = utf8_first_invalid(data, len);
	while (pos < len) {
		if (data[pos]) {
			first_bad = pos;
			break;
		}
		pos += 1 + utf8_first_invalid(data + pos + 1, len - pos - 1);
	}
	s = data;
	if (first_bad < len || nuls) {
		bad = utf8_repair(&fixed, data, len);
		if (bad)
			postmortem_diag(pm, PM_DIAG_WARNING,
					line_at(data, first_bad),
					"the file is not valid UTF-8: %zu "
					"invalid byte sequence%s replaced with "
					"U+FFFD (the first is on this line)",
					bad, bad == 1 ? " was" : "s were");
		if (nuls)
			postmortem_diag(pm, PM_DIAG_WARNING,
					line_at(data, first_nul),
					"the file contains %zu NUL byte%s; "
					"removed (the first is on this line)",
					nuls, nuls == 1 ? "" : "s");
		s = fixed.ptr;
		len = fixed.len;
	}
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		len -= 3;
	}
	buf_grow(out, len);
	for (i = 0; i < len; i++) {
		if (s[i] != '\r')
			continue;
		buf_add(out, s + start, i - start);
		buf_addch(out, '\n');
		if (i + 1 < len && s[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	buf_add(out, s + start, len - start);
	buf_release(&fixed);
}

/*
 * Checks that later happened no earlier than earlier. When either is a
 * date without a time, only the calendar days are compared: "2018-02-14"
 * and "2018-02-14T01:00:00+09:00" are the same day, not 8 hours apart.
 */
static void check_order(struct postmortem *pm, const struct pm_time *later,
			const char *later_name, const struct pm_time *earlier,
			const char *earlier_name, enum pm_diag_level level)
{
	int before;

	if (!later->set || !earlier->set)
		return;
	if (later->date_only || earlier->date_only)
		before = local_day(later) < local_day(earlier);
	else
		before = later->epoch < earlier->epoch;
	if (before)
		postmortem_diag(pm, level, later->line,
				"%s (%s) is before %s (%s)", later_name,
				later->text, earlier_name, earlier->text);
}

/* Fills what every record has, whatever the file said. */
static void fill_defaults(struct postmortem *pm)
{
	if (!pm->title)
		pm->title = xstrdup(pm->slug);
	if (!pm->summary)
		pm->summary = xstrdup("");
	if (!pm->status)
		pm->status = xstrdup("published");
	if (!pm->causes.n)
		pm_list_add(&pm->causes, "unknown");
	if (!pm->html)
		pm->html = xstrdup("");
	if (!pm->text)
		pm->text = xstrdup("");
}

enum pm_status postmortem_parse(struct postmortem *pm, const char *path,
				const char *data, size_t len,
				const struct taxonomy *tax,
				int64_t fallback_start)
{
	struct buf clean = BUF_INIT;
	enum pm_status st = PM_OK;
	const char *yaml = NULL, *body = NULL;
	size_t yaml_len = 0, body_len = 0;
	int body_line = 1, unclosed, fm_ok;
	unsigned found = 0;

	pm->path = xstrdup(path ? path : "");
	pm->slug = postmortem_slug(pm->path);
	if (len > PM_MAX_FILE_SIZE) {
		postmortem_diag(pm, PM_DIAG_ERROR, 0,
				"the file is %zu bytes; the limit is %u bytes, "
				"so it is not indexed",
				len, PM_MAX_FILE_SIZE);
		st = PM_TOO_LARGE;
		goto out;
	}

	normalise(pm, &clean, data ? data : "", data ? len : 0);
	unclosed = frontmatter_split(clean.ptr, clean.len, &yaml, &yaml_len,
				     &body, &body_len, &body_line);
	if (unclosed)
		postmortem_diag(pm, PM_DIAG_ERROR, 1,
				"the front matter is not closed (no '---' line "
				"after it), so the whole file is read as "
				"Markdown");
	if (yaml) {
		pm->has_front_matter = 1;
		if (yaml_len > PM_MAX_FRONT_MATTER) {
			postmortem_diag(pm, PM_DIAG_ERROR, 1,
					"the front matter is %zu bytes; the "
					"limit is %u bytes, so it is ignored",
					yaml_len, PM_MAX_FRONT_MATTER);
			found = FM_BROKEN;
		} else {
			found = frontmatter_parse(pm, yaml, yaml_len, 2, tax);
		}
	}
	markdown_render(pm, body, body_len, body_line);

	/* Missing fields are errors only in front matter that parsed. */
	fm_ok = pm->has_front_matter && !(found & FM_BROKEN);
	if (!pm->title) {
		if (fm_ok)
			postmortem_diag(pm, PM_DIAG_ERROR, 1, "%s",
					found & FM_FOUND_TITLE
						? "title is empty and the body "
						  "has no heading to use "
						  "instead"
						: "missing required field "
						  "'title' (and the body has "
						  "no heading to use instead)");
		else
			postmortem_diag(pm, PM_DIAG_WARNING, 0,
					"no title and no heading; the file "
					"name is used as the title");
	}
	if (!pm->causes.n && fm_ok && !(found & FM_FOUND_CAUSE))
		postmortem_diag(pm, PM_DIAG_ERROR, 1,
				"missing required field 'cause'; the incident "
				"is counted as 'unknown'");
	else if (!pm->has_front_matter && !unclosed)
		postmortem_diag(pm, PM_DIAG_WARNING, 0,
				"the file has no front matter, so its cause is "
				"'unknown'; add front matter with at least "
				"title, started_at and cause");

	if (!pm->started.set) {
		/* A bad date already has its error; absence gets a warning. */
		int warn = !(found & FM_FOUND_STARTED);
		/* Line 1 points at front matter that should have it. */
		int where = fm_ok ? 1 : 0;

		if (fallback_start) {
			pm_time_from_epoch(&pm->started, fallback_start);
			if (warn)
				postmortem_diag(pm, PM_DIAG_WARNING, where,
						"missing started_at; using %s "
						"(when the file was first "
						"committed or changed)",
						pm->started.text);
		} else if (warn) {
			postmortem_diag(pm, PM_DIAG_WARNING, where,
					"missing started_at; the incident has "
					"no start time");
		}
	}
	/* A start time taken from git says nothing about the incident. */
	if (pm->started.line) {
		check_order(pm, &pm->detected, "detected_at", &pm->started,
			    "started_at", PM_DIAG_ERROR);
		check_order(pm, &pm->mitigated, "mitigated_at", &pm->started,
			    "started_at", PM_DIAG_ERROR);
		check_order(pm, &pm->resolved, "resolved_at", &pm->started,
			    "started_at", PM_DIAG_ERROR);
	}
	check_order(pm, &pm->mitigated, "mitigated_at", &pm->detected,
		    "detected_at", PM_DIAG_WARNING);
	check_order(pm, &pm->resolved, "resolved_at", &pm->mitigated,
		    "mitigated_at", PM_DIAG_WARNING);
	if (pm->actions_dropped)
		postmortem_diag(pm, PM_DIAG_WARNING, 0,
				"more than %d action items; %zu were ignored",
				PM_MAX_ACTIONS, pm->actions_dropped);
out:
	fill_defaults(pm);
	buf_release(&clean);
	return st;
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
