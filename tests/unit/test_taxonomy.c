/* taxonomy.c: .pmkb.yml parsing and checks, causes and severities. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/doc/learning.h"
#include "pmkb/doc/taxonomy.h"
#include "tap.h"

#define S(lit) (lit), sizeof(lit) - 1

static const char good[] =
	"# comment\n"
	"fiscal_year_start_month: 4\n"
	"time_zone: Asia/Tokyo\n"
	"slack_channel: '#incidents'   # for other readers: ignored here\n"
	"severities: [SEV1, SEV2, P3]\n"
	"causes:\n"
	"  - id: infrastructure\n"
	"    label: Infrastructure\n"
	"    label_ja: インフラ\n"
	"    group: infra\n"
	"    color: \"#C0392B\"\n"
	"    aliases: [infra, インフラ, \"third party\"]\n"
	"  - id: application\n";

static void test_default(void)
{
	struct taxonomy *tax = taxonomy_default();
	const char *canon;
	char out[64];

	ok(!tax->closed && !tax->closed_severities && !tax->n_causes,
	   "default: open");
	is_int(tax->n_severities, 5, "default: 5 severities");
	is_str(tax->severities[0], "SEV0", "default: SEV0 first");
	is_int(tax->fiscal_start_month, 1, "default: fiscal 1");
	is_str(tax->time_zone, "UTC", "default: UTC");
	is_str(taxonomy_cause(tax, "  Infra Structure ", out, sizeof(out)),
	       "infra structure", "open: lower-cased and trimmed");
	is_str(taxonomy_cause(tax, "ÉCOLE", out, sizeof(out)), "École",
	       "open: only ASCII lower-cased");
	ok(!taxonomy_cause(tax, "   ", out, sizeof(out)), "open: empty");
	is_str(taxonomy_cause(tax, "日本語のとても長い原因", out, 8), "日本",
	       "open: truncated on a character");
	is_int(taxonomy_severity(tax, "sev2", &canon), 2, "sev2");
	is_str(canon, "SEV2", "sev2: canonical");
	is_int(taxonomy_severity(NULL, "3", &canon), 3, "NULL tax: 3");
	is_str(canon, "SEV3", "3: canonical");
	is_int(taxonomy_severity(tax, "Sev-4", NULL), 4, "Sev-4");
	is_int(taxonomy_severity(tax, "sev 0", NULL), 0, "sev 0");
	is_int(taxonomy_severity(tax, "SEV5", &canon), -1, "SEV5 unknown");
	ok(canon == NULL, "unknown: canon NULL");
	is_int(taxonomy_severity(tax, "high", NULL), -1, "high unknown");
	is_int(taxonomy_severity(tax, "", NULL), -1, "empty unknown");
	ok(!taxonomy_find(tax, "x") && !taxonomy_find(NULL, "x"), "find: none");
	taxonomy_free(tax);
}

static void test_severity_lead(void)
{
	const char *canon;
	size_t n = 99;
	char names[120];

	is_int(taxonomy_severity_lead(NULL, "SEV-3（一部機能の誤動作）", &canon,
				      &n),
	       3, "a note in full-width brackets");
	is_str(canon, "SEV3", "its canonical spelling");
	is_int((int)n, 5, "named by SEV-3");
	is_int(taxonomy_severity_lead(NULL, "Sev 1 (customers could not pay)",
				      NULL, &n),
	       1, "Sev 1 and a note");
	is_int((int)n, 5, "named by Sev 1");
	is_int(taxonomy_severity_lead(NULL, "2 - major", NULL, NULL), 2,
	       "a number and a note");
	is_int(taxonomy_severity_lead(NULL, "SEV2", NULL, &n), 2,
	       "a value without a note");
	is_int((int)n, 4, "named whole");
	is_int(taxonomy_severity_lead(NULL, "SEV5 (worst)", &canon, &n), -1,
	       "unknown with a note");
	ok(canon == NULL, "unknown: canon NULL");
	is_int((int)n, 4, "the length before the note");
	is_int(taxonomy_severity_lead(NULL, "高（全ユーザー）", NULL, &n), -1,
	       "unknown before a full-width bracket");
	is_int((int)n, 3, "高 alone");
	is_int(taxonomy_severity_lead(NULL, "Critical - complete outage",
				      NULL, &n),
	       -1, "unknown before a dash");
	is_int((int)n, 8, "Critical alone");
	is_int(taxonomy_severity_lead(NULL, "P1 outage", NULL, &n), -1,
	       "another scale: unknown");
	is_int((int)n, 9, "no bracket: the whole value");
	taxonomy_severity_names(NULL, names, sizeof(names));
	is_str(names, "SEV0 to SEV4", "the default names");
}

static void test_good(void)
{
	struct taxonomy *tax = NULL;
	struct pm_error err;
	const struct pm_cause *c;
	const char *canon;
	char out[64];

	if (!ok(taxonomy_parse(&tax, S(good), ".pmkb.yml", &err) == PM_OK,
		"good file parses")) {
		printf("#   %s:%d: %s\n", err.source, err.line, err.message);
		return;
	}
	ok(tax->closed && tax->closed_severities, "closed");
	is_int(tax->fiscal_start_month, 4, "fiscal month");
	is_str(tax->time_zone, "Asia/Tokyo", "time zone");
	is_int(tax->n_causes, 2, "two causes");
	c = taxonomy_find(tax, "infrastructure");
	ok(c && !strcmp(c->label_ja, "インフラ") && !strcmp(c->group, "infra"),
	   "labels and group");
	is_str(c->color, "#c0392b", "colour lower-cased");
	c = taxonomy_find(tax, "application");
	ok(c && !strcmp(c->label, "application") &&
		   !strcmp(c->label_ja, "application") && !c->color,
	   "labels default to the id");
	is_str(taxonomy_cause(tax, "INFRA", out, sizeof(out)), "infrastructure",
	       "alias, any ASCII case");
	is_str(taxonomy_cause(tax, " インフラ ", out, sizeof(out)),
	       "infrastructure", "Japanese alias");
	is_str(taxonomy_cause(tax, "Third Party", out, sizeof(out)),
	       "infrastructure", "alias with a space");
	is_str(taxonomy_cause(tax, "Application", out, sizeof(out)),
	       "application", "id, any case");
	ok(!taxonomy_cause(tax, "ＩＮＦＲＡ", out, sizeof(out)),
	   "full-width is not ASCII-folded");
	ok(!taxonomy_cause(tax, "foo", out, sizeof(out)), "unknown cause");
	is_str(taxonomy_cause(tax, "Unknown", out, sizeof(out)), "unknown",
	       "'unknown' is always known");
	is_int(taxonomy_severity(tax, "p3", &canon), 2, "p3");
	is_str(canon, "P3", "p3: canonical");
	is_int(taxonomy_severity(tax, "3", NULL), 2, "3 matches P3");
	is_int(taxonomy_severity(tax, "SEV0", NULL), -1, "SEV0 not listed");
	taxonomy_free(tax);

	ok(taxonomy_parse(&tax, S(""), "x", &err) == PM_OK && tax &&
		   !tax->closed,
	   "empty file: open defaults");
	taxonomy_free(tax);
	ok(taxonomy_parse(&tax, S("causes: []\ntime_zone: UTC\n"), "x",
			  &err) == PM_OK &&
		   !tax->closed,
	   "no causes: open");
	taxonomy_free(tax);
}

struct bad {
	const char *yaml;
	int line;
	const char *message;
};

static const struct bad bad[] = {
	{ "causes:\n  - id: a\n  - id: b\n  - label: c\n", 4,
	  "causes[2]: missing id" },
	{ "causes:\n  - id: a\n    color: '#12345'\n", 3,
	  "causes[0].color: expected a colour like" },
	{ "causes:\n  - id: a\n    color: red\n", 3, "causes[0].color" },
	{ "fiscal_year_start_month: 13\n", 1,
	  "fiscal_year_start_month: expected a month number from 1 to 12, "
	  "got '13'" },
	{ "fiscal_year_start_month: april\n", 1, "got 'april'" },
	{ "time_zone: Asia/Tokio\n", 1,
	  "time_zone: unknown time zone 'Asia/Tokio'" },
	{ "time_zone: ../../etc/passwd\n", 1, "unknown time zone" },
	{ "causes:\n  - id: a\n  - id: A\n", 3,
	  "causes[1]: duplicate id 'A' (also causes[0])" },
	{ "causes:\n  - id: a\n  - id: b\n    aliases: [x, A]\n", 4,
	  "causes[1]: alias 'A' is the id of causes[0]" },
	{ "causes:\n  - id: a\n    aliases: [x]\n  - id: b\n"
	  "    aliases: [X]\n",
	  5, "causes[1]: alias 'X' is also an alias of 'a'" },
	{ "causes:\n  - id: a\n    alias: [x]\n", 3,
	  "causes[0]: unknown key 'alias'" },
	{ "causes:\n  - id: a\n    id: b\n", 3, "duplicate key 'id'" },
	{ "causes:\n  - just-a-string\n", 2, "causes[0]: expected a mapping" },
	{ "causes: infrastructure\n", 1, "causes: expected a list" },
	{ "causes:\n  - id: [a]\n", 2, "causes[0].id: expected text" },
	{ "severities: [SEV1, sev 1]\n", 1, "severities[1]: 'sev 1' is listed "
					    "twice" },
	{ "severities: []\n", 1, "severities: expected a list" },
	{ "- a\n- b\n", 1, "expected settings as keys and values" },
	{ "causes: [\n", 2, "not valid YAML" },
	{ "a: *x\n", 1, "aliases" },
	{ "causes:\n  - id: a\n\tlabel: b\n", 3, "tabs" },
	{ "time_zone: \"ok\xff\"\n", 1, "not valid UTF-8" },
	{ "recurrence:\n  similarity: 1.5\n", 2,
	  "recurrence.similarity: expected a share of the new postmortem's "
	  "distinctive words above 0 up to 1, like 0.35; got '1.5'" },
	{ "recurrence: {similarity: 0}\n", 1, "recurrence.similarity" },
	{ "recurrence: {similarity: high}\n", 1, "got 'high'" },
	{ "recurrence: {labels_similarity: -0.1}\n", 1,
	  "recurrence.labels_similarity: expected a share of the new "
	  "postmortem's distinctive words from 0 to 1" },
	{ "recurrence: {window_days: 365, similarty: 0.5}\n", 1,
	  "recurrence: unknown key 'similarty' (expected window_days, "
	  "similarity or labels_similarity)" },
	{ "recurrence: {window_days: 0}\n", 1, "recurrence.window_days" },
	{ "recurrence: 0.5\n", 1, "recurrence: expected a mapping" },
	{ "synonyms: billing\n", 1,
	  "synonyms: expected a list of groups like [[決済, billing, "
	  "payment]], got text" },
	{ "synonyms:\n  - [決済, billing]\n  - [payment]\n", 3,
	  "synonyms[1]: expected a list of at least two terms" },
	{ "synonyms:\n  - [決済, {a: b}]\n", 2,
	  "synonyms[0][1]: expected text, got a mapping" },
	{ "synonyms: [[a, '']]\n", 1, "synonyms[0][1]: is empty" },
	{ "synonyms: [[a, b]]\nsynonyms: [[c, d]]\n", 2,
	  "duplicate key 'synonyms'" },
};

static void test_bad(void)
{
	struct taxonomy *tax = (struct taxonomy *)1;
	struct pm_error err;
	char what[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum pm_status st = taxonomy_parse(&tax, bad[i].yaml,
						   strlen(bad[i].yaml),
						   ".pmkb.yml", &err);

		snprintf(what, sizeof(what), "bad %zu: %.100s", i,
			 bad[i].message);
		ok(st == PM_INVALID && !tax, what);
		is_int(err.line, bad[i].line, what);
		if (!ok(strstr(err.message, bad[i].message) != NULL, what))
			printf("#   got: %s\n", err.message);
		is_str(err.source, ".pmkb.yml", what);
	}
}

static void test_recurrence(void)
{
	static const char yml[] = "recurrence: {window_days: 30, "
				  "similarity: 0.6, labels_similarity: 0}\n";
	struct taxonomy *tax = NULL;
	struct pm_error err;

	ok(taxonomy_parse(&tax, S(""), "x", &err) == PM_OK && tax,
	   "recurrence: defaults parse");
	if (tax) {
		is_int(tax->learning->recurrence_window_days, 365,
		       "recurrence: default window");
		ok(tax->learning->recurrence_similarity == 0.45,
		   "recurrence: default similarity 0.45");
		ok(tax->learning->recurrence_labels_similarity == 0.25,
		   "recurrence: default labels_similarity 0.25");
	}
	taxonomy_free(tax);
	tax = NULL;
	ok(taxonomy_parse(&tax, yml, strlen(yml), "x", &err) == PM_OK && tax,
	   "recurrence: all three keys parse");
	if (tax) {
		is_int(tax->learning->recurrence_window_days, 30,
		       "recurrence: window_days");
		ok(tax->learning->recurrence_similarity == 0.6,
		   "recurrence: similarity");
		ok(tax->learning->recurrence_labels_similarity == 0.0,
		   "recurrence: labels_similarity 0 is allowed");
	}
	taxonomy_free(tax);
}

/* synonyms: groups kept as written, for the glossary. */
static void test_synonyms(void)
{
	static const char yaml[] = "synonyms:\n"
				   "  - [決済, billing, payment]\n"
				   "  - [SRE, site reliability]\n";
	struct taxonomy *tax = NULL;
	struct pm_error err;

	if (!ok(taxonomy_parse(&tax, S(yaml), ".pmkb.yml", &err) == PM_OK,
		"synonyms parse"))
		printf("#   %s\n", err.message);
	is_int(tax ? (long)tax->n_synonyms : -1, 2, "two groups");
	is_int(tax ? (long)tax->synonyms[0].n : -1, 3, "three terms");
	is_str(tax ? tax->synonyms[0].v[0] : NULL, "決済", "as written");
	is_str(tax ? tax->synonyms[1].v[1] : NULL, "site reliability",
	       "a phrase");
	ok(!tax || !tax->closed, "synonyms leave the taxonomy open");
	taxonomy_free(tax);
}

static void test_load(void)
{
	struct taxonomy *tax = NULL;
	struct pm_error err;
	const char *root = getenv("PMKB_SOURCE_ROOT");
	char path[1024], tmp[] = "/tmp/pmkb-tax-XXXXXX";
	int fd;

	ok(taxonomy_load(&tax, "/nonexistent/.pmkb.yml", &err) ==
			   PM_NOT_FOUND &&
		   !tax,
	   "load: missing file");

	fd = mkstemp(tmp);
	ok(fd >= 0 && write(fd, good, sizeof(good) - 1) ==
				      (ssize_t)(sizeof(good) - 1),
	   "load: temp file written");
	close(fd);
	ok(taxonomy_load(&tax, tmp, &err) == PM_OK && tax && tax->closed,
	   "load: reads a file");
	taxonomy_free(tax);
	unlink(tmp);

	/* The repository's own settings must always load. */
	snprintf(path, sizeof(path), "%s/postmortems/.pmkb.yml",
		 root ? root : "..");
	if (!ok(taxonomy_load(&tax, path, &err) == PM_OK,
		"postmortems/.pmkb.yml"))
		printf("#   %s:%d: %s\n", err.source, err.line, err.message);
	else
		ok(tax->closed && tax->n_causes > 0, "and is closed");
	taxonomy_free(tax);
}

int main(void)
{
	test_default();
	test_severity_lead();
	test_good();
	test_bad();
	test_recurrence();
	test_synonyms();
	test_load();
	return tap_done();
}
