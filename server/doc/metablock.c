/*
 * The metadata block: see include/pmkb/doc/metablock.h.
 *
 * The block is looked for in the first META_LINES lines of the body:
 * table rows ("| key | value |", or a header row of keys over one row of
 * values) and list or plain lines ("- **Key**: value", "Key： value"). It
 * ends at the first line of prose after some metadata was found, so that
 * a "Date:" deep in a timeline is not taken for it; and before any is
 * found, the sections that follow prose are skipped unless section_kind()
 * names them for the metadata or the summary (a quoted commit's "Date:"
 * is not the incident's).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/metablock.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/sections.h"
#include "pmkb/doc/taxonomy.h"

#define META_LINES 60
/* A cause or list item from prose longer than this is not a label. */
#define META_ITEM_MAX 60
#define META_CELLS 16

/* Built-in metadata keys. period: the value is a span, start 〜 end. */
static const struct {
	const char *key;
	enum pm_field field;
	int period;
} meta_keys[] = {
	{ "発生日時", PM_F_STARTED, 0 },
	{ "発生日", PM_F_STARTED, 0 },
	{ "発生時刻", PM_F_STARTED, 0 },
	{ "発生時間", PM_F_STARTED, 0 },
	{ "障害発生日時", PM_F_STARTED, 0 },
	{ "日時", PM_F_STARTED, 0 },
	{ "日付", PM_F_STARTED, 0 },
	{ "date", PM_F_STARTED, 0 },
	{ "started", PM_F_STARTED, 0 },
	{ "started at", PM_F_STARTED, 0 },
	{ "start", PM_F_STARTED, 0 },
	{ "start time", PM_F_STARTED, 0 },
	{ "incident date", PM_F_STARTED, 0 },
	{ "incident start", PM_F_STARTED, 0 },
	{ "incident start time", PM_F_STARTED, 0 },
	{ "start date", PM_F_STARTED, 0 },
	{ "影響期間", PM_F_STARTED, 1 },
	{ "障害期間", PM_F_STARTED, 1 },
	{ "期間", PM_F_STARTED, 1 },
	{ "影響時間", PM_F_STARTED, 1 },
	{ "impact", PM_F_STARTED, 1 },
	{ "impact period", PM_F_STARTED, 1 },
	{ "period", PM_F_STARTED, 1 },
	{ "duration", PM_F_STARTED, 1 },
	{ "検知日時", PM_F_DETECTED, 0 },
	{ "検知時刻", PM_F_DETECTED, 0 },
	{ "detected", PM_F_DETECTED, 0 },
	{ "detected at", PM_F_DETECTED, 0 },
	{ "detection time", PM_F_DETECTED, 0 },
	{ "time detected", PM_F_DETECTED, 0 },
	{ "when was the incident detected?", PM_F_DETECTED, 0 },
	{ "検知時間", PM_F_DETECTED, 0 },
	{ "暫定対応日時", PM_F_MITIGATED, 0 },
	{ "mitigated", PM_F_MITIGATED, 0 },
	{ "mitigated at", PM_F_MITIGATED, 0 },
	{ "mitigation time", PM_F_MITIGATED, 0 },
	{ "time mitigated", PM_F_MITIGATED, 0 },
	{ "暫定対処日時", PM_F_MITIGATED, 0 },
	{ "緩和日時", PM_F_MITIGATED, 0 },
	{ "復旧日時", PM_F_RESOLVED, 0 },
	{ "復旧時刻", PM_F_RESOLVED, 0 },
	{ "解消日時", PM_F_RESOLVED, 0 },
	{ "収束日時", PM_F_RESOLVED, 0 },
	{ "resolved", PM_F_RESOLVED, 0 },
	{ "resolved at", PM_F_RESOLVED, 0 },
	{ "end", PM_F_RESOLVED, 0 },
	{ "end time", PM_F_RESOLVED, 0 },
	{ "resolution time", PM_F_RESOLVED, 0 },
	{ "time resolved", PM_F_RESOLVED, 0 },
	{ "incident end", PM_F_RESOLVED, 0 },
	{ "end date", PM_F_RESOLVED, 0 },
	{ "解決日時", PM_F_RESOLVED, 0 },
	{ "解消時刻", PM_F_RESOLVED, 0 },
	{ "復旧確認日時", PM_F_RESOLVED, 0 },
	{ "重大度", PM_F_SEVERITY, 0 },
	{ "深刻度", PM_F_SEVERITY, 0 },
	{ "重要度", PM_F_SEVERITY, 0 },
	{ "影響度", PM_F_SEVERITY, 0 },
	{ "障害レベル", PM_F_SEVERITY, 0 },
	{ "severity", PM_F_SEVERITY, 0 },
	{ "sev", PM_F_SEVERITY, 0 },
	{ "影響サービス", PM_F_SERVICES, 0 },
	{ "対象サービス", PM_F_SERVICES, 0 },
	{ "影響システム", PM_F_SERVICES, 0 },
	{ "対象システム", PM_F_SERVICES, 0 },
	{ "サービス", PM_F_SERVICES, 0 },
	{ "services", PM_F_SERVICES, 0 },
	{ "service", PM_F_SERVICES, 0 },
	{ "affected services", PM_F_SERVICES, 0 },
	{ "service(s) affected", PM_F_SERVICES, 0 },
	{ "services affected", PM_F_SERVICES, 0 },
	{ "affected service(s)", PM_F_SERVICES, 0 },
	{ "impacted service(s)", PM_F_SERVICES, 0 },
	{ "affected service", PM_F_SERVICES, 0 },
	{ "affected system", PM_F_SERVICES, 0 },
	{ "affected systems", PM_F_SERVICES, 0 },
	{ "impacted services", PM_F_SERVICES, 0 },
	{ "影響を受けたサービス", PM_F_SERVICES, 0 },
	{ "affected", PM_F_SERVICES, 0 },
	{ "systems", PM_F_SERVICES, 0 },
	{ "components", PM_F_SERVICES, 0 },
	{ "原因", PM_F_CAUSE, 0 },
	{ "根本原因", PM_F_CAUSE, 0 },
	{ "原因分類", PM_F_CAUSE, 0 },
	{ "原因種別", PM_F_CAUSE, 0 },
	{ "root cause", PM_F_CAUSE, 0 },
	{ "cause", PM_F_CAUSE, 0 },
	{ "causes", PM_F_CAUSE, 0 },
	{ "category", PM_F_CAUSE, 0 },
	{ "検知", PM_F_DETECTION, 0 },
	{ "検知方法", PM_F_DETECTION, 0 },
	{ "検知経路", PM_F_DETECTION, 0 },
	{ "detection", PM_F_DETECTION, 0 },
	{ "detected by", PM_F_DETECTION, 0 },
	{ "トリガー", PM_F_TRIGGER, 0 },
	{ "契機", PM_F_TRIGGER, 0 },
	{ "trigger", PM_F_TRIGGER, 0 },
	{ "担当チーム", PM_F_TEAMS, 0 },
	{ "チーム", PM_F_TEAMS, 0 },
	{ "team", PM_F_TEAMS, 0 },
	{ "teams", PM_F_TEAMS, 0 },
	{ "作成者", PM_F_AUTHORS, 0 },
	{ "記入者", PM_F_AUTHORS, 0 },
	{ "報告者", PM_F_AUTHORS, 0 },
	{ "author", PM_F_AUTHORS, 0 },
	{ "authors", PM_F_AUTHORS, 0 },
	{ "タグ", PM_F_TAGS, 0 },
	{ "tags", PM_F_TAGS, 0 },
	{ "ステータス", PM_F_STATUS, 0 },
	{ "status", PM_F_STATUS, 0 },
	{ "概要", PM_F_SUMMARY, 0 },
	{ "サマリー", PM_F_SUMMARY, 0 },
	{ "summary", PM_F_SUMMARY, 0 },
};
int metablock_key_field(const struct taxonomy *tax, const char *key,
			size_t len, int *period)
{
	*period = 0;
	for (size_t i = 0; tax && i < tax->n_meta_keys; i++)
		if (strlen(tax->meta_keys[i].key) == len &&
		    !strncasecmp(tax->meta_keys[i].key, key, len)) {
			*period = tax->meta_keys[i].period;
			return tax->meta_keys[i].field;
		}
	for (size_t i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++)
		if (strlen(meta_keys[i].key) == len &&
		    !strncasecmp(meta_keys[i].key, key, len)) {
			*period = meta_keys[i].period;
			return (int)meta_keys[i].field;
		}
	return -1;
}

/* Drops Markdown emphasis and code marks, blanks and <br> around s. */
static const char *clean(const char *s, size_t *len)
{
	int again = 1;

	while (again) {
		again = 0;
		s = text_trim(s, len);
		if (*len >= 2 && (s[0] == '*' || s[0] == '_' || s[0] == '`') &&
		    s[*len - 1] == s[0]) {
			s++;
			*len -= 2;
			again = 1;
		}
		if (*len >= 4 && !strncasecmp(s + *len - 4, "<br>", 4)) {
			*len -= 4;
			again = 1;
		}
	}
	return s;
}

/* Where a span's second half starts after the first date, or NULL. */
static const char *span_rest(const char *p)
{
	static const char *const seps[] = {
		"\xe3\x80\x9c", /* 〜 */
		"\xef\xbd\x9e", /* ～ */
		"~",
		"\xe2\x80\x93", /* – */
		"\xe2\x80\x94", /* — */
		"-",
		"to ",
		"until ",
		"\xe3\x81\x8b\xe3\x82\x89", /* から */
	};

	while (*p == ' ')
		p++;
	for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++)
		if (!strncmp(p, seps[i], strlen(seps[i]))) {
			p += strlen(seps[i]);
			while (*p == ' ')
				p++;
			return p;
		}
	return NULL;
}

/*
 * A date value, or for a span its start (and its end into resolved_at
 * when that is still open). The end may be a time of day only ("10:00 〜
 * 11:30"): it is then on the start's day, in the start's zone.
 */
static void meta_date(struct postmortem *pm, enum pm_field f, int period,
		      const char *v, int line)
{
	struct pm_time t, e;
	const char *end, *rest;
	char joined[96];

	if (pm_time_scan(&t, v, &end))
		return;
	t.line = line;
	if (pm_field_open(pm, f)) {
		*pm_field_time(pm, f) = t;
		pm_field_set_source(pm, f, PM_SRC_BODY, line);
	}
	/* A start written as a range ("12:20-12:30") is a span too. */
	if ((!period && f != PM_F_STARTED) ||
	    !pm_field_open(pm, PM_F_RESOLVED) || !(rest = span_rest(end)))
		return;
	if (pm_time_scan(&e, rest, NULL)) {
		if (t.date_only || !isdigit((unsigned char)rest[0]))
			return;
		snprintf(joined, sizeof(joined), "%.10s %.20s%s", t.text,
			 rest, t.text + 19);
		if (pm_time_scan(&e, joined, NULL))
			return;
	}
	e.line = line;
	pm->resolved = e;
	pm_field_set_source(pm, PM_F_RESOLVED, PM_SRC_BODY, line);
}

/* Splits a list value on , 、 ; and ／ into out (labels only). */
static void meta_items(const char *v, struct pm_list *out, int lower)
{
	char *copy = xstrdup(v), *p = copy, *q;

	for (q = copy; *q; q++) {
		if (*q == ',' || *q == ';' || *q == '/')
			*q = '\x1f';
		else if (!strncmp(q, "\xe3\x80\x81", 3) || /* 、 */
			 !strncmp(q, "\xef\xbc\x8c", 3)) { /* ， */
			q[0] = '\x1f';
			memmove(q + 1, q + 3, strlen(q + 3) + 1);
		}
	}
	while (p) {
		char *next = strchr(p, '\x1f');
		size_t len;
		const char *s;

		if (next)
			*next++ = '\0';
		len = strlen(p);
		s = clean(p, &len);
		if (len && len <= META_ITEM_MAX) {
			char *item = xstrndup(s, len);

			for (char *c = item; lower && *c; c++)
				*c = (char)tolower((unsigned char)*c);
			pm_list_add_unique(out, item);
			free(item);
		}
		p = next;
	}
	free(copy);
}

/*
 * A severity, perhaps with a note after it ("SEV-3（一部機能の誤動作）"):
 * the level it names, else (a scale of its own) the value before the
 * note, upper-cased, with a warning as the front matter gives.
 */
static void meta_severity(struct postmortem *pm, const struct taxonomy *tax,
			  const char *v, int line)
{
	const char *canon;
	char known[120];
	size_t n;
	char *s;

	if (taxonomy_severity_lead(tax, v, &canon, &n) >= 0) {
		s = xstrdup(canon);
	} else {
		if (!n || n > META_ITEM_MAX ||
		    (tax && tax->closed && tax->closed_severities))
			return;
		s = xstrndup(v, n);
		for (char *c = s; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		taxonomy_severity_names(tax, known, sizeof(known));
		postmortem_diag(pm, PM_DIAG_WARNING, line,
				"unknown severity '%s' (expected %s); kept as "
				"written",
				s, known);
	}
	pm->severity = s;
	pm_field_set_source(pm, PM_F_SEVERITY, PM_SRC_BODY, line);
}

static void meta_causes(struct postmortem *pm, const struct taxonomy *tax,
			const char *v, int line)
{
	struct pm_list raw = { 0 };
	char canon[256];

	meta_items(v, &raw, 0);
	for (size_t i = 0; i < raw.n; i++) {
		const char *id = taxonomy_cause(tax, raw.v[i], canon,
						sizeof(canon));

		if (id && strcmp(id, "unknown"))
			pm_list_add_unique(&pm->causes, id);
	}
	if (pm->causes.n)
		pm_field_set_source(pm, PM_F_CAUSE, PM_SRC_BODY, line);
	pm_list_release(&raw);
}

/* A word a value may hold, and what it names. */
struct word_id {
	const char *word, *id;
};

/*
 * The id of the first word of t[0..n) that v is (anywhere 0) or holds
 * (anywhere 1), ASCII compared without case; NULL for none.
 */
static const char *word_id(const struct word_id *t, size_t n, const char *v,
			   int anywhere)
{
	size_t len = strlen(v);

	for (size_t i = 0; i < n; i++)
		if (anywhere ? text_find_nocase(v, len, t[i].word,
						strlen(t[i].word)) != NULL
			     : !strcasecmp(v, t[i].word))
			return t[i].id;
	return NULL;
}

/* "alert", "customer", "internal" or "other" from a detection value. */
static const char *meta_detection(const char *v)
{
	static const struct word_id words[] = {
		{ "alert", "alert" },	      { "customer", "customer" },
		{ "internal", "internal" },   { "other", "other" },
		{ "アラート", "alert" },      { "監視", "alert" },
		{ "お客様", "customer" },     { "顧客", "customer" },
		{ "問い合わせ", "customer" }, { "社内", "internal" },
	};

	return word_id(words, sizeof(words) / sizeof(words[0]), v, 1);
}

/*
 * The review state a status value names (draft, review or published), or
 * NULL: a status row may also give the incident's state (Resolved), which
 * is not the document's.
 */
static const char *meta_status(const char *v)
{
	static const struct word_id words[] = {
		{ "draft", "draft" },	       { "wip", "draft" },
		{ "下書き", "draft" },	       { "ドラフト", "draft" },
		{ "作成中", "draft" },	       { "review", "review" },
		{ "in review", "review" },     { "レビュー中", "review" },
		{ "レビュー待ち", "review" },  { "published", "published" },
		{ "approved", "published" },   { "final", "published" },
		{ "公開", "published" },       { "承認済み", "published" },
	};

	return word_id(words, sizeof(words) / sizeof(words[0]), v, 0);
}

/*
 * Which duration from the start a key names ("Time to detection",
 * "検知までの時間 (TTD)"): 0 to detect, 1 to mitigate, 2 to resolve; or
 * -1.
 */
static int duration_key(const char *key, size_t len)
{
	static const struct {
		const char *key;
		int which; /* 0 detect, 1 mitigate, 2 resolve */
	} keys[] = {
		{ "time to detection", 0 },   { "time to detect", 0 },
		{ "ttd", 0 },		      { "検知までの時間", 0 },
		{ "time to mitigation", 1 },  { "time to mitigate", 1 },
		{ "ttm", 1 },		      { "暫定対処までの時間", 1 },
		{ "time to recovery", 2 },    { "time to recover", 2 },
		{ "time to resolution", 2 },  { "time to resolve", 2 },
		{ "time to restore", 2 },     { "ttr", 2 },
		{ "復旧までの時間", 2 },      { "解決までの時間", 2 },
	};
	const char *note;

	/* "検知までの時間 (TTD)": the bracketed abbreviation says it again */
	if ((note = text_bracket_note(key, len))) {
		len = (size_t)(note - key);
		while (len && key[len - 1] == ' ')
			len--;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == len &&
		    !strncasecmp(keys[i].key, key, len))
			return keys[i].which;
	return -1;
}

/* Whether the metadata block reads the key: a field's or a duration's. */
static int known_key(const struct taxonomy *tax, const char *key, size_t len)
{
	int period;

	return metablock_key_field(tax, key, len, &period) >= 0 ||
	       duration_key(key, len) >= 0;
}

/* One key and value from the metadata block. */
static void meta_pair(struct postmortem *pm, const struct taxonomy *tax,
		      const char *key, size_t klen, const char *val,
		      size_t vlen, int line)
{
	int period, f, which;
	char *v;
	const char *d;

	key = clean(key, &klen);
	while (klen && (key[klen - 1] == ':'))
		klen--;
	if (klen >= 3 && !strncmp(key + klen - 3, "\xef\xbc\x9a", 3))
		klen -= 3; /* ： */
	key = clean(key, &klen);
	val = clean(val, &vlen);
	if ((which = duration_key(key, klen)) >= 0) {
		struct pm_duration *to = which == 0   ? &pm->to_detect
					 : which == 1 ? &pm->to_mitigate
						      : &pm->to_resolve;

		v = xstrndup(val, vlen);
		if (!to->set && !pm_duration_parse(v, &to->seconds)) {
			to->set = 1;
			to->line = line;
		}
		free(v);
		return;
	}
	if (!vlen || (f = metablock_key_field(tax, key, klen, &period)) < 0)
		return;
	/* A span still gives its end when the start is known. */
	if (!pm_field_open(pm, (enum pm_field)f) &&
	    !(period && pm_field_open(pm, PM_F_RESOLVED)))
		return;
	v = xstrndup(val, vlen);
	switch (f) {
	case PM_F_STARTED:
	case PM_F_DETECTED:
	case PM_F_MITIGATED:
	case PM_F_RESOLVED:
		meta_date(pm, (enum pm_field)f, period, v, line);
		break;
	case PM_F_SEVERITY:
		meta_severity(pm, tax, v, line);
		break;
	case PM_F_CAUSE:
		meta_causes(pm, tax, v, line);
		break;
	case PM_F_DETECTION:
		if ((d = meta_detection(v))) {
			pm->detection = xstrdup(d);
			pm_field_set_source(pm, PM_F_DETECTION, PM_SRC_BODY,
					    line);
		}
		break;
	case PM_F_TRIGGER:
		pm->trigger = xstrdup(v);
		pm_field_set_source(pm, PM_F_TRIGGER, PM_SRC_BODY, line);
		break;
	case PM_F_STATUS:
		if ((d = meta_status(v))) {
			pm->status = xstrdup(d);
			pm_field_set_source(pm, PM_F_STATUS, PM_SRC_BODY, line);
		}
		break;
	case PM_F_SUMMARY:
		free(pm->summary);
		pm->summary = xstrdup(v);
		pm_field_set_source(pm, PM_F_SUMMARY, PM_SRC_BODY, line);
		break;
	case PM_F_SERVICES:
	case PM_F_TEAMS:
	case PM_F_AUTHORS:
	case PM_F_TAGS: {
		struct pm_list *l = f == PM_F_SERVICES ? &pm->services
				    : f == PM_F_TEAMS  ? &pm->teams
				    : f == PM_F_AUTHORS ? &pm->authors
							: &pm->tags;

		meta_items(v, l, 0);
		if (l->n)
			pm_field_set_source(pm, (enum pm_field)f,
					    PM_SRC_BODY, line);
		break;
	}
	default:
		break;
	}
	free(v);
}

/* Splits a table row into its cells (pointers into the line). */
static size_t table_cells(const char *p, const char *eol, const char **cs,
			  size_t *cl)
{
	size_t n = 0;

	if (*p == '|')
		p++;
	while (p < eol && n < META_CELLS) {
		const char *bar = memchr(p, '|', (size_t)(eol - p));
		const char *e = bar ? bar : eol;

		cs[n] = p;
		cl[n] = (size_t)(e - p);
		n++;
		if (!bar)
			break;
		p = bar + 1;
	}
	/* A row that ends with | has an empty last piece: not a cell. */
	if (n && !text_trim(cs[n - 1], &(size_t){ cl[n - 1] })[0])
		n--;
	else if (n) {
		size_t l = cl[n - 1];

		text_trim(cs[n - 1], &l);
		if (!l)
			n--;
	}
	return n;
}

static int is_delimiter_row(const char *p, const char *eol)
{
	int dash = 0;

	for (; p < eol; p++) {
		if (*p == '-')
			dash = 1;
		else if (*p != '|' && *p != ':' && *p != ' ' && *p != '\t')
			return 0;
	}
	return dash;
}

/* "key: value" with an ASCII or full-width colon; the colon's offset. */
static const char *kv_colon(const char *p, const char *eol, size_t *skip)
{
	for (const char *q = p; q < eol && q - p < 80; q++) {
		if (*q == ':' && (q + 1 == eol || q[1] == ' ' || q[1] == '*')) {
			*skip = 1;
			return q;
		}
		if (!strncmp(q, "\xef\xbc\x9a", 3) && eol - q >= 3) {
			*skip = 3;
			return q;
		}
	}
	return NULL;
}

struct table_state {
	const char *hdr[META_CELLS];
	size_t hlen[META_CELLS], n_hdr;
	int rows; /* rows seen in this table, delimiter included */
};

/* One table row; returns 1 if it held metadata. */
static int meta_row(struct postmortem *pm, const struct taxonomy *tax,
		    struct table_state *ts, const char *p, const char *eol,
		    int line)
{
	const char *cs[META_CELLS];
	size_t cl[META_CELLS], n;
	int found = 0;

	if (is_delimiter_row(p, eol)) {
		ts->rows++;
		return 0;
	}
	n = table_cells(p, eol, cs, cl);
	if (ts->rows == 0) {
		/* A header row: keep it, in case the keys are its cells. */
		ts->n_hdr = n;
		memcpy(ts->hdr, cs, n * sizeof(*cs));
		memcpy(ts->hlen, cl, n * sizeof(*cl));
	}
	ts->rows++;
	if (n >= 2) {
		size_t kl = cl[0];
		const char *k = clean(cs[0], &kl);

		if (known_key(tax, k, kl)) {
			meta_pair(pm, tax, cs[0], cl[0], cs[1], cl[1], line);
			found = 1;
		}
	}
	/* The first row under a header of keys holds their values. */
	if (!found && ts->rows == 3) {
		for (size_t i = 0; i < n && i < ts->n_hdr; i++) {
			size_t kl = ts->hlen[i];
			const char *k = clean(ts->hdr[i], &kl);

			if (!known_key(tax, k, kl))
				continue;
			meta_pair(pm, tax, ts->hdr[i], ts->hlen[i], cs[i],
				  cl[i], line);
			found = 1;
		}
	}
	return found;
}

/*
 * One list or plain line, "- **Key:** value", "Key：value": 1 when it
 * held metadata; 2 when it is shaped like it but names a key pmkb does
 * not know, in bold or as a list item ("**Location:** Frankfurt"),
 * which does not end the block; else 0. A known key without a value
 * ("**Affected Services:**", its list on the lines below) is 1, with the
 * key in *key and *klen (else *key is NULL).
 */
static int meta_line(struct postmortem *pm, const struct taxonomy *tax,
		     const char *p, const char *eol, int line,
		     const char **key, size_t *klen)
{
	const char *colon, *v, *k;
	size_t skip, kl, l;
	int item = 0;

	if ((*p == '-' || *p == '*' || *p == '+') && p + 1 < eol &&
	    p[1] == ' ') {
		p += 2;
		item = 1;
	}
	while (p < eol && *p == ' ')
		p++;
	if (!(colon = kv_colon(p, eol, &skip)))
		return 0;
	kl = (size_t)(colon - p);
	/* "**Key:** value": the closing marks follow the colon. */
	v = colon + skip;
	while (v < eol && (*v == '*' || *v == '_'))
		v++;
	k = p;
	l = kl;
	while (l && (k[l - 1] == '*' || k[l - 1] == '_'))
		l--;
	while (l && (*k == '*' || *k == '_')) {
		k++;
		l--;
	}
	k = text_trim(k, &l);
	*key = NULL;
	if (!known_key(tax, k, l))
		return l && l <= 40 && (item || *p == '*' || *p == '_') ? 2
									  : 0;
	if (v == eol) {
		*key = k;
		*klen = l;
	}
	meta_pair(pm, tax, k, l, v, (size_t)(eol - v), line);
	return 1;
}

/*
 * The key an ATX heading names when its section holds one date or the
 * severity, as some reports write them ("### 発生日時", then
 * "2021年11月25日午後3時" on the next line; "## Severity", then
 * "**Critical** - ..."), or NULL. Other fields are left to prose: a
 * "## Root cause" section's first line is no cause label.
 */
static const char *heading_key(const struct taxonomy *tax, const char *s,
			       size_t l, size_t *kl)
{
	int period, f;

	while (l && *s == '#') {
		s++;
		l--;
	}
	s = text_trim(s, &l);
	f = metablock_key_field(tax, s, l, &period);
	if (period || (f != PM_F_STARTED && f != PM_F_DETECTED &&
		       f != PM_F_MITIGATED && f != PM_F_RESOLVED &&
		       f != PM_F_SEVERITY))
		return NULL; /* "## Impact" is prose, not a span */
	*kl = l;
	return s;
}

/*
 * The line under such a heading, without emphasis, as the key's value;
 * 1 when it gave the field one.
 */
static int heading_value(struct postmortem *pm, const struct taxonomy *tax,
			 const char *key, size_t kl, const char *s, size_t l,
			 int line)
{
	char *v = xmalloc(l + 1);
	size_t n = 0;
	int period, f = metablock_key_field(tax, key, kl, &period);
	int was_open = pm_field_open(pm, (enum pm_field)f);

	for (size_t i = 0; i < l; i++)
		if (s[i] != '*')
			v[n++] = s[i];
	v[n] = '\0';
	meta_pair(pm, tax, key, kl, v, n, line);
	free(v);
	return was_open && !pm_field_open(pm, (enum pm_field)f);
}

/*
 * Gives *key the values listed under it, if any, and forgets the key.
 * Only names are taken so (services, teams, authors, tags): a list under
 * "**Root cause:**" is sentences, not causes.
 */
static void list_values(struct postmortem *pm, const struct taxonomy *tax,
			const char **key, size_t klen, struct buf *values,
			int line)
{
	int period,
	    f = *key ? metablock_key_field(tax, *key, klen, &period) : -1;

	if (values->len && (f == PM_F_SERVICES || f == PM_F_TEAMS ||
			    f == PM_F_AUTHORS || f == PM_F_TAGS))
		meta_pair(pm, tax, *key, klen, values->ptr, values->len, line);
	buf_reset(values);
	*key = NULL;
}

/* Whether the metadata block reads on into a section of this kind. */
static int reads_on(enum section_kind k)
{
	return k == SECTION_SUMMARY || k == SECTION_METADATA;
}

void metablock_read(struct postmortem *pm, const char *body, size_t len,
		    int body_line, const struct taxonomy *tax)
{
	const char *p = body, *end = body + len, *eol;
	const char *hkey = NULL; /* a heading that is a key: "### 発生日時" */
	const char *lkey = NULL; /* a key whose values are listed below it */
	struct buf listed = BUF_INIT; /* those values, comma-separated */
	size_t hkl = 0, lkl = 0;
	int lline = 0;
	struct table_state ts = { 0 };
	int found = 0, n = 0, prose = 0, skipping = 0, kv;

	for (; p < end && n < META_LINES; p = eol + 1, n++) {
		const char *s;
		size_t l;

		eol = text_line_end(p, end);
		l = (size_t)(eol - p);
		s = text_trim(p, &l);
		if (!l) {
			ts.rows = 0;
			continue;
		}
		/* The items under "**Affected Services:**", then the rest. */
		if (lkey && l > 2 && (*s == '-' || *s == '*') && s[1] == ' ') {
			buf_addf(&listed, "%s%.*s", listed.len ? ", " : "",
				 (int)(l - 2), s + 2);
			continue;
		}
		list_values(pm, tax, &lkey, lkl, &listed, lline);
		lline = body_line + n;
		if (*s == '#') {
			hkey = heading_key(tax, s, l, &hkl);
			if (hkey) {
				skipping = 0;
				continue;
			}
		} else if (hkey) {
			found |= heading_value(pm, tax, hkey, hkl, s, l,
					       body_line + n);
			hkey = NULL;
			continue;
		}
		/*
		 * Sections after prose, before any metadata: a "Date:" in
		 * them belongs to what they quote (a commit, an email), unless
		 * the section is named for the metadata.
		 */
		if (*s == '#' && prose)
			skipping = !reads_on(section_kind(s, l));
		if (*s == '#' || skipping ||
		    ((*s == '=' || *s == '-') && l >= 3 &&
		     is_delimiter_row(s, s + l))) {
			ts.rows = 0;
			continue;
		}
		if (*s == '|') {
			found |= meta_row(pm, tax, &ts, s, s + l,
					  body_line + n);
			continue;
		}
		ts.rows = 0;
		kv = meta_line(pm, tax, s, s + l, body_line + n, &lkey, &lkl);
		if (kv == 1)
			found = 1;
		if (kv == 1 || (kv == 2 && found))
			continue;
		/* Prose after the metadata ends the block. */
		if (found)
			break;
		prose = 1;
		if (eol == end)
			break;
	}
	list_values(pm, tax, &lkey, lkl, &listed, lline);
	buf_release(&listed);
}
