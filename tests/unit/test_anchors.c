/*
 * Heading anchors: GitHub's names (case, marks, Japanese, spaces,
 * punctuation), repeats numbered, and ids spliced into the HTML only when
 * every heading has one.
 */
#include <stdio.h>
#include <string.h>

#include "pmkb/doc/anchors.h"
#include "tap.h"

/* The anchors of the headings in hs (NULL-terminated), space-separated. */
static void names(const char *const *hs, struct buf *out)
{
	struct anchors a = ANCHORS_INIT;

	for (; *hs; hs++)
		anchors_add(&a, *hs, strlen(*hs));
	buf_reset(out);
	for (size_t i = 0; i < a.ids.n; i++)
		buf_addf(out, "%s%s", i ? " " : "", a.ids.v[i]);
	anchors_release(&a);
}

static void test_names(void)
{
	struct buf b = BUF_INIT;

	names((const char *[]){ "Root Cause", "What went wrong?", "障害の概要",
				"Ünïcode_and-dash", "!!!", NULL },
	      &b);
	is_str(b.ptr,
	       "root-cause what-went-wrong 障害の概要 ünïcode_and-dash section",
	       "lower-cased, spaces to '-', punctuation dropped");
	names((const char *[]){ "Impact", "Impact", "Impact-1", "Impact",
				NULL },
	      &b);
	is_str(b.ptr, "impact impact-1 impact-1-1 impact-2",
	       "repeats numbered, skipping names already given");
	buf_release(&b);
}

static void test_splice(void)
{
	struct anchors a = ANCHORS_INIT;
	struct buf b = BUF_INIT;

	anchors_add(&a, "One", 3);
	anchors_add(&a, "Two \"q\"", 7);
	anchors_splice(&a, &b, "<h1>One</h1><p>x</p><h2>Two</h2><hr />");
	is_str(b.ptr,
	       "<h1 id=\"one\">One</h1><p>x</p><h2 id=\"two-q\">Two</h2>"
	       "<hr />",
	       "ids on each heading, in order");
	buf_reset(&b);
	anchors_splice(&a, &b, "<h1>One</h1>");
	is_str(b.ptr, "<h1>One</h1>", "a count that differs: no ids");
	anchors_release(&a);
	buf_release(&b);
}

int main(void)
{
	test_names();
	test_splice();
	return tap_done();
}
