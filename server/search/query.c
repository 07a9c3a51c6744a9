/*
 * The query language: see include/pmkb/search/query.h for the grammar.
 *
 * The text is read in one pass into items (terms, ORs, filters); terms are
 * tokenized with the index's own tokenizer to decide how to quote them, so
 * that what FTS5 sees is always a sequence of quoted strings joined by
 * operators written here. Filters become lists and bounds in struct
 * pm_query for searcher.c to turn into bound SQL parameters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/utf8.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/text.h"
#include "pmkb/base/buf.h"
#include "pmkb/search/glossary.h"
#include "pmkb/search/query.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/base/xalloc.h"

/* A positive group being built: terms joined by OR. */
struct parser {
	const char *text;
	size_t len;
	const struct taxonomy *tax;
	struct glossary *glossary;
	struct pm_list synonyms; /* searched for, after the terms typed */
	struct pm_query *q;
	struct pm_error *err;
	struct buf pos;	 /* positive groups joined by AND */
	struct buf neg;	 /* excluded terms joined by OR */
	int npos_groups; /* groups in pos */
	int group_terms; /* terms in the group being built */
	int group_start; /* offset of that group in pos */
	int want_or;	 /* an OR follows a positive term */
	int used_or;	 /* the query has an OR */
	int last_pos;	 /* the last item was a positive term */
	int items;
};

enum field {
	F_NONE,
	F_CAUSE,
	F_SERVICE,
	F_SEVERITY,
	F_SEVERITY_LE,
	F_TAG,
	F_AUTHOR,
	F_TEAM,
	F_STATUS,
	F_AFTER,
	F_BEFORE,
};

static const struct {
	const char *name;
	enum field f;
} fields[] = {
	{ "cause", F_CAUSE },	  { "service", F_SERVICE },
	{ "severity", F_SEVERITY }, { "tag", F_TAG },
	{ "author", F_AUTHOR },	  { "team", F_TEAM },
	{ "status", F_STATUS },	  { "after", F_AFTER },
	{ "before", F_BEFORE },
};

void query_init(struct pm_query *q)
{
	memset(q, 0, sizeof(*q));
	q->severity_max_rank = -1;
	q->after = INT64_MIN;
	q->before = INT64_MAX;
}

void query_release(struct pm_query *q)
{
	free(q->match);
	free(q->exclude);
	json_decref(q->expanded);
	pm_list_release(&q->terms);
	pm_list_release(&q->exact);
	pm_list_release(&q->causes);
	pm_list_release(&q->services);
	pm_list_release(&q->tags);
	pm_list_release(&q->authors);
	pm_list_release(&q->teams);
	pm_list_release(&q->statuses);
	pm_list_release(&q->severities);
	query_init(q);
}

/* The 1-based column (in characters) of byte offset off. */
static int column_of(const char *s, size_t off)
{
	int col = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static enum pm_status fail(struct parser *p, enum pm_status st, size_t off,
			   const char *fmt, const char *arg)
{
	char msg[200];
	int col = column_of(p->text, off);

	snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
	pm_error_set(p->err, st, "query", 0, "query: %s at column %d", msg,
		     col);
	if (p->err)
		p->err->column = col;
	return st;
}

/* A copy of s[0..n) cut to at most max bytes on a character boundary. */
static void excerpt(char *out, size_t outsz, const char *s, size_t n)
{
	if (n > outsz - 1) {
		n = outsz - 1;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

static int shape_cb(void *ctx, const char *tok, int ntok, int start, int end,
		    int flags)
{
	struct query_term_shape *sh = ctx;

	(void)tok;
	(void)start;
	(void)end;
	sh->ntok++;
	sh->cjk += (flags & PM_TOKEN_CJK) != 0;
	sh->last_flags = flags;
	sh->last_len = ntok;
	return 0;
}

void query_term_shape(const char *s, size_t n, struct query_term_shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	tokenizer_run_query(s, (int)n, 0, 1, shape_cb, sh);
}

/* Whether every token of s[0..n) is CJK (and there is one). */
static int cjk_only(const char *s, size_t n)
{
	struct query_term_shape sh;

	query_term_shape(s, n, &sh);
	return sh.ntok && sh.cjk == sh.ntok;
}

/* Appends s[0..n) as an FTS5 string: quoted, with quotes doubled. */
static void add_quoted(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_addch(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_addch(b, '"');
		buf_addch(b, s[i]);
	}
	buf_addch(b, '"');
}

/*
 * Writes the FTS5 expression for one term into out; returns 0 when the
 * term has nothing to search for (no tokens). A quoted term is searched
 * as written: no prefix branch unless asked for ("disk"*).
 */
static int term_expr(struct buf *out, const char *s, size_t n, int prefix,
		     int quoted)
{
	struct query_term_shape sh;

	query_term_shape(s, n, &sh);
	if (!sh.ntok)
		return 0;
	if (!(sh.last_flags & PM_TOKEN_CJK) &&
	    (prefix || (sh.last_len >= 3 && !quoted))) {
		/*
		 * The stemmed form finds inflections (deployed → deploi);
		 * the unstemmed prefix finds longer words whose stem differs
		 * (deployment → deploy). Both are needed for deploy* too.
		 * Short words are left exact unless asked: "a"* would read
		 * half the index.
		 */
		buf_addch(out, '(');
		add_quoted(out, s, n);
		buf_addstr(out, " OR ");
		add_quoted(out, s, n);
		buf_addstr(out, "*)");
	} else if (prefix || (sh.last_flags & PM_TOKEN_RUN_END)) {
		/*
		 * A lone CJK character at the end is indexed only as the
		 * first half of the bigrams that follow it: match those.
		 */
		add_quoted(out, s, n);
		buf_addch(out, '*');
	} else {
		add_quoted(out, s, n);
	}
	return 1;
}

/*
 * Widens the expression e of term s[0..n) to (e OR synonym...) when the
 * glossary has synonyms for it, and records them in q->expanded and, for
 * highlighting, p->synonyms. A synonym is searched as one phrase, without
 * the prefix match a word typed has, so that in the ranking the term
 * typed counts for more than any one of its synonyms.
 */
static void expand_term(struct parser *p, struct buf *e, const char *s,
			size_t n)
{
	struct pm_list syn = { NULL, 0, 0 };
	struct buf x = BUF_INIT;
	json_t *shown = NULL;
	char *term = NULL;
	size_t i;

	if (!glossary_synonyms(p->glossary, s, n, &syn,
			       PM_QUERY_MAX_SYNONYMS))
		goto out;
	shown = json_array();
	buf_addch(&x, '(');
	buf_add(&x, e->ptr, e->len);
	/*
	 * bm25 adds up the phrases a row matches: a word typed is already
	 * two (stemmed and prefix), a Japanese one is one, written twice so
	 * that it too outweighs any one synonym.
	 */
	if (e->ptr[0] != '(') {
		buf_addstr(&x, " OR ");
		buf_add(&x, e->ptr, e->len);
	}
	for (i = 0; i < syn.n; i++) {
		struct query_term_shape sh;
		size_t len = strlen(syn.v[i]);

		query_term_shape(syn.v[i], len, &sh);
		if (!sh.ntok)
			continue;
		buf_addstr(&x, " OR ");
		add_quoted(&x, syn.v[i], len);
		if (sh.last_flags & PM_TOKEN_RUN_END)
			buf_addch(&x, '*');
		json_array_append_new(shown, json_string(syn.v[i]));
		pm_list_add_unique(&p->synonyms, syn.v[i]);
	}
	buf_addch(&x, ')');
	if (!json_array_size(shown))
		goto out;
	buf_reset(e);
	buf_add(e, x.ptr, x.len);
	if (!p->q->expanded)
		p->q->expanded = json_object();
	term = xstrndup(s, n);
	json_object_set_new(p->q->expanded, term, shown);
	shown = NULL;
out:
	free(term);
	json_decref(shown);
	buf_release(&x);
	pm_list_release(&syn);
}

/* Closes the positive group being built (parenthesised if it has OR). */
static void group_close(struct parser *p)
{
	if (p->group_terms > 1) {
		/* Wrap pos[group_start..] in parentheses. */
		struct buf g = BUF_INIT;

		buf_add(&g, p->pos.ptr + p->group_start,
			p->pos.len - (size_t)p->group_start);
		buf_setlen(&p->pos, (size_t)p->group_start);
		buf_addch(&p->pos, '(');
		buf_add(&p->pos, g.ptr, g.len);
		buf_addch(&p->pos, ')');
		buf_release(&g);
	}
	p->group_terms = 0;
}

/*
 * expand: the term was typed bare, not quoted: look it up in the glossary
 * (unless it is a prefix). A quoted one is searched as written.
 */
static void add_term(struct parser *p, const char *s, size_t n, int neg,
		     int prefix, int expand)
{
	struct buf e = BUF_INIT;
	char *copy;

	if (!term_expr(&e, s, n, prefix, !expand))
		goto out;
	if (neg) {
		if (p->neg.len)
			buf_addstr(&p->neg, " OR ");
		buf_add(&p->neg, e.ptr, e.len);
		p->want_or = 0;
		p->last_pos = 0;
		goto out;
	}
	if (p->want_or && p->group_terms) {
		buf_addstr(&p->pos, " OR ");
	} else {
		group_close(p);
		if (p->npos_groups)
			buf_addstr(&p->pos, " AND ");
		p->group_start = (int)p->pos.len;
		p->npos_groups++;
	}
	copy = xstrndup(s, n);
	pm_list_add_unique(&p->q->terms, copy);
	free(copy);
	if (expand && !prefix)
		expand_term(p, &e, s, n);
	buf_add(&p->pos, e.ptr, e.len);
	p->group_terms++;
	p->want_or = 0;
	p->last_pos = 1;
out:
	buf_release(&e);
}

static int digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int query_date(const char *s, int end, int64_t *epoch)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30,
					  31, 31, 30, 31, 30, 31 };
	size_t n = strlen(s);
	int y, m = 1, d = 1;

	if (n != 4 && n != 7 && n != 10)
		return -1;
	if ((y = digits(s, 4)) < 1970 - 70 || y > 9998)
		return -1;
	if (n >= 7 && (s[4] != '-' || (m = digits(s + 5, 2)) < 1 || m > 12))
		return -1;
	if (n == 10 && (s[7] != '-' || (d = digits(s + 8, 2)) < 1 ||
			(unsigned)d > mdays[m - 1]))
		return -1;
	if (n == 10 && m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*epoch = civil_to_days(y, m, d) * 86400;
	if (end) {
		if (n == 4)
			*epoch = civil_to_days(y + 1, 1, 1) * 86400;
		else if (n == 7)
			*epoch = civil_to_days(m == 12 ? y + 1 : y,
						 m == 12 ? 1 : (unsigned)m + 1,
						 1) *
				 86400;
		else
			*epoch += 86400;
	}
	return 0;
}

static enum pm_status add_filter_value(struct parser *p, enum field f,
				       char *v, size_t off)
{
	char cause[256], shown[48];
	const char *canon = NULL;
	int64_t t;
	int rank;

	excerpt(shown, sizeof(shown), v, strlen(v));
	switch (f) {
	case F_CAUSE:
		/* Canonical exactly as the indexer stores causes. */
		canon = taxonomy_cause(p->tax, v, cause, sizeof(cause));
		if (!canon)
			return fail(p, PM_INVALID, off, "unknown cause \"%s\"",
				    shown);
		pm_list_add_unique(&p->q->causes, canon);
		break;
	case F_SERVICE:
		pm_list_add_unique(&p->q->services, v);
		break;
	case F_TAG:
		pm_list_add_unique(&p->q->tags, v);
		break;
	case F_AUTHOR:
		/* @tanaka and tanaka are the same person. */
		pm_list_add_unique(&p->q->authors, v[0] == '@' ? v + 1 : v);
		break;
	case F_TEAM:
		pm_list_add_unique(&p->q->teams, v);
		break;
	case F_STATUS:
		text_ascii_lower(v);
		if (strcmp(v, "draft") && strcmp(v, "review") &&
		    strcmp(v, "published"))
			return fail(p, PM_INVALID, off,
				    "status is draft, review or published, "
				    "not \"%s\"",
				    shown);
		pm_list_add_unique(&p->q->statuses, v);
		break;
	case F_SEVERITY:
		/* Kept as written (severity:DOWN), as the facet shows it. */
		canon = taxonomy_severity_stored(p->tax, v, cause,
						 sizeof(cause));
		if (!canon)
			return fail(p, PM_INVALID, off,
				    "unknown severity \"%s\"", shown);
		pm_list_add_unique(&p->q->severities, canon);
		break;
	case F_SEVERITY_LE:
		rank = taxonomy_severity(p->tax, v, &canon);
		if (rank < 0)
			return fail(p, PM_INVALID, off,
				    "unknown severity \"%s\"", shown);
		if (p->q->severity_max_rank < 0 ||
			   rank < p->q->severity_max_rank) {
			p->q->severity_max_rank = rank;
		}
		break;
	case F_AFTER:
	case F_BEFORE:
		if (query_date(v, 0, &t) < 0)
			return fail(p, PM_INVALID, off,
				    "%s expects a date like 2017, 2017-07 or "
				    "2017-07-01",
				    f == F_AFTER ? "after:" : "before:");
		if (f == F_AFTER && t > p->q->after)
			p->q->after = t;
		if (f == F_BEFORE && t < p->q->before)
			p->q->before = t;
		break;
	case F_NONE:
		break;
	}
	return PM_OK;
}

/* The offset of the quote that closes the one at offset i. */
static enum pm_status closing_quote(struct parser *p, size_t i, size_t *end)
{
	const char *q = memchr(p->text + i + 1, '"', p->len - i - 1);

	if (!q)
		return fail(p, PM_INVALID, i, "unclosed quote", NULL);
	*end = (size_t)(q - p->text);
	return PM_OK;
}

/*
 * Reads the value of a filter starting at offset i: up to white space,
 * with quoted parts kept whole ("sre japan") and commas outside quotes
 * separating values (not for dates and severity<=). Sets *end past it.
 */
static enum pm_status add_filter(struct parser *p, enum field f, size_t i,
				 size_t *end)
{
	enum pm_status st = PM_OK;
	struct buf v = BUF_INIT;
	size_t start = i, q;
	int split = f != F_AFTER && f != F_BEFORE && f != F_SEVERITY_LE;

	for (;;) {
		int stop = i >= p->len || text_space_len(p->text + i, p->len - i);

		if (stop || (split && p->text[i] == ',')) {
			if (v.len)
				st = add_filter_value(p, f, v.ptr, start);
			if (st != PM_OK)
				goto out;
			buf_reset(&v);
			if (stop)
				break;
			start = ++i;
		} else if (p->text[i] == '"') {
			if ((st = closing_quote(p, i, &q)) != PM_OK)
				goto out;
			buf_add(&v, p->text + i + 1, q - i - 1);
			i = q + 1;
		} else {
			buf_addch(&v, p->text[i++]);
		}
	}
	*end = i;
out:
	buf_release(&v);
	return st;
}

/*
 * Recognises "name:" or "severity<=" at the start of word[0..n); returns
 * the field and sets *skip to the length of the name and operator.
 */
static enum field field_of(const char *w, size_t n, size_t *skip)
{
	size_t i, k;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		k = strlen(fields[i].name);
		if (n <= k || strncasecmp(w, fields[i].name, k))
			continue;
		if (w[k] == ':') {
			*skip = k + 1;
			return fields[i].f;
		}
		if (fields[i].f == F_SEVERITY && n > k + 1 && w[k] == '<' &&
		    w[k + 1] == '=') {
			*skip = k + 2;
			return F_SEVERITY_LE;
		}
	}
	return F_NONE;
}

static enum pm_status parse_items(struct parser *p)
{
	enum pm_status st = PM_OK;
	size_t i = 0, sp;

	while (i < p->len) {
		size_t start, end, skip = 0;
		int neg = 0, prefix = 0;
		enum field f;

		if ((sp = text_space_len(p->text + i, p->len - i))) {
			i += sp;
			continue;
		}
		if (++p->items > PM_QUERY_MAX_TERMS) {
			char max[16];

			snprintf(max, sizeof(max), "%d", PM_QUERY_MAX_TERMS);
			st = fail(p, PM_INVALID, i,
				  "too many terms (at most %s)", max);
			goto out;
		}
		start = i;
		if (p->text[i] == '-' && i + 1 < p->len &&
		    !text_space_len(p->text + i + 1, p->len - i - 1)) {
			neg = 1;
			i++;
		}
		if (p->text[i] == '"') {
			if ((st = closing_quote(p, i, &end)) != PM_OK)
				goto out;
			if (end + 1 < p->len && p->text[end + 1] == '*')
				prefix = 1;
			add_term(p, p->text + i + 1, end - i - 1, neg, prefix,
				 0);
			if (!neg && !prefix && end - i > 1 &&
			    !cjk_only(p->text + i + 1, end - i - 1)) {
				char *w = xstrndup(p->text + i + 1,
						   end - i - 1);

				pm_list_add_unique(&p->q->exact, w);
				free(w);
			}
			i = end + 1 + (size_t)prefix;
			continue;
		}
		end = i;
		while (end < p->len && !text_space_len(p->text + end, p->len - end))
			end++;
		f = field_of(p->text + i, end - i, &skip);
		if (f != F_NONE) {
			if (neg) {
				st = fail(p, PM_INVALID, start,
					  "%s",
					  "a filter cannot be excluded with "
					  "\"-\"");
				goto out;
			}
			if ((st = add_filter(p, f, i + skip, &end)) != PM_OK)
				goto out;
			p->want_or = 0;
			p->last_pos = 0;
			i = end;
			continue;
		}
		if (!neg && end - i == 2 && !memcmp(p->text + i, "OR", 2)) {
			p->want_or = p->last_pos;
			p->used_or = 1;
			i = end;
			continue;
		}
		if (!neg && end - i == 3 && !memcmp(p->text + i, "AND", 3)) {
			i = end;
			continue;
		}
		while (end > i && p->text[end - 1] == '*') {
			end--;
			prefix = 1;
		}
		add_term(p, p->text + i, end - i, neg, prefix, 1);
		i = end + (size_t)prefix;
		while (i < p->len && p->text[i] == '*')
			i++;
	}
out:
	return st;
}

enum pm_status query_parse(struct pm_query *q, const char *text,
			   const struct taxonomy *tax, struct pm_error *err)
{
	uint32_t cp;
	struct parser p;
	enum pm_status st = PM_OK;
	size_t i, n;

	memset(&p, 0, sizeof(p));
	p.text = text ? text : "";
	p.len = strlen(p.text);
	p.tax = tax;
	p.q = q;
	p.err = err;
	p.glossary = glossary_new(tax);
	buf_init(&p.pos, 0);
	buf_init(&p.neg, 0);
	if (p.len > PM_QUERY_MAX_BYTES) {
		st = pm_error_set(err, PM_TOO_LARGE, "query", 0,
				  "query: too long (at most %d bytes)",
				  PM_QUERY_MAX_BYTES);
		goto out;
	}
	for (i = 0; i < p.len; i += n) {
		n = (size_t)utf8_decode(p.text + i, p.len - i, &cp);
		if (!n) {
			st = fail(&p, PM_INVALID, i, "invalid UTF-8", NULL);
			goto out;
		}
	}
	if ((st = parse_items(&p)) != PM_OK)
		goto out;
	group_close(&p);
	/* Highlighting keeps 32 terms: those typed come first. */
	for (i = 0; i < p.synonyms.n; i++)
		pm_list_add_unique(&q->terms, p.synonyms.v[i]);
	/* "a" OR b: the exact words cannot all be required. */
	if (p.used_or)
		pm_list_release(&q->exact);
	if (p.npos_groups && p.neg.len) {
		struct buf m = BUF_INIT;

		buf_addf(&m, "(%s) NOT (%s)", p.pos.ptr, p.neg.ptr);
		q->match = buf_detach(&m, NULL);
	} else if (p.npos_groups) {
		q->match = buf_detach(&p.pos, NULL);
		q->union_only = p.npos_groups == 1;
	} else if (p.neg.len) {
		q->exclude = buf_detach(&p.neg, NULL);
	}
out:
	glossary_free(p.glossary);
	pm_list_release(&p.synonyms);
	buf_release(&p.pos);
	buf_release(&p.neg);
	return st;
}

void query_quote(struct buf *b, const char *s, size_t n)
{
	add_quoted(b, s, n);
}
