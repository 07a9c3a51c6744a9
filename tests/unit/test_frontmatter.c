/* frontmatter.c: splitting, the YAML tree, and field reading. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/frontmatter.h"
#include "pmkb/doc/ynode.h"
#include "pmkb/doc/postmortem.h"
#include "tap.h"

#define S(lit) (lit), sizeof(lit) - 1

static void test_split(void)
{
	const char *yaml, *body;
	size_t ylen, blen;
	int line, rc;

	rc = frontmatter_split(S("# no front matter\n"), &yaml, &ylen, &body,
			       &blen, &line);
	ok(rc == 0 && !yaml && blen == 18 && line == 1, "split: none");

	rc = frontmatter_split(S("---\na: 1\nb: 2\n---\nbody\n"), &yaml,
			       &ylen, &body, &blen, &line);
	ok(rc == 0 && yaml && ylen == 10 && !strncmp(yaml, "a: 1\nb: 2\n", 10),
	   "split: yaml");
	ok(!strcmp(body, "body\n") && line == 5, "split: body and its line");

	rc = frontmatter_split(S("---\na: 1\n...\nbody"), &yaml, &ylen, &body,
			       &blen, &line);
	ok(rc == 0 && ylen == 5 && !strcmp(body, "body") && line == 4,
	   "split: ... ends it");

	rc = frontmatter_split(S("\xef\xbb\xbf---  \r\na: 1\r\n--- \r\nx"),
			       &yaml, &ylen, &body, &blen, &line);
	ok(rc == 0 && yaml && ylen == 6 && !strcmp(body, "x") && line == 4,
	   "split: BOM, CRLF and trailing blanks");

	rc = frontmatter_split(S("---\n---\n"), &yaml, &ylen, &body, &blen,
			       &line);
	ok(rc == 0 && yaml && ylen == 0 && blen == 0 && line == 3,
	   "split: empty front matter");

	rc = frontmatter_split(S("---\na: 1\n---"), &yaml, &ylen, &body, &blen,
			       &line);
	ok(rc == 0 && yaml && blen == 0, "split: closing fence at EOF");

	rc = frontmatter_split(S("----\na: 1\n---\n"), &yaml, &ylen, &body,
			       &blen, &line);
	ok(rc == 0 && !yaml, "split: ---- is not a fence");

	rc = frontmatter_split(S("---\na: 1\nno end\n"), &yaml, &ylen, &body,
			       &blen, &line);
	ok(rc == -1 && !yaml && blen == 16 && line == 1, "split: unclosed");

	rc = frontmatter_split(S("text\n---\na: 1\n---\n"), &yaml, &ylen,
			       &body, &blen, &line);
	ok(rc == 0 && !yaml, "split: only on the first line");
}

static void test_load(void)
{
	struct ynode *root;
	const struct ynode *v;
	struct buf b = BUF_INIT;
	struct pm_error err;
	int i;

	ok(!ynode_load(&root, S("a: 1\nb: [x, y]\nc:\nd: \"null\"\ne: ~\n"), 2,
		    &err),
	   "load: ok");
	ok(root && root->type == YNODE_MAPPING && root->n == 10, "load: mapping");
	v = ynode_get(root, "b");
	ok(v && v->type == YNODE_SEQUENCE && v->n == 2 && v->line == 3,
	   "load: sequence and its file line");
	ok(ynode_get(root, "c")->is_null, "load: empty is null");
	ok(!ynode_get(root, "d")->is_null, "load: quoted null is text");
	ok(ynode_get(root, "e")->is_null, "load: ~ is null");
	ok(!ynode_get(root, "zz"), "load: missing key");
	is_str(ynode_type_name(v), "a list", "type name");
	ynode_free(root);

	ok(!ynode_load(&root, S(""), 2, &err) && !root,
	   "load: empty document");
	ok(!ynode_load(&root, S("a: 1\n--- \nb: 2\n"), 1, &err) &&
		   root && root->n == 2,
	   "load: only the first document");
	ynode_free(root);

	ok(ynode_load(&root, S("a: 1\nb: *x\n"), 5, &err) &&
		   !root && err.line == 6 && strstr(err.message, "aliases"),
	   "load: alias refused");
	ok(ynode_load(&root, S("a: 1\n b: 2\nc: [\n"), 2, &err) &&
		   !root && err.line == 3 && strstr(err.message, "not valid YAML"),
	   "load: syntax error line");

	for (i = 0; i < YNODE_MAX_DEPTH; i++)
		buf_addch(&b, '[');
	for (i = 0; i < YNODE_MAX_DEPTH; i++)
		buf_addch(&b, ']');
	ok(!ynode_load(&root, b.ptr, b.len, 1, &err),
	   "load: depth 32 is fine");
	ynode_free(root);
	buf_reset(&b);
	for (i = 0; i < 10000; i++)
		buf_addch(&b, '[');
	ok(ynode_load(&root, b.ptr, b.len, 1, &err) &&
		   strstr(err.message, "nested more than 32"),
	   "load: depth 10000 refused");
	buf_release(&b);
}

static void test_parse(void)
{
	struct postmortem pm;
	unsigned found;

	postmortem_init(&pm);
	found = frontmatter_parse(&pm, S("TITLE: t\nStarted_At: bad\nx: 1\n"),
				  2, NULL);
	ok(found == (FM_FOUND_TITLE | FM_FOUND_STARTED | FM_FOUND_INCIDENT),
	   "found: flags; started_at is a postmortem's key");
	is_str(pm.title, "t", "keys are case-insensitive");
	is_int(pm.n_diags, 1, "bad date is one diagnostic");
	is_int(pm.diags[0].line, 3, "on the file's line");
	ok(strstr(pm.diags[0].message, "Started_At: expected a date"),
	   "the key as written");
	postmortem_release(&pm);

	postmortem_init(&pm);
	found = frontmatter_parse(&pm, S("[1, 2]\n"), 2, NULL);
	ok(found & FM_BROKEN, "a list is broken front matter");
	postmortem_release(&pm);

	postmortem_init(&pm);
	found = frontmatter_parse(&pm, S("cause: []\n"), 2, NULL);
	ok(found == (FM_FOUND_CAUSE | FM_FOUND_INCIDENT) &&
		   pm.causes.n == 0 && pm.n_diags == 1,
	   "empty cause: found, left empty, warned");
	postmortem_release(&pm);

	postmortem_init(&pm);
	found = frontmatter_parse(&pm,
				  S("title: t\ndate: 2024-01-02\n"
				    "excerpt: e\nlayout: post\ntags: [a]\n"),
				  2, NULL);
	ok(found == (FM_FOUND_TITLE | FM_FOUND_STARTED),
	   "a blog's keys: no postmortem's key found");
	postmortem_release(&pm);

	postmortem_init(&pm);
	found = frontmatter_parse(&pm, S("summary: >\n  folded\n  text\n"), 2,
				  NULL);
	is_str(pm.summary, "folded text", "folded summary, trimmed");
	postmortem_release(&pm);
}

int main(void)
{
	test_split();
	test_load();
	test_parse();
	return tap_done();
}
