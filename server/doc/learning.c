/*
 * Learning-loop settings (.pmkb.yml): see include/pmkb/doc/learning.h.
 *
 * Map: reading each key → implied due dates → an item's text as parts
 * (explicit links, bare URLs, tracker references) → people.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/ynode.h"

#define MAX_TRACKERS 32
#define MAX_PATTERN 200
#define MAX_RULES 64
#define MAX_PEOPLE 2000
/* Matches per tracker and text: item texts are one line. */
#define MAX_MATCHES 64

struct learning *learning_new(void)
{
	struct learning *l = xcalloc(1, sizeof(*l));

	l->digest_weekday = -1;
	l->digest_minute = 10 * 60;
	l->recurrence_window_days = 365;
	l->recurrence_similarity = LEARNING_RECURRENCE_SIMILARITY;
	l->recurrence_labels_similarity = LEARNING_RECURRENCE_LABELS_SIMILARITY;
	return l;
}

void learning_free(struct learning *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n_trackers; i++) {
		free(l->trackers[i].pattern);
		free(l->trackers[i].url);
		regfree(&l->trackers[i].re);
	}
	free(l->trackers);
	for (i = 0; i < l->n_due; i++)
		free(l->due[i].severity);
	free(l->due);
	for (i = 0; i < l->n_people; i++) {
		free(l->people[i].name);
		free(l->people[i].slack_id);
	}
	free(l->people);
	free(l);
}

static const char *const keys[] = { "trackers", "due_by_severity", "people",
				    "digest", "recurrence" };

int learning_is_key(const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

/* ---- reading ---------------------------------------------------------- */

struct lparse {
	struct learning *l;
	const char *source;
	struct pm_error *err;
};

/* Fills p->err with where and what, and returns PM_INVALID. */
#define fail(p, line, ...)                                                  \
	pm_error_set((p)->err, PM_INVALID, (p)->source, (line), __VA_ARGS__)

/* The scalar's text, or NULL for anything else or an empty value. */
static const char *scalar(const struct ynode *v)
{
	if (!v || v->type != YNODE_SCALAR || v->is_null || !v->len)
		return NULL;
	return v->value;
}

/* "28d", "4w", "28": days, or -1. */
static int parse_days(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (end == s || n < 0 || n > 3660)
		return -1;
	if (!*end || !strcmp(end, "d"))
		return (int)n;
	if (!strcmp(end, "w") && n <= 520)
		return (int)n * 7;
	return -1;
}

/*
 * The pattern in POSIX extended syntax: \d, \w and \s are what people
 * write (PCRE, JavaScript), which POSIX does not know.
 */
static void to_posix(const char *pat, struct buf *out)
{
	for (const char *p = pat; *p; p++) {
		if (p[0] == '\\' && p[1] == 'd') {
			buf_addstr(out, "[0-9]");
			p++;
		} else if (p[0] == '\\' && p[1] == 'w') {
			buf_addstr(out, "[A-Za-z0-9_]");
			p++;
		} else if (p[0] == '\\' && p[1] == 's') {
			buf_addstr(out, "[[:space:]]");
			p++;
		} else {
			buf_addch(out, *p);
		}
	}
}

static int safe_href(const char *u)
{
	return !strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8) ||
	       !strncasecmp(u, "mailto:", 7) || (u[0] == '/' && u[1] != '/');
}

static enum pm_status read_trackers(struct lparse *p, const struct ynode *v)
{
	struct learning *l = p->l;
	struct buf posix = BUF_INIT;
	enum pm_status st = PM_OK;

	if (v->type != YNODE_SEQUENCE)
		return fail(p, v->line,
			    "trackers: expected a list like [{pattern: "
			    "'JIRA-(\\d+)', url: 'https://jira.example.com/"
			    "browse/JIRA-$1'}], got %s",
			    ynode_type_name(v));
	if (v->n > MAX_TRACKERS)
		return fail(p, v->line, "trackers: more than %d",
			    MAX_TRACKERS);
	if (l->trackers)
		return fail(p, v->line, "duplicate key 'trackers'");
	l->trackers = xcalloc(v->n ? v->n : 1, sizeof(*l->trackers));
	for (size_t i = 0; i < v->n && !st; i++) {
		const struct ynode *m = v->kids[i];
		const char *pat = scalar(ynode_get(m, "pattern"));
		const char *url = scalar(ynode_get(m, "url"));
		struct learning_tracker *t = &l->trackers[l->n_trackers];
		int rc;

		if (m->type != YNODE_MAPPING || !pat || !url) {
			st = fail(p, m->line,
				  "trackers[%zu]: expected a mapping with "
				  "pattern and url",
				  i);
			break;
		}
		if (strlen(pat) > MAX_PATTERN) {
			st = fail(p, m->line,
				  "trackers[%zu].pattern: longer than %d "
				  "bytes", i, MAX_PATTERN);
			break;
		}
		if (strncasecmp(url, "http://", 7) &&
		    strncasecmp(url, "https://", 8)) {
			st = fail(p, ynode_get(m, "url")->line,
				  "trackers[%zu].url: expected an http(s) "
				  "URL, got '%.60s'", i, url);
			break;
		}
		buf_reset(&posix);
		to_posix(pat, &posix);
		if ((rc = regcomp(&t->re, posix.ptr, REG_EXTENDED))) {
			char why[120];

			regerror(rc, &t->re, why, sizeof(why));
			st = fail(p, ynode_get(m, "pattern")->line,
				  "trackers[%zu].pattern: '%.60s' is not a "
				  "regular expression: %s", i, pat, why);
			break;
		}
		t->pattern = xstrdup(pat);
		t->url = xstrdup(url);
		l->n_trackers++;
	}
	buf_release(&posix);
	return st;
}

static enum pm_status read_due(struct lparse *p, const struct ynode *v)
{
	struct learning *l = p->l;

	if (v->type != YNODE_MAPPING)
		return fail(p, v->line,
			    "due_by_severity: expected a mapping like {SEV0: "
			    "4w, SEV1: 4w, default: 8w}, got %s",
			    ynode_type_name(v));
	if (v->n / 2 > MAX_RULES)
		return fail(p, v->line, "due_by_severity: more than %d",
			    MAX_RULES);
	if (l->due)
		return fail(p, v->line, "duplicate key 'due_by_severity'");
	l->due = xcalloc(v->n / 2 + 1, sizeof(*l->due));
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const char *sev = scalar(v->kids[i]);
		const char *d = scalar(v->kids[i + 1]);
		int days = d ? parse_days(d) : -1;

		if (!sev)
			return fail(p, v->kids[i]->line,
				    "due_by_severity: a key is empty");
		if (days < 0)
			return fail(p, v->kids[i + 1]->line,
				    "due_by_severity.%.40s: expected a "
				    "duration like 28d or 4w, got '%.40s'",
				    sev, d ? d : "");
		l->due[l->n_due].severity = xstrdup(sev);
		l->due[l->n_due++].days = days;
	}
	return PM_OK;
}

static enum pm_status read_people(struct lparse *p, const struct ynode *v)
{
	struct learning *l = p->l;

	if (v->type != YNODE_MAPPING)
		return fail(p, v->line,
			    "people: expected a mapping like {tanaka: "
			    "U0123ABCD}, got %s",
			    ynode_type_name(v));
	if (v->n / 2 > MAX_PEOPLE)
		return fail(p, v->line, "people: more than %d", MAX_PEOPLE);
	if (l->people)
		return fail(p, v->line, "duplicate key 'people'");
	l->people = xcalloc(v->n / 2 + 1, sizeof(*l->people));
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const char *name = scalar(v->kids[i]);
		const char *id = scalar(v->kids[i + 1]);

		if (!name || !id)
			return fail(p, v->kids[i]->line,
				    "people: expected name: SLACK_USER_ID");
		for (const char *c = id; *c; c++)
			if (!((*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9')))
				return fail(p, v->kids[i + 1]->line,
					    "people.%.40s: '%.40s' is not a "
					    "Slack user id like U0123ABCD",
					    name, id);
		l->people[l->n_people].name =
			xstrdup(name[0] == '@' ? name + 1 : name);
		l->people[l->n_people++].slack_id = xstrdup(id);
	}
	return PM_OK;
}

static int weekday_of(const char *s)
{
	static const char *const days[] = { "sunday",	"monday", "tuesday",
					    "wednesday", "thursday", "friday",
					    "saturday" };

	for (int i = 0; i < 7; i++)
		if (!strcasecmp(s, days[i]) ||
		    (strlen(s) == 3 && !strncasecmp(s, days[i], 3)))
			return i;
	return -1;
}

static enum pm_status read_digest(struct lparse *p, const struct ynode *v)
{
	struct learning *l = p->l;
	const char *day, *tm;
	int h, m;
	char extra;

	if (v->type == YNODE_SCALAR && scalar(v) &&
	    (!strcmp(v->value, "off") || !strcmp(v->value, "false"))) {
		l->digest_weekday = -1;
		return PM_OK;
	}
	if (v->type != YNODE_MAPPING)
		return fail(p, v->line,
			    "digest: expected off or a mapping like {day: "
			    "monday, time: \"10:00\"}, got %s",
			    ynode_type_name(v));
	l->digest_weekday = 1; /* Monday 10:00 unless said otherwise */
	l->digest_minute = 10 * 60;
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const char *k = scalar(v->kids[i]);

		if (!k || (strcmp(k, "day") && strcmp(k, "time")))
			return fail(p, v->kids[i]->line,
				    "digest: unknown key '%.40s' (expected "
				    "day or time)",
				    k ? k : "");
	}
	if ((day = scalar(ynode_get(v, "day")))) {
		int wd = weekday_of(day);

		if (wd < 0)
			return fail(p, ynode_get(v, "day")->line,
				    "digest.day: expected a weekday like "
				    "monday, got '%.40s'", day);
		l->digest_weekday = wd;
	}
	if ((tm = scalar(ynode_get(v, "time")))) {
		if (sscanf(tm, "%2d:%2d%c", &h, &m, &extra) != 2 || h < 0 ||
		    h > 23 || m < 0 || m > 59)
			return fail(p, ynode_get(v, "time")->line,
				    "digest.time: expected HH:MM (quoted), "
				    "got '%.40s'", tm);
		l->digest_minute = h * 60 + m;
	}
	return PM_OK;
}

/* A share from 0 to 1 ("0.35"), or -1. */
static double parse_share(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= 0.0 && v <= 1.0))
		return -1;
	return v;
}

static enum pm_status read_recurrence(struct lparse *p, const struct ynode *v)
{
	static const char *const shares[] = { "similarity",
					      "labels_similarity" };
	double *dest[] = { &p->l->recurrence_similarity,
			   &p->l->recurrence_labels_similarity };
	const char *w;
	int days;

	if (v->type != YNODE_MAPPING)
		return fail(p, v->line,
			    "recurrence: expected a mapping like "
			    "{window_days: 365, similarity: 0.35}, got %s",
			    ynode_type_name(v));
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const char *k = scalar(v->kids[i]);

		if (!k || (strcmp(k, "window_days") && strcmp(k, shares[0]) &&
			   strcmp(k, shares[1])))
			return fail(p, v->kids[i]->line,
				    "recurrence: unknown key '%.40s' "
				    "(expected window_days, similarity or "
				    "labels_similarity)",
				    k ? k : "");
	}
	if ((w = scalar(ynode_get(v, "window_days")))) {
		days = parse_days(w);
		if (days < 1)
			return fail(p, ynode_get(v, "window_days")->line,
				    "recurrence.window_days: expected a "
				    "number of days, got '%.40s'", w);
		p->l->recurrence_window_days = days;
	}
	for (size_t i = 0; i < 2; i++) {
		double share;

		if (!(w = scalar(ynode_get(v, shares[i]))))
			continue;
		share = parse_share(w);
		/* 0 would flag whatever shares two words: say so. */
		if (share < 0 || (i == 0 && share == 0))
			return fail(p, ynode_get(v, shares[i])->line,
				    "recurrence.%s: expected a share of "
				    "the new postmortem's distinctive words "
				    "%s 1, like 0.35; got '%.40s'",
				    shares[i], i ? "from 0 to" : "above 0 up to",
				    w);
		*dest[i] = share;
	}
	return PM_OK;
}

enum pm_status learning_read(struct learning *l, const char *key,
			     const struct ynode *v, const char *source,
			     struct pm_error *err)
{
	struct lparse p = { l, source ? source : ".pmkb.yml", err };

	if (v->type == YNODE_SCALAR && v->is_null)
		return PM_OK;
	if (!strcmp(key, "trackers"))
		return read_trackers(&p, v);
	if (!strcmp(key, "due_by_severity"))
		return read_due(&p, v);
	if (!strcmp(key, "people"))
		return read_people(&p, v);
	if (!strcmp(key, "digest"))
		return read_digest(&p, v);
	if (!strcmp(key, "recurrence"))
		return read_recurrence(&p, v);
	return PM_OK;
}

/* ---- implied due dates ------------------------------------------------ */

/* "Sev 1" and "SEV1" alike: case, spaces, hyphens and underscores aside. */
static int same_severity(const char *a, const char *b)
{
	for (;;) {
		while (*a && strchr(" -_", *a))
			a++;
		while (*b && strchr(" -_", *b))
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if ((*a | 0x20) != (*b | 0x20) &&
		    !(*a >= '0' && *a <= '9' && *a == *b))
			return 0;
		if (*a != *b && ((*a | 0x20) < 'a' || (*a | 0x20) > 'z'))
			return 0;
		a++;
		b++;
	}
}

int learning_implied_due(const struct learning *l, const char *severity,
			 const struct pm_time *started, char out[11])
{
	const struct learning_due *rule = NULL, *fallback = NULL;
	int64_t day, y;
	int m, d;

	if (!l || !started || !started->set)
		return 0;
	for (size_t i = 0; i < l->n_due; i++) {
		const struct learning_due *r = &l->due[i];

		if (!strcasecmp(r->severity, "default"))
			fallback = r;
		else if (severity && same_severity(r->severity, severity))
			rule = r;
	}
	if (!rule)
		rule = fallback;
	if (!rule)
		return 0;
	/* The day the incident started where it was written down. */
	day = civil_floor_div(started->epoch + started->offset_min * 60, 86400);
	civil_from_days(day + rule->days, &y, &m, &d);
	if (y < 1000 || y > 9999)
		return 0;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 13,
		 (unsigned)d % 32);
	return 1;
}

/* ---- text parts ------------------------------------------------------- */

struct span {
	size_t off, len;
	char *href; /* owned */
};

struct spans {
	struct span *v;
	size_t n, alloc;
};

/* Adds [off, off+len) unless it overlaps a span already taken. */
static int take(struct spans *s, size_t off, size_t len, char *href)
{
	for (size_t i = 0; i < s->n; i++)
		if (off < s->v[i].off + s->v[i].len && s->v[i].off < off + len) {
			free(href);
			return 0;
		}
	XGROW(s->v, s->alloc, s->n + 1);
	s->v[s->n].off = off;
	s->v[s->n].len = len;
	s->v[s->n++].href = href;
	return 1;
}

static int by_offset(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static void explicit_links(struct spans *s, const char *text,
			   const char *links)
{
	json_t *j = links ? json_loads(links, 0, NULL) : NULL;
	size_t i, from = 0;
	json_t *pair;

	json_array_foreach(j, i, pair) {
		const char *label = json_string_value(json_array_get(pair, 0));
		const char *url = json_string_value(json_array_get(pair, 1));
		const char *at;

		if (!label || !url || !*label || !safe_href(url) ||
		    from > strlen(text) || !(at = strstr(text + from, label)))
			continue;
		take(s, (size_t)(at - text), strlen(label), xstrdup(url));
		from = (size_t)(at - text) + strlen(label);
	}
	json_decref(j);
}

static void bare_urls(struct spans *s, const char *text)
{
	const char *p = text, *q;

	while ((q = strstr(p, "http"))) {
		size_t n;

		if ((strncmp(q, "http://", 7) && strncmp(q, "https://", 8)) ||
		    (q > text && q[-1] != ' ' && q[-1] != '(' && q[-1] != '<')) {
			p = q + 4;
			continue;
		}
		for (n = 0; q[n] && q[n] != ' ' && q[n] != '<' && q[n] != '>';
		     n++)
			;
		while (n && strchr(".,;:!?)'\"", q[n - 1]))
			n--;
		take(s, (size_t)(q - text), n, xstrndup(q, n));
		p = q + (n ? n : 4);
	}
}

/* The tracker's url with $0..$9 replaced by the match and its groups. */
static char *expand(const char *tmpl, const char *text,
		    const regmatch_t *m)
{
	struct buf out = BUF_INIT;

	for (const char *t = tmpl; *t; t++) {
		if (t[0] == '$' && t[1] >= '0' && t[1] <= '9') {
			const regmatch_t *g = &m[t[1] - '0'];

			if (g->rm_so >= 0)
				buf_add(&out, text + g->rm_so,
					(size_t)(g->rm_eo - g->rm_so));
			t++;
		} else {
			buf_addch(&out, *t);
		}
	}
	return buf_detach(&out, NULL);
}

static void tracker_refs(struct spans *s, const struct learning *l,
			 const char *text)
{
	regmatch_t m[10];

	for (size_t i = 0; l && i < l->n_trackers; i++) {
		size_t off = 0;
		int k = 0;

		while (k++ < MAX_MATCHES && text[off] &&
		       !regexec(&l->trackers[i].re, text + off, 10, m,
				off ? REG_NOTBOL : 0)) {
			size_t len = (size_t)(m[0].rm_eo - m[0].rm_so);

			if (!len)
				break;
			take(s, off + (size_t)m[0].rm_so, len,
			     expand(l->trackers[i].url, text + off, m));
			off += (size_t)m[0].rm_eo;
		}
	}
}

/* Appends {"text": text[0..n)} or, with href, {"text", "href"}. */
static void write_part(struct buf *out, const char *text, size_t n,
		       const char *href)
{
	buf_addstr(out, "{\"text\":");
	jsonout_string_repaired(out, text, n);
	if (href) {
		buf_addstr(out, ",\"href\":");
		jsonout_string_repaired(out, href, strlen(href));
	}
	buf_addch(out, '}');
}

void learning_write_parts(struct buf *out, const struct learning *l,
			  const char *text, const char *links)
{
	struct spans s = { 0 };
	size_t at = 0;

	buf_addch(out, '[');
	if (!text) {
		buf_addch(out, ']');
		return;
	}
	explicit_links(&s, text, links);
	bare_urls(&s, text);
	tracker_refs(&s, l, text);
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), by_offset);
	for (size_t i = 0; i < s.n; i++) {
		if (s.v[i].off > at) {
			write_part(out, text + at, s.v[i].off - at, NULL);
			buf_addch(out, ',');
		}
		write_part(out, text + s.v[i].off, s.v[i].len, s.v[i].href);
		if (i + 1 < s.n)
			buf_addch(out, ',');
		at = s.v[i].off + s.v[i].len;
		free(s.v[i].href);
	}
	if (text[at] || !at) {
		if (s.n)
			buf_addch(out, ',');
		write_part(out, text + at, strlen(text + at), NULL);
	}
	buf_addch(out, ']');
	free(s.v);
}

json_t *learning_text_parts(const struct learning *l, const char *text,
			    const char *links)
{
	struct buf b = BUF_INIT;
	json_t *parts;

	learning_write_parts(&b, l, text, links);
	parts = json_loadb(b.ptr, b.len, 0, NULL);
	buf_release(&b);
	return parts ? parts : json_array();
}

/* ---- people ----------------------------------------------------------- */

const char *learning_slack_id(const struct learning *l, const char *owner)
{
	if (!l || !owner)
		return NULL;
	if (owner[0] == '@')
		owner++;
	for (size_t i = 0; i < l->n_people; i++)
		if (!strcasecmp(l->people[i].name, owner))
			return l->people[i].slack_id;
	return NULL;
}

const char *learning_owner_of(const struct learning *l, const char *slack_id)
{
	for (size_t i = 0; l && slack_id && i < l->n_people; i++)
		if (!strcmp(l->people[i].slack_id, slack_id))
			return l->people[i].name;
	return NULL;
}
