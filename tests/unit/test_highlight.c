/* highlight.c: tokens per language, escaping, aliases, diffs, and
 * well-formed output whatever the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/highlight.h"
#include "tap.h"

/* The HTML for code in the language named lang (owned: free()). */
static char *hl(const char *lang, const char *code)
{
	struct buf b = BUF_INIT;

	highlight_html(&b, highlight_lang(lang, strlen(lang)), code,
		       strlen(code));
	return buf_detach(&b, NULL);
}

/* Whether the HTML for code in lang contains each of the fragments. */
static int has(const char *lang, const char *code, const char *const *want)
{
	char *got = hl(lang, code);
	int all = 1;

	for (; *want; want++)
		if (!strstr(got, *want)) {
			printf("#   %s: no %s in\n#   %s\n", lang, *want, got);
			all = 0;
		}
	free(got);
	return all;
}

#define K(w) "<span class=\"hl-keyword\">" w "</span>"
#define STR(w) "<span class=\"hl-string\">" w "</span>"
#define COM(w) "<span class=\"hl-comment\">" w "</span>"
#define NUM(w) "<span class=\"hl-number\">" w "</span>"
#define KEY(w) "<span class=\"hl-key\">" w "</span>"
#define HAS(lang, code, ...) \
	has((lang), (code), (const char *const[]){ __VA_ARGS__, NULL })

static void test_languages(void)
{
	char *got;

	ok(HAS("sh", "# rebalance\nfor n in a b; do redis-cli -h \"$n\" "
		     "--port 6379 'x y'; done\n",
	       COM("# rebalance"), K("for"), K("in"), K("do"), K("done"),
	       STR("&quot;$n&quot;"), STR("&#39;x y&#39;"), NUM("6379")),
	   "shell: keywords, strings, comment, number");
	ok(HAS("sh", "echo $# a#b --in if-exists\n", "echo $# a#b --in "
						    "if-exists"),
	   "shell: '#' inside a word, options and dashed words are plain");
	ok(HAS("sql", "select * FROM t WHERE a = 'it''s' -- why\n"
		      "/* block */ LIMIT 20;",
	       K("select"), K("FROM"), K("WHERE"), STR("&#39;it&#39;"),
	       STR("&#39;s&#39;"), COM("-- why"), COM("/* block */"),
	       NUM("20")),
	   "sql: keywords in any case, '' strings, both comments");
	ok(HAS("yaml", "# top\ngateway:\n  retries: 2  # why\n"
		       "  - name: x\n  \"quoted key\": true\n"
		       "  note: don't # c\n  when: 2024-05-02\n",
	       COM("# top"), KEY("gateway"), KEY("retries"), NUM("2"),
	       COM("# why"), KEY("name"), KEY("&quot;quoted key&quot;"),
	       K("true"), KEY("note") ": don&#39;t " COM("# c"),
	       KEY("when") ": 2024-05-02\n"),
	   "yaml: keys, numbers, comments; an apostrophe in a word is text");
	ok(HAS("json", "{\"a\": -1.5e-3, \"b\": [true, null], \"c\": \"d\"}",
	       KEY("&quot;a&quot;"), NUM("-1.5e-3"), K("true"), K("null"),
	       STR("&quot;d&quot;")),
	   "json: keys, values, signed numbers");
	ok(HAS("go", "package main\n// c\nfunc f() { s := `raw\n\\` + \"x\" "
		     "+ 'r'; return 0x1F }",
	       K("package"), COM("// c"), K("func"), STR("`raw\n\\`"),
	       STR("&quot;x&quot;"), K("return"), NUM("0x1F")),
	   "go: raw strings span lines, hex numbers");
	ok(HAS("python", "def f(x):\n    \"\"\"doc\n    more\"\"\"\n"
			 "    return None  # no\n",
	       K("def"), STR("&quot;&quot;&quot;doc\n    more&quot;&quot;"
			     "&quot;"),
	       K("return"), K("None"), COM("# no")),
	   "python: triple-quoted strings, comments");
	ok(HAS("js", "const a = `t ${x}`; // c\nawait f('s', 3);",
	       K("const"), STR("`t ${x}`"), COM("// c"), K("await"),
	       STR("&#39;s&#39;"), NUM("3")),
	   "javascript");
	ok(HAS("ts", "interface A { readonly b: string }\nlet c = 1;",
	       K("interface"), K("readonly"), K("string"), K("let")),
	   "typescript: its own words and JavaScript's");
	got = hl("js", "interface");
	is_str(got, "interface", "javascript: without TypeScript's words");
	free(got);
	ok(HAS("c", "#include <stdio.h>\nint main(void) { /* c */ return "
		    "'\\n'; }",
	       "<span class=\"hl-meta\">#include</span> &lt;stdio.h&gt;",
	       K("int"), K("void"), COM("/* c */"), K("return"),
	       STR("&#39;\\n&#39;")),
	   "c: directives, comments, character literals");
	ok(HAS("cpp", "template <typename T> class A {};", K("template"),
	       K("typename"), K("class")),
	   "c++");
	ok(HAS("java", "public final class A { }", K("public"), K("final"),
	       K("class")),
	   "java");
	ok(HAS("ruby", "def f\n  x = \"a #{b}\" # c\nend", K("def"),
	       STR("&quot;a #{b}&quot;"), COM("# c"), K("end")),
	   "ruby: '#' in a string is not a comment");
	ok(HAS("hcl", "module \"m\" {\n  count = 2 # c\n}", K("module"),
	       STR("&quot;m&quot;"), KEY("count"), NUM("2"), COM("# c")),
	   "hcl");
	ok(HAS("toml", "[db]\nport = 5432 ; c\nssl = true",
	       KEY("port"), NUM("5432"), COM("; c"), K("true")),
	   "ini and toml");
	ok(HAS("nginx", "listen 443 ssl; # c\ngzip on;", NUM("443"),
	       COM("# c"), K("on")),
	   "nginx: ';' ends a directive, not a comment");
	ok(HAS("dockerfile", "FROM debian:12\nRUN apt-get install run",
	       K("FROM"), K("RUN"), "install run"),
	   "dockerfile: instructions only first on the line");
	ok(HAS("console", "$ echo 'hi\nhi'\n# for x\n",
	       "$ echo " STR("&#39;hi") "\nhi&#39;\n# " K("for") " x"),
	   "console: commands after prompts, output plain");
}

static void test_escaping(void)
{
	char *got = hl("c", "a < b && c > \"<d>\" /* <e> */ '&'");

	is_str(got,
	       "a &lt; b &amp;&amp; c &gt; " STR("&quot;&lt;d&gt;&quot;") " "
	       COM("/* &lt;e&gt; */") " " STR("&#39;&amp;&#39;"),
	       "<&>\"' escaped inside and outside tokens");
	free(got);
}

static void test_unterminated(void)
{
	char *got;

	got = hl("go", "s := \"open\nnext := 1 /* never closed\nx");
	is_str(got,
	       "s := " STR("&quot;open") "\nnext := " NUM("1") " "
	       COM("/* never closed\nx"),
	       "one-line string ends with its line; comment with the code");
	free(got);
	got = hl("python", "x = '''open\nstill \\");
	is_str(got, "x = " STR("&#39;&#39;&#39;open\nstill \\"),
	       "triple-quoted string and a last backslash");
	free(got);
	got = hl("sh", "echo \"a\\");
	is_str(got, "echo " STR("&quot;a\\"), "escape at the very end");
	free(got);
}

static void test_names(void)
{
	is_int(highlight_lang("bash", 4), HL_SHELL, "bash is shell");
	is_int(highlight_lang("Go", 2), HL_GO, "names ignore case");
	is_int(highlight_lang("yml", 3), HL_YAML, "yml is yaml");
	is_int(highlight_lang("c++", 3), HL_CPP, "c++");
	is_int(highlight_lang("golang", 6), HL_GO, "golang");
	is_int(highlight_lang("gox", 2), HL_GO, "only len bytes count");
	is_int(highlight_lang("mermaid", 7), HL_NONE, "mermaid is not code");
	is_int(highlight_lang("", 0), HL_NONE, "empty");
	is_int(highlight_lang(NULL, 0), HL_NONE, "NULL");
	is_int(highlight_lang("cobol", 5), HL_NONE, "unknown");
}

static void test_unknown(void)
{
	static const char code[] = "for x in \"a\" # <b>&'\n";
	struct buf want = BUF_INIT, got = BUF_INIT;

	buf_add_html(&want, code, sizeof(code) - 1);
	highlight_html(&got, HL_NONE, code, sizeof(code) - 1);
	is_str(got.ptr, want.ptr, "unknown language: escaped text only");
	buf_reset(&got);
	highlight_html(&got, HL__MAX, code, sizeof(code) - 1);
	is_str(got.ptr, want.ptr, "out of range: the same");
	buf_reset(&got);
	highlight_html(&got, HL_GO, NULL, 0);
	is_str(got.ptr, "", "no code");
	buf_release(&want);
	buf_release(&got);
}

static void test_diff(void)
{
	char *got = hl("diff", "diff --git a/x b/x\n--- a/x\n+++ b/x\n"
			       "@@ -1,2 +1,2 @@\n ctx <a>\n-old\n+new\n-\n");

	is_str(got,
	       "<span class=\"hl-meta\">diff --git a/x b/x</span>\n"
	       "<span class=\"hl-meta\">--- a/x</span>\n"
	       "<span class=\"hl-meta\">+++ b/x</span>\n"
	       "<span class=\"hl-meta\">@@ -1,2 +1,2 @@</span>\n"
	       " ctx &lt;a&gt;\n"
	       "<span class=\"hl-del\">-old</span>\n"
	       "<span class=\"hl-add\">+new</span>\n"
	       "<span class=\"hl-del\">-</span>\n",
	       "diff: lines added, removed, headers");
	free(got);
}

/*
 * Whether html is well formed for code: only <span class="hl-CLASS">
 * and </span>, never nested, all closed, and, tags removed and entities
 * decoded, exactly code[0..len).
 */
static int well_formed(const char *html, const char *code, size_t len)
{
	static const char *const classes[] = { "keyword", "string", "comment",
					       "number", "key", "add", "del",
					       "meta", NULL };
	static const char *const ents[][2] = { { "&amp;", "&" },
					       { "&lt;", "<" },
					       { "&gt;", ">" },
					       { "&quot;", "\"" },
					       { "&#39;", "'" } };
	struct buf text = BUF_INIT;
	const char *p = html;
	int depth = 0, good = 1;
	size_t i, n;

	while (*p && good) {
		if (!strncmp(p, "</span>", 7)) {
			good = depth == 1;
			depth = 0;
			p += 7;
		} else if (!strncmp(p, "<span class=\"hl-", 16)) {
			good = depth == 0;
			depth = 1;
			p += 16;
			for (i = 0; classes[i]; i++) {
				n = strlen(classes[i]);
				if (!strncmp(p, classes[i], n) &&
				    !strncmp(p + n, "\">", 2))
					break;
			}
			if (!classes[i])
				good = 0;
			else
				p += strlen(classes[i]) + 2;
		} else if (*p == '<' || *p == '>' || *p == '"' || *p == '\'') {
			good = 0;
		} else if (*p == '&') {
			for (i = 0; i < 5; i++)
				if (!strncmp(p, ents[i][0], strlen(ents[i][0])))
					break;
			if (i == 5) {
				good = 0;
			} else {
				buf_addstr(&text, ents[i][1]);
				p += strlen(ents[i][0]);
			}
		} else {
			buf_addch(&text, *p++);
		}
	}
	good = good && depth == 0 && text.len == len &&
	       !memcmp(text.ptr, code, len);
	buf_release(&text);
	return good;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

static void test_garbage(void)
{
	/* Bytes that matter to some lexer, and some that matter to none. */
	static const char alphabet[] = "\"'`#/*-+@$;:= \t\r\n\\<>&{}[]0x9e.aZ_"
				       "\xe3\x81\x82\xff\xc3";
	char code[256];
	struct buf out = BUF_INIT;
	int bad = 0, round, lang;
	size_t len, i;

	for (round = 0; round < 1000; round++) {
		len = next_rand() % sizeof(code);
		for (i = 0; i < len; i++)
			code[i] = round % 3 ? alphabet[next_rand() %
						       (sizeof(alphabet) - 1)]
					    : (char)(next_rand() % 255 + 1);
		for (lang = HL_NONE; lang < HL__MAX; lang++) {
			buf_reset(&out);
			highlight_html(&out, (enum hl_lang)lang, code, len);
			if (!well_formed(out.ptr, code, len) && !bad++)
				printf("#   language %d, round %d: %s\n", lang,
				       round, out.ptr);
		}
	}
	is_int(bad, 0, "random bytes: balanced spans, text kept, all "
		       "languages");
	buf_release(&out);
}

/* Linear: 64 KiB of openers is highlighted in one pass. */
static void test_pathological(void)
{
	static const char *const openers[] = { "\"", "/*", "'''", "`", "#",
					       "- ", "a: ", "0", NULL };
	struct buf code = BUF_INIT, out = BUF_INIT;
	int lang, good = 1;
	size_t i;

	for (i = 0; openers[i]; i++) {
		buf_reset(&code);
		while (code.len < (1 << 16))
			buf_addstr(&code, openers[i]);
		for (lang = HL_NONE; lang < HL__MAX; lang++) {
			buf_reset(&out);
			highlight_html(&out, (enum hl_lang)lang, code.ptr,
				       code.len);
			good &= out.len < 40 * code.len;
		}
	}
	ok(good, "repeated openers: done, output linear in the input");
	buf_release(&code);
	buf_release(&out);
}

int main(void)
{
	test_languages();
	test_escaping();
	test_unterminated();
	test_names();
	test_unknown();
	test_diff();
	test_garbage();
	test_pathological();
	return tap_done();
}
