/*
 * The keywords column: causes with their labels, services, tags, unknown
 * front-matter values and the parts of identifiers.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/keywords.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "tap.h"

/* keywords_identifier_parts() of s, as a string. */
static void parts_are(const char *s, const char *want, const char *what)
{
	struct buf out = BUF_INIT;

	keywords_identifier_parts(s, &out);
	is_str(out.ptr ? out.ptr : "", want, what);
	buf_release(&out);
}

static void test_parts(void)
{
	parts_are("HybridPrioritySemaphore", "Hybrid Priority Semaphore ",
		  "CamelCase splits before each upper-case letter");
	parts_are("replica_lag_monitor", "replica lag monitor ",
		  "snake_case at each underscore");
	parts_are("the getHTTPResponse_code", "get HTTPResponse code ",
		  "only after a lower-case letter; both kinds in one word");
	parts_are("plain words, Title Case, UPPER, x_y", "",
		  "words that do not split, and parts of one letter, add "
		  "nothing");
	parts_are("fooBar fooBar foo_bar", "foo Bar bar ",
		  "each part once");
	parts_are("__init__ _x_ a__b", "init ", "runs of underscores");
	parts_are(NULL, "", "no text");
	parts_are("データベースのreplicaLag障害", "replica Lag ",
		  "identifiers between other scripts");
}

static void test_too_long(void)
{
	struct buf s = BUF_INIT, out = BUF_INIT;
	int i;

	/* 101 bytes: left alone (a hash or an encoded blob, not a name). */
	buf_addstr(&s, "aB");
	for (i = 0; i < 99; i++)
		buf_addch(&s, 'c');
	keywords_identifier_parts(s.ptr, &out);
	is_int((int)out.len, 0, "an identifier over 100 bytes is not split");
	/* Many distinct parts: capped. */
	buf_reset(&s);
	for (i = 0; i < 3000; i++)
		buf_addf(&s, "x_p%d ", i);
	keywords_identifier_parts(s.ptr, &out);
	{
		size_t n = 0;

		for (size_t k = 0; k < out.len; k++)
			n += out.ptr[k] == ' ';
		is_int((int)n, KEYWORDS_MAX_PARTS, "parts are capped");
	}
	buf_release(&s);
	buf_release(&out);
}

static int starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static void test_keywords(void)
{
	static const char yml[] = "causes:\n"
				  "  - id: infrastructure\n"
				  "    label: Infrastructure\n"
				  "    label_ja: インフラ\n";
	struct taxonomy *tax = NULL;
	struct pm_error err;
	struct postmortem pm;
	struct buf out = BUF_INIT;

	ok(taxonomy_parse(&tax, yml, sizeof(yml) - 1, ".pmkb.yml", &err) ==
		   PM_OK,
	   "taxonomy");
	postmortem_init(&pm);
	pm_list_add(&pm.causes, "infrastructure");
	pm_list_add(&pm.causes, "made-up");
	pm_list_add(&pm.services, "payment-api");
	pm_list_add(&pm.tags, "dns");
	pm.extra = xstrdup("component: HybridSemaphore");
	pm.title = xstrdup("Lag in replica_lag_monitor");
	pm.text = xstrdup("The checkoutService failed.");
	keywords_write(tax, &pm, &out);
	ok(starts(out.ptr, "infrastructure Infrastructure インフラ "),
	   "a cause, then its English and Japanese labels");
	ok(strstr(out.ptr, " made-up payment-api dns ") != NULL,
	   "a cause the taxonomy does not know, services and tags");
	ok(strstr(out.ptr, "component: HybridSemaphore Hybrid Semaphore "
			   "replica lag monitor checkout Service") != NULL,
	   "front-matter values, then the identifiers' parts");
	ok(out.len && out.ptr[out.len - 1] != ' ', "no trailing space");
	buf_reset(&out);
	keywords_write(NULL, &pm, &out);
	ok(starts(out.ptr, "infrastructure made-up "),
	   "without a taxonomy: the ids alone");
	buf_release(&out);
	postmortem_release(&pm);
	taxonomy_free(tax);
}

int main(void)
{
	test_parts();
	test_too_long();
	test_keywords();
	return tap_done();
}
