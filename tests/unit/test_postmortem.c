/*
 * postmortem.c: the record's helpers, slugs and durations, the caps,
 * and the data-driven parser cases in fixtures/postmortem/ (see the README
 * there for the format).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "tap.h"

#define DEFAULT_FALLBACK 1500000000 /* 2017-07-14T02:40:00Z */

static char *slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, len);
}

static void test_slug(void)
{
	char *s;

	s = postmortem_slug("PM2019-009 - Kubernetes IP starvation.md");
	is_str(s, "PM2019-009 - Kubernetes IP starvation", "slug: spaces");
	free(s);
	s = postmortem_slug("2021-05/hsmwizard.md");
	is_str(s, "hsmwizard", "slug: directory");
	free(s);
	s = postmortem_slug("a/b/foo");
	is_str(s, "foo", "slug: no extension");
	free(s);
	s = postmortem_slug("x/archive.tar.gz");
	is_str(s, "archive.tar", "slug: last extension only");
	free(s);
	s = postmortem_slug(".hidden");
	is_str(s, ".hidden", "slug: dot file");
	free(s);
}

static void test_list(void)
{
	struct pm_list l = { 0 };

	pm_list_add(&l, "a");
	pm_list_add_unique(&l, "a");
	pm_list_add_unique(&l, "b");
	is_int(l.n, 2, "list: unique");
	ok(pm_list_has(&l, "b") && !pm_list_has(&l, "c"), "list: has");
	pm_list_release(&l);
	ok(!l.n && !l.v, "list: released");
}

static void test_actions(void)
{
	struct postmortem pm;
	struct pm_action *a;
	size_t i;

	postmortem_init(&pm);
	a = postmortem_add_action(
		&pm, 1, "  fix   @bob the\tthing due:2018-03-31. ", 7);
	is_str(a->text, "fix the thing", "action: text collapsed");
	is_str(a->owner, "bob", "action: owner");
	is_str(a->due, "2018-03-31", "action: due with a full stop");
	is_int(a->line, 7, "action: line");
	a = postmortem_add_action(&pm, 0, "@ nobody due:2018-02-30", 8);
	ok(!a->owner && !a->due, "action: bare @ and impossible due");
	is_str(a->text, "@ nobody due:2018-02-30", "action: kept in text");
	is_int(pm.n_diags, 1, "action: bad due warned");
	a = postmortem_add_action(&pm, 1, "done: 2018-03-02, due:2018-03-31 "
					  "write it DONE:2018-03-05", 9);
	is_str(a->done_on, "2018-03-02", "action: done: date, next word");
	is_str(a->due, "2018-03-31", "action: due beside done");
	is_str(a->text, "write it DONE:2018-03-05",
	       "action: the second done: stays in the text");
	a = postmortem_add_action(&pm, 0, "done:2018-03-02 not ticked", 10);
	ok(!a->done_on, "action: done: of an open item dropped");
	is_str(a->text, "not ticked", "action: and taken out of the text");
	is_int(pm.n_diags, 2, "action: done: of an open item warned");
	a = postmortem_add_action(&pm, 1, "done:soon", 11);
	ok(!a->done_on, "action: done: not a date");
	is_str(a->text, "done:soon", "action: kept in text");
	is_int(pm.n_diags, 3, "action: bad done warned");
	for (i = 0; i < PM_MAX_ACTIONS + 5; i++)
		postmortem_add_action(&pm, 0, "x", 1);
	is_int(pm.n_actions, PM_MAX_ACTIONS, "actions capped");
	is_int(pm.actions_dropped, 10, "dropped counted");
	postmortem_release(&pm);
}

static void test_durations(void)
{
	struct postmortem pm;

	postmortem_init(&pm);
	is_int(postmortem_ttr(&pm), -1, "ttr: nothing set");
	pm_time_parse(&pm.started, "2018-02-14T09:28:00+09:00");
	pm_time_parse(&pm.detected, "2018-02-14T00:31:00Z");
	pm_time_parse(&pm.mitigated, "2018-02-14T09:40:00+09:00");
	is_int(postmortem_ttd(&pm), 180, "ttd across offsets");
	is_int(postmortem_ttm(&pm), 720, "ttm");
	is_int(postmortem_ttr(&pm), -1, "ttr: resolved missing");
	pm_time_parse(&pm.resolved, "2018-02-15");
	is_int(postmortem_ttr(&pm), -1, "ttr: date only");
	pm_time_parse(&pm.resolved, "2018-02-14T09:00:00+09:00");
	is_int(postmortem_ttr(&pm), -1, "ttr: impossible order");
	postmortem_release(&pm);
}

static void test_caps(void)
{
	struct postmortem pm;
	struct buf b = BUF_INIT;
	enum pm_status st;
	size_t i;

	/* Over the file cap: only path, slug, title and defaults. */
	buf_addstr(&b, "---\ntitle: big\ncause: x\n---\n");
	while (b.len <= PM_MAX_FILE_SIZE)
		buf_addstr(&b, "# heading\n\n");
	postmortem_init(&pm);
	st = postmortem_parse(&pm, "dir/big.md", b.ptr, b.len, NULL, 0);
	is_int(st, PM_TOO_LARGE, "too large: status");
	is_int(pm.n_diags, 1, "too large: one diagnostic");
	ok(pm.diags[0].level == PM_DIAG_ERROR && pm.diags[0].line == 0,
	   "too large: an error about the file");
	is_str(pm.title, "big", "too large: title is the slug");
	is_str(pm.causes.v[0], "unknown", "too large: cause unknown");
	ok(!pm.has_front_matter && !pm.started.set, "too large: not read");
	postmortem_release(&pm);

	/* Over the front matter cap: an error, the body still indexed. */
	buf_reset(&b);
	buf_addstr(&b, "---\ntitle: t\ncause: x\nnotes: |\n");
	while (b.len <= PM_MAX_FRONT_MATTER)
		buf_addstr(&b, "  filler filler filler filler\n");
	buf_addstr(&b, "---\n# Body heading\n\nText\n");
	postmortem_init(&pm);
	st = postmortem_parse(&pm, "fm.md", b.ptr, b.len, NULL, 0);
	is_int(st, PM_OK, "huge front matter: ok");
	ok(postmortem_has_errors(&pm), "huge front matter: error");
	ok(strstr(pm.diags[0].message, "front matter is"), "huge: message");
	is_str(pm.title, "Body heading", "huge front matter: body title");
	ok(strstr(pm.text, "Text"), "huge front matter: body text");
	postmortem_release(&pm);

	/* Diagnostics are capped with a last one that says so. */
	buf_reset(&b);
	buf_addstr(&b, "---\ntitle: t\ncause: x\nservices:\n");
	for (i = 0; i < 150; i++)
		buf_addstr(&b, "  - [nested]\n");
	buf_addstr(&b, "---\n");
	postmortem_init(&pm);
	postmortem_parse(&pm, "d.md", b.ptr, b.len, NULL, 0);
	is_int(pm.n_diags, PM_MAX_DIAGS + 1, "diagnostics capped");
	ok(strstr(pm.diags[PM_MAX_DIAGS].message, "more than"),
	   "cap is reported");
	postmortem_release(&pm);

	/* Pathological Markdown stays linear enough. */
	buf_reset(&b);
	for (i = 0; i < 50000; i++)
		buf_addstr(&b, "> - [ ] *a ");
	for (i = 0; i < 50000; i++)
		buf_addstr(&b, "[");
	postmortem_init(&pm);
	postmortem_parse(&pm, "p.md", b.ptr, b.len, NULL, 0);
	ok(pm.html && pm.text, "pathological body parsed");
	postmortem_release(&pm);

	/* No data at all. */
	postmortem_init(&pm);
	st = postmortem_parse(&pm, "empty.md", NULL, 0, NULL, 0);
	is_int(st, PM_OK, "empty file");
	is_str(pm.title, "empty", "empty file: title");
	is_str(pm.html, "", "empty file: html");
	postmortem_release(&pm);
	buf_release(&b);
}

/* Fixture cases. */

static const char *case_name;

static void check_str(const char *what, const char *got, json_t *want)
{
	char desc[256];

	snprintf(desc, sizeof(desc), "%s: %s", case_name, what);
	if (json_is_null(want))
		is_str(got, NULL, desc);
	else if (json_is_string(want))
		is_str(got, json_string_value(want), desc);
	else
		ok(0, desc);
}

static void check_int(const char *what, long long got, json_t *want)
{
	char desc[256];

	snprintf(desc, sizeof(desc), "%s: %s", case_name, what);
	if (json_is_boolean(want))
		is_int(!!got, json_is_true(want), desc);
	else
		is_int(got, json_integer_value(want), desc);
}

static void check_list(const char *what, const struct pm_list *l, json_t *want)
{
	char desc[256];
	size_t i;

	snprintf(desc, sizeof(desc), "%s: %s count", case_name, what);
	if (!is_int(l->n, json_array_size(want), desc))
		for (i = 0; i < l->n; i++)
			printf("#   %s[%zu] = '%s'\n", what, i, l->v[i]);
	for (i = 0; i < l->n && i < json_array_size(want); i++) {
		snprintf(desc, sizeof(desc), "%s: %s[%zu]", case_name, what,
			 i);
		is_str(l->v[i], json_string_value(json_array_get(want, i)),
		       desc);
	}
}

static void check_time(const char *what, const struct pm_time *t,
		       json_t *want)
{
	check_str(what, t->set ? t->text : NULL, want);
}

/* Prints s as TAP comment lines. */
static void dump_text(const char *s)
{
	const char *nl;

	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s) - 1;
		printf("#   | %.*s\n", (int)(nl - s + (*nl != '\n')), s);
	}
}

/* A one-line version of s for a test description. */
static void one_line(char *out, size_t outsz, const char *s)
{
	size_t n = 0;

	for (; *s && n + 3 < outsz; s++) {
		if (*s == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
}

static void check_substrings(const char *what, const char *s, json_t *want,
			     int present)
{
	char desc[300], sub1[128];
	size_t i;
	json_t *v;

	json_array_foreach(want, i, v) {
		const char *sub = json_string_value(v);

		one_line(sub1, sizeof(sub1), sub ? sub : "?");
		snprintf(desc, sizeof(desc), "%s: %s %s '%s'", case_name, what,
			 present ? "has" : "lacks", sub1);
		if (!ok(sub && !!strstr(s, sub) == present, desc))
			dump_text(s);
	}
}

static void dump_diags(const struct postmortem *pm)
{
	size_t i;

	for (i = 0; i < pm->n_diags; i++)
		printf("#   %s line %d: %s\n",
		       pm->diags[i].level == PM_DIAG_ERROR ? "error"
							   : "warning",
		       pm->diags[i].line, pm->diags[i].message);
}

/* The errors, in order: each {line, message-substring}. */
static void check_errors(const struct postmortem *pm, json_t *want)
{
	char desc[300];
	size_t i, k = 0, n = 0;

	for (i = 0; i < pm->n_diags; i++)
		n += pm->diags[i].level == PM_DIAG_ERROR;
	snprintf(desc, sizeof(desc), "%s: error count", case_name);
	if (!is_int(n, json_array_size(want), desc))
		dump_diags(pm);
	for (i = 0; i < pm->n_diags && k < json_array_size(want); i++) {
		const struct pm_diag *d = &pm->diags[i];
		json_t *w = json_array_get(want, k);
		const char *msg =
			json_string_value(json_object_get(w, "message"));

		if (d->level != PM_DIAG_ERROR)
			continue;
		snprintf(desc, sizeof(desc), "%s: error %zu line", case_name,
			 k);
		is_int(d->line, json_integer_value(json_object_get(w, "line")),
		       desc);
		snprintf(desc, sizeof(desc), "%s: error %zu says '%.100s'",
			 case_name, k, msg ? msg : "?");
		if (!ok(msg && strstr(d->message, msg), desc))
			printf("#   got: %s\n", d->message);
		k++;
	}
}

static void check_warnings(const struct postmortem *pm, json_t *exp)
{
	json_t *count = json_object_get(exp, "warnings");
	json_t *msgs = json_object_get(exp, "warning_messages");
	json_t *lines = json_object_get(exp, "warning_lines");
	char desc[300];
	size_t i, j, n = 0;
	json_t *v;

	for (i = 0; i < pm->n_diags; i++)
		n += pm->diags[i].level == PM_DIAG_WARNING;
	if (count) {
		snprintf(desc, sizeof(desc), "%s: warning count", case_name);
		if (!is_int(n, json_integer_value(count), desc))
			dump_diags(pm);
	}
	json_array_foreach(msgs, j, v) {
		const char *sub = json_string_value(v);
		int found = 0;

		for (i = 0; i < pm->n_diags && sub; i++)
			found |= pm->diags[i].level == PM_DIAG_WARNING &&
				 strstr(pm->diags[i].message, sub);
		snprintf(desc, sizeof(desc), "%s: warns '%.100s'", case_name,
			 sub ? sub : "?");
		if (!ok(found, desc))
			dump_diags(pm);
	}
	if (lines) {
		j = 0;
		for (i = 0; i < pm->n_diags; i++) {
			if (pm->diags[i].level != PM_DIAG_WARNING)
				continue;
			snprintf(desc, sizeof(desc), "%s: warning %zu line",
				 case_name, j);
			is_int(pm->diags[i].line,
			       json_integer_value(json_array_get(lines, j)),
			       desc);
			j++;
		}
	}
}

static void check_actions(const struct postmortem *pm, json_t *want)
{
	char desc[256];
	size_t i;
	json_t *w;

	snprintf(desc, sizeof(desc), "%s: action count", case_name);
	is_int(pm->n_actions, json_array_size(want), desc);
	json_array_foreach(want, i, w) {
		const struct pm_action *a;
		char what[64];
		json_t *v;

		if (i >= pm->n_actions)
			break;
		a = &pm->actions[i];
		if ((v = json_object_get(w, "done"))) {
			snprintf(what, sizeof(what), "actions[%zu].done", i);
			check_int(what, a->done, v);
		}
		if ((v = json_object_get(w, "owner"))) {
			snprintf(what, sizeof(what), "actions[%zu].owner", i);
			check_str(what, a->owner, v);
		}
		if ((v = json_object_get(w, "due"))) {
			snprintf(what, sizeof(what), "actions[%zu].due", i);
			check_str(what, a->due, v);
		}
		if ((v = json_object_get(w, "text"))) {
			snprintf(what, sizeof(what), "actions[%zu].text", i);
			check_str(what, a->text, v);
		}
		if ((v = json_object_get(w, "line"))) {
			snprintf(what, sizeof(what), "actions[%zu].line", i);
			check_int(what, a->line, v);
		}
	}
}

/* Reads the "error" file into the same shape as expected.json's errors. */
static json_t *read_error_file(const char *path)
{
	json_t *errors = json_array();
	char *data, *line, *save = NULL, *sp;
	size_t len;

	data = slurp(path, &len);
	if (!data)
		return errors;
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		json_array_append_new(errors, json_pack("{s:i, s:s}", "line",
							atoi(line), "message",
							sp + 1));
	}
	free(data);
	return errors;
}

static const char *const known_keys[] = {
	"title", "slug", "summary", "status", "severity", "trigger",
	"detection", "html", "text", "started_at", "detected_at",
	"mitigated_at", "resolved_at", "causes", "services", "teams",
	"authors", "tags", "has_front_matter", "ttd", "ttm", "ttr",
	"n_actions", "n_tags", "actions", "errors", "warnings",
	"warning_messages", "warning_lines", "html_contains", "html_excludes",
	"text_contains", "text_excludes", "sources", "extra_contains", NULL
};

static void check_expected(const struct postmortem *pm, json_t *exp)
{
	const char *key;
	json_t *v;
	size_t i;
	char desc[256];

	json_object_foreach(exp, key, v) {
		int known = 0;

		for (i = 0; known_keys[i]; i++)
			known |= !strcmp(known_keys[i], key);
		snprintf(desc, sizeof(desc), "%s: expected.json key '%s'",
			 case_name, key);
		if (!known)
			ok(0, desc);
	}
#define STR(k, field) \
	if ((v = json_object_get(exp, k))) \
		check_str(k, pm->field, v);
	STR("title", title);
	STR("slug", slug);
	STR("summary", summary);
	STR("status", status);
	STR("severity", severity);
	STR("trigger", trigger);
	STR("detection", detection);
	STR("html", html);
	STR("text", text);
#undef STR
	if ((v = json_object_get(exp, "started_at")))
		check_time("started_at", &pm->started, v);
	if ((v = json_object_get(exp, "detected_at")))
		check_time("detected_at", &pm->detected, v);
	if ((v = json_object_get(exp, "mitigated_at")))
		check_time("mitigated_at", &pm->mitigated, v);
	if ((v = json_object_get(exp, "resolved_at")))
		check_time("resolved_at", &pm->resolved, v);
	if ((v = json_object_get(exp, "causes")))
		check_list("causes", &pm->causes, v);
	if ((v = json_object_get(exp, "services")))
		check_list("services", &pm->services, v);
	if ((v = json_object_get(exp, "teams")))
		check_list("teams", &pm->teams, v);
	if ((v = json_object_get(exp, "authors")))
		check_list("authors", &pm->authors, v);
	if ((v = json_object_get(exp, "tags")))
		check_list("tags", &pm->tags, v);
	if ((v = json_object_get(exp, "has_front_matter")))
		check_int("has_front_matter", pm->has_front_matter, v);
	if ((v = json_object_get(exp, "ttd")))
		check_int("ttd", postmortem_ttd(pm), v);
	if ((v = json_object_get(exp, "ttm")))
		check_int("ttm", postmortem_ttm(pm), v);
	if ((v = json_object_get(exp, "ttr")))
		check_int("ttr", postmortem_ttr(pm), v);
	if ((v = json_object_get(exp, "n_actions")))
		check_int("n_actions", (long long)pm->n_actions, v);
	if ((v = json_object_get(exp, "n_tags")))
		check_int("n_tags", (long long)pm->tags.n, v);
	if ((v = json_object_get(exp, "actions")))
		check_actions(pm, v);
	if ((v = json_object_get(exp, "sources"))) {
		json_t *src;

		json_object_foreach(v, key, src) {
			int f = pm_field_lookup(key);

			snprintf(desc, sizeof(desc), "%s: source of %s",
				 case_name, key);
			is_str(f < 0 ? "?"
				     : pm_source_name((enum pm_source)
							      pm->source[f]),
			       json_string_value(src), desc);
		}
	}
	check_substrings("extra", pm->extra ? pm->extra : "",
			 json_object_get(exp, "extra_contains"), 1);
	check_warnings(pm, exp);
	check_substrings("html", pm->html,
			 json_object_get(exp, "html_contains"), 1);
	check_substrings("html", pm->html,
			 json_object_get(exp, "html_excludes"), 0);
	check_substrings("text", pm->text,
			 json_object_get(exp, "text_contains"), 1);
	check_substrings("text", pm->text,
			 json_object_get(exp, "text_excludes"), 0);
}

/* What must hold for every file, whatever it says. */
static void check_invariants(const struct postmortem *pm)
{
	char desc[256];

	snprintf(desc, sizeof(desc), "%s: invariants", case_name);
	ok(pm->title && pm->title[0] && pm->causes.n && pm->status &&
		   pm->summary && pm->html && pm->text &&
		   utf8_valid(pm->html, strlen(pm->html)) &&
		   utf8_valid(pm->text, strlen(pm->text)) &&
		   utf8_valid(pm->title, strlen(pm->title)) &&
		   !strstr(pm->html, "<script"),
	   desc);
}

static void run_case(const char *dir, const char *name)
{
	char path[2048], md_path[300];
	char *input = NULL, *taxtext = NULL;
	size_t len, taxlen;
	json_t *exp = NULL, *args = NULL, *errors;
	struct taxonomy *tax = NULL;
	struct pm_error err;
	struct postmortem pm;
	json_int_t fallback = DEFAULT_FALLBACK;
	const char *mdp;

	case_name = name;
	postmortem_init(&pm);
	snprintf(path, sizeof(path), "%s/%s/input.md", dir, name);
	input = slurp(path, &len);
	if (!ok(input != NULL, path))
		goto out;
	snprintf(path, sizeof(path), "%s/%s/args.json", dir, name);
	args = json_load_file(path, 0, NULL);
	snprintf(md_path, sizeof(md_path), "%s.md", name);
	mdp = md_path;
	if (args && json_object_get(args, "path"))
		mdp = json_string_value(json_object_get(args, "path"));
	if (args && json_object_get(args, "fallback_start"))
		fallback = json_integer_value(
			json_object_get(args, "fallback_start"));
	snprintf(path, sizeof(path), "%s/%s/taxonomy.yml", dir, name);
	taxtext = slurp(path, &taxlen);
	if (taxtext && taxonomy_parse(&tax, taxtext, taxlen, path, &err)) {
		ok(0, "taxonomy.yml parses");
		printf("#   %s:%d: %s\n", err.source, err.line, err.message);
		goto out;
	}

	postmortem_parse(&pm, mdp, input, len, tax, fallback);
	check_invariants(&pm);

	snprintf(path, sizeof(path), "%s/%s/expected.json", dir, name);
	exp = json_load_file(path, 0, NULL);
	if (exp) {
		json_t *none = json_array();

		/* No "errors": none at all. */
		errors = json_object_get(exp, "errors");
		check_errors(&pm, errors ? errors : none);
		json_decref(none);
		check_expected(&pm, exp);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s/error", dir, name);
	errors = read_error_file(path);
	ok(json_array_size(errors) > 0, "case has expected.json or error");
	check_errors(&pm, errors);
	json_decref(errors);
out:
	postmortem_release(&pm);
	taxonomy_free(tax);
	json_decref(exp);
	json_decref(args);
	free(taxtext);
	free(input);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_fixtures(void)
{
	const char *root = getenv("PMKB_SOURCE_ROOT");
	char dir[1024];
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/postmortem",
		 root ? root : "..");
	d = opendir(dir);
	if (!ok(d != NULL, "fixtures directory opens"))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README.md"))
			continue;
		XGROW(names, alloc, n + 1);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	ok(n >= 30, "at least 30 fixture cases");
	for (i = 0; i < n; i++) {
		run_case(dir, names[i]);
		free(names[i]);
	}
	free(names);
}

int main(void)
{
	test_slug();
	test_list();
	test_actions();
	test_durations();
	test_caps();
	test_fixtures();
	return tap_done();
}
