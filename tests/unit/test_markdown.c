/* markdown.c: safe HTML, anchors, plain text, titles and task items. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/doc/cmarkrun.h"
#include "pmkb/doc/markdown.h"
#include "pmkb/doc/postmortem.h"
#include "tap.h"

#define S(lit) (lit), sizeof(lit) - 1

static void render(struct postmortem *pm, const char *md, size_t len)
{
	postmortem_init(pm);
	markdown_render(pm, md, len, 1);
}

static void test_safety(void)
{
	struct postmortem pm;

	render(&pm, S("<script>alert(1)</script>\n\n"
		      "a <b onmouseover=x>b</b> <iframe src=y></iframe>\n\n"
		      "[j](javascript:alert(1)) [J](JAVASCRIPT:x) "
		      "[v](vbscript:x) [f](file:///etc/passwd) "
		      "[d](data:text/html,<b>) <javascript:alert(1)>\n\n"
		      "![png](data:image/png;base64,AAAA) "
		      "![svg](javascript:alert(2))\n\n"
		      "[ok](https://example.com/a?b=1&c=\"2\")\n"));
	ok(!strstr(pm.html, "<script") && !strstr(pm.html, "<b ") &&
		   !strstr(pm.html, "<iframe"),
	   "raw HTML is omitted");
	ok(strstr(pm.html, "<!-- raw HTML omitted -->") != NULL,
	   "and says so");
	/* <javascript:...> keeps its text, but not as a link. */
	ok(!strstr(pm.html, "=\"javascript:") &&
		   !strstr(pm.html, "=\"JAVASCRIPT:") &&
		   !strstr(pm.html, "=\"vbscript:") &&
		   !strstr(pm.html, "=\"file:") &&
		   !strstr(pm.html, "=\"data:text"),
	   "dangerous URLs are dropped");
	ok(strstr(pm.html, "<a href=\"\">javascript:alert(1)</a>") != NULL,
	   "autolinks too");
	ok(strstr(pm.html, "src=\"data:image/png;base64,AAAA\"") != NULL,
	   "data: images are kept");
	ok(strstr(pm.html,
		  "href=\"https://example.com/a?b=1&amp;c=%222%22\"") != NULL,
	   "URLs are escaped");
	postmortem_release(&pm);
}

static void test_anchors(void)
{
	struct postmortem pm;

	render(&pm, S("# Root cause / 原因\n\n## Root cause / 原因\n\n"
		      "### ***\n\n#### C++ & \"Go\"!\n\nSetext\n---\n\n"
		      "> ## In a quote\n\n- ## In a list\n\n"
		      "```\n<h2>not a heading</h2>\n```\n\n"
		      "`<h3>` in code\n\n# Ünïcode ＡＢＣ\n"));
	ok(strstr(pm.html, "<h1 id=\"root-cause--原因\">") != NULL,
	   "anchor: Japanese kept");
	ok(strstr(pm.html, "<h2 id=\"root-cause--原因-1\">") != NULL,
	   "anchor: repeat suffixed");
	ok(strstr(pm.html, "<h3 id=\"section\">") != NULL,
	   "anchor: nothing left");
	ok(strstr(pm.html, "<h4 id=\"c--go\">") != NULL,
	   "anchor: punctuation dropped");
	ok(strstr(pm.html, "<h2 id=\"setext\">Setext</h2>") != NULL,
	   "anchor: setext");
	ok(strstr(pm.html, "<h2 id=\"in-a-quote\">") != NULL &&
		   strstr(pm.html, "<h2 id=\"in-a-list\">") != NULL,
	   "anchor: nested headings");
	ok(strstr(pm.html, "&lt;h2&gt;not a heading") != NULL &&
		   strstr(pm.html, "<code>&lt;h3&gt;</code>") != NULL,
	   "anchor: escaped tags untouched");
	ok(strstr(pm.html, "<h1 id=\"ünïcode-ａｂｃ\">") != NULL,
	   "anchor: Unicode lower-cased");
	is_str(pm.title, "Root cause / 原因", "title: first heading");
	postmortem_release(&pm);
}

static void test_text(void)
{
	struct postmortem pm;

	render(&pm, S("Intro *emph* `code`\nsoft break  \nhard\n\n"
		      "| a | b |\n|---|---|\n| 1 | **2** |\n\n"
		      "```sh\nline 1\nline 2\n```\n\n"
		      "- item [link](https://x.example/) ![alt](i.png)\n"
		      "- [ ] task\n\n<div>raw</div>\n\n"
		      "    indented\n"));
	is_str(pm.text,
	       "Intro emph code soft break hard\n"
	       "a b\n1 2\n"
	       "line 1\nline 2\n"
	       "item link alt\n"
	       "task\n"
	       "indented\n",
	       "plain text");
	ok(pm.title == NULL, "no heading, no title");
	postmortem_release(&pm);

	render(&pm, S(""));
	is_str(pm.html, "", "empty: html");
	is_str(pm.text, "", "empty: text");
	postmortem_release(&pm);
}

static void test_tasks(void)
{
	struct postmortem pm;

	postmortem_init(&pm);
	markdown_render(&pm,
			S("# T\n\n- [ ] @a due:2018-01-31 one\n"
			  "  continued\n\n"
			  "  second paragraph\n"
			  "  - [x] @b nested\n"
			  "- [X] upper\n"
			  "* [ ] star\n"
			  "- [] not a task\n"
			  "- [ ]\n"),
			10);
	is_int(pm.n_actions, 4, "tasks found");
	is_str(pm.actions[0].text, "one continued", "first paragraph only");
	is_str(pm.actions[0].owner, "a", "owner");
	is_str(pm.actions[0].due, "2018-01-31", "due");
	is_int(pm.actions[0].line, 12, "line offset by first_line");
	ok(pm.actions[1].done && !strcmp(pm.actions[1].text, "nested") &&
		   pm.actions[1].line == 16,
	   "nested item is its own action");
	ok(pm.actions[2].done, "[X] is done");
	is_str(pm.actions[3].text, "star", "* lists");
	/* The plain text (what snippets quote) has no @owner due: markers. */
	is_str(pm.text,
	       "T\none continued (a, 2018-01-31)\nsecond paragraph\n"
	       "nested (b)\nupper\nstar\n[] not a task\n[ ]\n",
	       "tasks in the plain text");
	postmortem_release(&pm);

	postmortem_init(&pm);
	markdown_render(&pm,
			S("- [x] @sato due:2017-04-30 done:2017-05-02 見直す"
			  " `cron` [PR](https://x.example/1)\n"
			  "- [ ] 担当なし\n"),
			1);
	is_str(pm.text,
	       "見直す cron PR (sato, 2017-04-30, 2017-05-02)\n担当なし\n",
	       "owner, due and done dates after the text");
	postmortem_release(&pm);
}

static void test_inline(void)
{
	char *h;

	h = markdown_inline_html(S("**bold** <i>x</i> [a](javascript:1)"));
	is_str(h,
	       "<p><strong>bold</strong> <!-- raw HTML omitted -->x"
	       "<!-- raw HTML omitted --> <a href=\"\">a</a></p>\n",
	       "inline html is safe");
	free(h);
	h = markdown_inline_html(S("bad \xff utf-8"));
	ok(strstr(h, "\xef\xbf\xbd") != NULL, "inline html repairs UTF-8");
	free(h);
}

/* The extension registry is set up once, whichever thread comes first. */
static void *render_thread(void *arg)
{
	struct postmortem pm;
	int i, *good = arg;

	for (i = 0; i < 20; i++) {
		render(&pm, S("| a |\n|---|\n| b |\n\n- [ ] t\n"));
		*good &= strstr(pm.html, "<table>") && pm.n_actions == 1;
		postmortem_release(&pm);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];
	int good[4] = { 1, 1, 1, 1 }, i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, render_thread, &good[i]);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ok(good[0] && good[1] && good[2] && good[3], "threads render tables");
}

/* Repeats unit n times into a new string (free()). */
static char *repeat(const char *head, const char *unit, size_t n)
{
	size_t h = strlen(head), u = strlen(unit);
	char *s = malloc(h + u * n + 1);

	memcpy(s, head, h);
	for (size_t i = 0; i < n; i++)
		memcpy(s + h + i * u, unit, u);
	s[h + u * n] = '\0';
	return s;
}

static void test_costly(void)
{
	char why[96], *s;

	s = repeat("a\n\n", "![[]()", 6000);
	ok(cmarkrun_costly(s, strlen(s), why, sizeof(why)) &&
		   strstr(why, "'['"),
	   "a paragraph of 12,000 '[' is refused");
	free(s);
	s = repeat("a\n\n", "[x](y) [ ]\n\n", 6000);
	ok(!cmarkrun_costly(s, strlen(s), why, sizeof(why)),
	   "12,000 '[' in paragraphs of two are not");
	free(s);
	s = repeat("a|b\n-|-\n", "1|2\n", 40000);
	ok(!cmarkrun_costly(s, strlen(s), why, sizeof(why)),
	   "a long two-column table is not");
	free(s);
	s = repeat("", "a|", 400);
	s = realloc(s, strlen(s) * 3 + 2001 * 2 + 8);
	strcat(s, "\n");
	for (int i = 0; i < 400; i++)
		strcat(s, "-|");
	strcat(s, "\n");
	for (int i = 0; i < 2000; i++)
		strcat(s, "x\n");
	ok(cmarkrun_costly(s, strlen(s), why, sizeof(why)) &&
		   strstr(why, "cells"),
	   "400 columns padded over 2,000 short rows are");
	free(s);
	s = repeat("", "a@b.", 30000);
	ok(cmarkrun_costly(s, strlen(s), why, sizeof(why)) &&
		   strstr(why, "'@'"),
	   "a 120 KB line of addresses is");
	free(s);
}

static void test_code(void)
{
	struct postmortem pm;
	char *html;

	render(&pm, S("## Fix\n\n```go\nfunc f() { return \"<h2>\" }\n```\n\n"
		      "- item\n\n  ```sh\n  # in a list\n  ```\n\n"
		      "> ```SQL extra words\n> SELECT 1;\n> ```\n\n"
		      "```mermaid\ngraph TD\n  a-->b\n```\n\n"
		      "```cobol\nMOVE 1 TO X.\n```\n\n"
		      "```\nfor x in y\n```\n\n## After\n"));
	ok(strstr(pm.html, "<pre lang=\"go\"><code>"
			   "<span class=\"hl-keyword\">func</span> f() { "
			   "<span class=\"hl-keyword\">return</span> "
			   "<span class=\"hl-string\">&quot;&lt;h2&gt;&quot;"
			   "</span> }\n</code></pre>\n") != NULL,
	   "code: highlighted in cmark's <pre lang> markup, escaped");
	ok(strstr(pm.html, "<pre lang=\"sh\"><code><span class=\"hl-comment\">"
			   "# in a list</span>\n</code></pre>") != NULL,
	   "code: in a list item");
	ok(strstr(pm.html, "<pre lang=\"SQL\"><code><span class=\"hl-keyword\">"
			   "SELECT</span> <span class=\"hl-number\">1</span>;")
		   != NULL,
	   "code: in a quote; the first word of the info string names it");
	ok(strstr(pm.html, "<pre lang=\"mermaid\"><code>graph TD\n  a--&gt;b\n"
			   "</code></pre>") != NULL,
	   "code: a Mermaid block stays as cmark writes it");
	ok(strstr(pm.html, "<pre lang=\"cobol\"><code>MOVE 1 TO X.\n</code>") &&
		   strstr(pm.html, "<pre><code>for x in y\n</code></pre>"),
	   "code: unknown or no language, as cmark writes it");
	ok(strstr(pm.html, "<h2 id=\"fix\">") &&
		   strstr(pm.html, "<h2 id=\"after\">"),
	   "code: \"<h2>\" in code takes no anchor");
	is_str(pm.text,
	       "Fix\nfunc f() { return \"<h2>\" }\nitem\n# in a list\n"
	       "SELECT 1;\ngraph TD\n  a-->b\nMOVE 1 TO X.\nfor x in y\n"
	       "After\n",
	       "code: plain text as written");
	postmortem_release(&pm);

	html = markdown_inline_html(S("```js\n<script>x</script>\n```"));
	is_str(html,
	       "<pre lang=\"js\"><code>&lt;script&gt;x&lt;/script&gt;\n"
	       "</code></pre>\n",
	       "code: snippets too, and never raw HTML");
	free(html);
}

int main(void)
{
	test_threads();
	test_safety();
	test_anchors();
	test_text();
	test_tasks();
	test_inline();
	test_costly();
	test_code();
	return tap_done();
}
