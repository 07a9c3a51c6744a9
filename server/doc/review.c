/*
 * The review lint (include/pmkb/doc/review.h). Map:
 *
 *   review_rules_parse()  the `review:` block of .pmkb.yml
 *   review_check()        action items (owner/due, non-actions), the cause
 *                         field and the root-cause section (human error as
 *                         the only cause), every prose line of the body
 *                         (counterfactuals)
 *
 * Phrases are matched as substrings: ASCII case-insensitively, every other
 * byte exactly. Japanese has no spaces between words, so a substring is the
 * only match that works for both languages; the built-in phrases are long
 * enough not to occur inside unrelated words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/review.h"
#include "pmkb/doc/ynode.h"

/* A rule reports at most this many findings per file. */
#define REVIEW_MAX_FINDINGS 5

static const char *const rule_names[REVIEW__MAX] = {
	"action_owner", "non_action", "human_error", "counterfactual",
};

/* Built-in phrases per rule, lower-case; NULL-terminated lists. */
static const char *const non_action_phrases[] = {
	"気を付ける", "気をつける", "注意する", "注意を払う", "周知徹底",
	"再発防止に努める", "be more careful", "pay more attention",
	"double-check", "double check", NULL,
};
static const char *const human_error_phrases[] = {
	"ヒューマンエラー", "人為的ミス", "人的ミス", "human error",
	"human-error", "human_error", NULL,
};
static const char *const counterfactual_phrases[] = {
	"should have", "shouldn't have", "should not have", "べきだった",
	"していれば", "していたら防げた", NULL,
};
static const char *const *const builtin[REVIEW__MAX] = {
	NULL, non_action_phrases, human_error_phrases, counterfactual_phrases,
};

const char *review_rule_name(enum review_rule r)
{
	return r < REVIEW__MAX ? rule_names[r] : "?";
}

void review_rules_free(struct review_rules *rules)
{
	if (!rules)
		return;
	for (int r = 0; r < REVIEW__MAX; r++) {
		for (size_t i = 0; i < rules->n_phrases[r]; i++)
			free(rules->phrases[r][i]);
		free(rules->phrases[r]);
	}
	free(rules);
}

static int parse_level(const struct ynode *v, enum review_level *out)
{
	static const char *const names[] = { "off", "warning", "error" };

	if (v->type != YNODE_SCALAR || v->is_null)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(v->value, names[i])) {
			*out = (enum review_level)i;
			return 0;
		}
	}
	/* YAML 1.1 reads a bare off as false; accept what people write. */
	if (!strcmp(v->value, "false") || !strcmp(v->value, "no")) {
		*out = REVIEW_OFF;
		return 0;
	}
	return -1;
}

/* ASCII lower-case copy of s[0..len) into out (reset first). */
static void lower_into(struct buf *out, const char *s, size_t len)
{
	buf_reset(out);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		buf_addch(out, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a')
						    : c);
	}
}

static enum pm_status read_phrases(struct review_rules *rules, int r,
				   const struct ynode *v, const char *source,
				   struct pm_error *err)
{
	struct buf low = BUF_INIT;

	if (v->type != YNODE_SEQUENCE)
		return pm_error_set(err, PM_INVALID, source, v->line,
			     "review.%s.phrases: expected a list of phrases, "
			     "got %s", rule_names[r], ynode_type_name(v));
	if (r == REVIEW_ACTION_OWNER)
		return pm_error_set(err, PM_INVALID, source, v->line,
			     "review.action_owner: takes no phrases");
	if (v->n > REVIEW_MAX_PHRASES)
		return pm_error_set(err, PM_INVALID, source, v->line,
			     "review.%s.phrases: more than %d", rule_names[r],
			     REVIEW_MAX_PHRASES);
	rules->phrases[r] = xcalloc(v->n ? v->n : 1, sizeof(char *));
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *p = v->kids[i];

		if (p->type != YNODE_SCALAR || p->is_null || !p->len) {
			buf_release(&low);
			return pm_error_set(err, PM_INVALID, source, p->line,
				     "review.%s.phrases[%zu]: expected text",
				     rule_names[r], i);
		}
		lower_into(&low, p->value, p->len);
		rules->phrases[r][rules->n_phrases[r]++] = xstrdup(low.ptr);
	}
	buf_release(&low);
	return PM_OK;
}

enum pm_status review_rules_parse(struct review_rules **out,
				  const struct ynode *v, const char *source,
				  struct pm_error *err)
{
	struct review_rules *rules = xcalloc(1, sizeof(*rules));
	enum pm_status st = PM_OK;

	*out = NULL;
	for (int r = 0; r < REVIEW__MAX; r++)
		rules->level[r] = REVIEW_WARNING;
	if (v->type == YNODE_SCALAR && v->is_null)
		goto out;
	if (v->type != YNODE_MAPPING) {
		st = pm_error_set(err, PM_INVALID, source, v->line,
			   "review: expected rules and levels, like "
			   "'non_action: error', got %s", ynode_type_name(v));
		goto out;
	}
	for (size_t i = 0; i + 1 < v->n && !st; i += 2) {
		const struct ynode *k = v->kids[i], *val = v->kids[i + 1];
		const char *key = k->type == YNODE_SCALAR ? k->value : "";
		const struct ynode *lv, *ph;
		int r;

		for (r = 0; r < REVIEW__MAX; r++)
			if (!strcmp(key, rule_names[r]))
				break;
		if (r == REVIEW__MAX) {
			st = pm_error_set(err, PM_INVALID, source, k->line,
				   "review: unknown rule '%.40s' (expected "
				   "action_owner, non_action, human_error or "
				   "counterfactual)", key);
			break;
		}
		lv = val->type == YNODE_MAPPING ? ynode_get(val, "level") : val;
		ph = val->type == YNODE_MAPPING ? ynode_get(val, "phrases")
						: NULL;
		if (lv && parse_level(lv, &rules->level[r])) {
			st = pm_error_set(err, PM_INVALID, source, lv->line,
				   "review.%s: expected off, warning or "
				   "error", key);
			break;
		}
		for (size_t j = 0; val->type == YNODE_MAPPING && j < val->n;
		     j += 2) {
			const struct ynode *kk = val->kids[j];

			if (kk->type != YNODE_SCALAR ||
			    (strcmp(kk->value, "level") &&
			     strcmp(kk->value, "phrases")))
				st = pm_error_set(err, PM_INVALID, source, kk->line,
					   "review.%s: unknown key '%.40s' "
					   "(expected level or phrases)", key,
					   kk->type == YNODE_SCALAR ? kk->value
								    : "");
		}
		if (!st && ph && !rules->phrases[r])
			st = read_phrases(rules, r, ph, source, err);
	}
out:
	if (st) {
		review_rules_free(rules);
		return st;
	}
	*out = rules;
	return PM_OK;
}

/*
 * The first phrase of rule r (built-in, then extra) found in low (an
 * ASCII lower-cased text), or NULL.
 */
static const char *find_phrase(const struct review_rules *rules,
			       enum review_rule r, const char *low)
{
	const char *const *b = builtin[r];

	for (; b && *b; b++)
		if (strstr(low, *b))
			return *b;
	for (size_t i = 0; rules && i < rules->n_phrases[r]; i++)
		if (strstr(low, rules->phrases[r][i]))
			return rules->phrases[r][i];
	return NULL;
}

/* Whether text is (partly) Japanese: the message follows its language. */
static int is_ja(const char *text)
{
	for (; *text; text++)
		if ((unsigned char)*text >= 0x80)
			return 1;
	return 0;
}

struct review {
	struct postmortem *pm;
	const struct review_rules *rules;
	int found[REVIEW__MAX];
};

static enum review_level level_of(const struct review *rv, enum review_rule r)
{
	return rv->rules ? rv->rules->level[r] : REVIEW_WARNING;
}

/* Whether rule r may report once more in this file. */
static int may_report(struct review *rv, enum review_rule r)
{
	if (level_of(rv, r) == REVIEW_OFF)
		return 0;
	return rv->found[r]++ < REVIEW_MAX_FINDINGS;
}

static void report(struct review *rv, enum review_rule r, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(struct review *rv, enum review_rule r, int line,
		   const char *fmt, ...)
{
	char msg[sizeof(((struct pm_diag *)0)->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	postmortem_diag(rv->pm,
			level_of(rv, r) == REVIEW_ERROR ? PM_DIAG_ERROR
							: PM_DIAG_WARNING,
			line, "%s [review.%s]", msg, rule_names[r]);
}

static void check_actions(struct review *rv)
{
	struct buf low = BUF_INIT;

	for (size_t i = 0; i < rv->pm->n_actions; i++) {
		const struct pm_action *a = &rv->pm->actions[i];
		const char *what = !a->owner && !a->due ? "both"
				   : !a->owner		? "owner"
							: "due";
		const char *phrase;
		int ja = is_ja(a->text);

		lower_into(&low, a->text, strlen(a->text));
		phrase = find_phrase(rv->rules, REVIEW_NON_ACTION, low.ptr);
		if (phrase && may_report(rv, REVIEW_NON_ACTION)) {
			if (ja || is_ja(phrase))
				report(rv, REVIEW_NON_ACTION, a->line,
				       "「%s」は対策ではありません。人の努力に"
				       "頼るだけで、実施したか確かめられません。"
				       "仕組みを変える対策にしてください(例: "
				       "「〜を検知するアラートを追加する」"
				       "「〜をツールで拒否する」)",
				       phrase);
			else
				report(rv, REVIEW_NON_ACTION, a->line,
				       "'%s' is not an action: it asks people "
				       "to try harder and nobody can check it "
				       "was done; name a change to a system or "
				       "process (e.g. 'alert when X', 'make the "
				       "deploy script refuse Y')",
				       phrase);
		}
		if (a->done || (a->owner && a->due) ||
		    !may_report(rv, REVIEW_ACTION_OWNER))
			continue;
		if (ja)
			report(rv, REVIEW_ACTION_OWNER, a->line,
			       "対応項目に%sがありません。担当と期限のない"
			       "項目は実行されないまま残りがちです。例: "
			       "- [ ] @担当者 due:2026-03-31 何を変えるか",
			       !strcmp(what, "both") ? "担当者(@名前)と期限"
						       "(due:YYYY-MM-DD)"
			       : !strcmp(what, "owner")
				       ? "担当者(@名前)"
				       : "期限(due:YYYY-MM-DD)");
		else
			report(rv, REVIEW_ACTION_OWNER, a->line,
			       "action item has no %s: items nobody owns by "
			       "a date tend to stay open; write '- [ ] @owner "
			       "due:2026-03-31 what changes'",
			       !strcmp(what, "both")
				       ? "owner (@name) and no due date "
					 "(due:YYYY-MM-DD)"
			       : !strcmp(what, "owner")
				       ? "owner (@name)"
				       : "due date (due:YYYY-MM-DD)");
	}
	buf_release(&low);
}

static void report_human_error(struct review *rv, int line, int ja)
{
	if (!may_report(rv, REVIEW_HUMAN_ERROR))
		return;
	if (ja)
		report(rv, REVIEW_HUMAN_ERROR, line,
		       "原因が「ヒューマンエラー」だけです。人のミスは調査の"
		       "出発点であって結論ではありません。なぜミスが起きやす"
		       "かったか、なぜ防げなかったか(手順、ツール、レビュー、"
		       "アラート)を書いてください");
	else
		report(rv, REVIEW_HUMAN_ERROR, line,
		       "the only cause given is human error: that is where "
		       "an investigation starts, not where it ends; say what "
		       "made the mistake easy to make and what failed to "
		       "catch it (procedure, tooling, review, alerts)");
}

/* A line of the body, with its file line and where it sits. */
struct line {
	const char *s;
	size_t len;
	int no;
};

/* The heading level of a line (1..6), or 0 when it is not an ATX heading. */
static int heading_level(const struct line *l)
{
	size_t i = 0;

	while (i < l->len && i < 6 && l->s[i] == '#')
		i++;
	if (!i || (i < l->len && l->s[i] != ' ' && l->s[i] != '\t'))
		return 0;
	return (int)i;
}

static int is_cause_heading(const char *low)
{
	return strstr(low, "cause") || strstr(low, "原因") ||
	       strstr(low, "要因");
}

/*
 * Sentences of a root-cause section: every one that says anything must
 * blame a human for the rule to fire; one sentence about a missing check
 * or a confusing tool is another cause.
 */
struct cause_section {
	int in, level, line;
	int sentences, blaming, ja;
};

static void cause_sentences(struct review *rv, struct cause_section *cs,
			    const char *low)
{
	const char *p = low;

	while (*p) {
		const char *end = p;
		size_t n;
		char *sentence;

		while (*end && *end != '.' && *end != '!' && *end != '?' &&
		       strncmp(end, "。", 3))
			end++;
		n = (size_t)(end - p);
		sentence = xstrndup(p, n);
		/* Skip list markers and blanks: only words count. */
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)sentence[i];

			if (c >= 0x80 || (c >= 'a' && c <= 'z')) {
				cs->sentences++;
				if (find_phrase(rv->rules, REVIEW_HUMAN_ERROR,
						sentence)) {
					cs->blaming++;
					cs->ja |= is_ja(sentence);
				}
				break;
			}
		}
		free(sentence);
		p = *end ? end + (*end == '.' || *end == '!' || *end == '?'
					  ? 1
					  : 3)
			 : end;
	}
}

static void finish_section(struct review *rv, struct cause_section *cs)
{
	if (cs->in && cs->sentences && cs->blaming == cs->sentences)
		report_human_error(rv, cs->line, cs->ja);
	memset(cs, 0, sizeof(*cs));
}

static void check_body(struct review *rv, const char *body, size_t len,
		       int body_line)
{
	struct buf low = BUF_INIT;
	struct cause_section cs = { 0 };
	struct line l;
	size_t pos = 0;
	int fence = 0;

	for (l.no = body_line; pos < len; l.no++) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		const char *phrase;
		int h;

		l.s = body + pos;
		l.len = nl ? (size_t)(nl - l.s) : len - pos;
		pos += l.len + 1;
		if ((l.len >= 3 && !strncmp(l.s, "```", 3)) ||
		    (l.len >= 3 && !strncmp(l.s, "~~~", 3))) {
			fence = !fence;
			continue;
		}
		if (fence)
			continue;
		lower_into(&low, l.s, l.len);
		h = heading_level(&l);
		if (h) {
			if (cs.in && h <= cs.level)
				finish_section(rv, &cs);
			if (!cs.in && is_cause_heading(low.ptr)) {
				cs.in = 1;
				cs.level = h;
				cs.line = l.no;
			}
			continue;
		}
		if (cs.in)
			cause_sentences(rv, &cs, low.ptr);
		phrase = find_phrase(rv->rules, REVIEW_COUNTERFACTUAL, low.ptr);
		if (!phrase || !may_report(rv, REVIEW_COUNTERFACTUAL))
			continue;
		if (is_ja(phrase))
			report(rv, REVIEW_COUNTERFACTUAL, l.no,
			       "「%s」は後知恵による反実仮想で、人を責める書き方"
			       "になります。その時点で何が見えていて、なぜその"
			       "判断が妥当に思えたかを書いてください",
			       phrase);
		else
			report(rv, REVIEW_COUNTERFACTUAL, l.no,
			       "'%s' judges with hindsight and reads as "
			       "blame; describe what people saw and did at "
			       "the time, and why it made sense to them then",
			       phrase);
	}
	finish_section(rv, &cs);
	buf_release(&low);
}

void review_check(struct postmortem *pm, const char *body, size_t body_len,
		  int body_line, const struct review_rules *rules)
{
	struct review rv = { pm, rules, { 0 } };
	struct buf low = BUF_INIT;

	check_actions(&rv);
	/* The cause field naming human error and nothing else. */
	if (pm->causes.n == 1) {
		lower_into(&low, pm->causes.v[0], strlen(pm->causes.v[0]));
		if (find_phrase(rules, REVIEW_HUMAN_ERROR, low.ptr))
			report_human_error(&rv, pm->source_line[PM_F_CAUSE],
					   is_ja(pm->causes.v[0]));
	}
	if (body)
		check_body(&rv, body, body_len, body_line);
	buf_release(&low);
}
