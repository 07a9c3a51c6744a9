/*
 * Code highlighting: see include/pmkb/doc/highlight.h.
 *
 * One lexer serves every language but diff; a language is a table row
 * (struct syntax) saying what starts a comment, which bytes quote a
 * string, which words are keywords and a few flags. The lexer walks the
 * code once, left to right: at each position it tries a comment, a
 * string, a number, a word, in that order, and otherwise copies one byte.
 * Every token is found by scanning forward from where the last one ended,
 * and a look-ahead (a key's colon, a comment's end) either consumes what
 * it scanned or gives up within the line, so the time is linear.
 *
 * It is a highlighter, not a parser: a regular expression in JavaScript
 * or a here-document in shell may be coloured as something else. What it
 * must never do is emit unbalanced markup or unescaped text, and every
 * span is opened and closed in one call to span().
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/highlight.h"

enum {
	/* Keywords are compared without regard to case (SQL, Dockerfile). */
	HL_NOCASE = 1 << 0,
	/* A comment marker counts only at the start of a word ("#" in a
	 * shell word like "$#" or "a#b" starts nothing). */
	HL_COMMENT_WORD = 1 << 1,
	/* A quote counts only where a value starts, not inside a word (in
	 * YAML "don't" is plain text). */
	HL_QUOTE_WORD = 1 << 2,
	/* Python's """ and ''' strings. */
	HL_TRIPLE = 1 << 3,
	/* A string followed by ':' is a mapping key (JSON, YAML). */
	HL_STRING_KEYS = 1 << 4,
	/* "#include" and the like (C, C++). */
	HL_PREPROC = 1 << 5,
	/* Keywords only as the first word of a line (Dockerfile). */
	HL_FIRST_WORD = 1 << 6,
	/* A '-' right before a digit belongs to the number (JSON). */
	HL_SIGNED = 1 << 7,
};

struct syntax {
	unsigned flags;
	const char *const *keywords; /* NULL-terminated, lower case if NOCASE */
	const char *const *more;     /* a second list, or NULL */
	const char *line_comment[2]; /* markers up to the end of the line */
	const char *block_open, *block_close;
	const char *quotes;	/* bytes that open a string */
	const char *multiline;	/* those whose strings may span lines */
	const char *raw;	/* those without backslash escapes */
	const char *word_extra; /* word bytes besides [A-Za-z0-9_] */
	char key_sep;		/* "name:" or "name =" starts a line */
};

static const char *const shell_words[] = {
	"alias", "break", "case", "continue", "declare", "do", "done", "elif",
	"else", "esac", "eval", "exec", "exit", "export", "fi", "for",
	"function", "if", "in", "local", "readonly", "return", "select",
	"set", "shift", "source", "then", "trap", "unset", "until", "while",
	NULL
};

static const char *const sql_words[] = {
	"add", "all", "alter", "analyze", "and", "as", "asc", "begin",
	"between", "bigint", "boolean", "by", "cascade", "case", "check",
	"column", "commit", "constraint", "create", "cross", "database",
	"date", "decimal", "default", "delete", "desc", "distinct", "drop",
	"else", "end", "exists", "explain", "false", "foreign", "from", "full",
	"grant", "group", "having", "if", "ilike", "in", "index", "inner",
	"insert", "int", "integer", "interval", "into", "is", "join", "key",
	"left", "like", "limit", "lock", "not", "null", "numeric", "offset",
	"on", "or", "order", "outer", "primary", "references", "rename",
	"replace", "returning", "revoke", "right", "rollback", "select",
	"serial", "set", "table", "text", "then", "timestamp", "to",
	"transaction", "true", "truncate", "union", "unique", "update",
	"using", "vacuum", "values", "varchar", "view", "when", "where",
	"with", NULL
};

static const char *const yaml_words[] = { "false", "null", "true", NULL };

static const char *const go_words[] = {
	"break", "case", "chan", "const", "continue", "default", "defer",
	"else", "fallthrough", "false", "for", "func", "go", "goto", "if",
	"import", "interface", "iota", "map", "nil", "package", "range",
	"return", "select", "struct", "switch", "true", "type", "var", NULL
};

static const char *const python_words[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await",
	"break", "class", "continue", "def", "del", "elif", "else", "except",
	"finally", "for", "from", "global", "if", "import", "in", "is",
	"lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
	"while", "with", "yield", NULL
};

static const char *const js_words[] = {
	"async", "await", "break", "case", "catch", "class", "const",
	"continue", "debugger", "default", "delete", "do", "else", "export",
	"extends", "false", "finally", "for", "function", "if", "import", "in",
	"instanceof", "let", "new", "null", "of", "return", "static", "super",
	"switch", "this", "throw", "true", "try", "typeof", "undefined", "var",
	"void", "while", "with", "yield", NULL
};

static const char *const ts_words[] = {
	"abstract", "any", "as", "boolean", "declare", "enum", "implements",
	"infer", "interface", "keyof", "namespace", "never", "number",
	"private", "protected", "public", "readonly", "satisfies", "string",
	"type", "unknown", NULL
};

static const char *const c_words[] = {
	"NULL", "auto", "bool", "break", "case", "char", "const", "continue",
	"default", "do", "double", "else", "enum", "extern", "false", "float",
	"for", "goto", "if", "inline", "int", "long", "register", "restrict",
	"return", "short", "signed", "sizeof", "static", "struct", "switch",
	"true", "typedef", "union", "unsigned", "void", "volatile", "while",
	NULL
};

static const char *const cpp_words[] = {
	"catch", "class", "const_cast", "constexpr", "decltype", "delete",
	"dynamic_cast", "explicit", "final", "friend", "mutable", "namespace",
	"new", "noexcept", "nullptr", "operator", "override", "private",
	"protected", "public", "reinterpret_cast", "static_cast", "template",
	"this", "throw", "try", "typename", "using", "virtual", NULL
};

static const char *const java_words[] = {
	"abstract", "assert", "boolean", "break", "byte", "case", "catch",
	"char", "class", "const", "continue", "default", "do", "double",
	"else", "enum", "extends", "false", "final", "finally", "float", "for",
	"goto", "if", "implements", "import", "instanceof", "int",
	"interface", "long", "native", "new", "null", "package", "private",
	"protected", "public", "record", "return", "short", "static",
	"strictfp", "super", "switch", "synchronized", "this", "throw",
	"throws", "transient", "true", "try", "var", "void", "volatile",
	"while", NULL
};

static const char *const ruby_words[] = {
	"BEGIN", "END", "alias", "and", "begin", "break", "case", "class",
	"def", "defined", "do", "else", "elsif", "end", "ensure", "false",
	"for", "if", "in", "module", "next", "nil", "not", "or", "redo",
	"require", "rescue", "retry", "return", "self", "super", "then",
	"true", "undef", "unless", "until", "when", "while", "yield", NULL
};

static const char *const conf_words[] = {
	"false", "no", "off", "on", "true", "yes", NULL
};

static const char *const hcl_words[] = {
	"backend", "data", "dynamic", "false", "for", "if", "in", "locals",
	"module", "null", "output", "provider", "resource", "terraform",
	"true", "variable", NULL
};

static const char *const docker_words[] = {
	"add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from",
	"healthcheck", "label", "maintainer", "onbuild", "run", "shell",
	"stopsignal", "user", "volume", "workdir", NULL
};

#define C_LIKE { "//", NULL }, "/*", "*/"

static const struct syntax syntaxes[HL__MAX] = {
	[HL_SHELL] = { HL_COMMENT_WORD, shell_words, NULL, { "#", NULL },
		       NULL, NULL, "\"'`", "\"'`", "'", "-./", 0 },
	[HL_SQL] = { HL_NOCASE, sql_words, NULL, { "--", NULL }, "/*", "*/",
		     "'\"`", "'\"`", "'\"`", NULL, 0 },
	[HL_YAML] = { HL_NOCASE | HL_COMMENT_WORD | HL_QUOTE_WORD |
			      HL_STRING_KEYS,
		      yaml_words, NULL, { "#", NULL }, NULL, NULL, "\"'", "",
		      "'", "-./", ':' },
	[HL_JSON] = { HL_STRING_KEYS | HL_SIGNED, yaml_words, NULL, C_LIKE,
		      "\"", "", "", NULL, 0 },
	[HL_GO] = { 0, go_words, NULL, C_LIKE, "\"'`", "`", "`", NULL, 0 },
	[HL_PYTHON] = { HL_TRIPLE, python_words, NULL, { "#", NULL }, NULL,
			NULL, "\"'", "", "", NULL, 0 },
	[HL_JS] = { 0, js_words, NULL, C_LIKE, "\"'`", "`", "", "$", 0 },
	[HL_TS] = { 0, js_words, ts_words, C_LIKE, "\"'`", "`", "", "$", 0 },
	[HL_C] = { HL_PREPROC, c_words, NULL, C_LIKE, "\"'", "", "", NULL,
		   0 },
	[HL_CPP] = { HL_PREPROC, c_words, cpp_words, C_LIKE, "\"'", "", "",
		     NULL, 0 },
	[HL_JAVA] = { 0, java_words, NULL, C_LIKE, "\"'", "", "", NULL, 0 },
	[HL_RUBY] = { 0, ruby_words, NULL, { "#", NULL }, NULL, NULL, "\"'`",
		      "\"'`", "", NULL, 0 },
	[HL_NGINX] = { HL_NOCASE | HL_COMMENT_WORD | HL_QUOTE_WORD,
		       conf_words, NULL, { "#", NULL }, NULL, NULL, "\"'", "",
		       "", "-./", 0 },
	[HL_INI] = { HL_NOCASE | HL_COMMENT_WORD | HL_QUOTE_WORD, conf_words,
		     NULL, { "#", ";" }, NULL, NULL, "\"'", "", "'", "-.",
		     '=' },
	[HL_HCL] = { 0, hcl_words, NULL, { "#", "//" }, "/*", "*/", "\"", "",
		     "", "-", '=' },
	[HL_DOCKERFILE] = { HL_NOCASE | HL_COMMENT_WORD | HL_QUOTE_WORD |
				    HL_FIRST_WORD,
			    docker_words, NULL, { "#", NULL }, NULL, NULL,
			    "\"'", "", "", "-./", 0 },
};

static const struct {
	const char *name;
	enum hl_lang lang;
} names[] = {
	{ "sh", HL_SHELL },
	{ "bash", HL_SHELL },
	{ "shell", HL_SHELL },
	{ "zsh", HL_SHELL },
	{ "ksh", HL_SHELL },
	{ "console", HL_CONSOLE },
	{ "shell-session", HL_CONSOLE },
	{ "shellsession", HL_CONSOLE },
	{ "sql", HL_SQL },
	{ "mysql", HL_SQL },
	{ "postgresql", HL_SQL },
	{ "postgres", HL_SQL },
	{ "psql", HL_SQL },
	{ "pgsql", HL_SQL },
	{ "plpgsql", HL_SQL },
	{ "sqlite", HL_SQL },
	{ "yaml", HL_YAML },
	{ "yml", HL_YAML },
	{ "json", HL_JSON },
	{ "jsonc", HL_JSON },
	{ "json5", HL_JSON },
	{ "jsonl", HL_JSON },
	{ "ndjson", HL_JSON },
	{ "go", HL_GO },
	{ "golang", HL_GO },
	{ "python", HL_PYTHON },
	{ "py", HL_PYTHON },
	{ "python3", HL_PYTHON },
	{ "javascript", HL_JS },
	{ "js", HL_JS },
	{ "jsx", HL_JS },
	{ "mjs", HL_JS },
	{ "cjs", HL_JS },
	{ "node", HL_JS },
	{ "typescript", HL_TS },
	{ "ts", HL_TS },
	{ "tsx", HL_TS },
	{ "c", HL_C },
	{ "h", HL_C },
	{ "cpp", HL_CPP },
	{ "c++", HL_CPP },
	{ "cc", HL_CPP },
	{ "cxx", HL_CPP },
	{ "hpp", HL_CPP },
	{ "java", HL_JAVA },
	{ "ruby", HL_RUBY },
	{ "rb", HL_RUBY },
	{ "diff", HL_DIFF },
	{ "patch", HL_DIFF },
	{ "udiff", HL_DIFF },
	{ "nginx", HL_NGINX },
	{ "conf", HL_NGINX },
	{ "apache", HL_NGINX },
	{ "apacheconf", HL_NGINX },
	{ "ini", HL_INI },
	{ "toml", HL_INI },
	{ "cfg", HL_INI },
	{ "properties", HL_INI },
	{ "editorconfig", HL_INI },
	{ "hcl", HL_HCL },
	{ "terraform", HL_HCL },
	{ "tf", HL_HCL },
	{ "dockerfile", HL_DOCKERFILE },
	{ "docker", HL_DOCKERFILE },
};

enum hl_lang highlight_lang(const char *name, size_t len)
{
	size_t i;

	if (!name)
		return HL_NONE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len &&
		    !strncasecmp(names[i].name, name, len))
			return names[i].lang;
	return HL_NONE;
}

/* The output, and the start of the plain text not yet written to it. */
struct lexer {
	struct buf *out;
	const struct syntax *sx;
	const char *plain;
};

/* Writes the pending plain text, then p[0..n) in a span of class cls. */
static void span(struct lexer *lx, const char *p, size_t n, const char *cls)
{
	buf_add_html(lx->out, lx->plain, (size_t)(p - lx->plain));
	buf_addstr(lx->out, "<span class=\"hl-");
	buf_addstr(lx->out, cls);
	buf_addstr(lx->out, "\">");
	buf_add_html(lx->out, p, n);
	buf_addstr(lx->out, "</span>");
	lx->plain = p + n;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Bytes past ASCII are letters: "第3版" is one word, no number in it. */
static int is_word(const struct syntax *sx, unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c >= 0x80 ||
	       (c && sx->word_extra && strchr(sx->word_extra, c));
}

static int in_set(const char *set, char c)
{
	return c && set && strchr(set, c);
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static const char *line_end(const char *p, const char *end)
{
	const char *e = memchr(p, '\n', (size_t)(end - p));

	return e ? e : end;
}

static int starts(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

static int in_list(const char *const *list, const char *w, size_t n,
		   int nocase)
{
	int first = nocase ? lower((unsigned char)*w) : (unsigned char)*w;

	for (; list && *list; list++)
		if ((unsigned char)**list == first && strlen(*list) == n &&
		    (nocase ? !strncasecmp(*list, w, n)
			    : !memcmp(*list, w, n)))
			return 1;
	return 0;
}

static int is_keyword(const struct syntax *sx, const char *w, size_t n)
{
	int nocase = !!(sx->flags & HL_NOCASE);

	return in_list(sx->keywords, w, n, nocase) ||
	       in_list(sx->more, w, n, nocase);
}

/* The end of the string opening at p (a quote), or of the code. */
static const char *string_end(const struct syntax *sx, const char *p,
			      const char *end)
{
	char q = *p;
	int raw = in_set(sx->raw, q), multi = in_set(sx->multiline, q);

	if ((sx->flags & HL_TRIPLE) && end - p >= 3 && p[1] == q &&
	    p[2] == q) {
		for (p += 3; p < end; p++) {
			if (*p == '\\') {
				if (++p == end)
					break;
			} else if (end - p >= 3 && p[0] == q && p[1] == q &&
				 p[2] == q)
				return p + 3;
		}
		return end;
	}
	for (p++; p < end; p++) {
		if (*p == '\\' && !raw) {
			if (++p == end)
				break;
		} else if (*p == q) {
			return p + 1;
		} else if (*p == '\n' && !multi) {
			/* An unclosed one-line string ends with its line. */
			return p;
		}
	}
	return end;
}

/* The end of the number starting at p (a digit, or '-' then a digit). */
static const char *number_end(const char *p, const char *end)
{
	int hex = end - p > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');

	for (p++; p < end; p++) {
		if (is_alpha(*p) || is_digit(*p))
			continue;
		if (*p == '.' && p + 1 < end && is_digit(p[1]))
			continue;
		if ((*p == '+' || *p == '-') && !hex &&
		    (p[-1] == 'e' || p[-1] == 'E') && p + 1 < end &&
		    is_digit(p[1]))
			continue;
		break;
	}
	return p;
}

/*
 * The end of the key that line p[0..eol) (past its indentation) starts
 * with, "name" in "name: value" (YAML, key_sep ':') or "name = value"
 * (INI, TOML, HCL, key_sep '='); NULL when it starts with none.
 */
static const char *key_end(const struct syntax *sx, const char *p,
			   const char *eol)
{
	const char *q = p, *k;

	while (q < eol && (is_word(sx, (unsigned char)*q) ||
			   (sx->key_sep == ':' && blank(*q) && q > p)))
		q++;
	if (q == p)
		return NULL;
	for (k = q; k > p && blank(k[-1]); k--)
		;
	while (q < eol && blank(*q))
		q++;
	if (q == eol || *q != sx->key_sep)
		return NULL;
	if (sx->key_sep == ':')
		return q + 1 == eol || blank(q[1]) ? k : NULL;
	return q + 1 < eol && q[1] == '=' ? NULL : k;
}

/* Whether position p of s[0..) is at the start of a word. */
static int word_start(const char *s, const char *p)
{
	return p == s || blank(p[-1]) || p[-1] == '\n';
}

/* The end of the comment starting at p, or NULL when none starts. */
static const char *comment_end(const struct syntax *sx, const char *s,
			       const char *p, const char *end)
{
	const char *e;
	size_t i;

	if ((sx->flags & HL_COMMENT_WORD) && !word_start(s, p))
		return NULL;
	for (i = 0; i < 2 && sx->line_comment[i]; i++)
		if (starts(p, end, sx->line_comment[i]))
			return line_end(p, end);
	if (sx->block_open && starts(p, end, sx->block_open)) {
		p += strlen(sx->block_open);
		e = memmem(p, (size_t)(end - p), sx->block_close,
			   strlen(sx->block_close));
		return e ? e + strlen(sx->block_close) : end;
	}
	return NULL;
}

/*
 * Highlights s[0..end) with lx->sx. Line starts are where keys, "#"
 * directives and first words are looked for.
 */
static void lex(struct lexer *lx, const char *s, const char *end)
{
	const struct syntax *sx = lx->sx;
	const char *p = s, *q;
	int line_start = 1, first_word = 1;

	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n') {
			p++;
			line_start = first_word = 1;
			continue;
		}
		if (line_start && blank((char)c)) {
			p++;
			continue;
		}
		if (line_start) {
			line_start = 0;
			if (sx->key_sep == ':')
				/* YAML: "- - key: value" */
				while (end - p >= 2 && p[0] == '-' &&
				       blank(p[1]))
					for (p += 2; p < end && blank(*p);)
						p++;
			if (sx->key_sep &&
			    (q = key_end(sx, p, line_end(p, end)))) {
				span(lx, p, (size_t)(q - p), "key");
				p = q;
				continue;
			}
			if ((sx->flags & HL_PREPROC) && p < end && *p == '#') {
				for (q = p + 1; q < end && is_alpha(*q);)
					q++;
				span(lx, p, (size_t)(q - p), "meta");
				p = q;
			}
			continue;
		}
		if ((q = comment_end(sx, s, p, end))) {
			span(lx, p, (size_t)(q - p), "comment");
			p = q;
			continue;
		}
		if (in_set(sx->quotes, (char)c) &&
		    (!(sx->flags & HL_QUOTE_WORD) || p == s ||
		     !is_word(sx, (unsigned char)p[-1]))) {
			const char *after;

			q = string_end(sx, p, end);
			for (after = q; after < end && blank(*after);)
				after++;
			span(lx, p, (size_t)(q - p),
			     (sx->flags & HL_STRING_KEYS) && after < end &&
					     *after == ':'
				     ? "key"
				     : "string");
			p = q;
			first_word = 0;
			continue;
		}
		if (is_digit(c) || ((sx->flags & HL_SIGNED) && c == '-' &&
				    p + 1 < end && is_digit(p[1]))) {
			q = number_end(p, end);
			first_word = 0;
			if (q == end || !is_word(sx, (unsigned char)*q)) {
				span(lx, p, (size_t)(q - p), "number");
				p = q;
				continue;
			}
			/* "2024-05-02" in YAML, "10-20" in shell: a word. */
		}
		if (is_word(sx, c) || is_digit(c)) {
			for (q = p + 1;
			     q < end && is_word(sx, (unsigned char)*q);)
				q++;
			if ((first_word || !(sx->flags & HL_FIRST_WORD)) &&
			    is_keyword(sx, p, (size_t)(q - p)))
				span(lx, p, (size_t)(q - p), "keyword");
			p = q;
			first_word = 0;
			continue;
		}
		p++;
	}
}

/*
 * A diff: whole lines marked, "+" added, "-" removed, and the headers
 * ("diff --git", "index", "---", "+++", "@@") as meta.
 */
static void lex_diff(struct lexer *lx, const char *s, const char *end)
{
	static const char *const meta[] = { "+++ ", "--- ", "@@", "diff ",
					    "index ", NULL };
	const char *p, *e, *cls;
	size_t i;

	for (p = s; p < end; p = e + 1) {
		e = line_end(p, end);
		cls = NULL;
		for (i = 0; meta[i] && !cls; i++)
			if (starts(p, e, meta[i]))
				cls = "meta";
		if (!cls && p < e && *p == '+')
			cls = "add";
		else if (!cls && p < e && *p == '-')
			cls = "del";
		if (cls)
			span(lx, p, (size_t)(e - p), cls);
		if (e == end)
			break;
	}
}

/*
 * A terminal session: the command after each "$ ", "# " or "% " prompt
 * is shell, alone on its line (an unclosed quote stops there); what the
 * commands printed stays plain.
 */
static void lex_console(struct lexer *lx, const char *s, const char *end)
{
	const char *p, *e;

	for (p = s; p < end; p = e + 1) {
		e = line_end(p, end);
		if (e - p >= 2 && *p && strchr("$#%", *p) && p[1] == ' ')
			lex(lx, p + 2, e);
		if (e == end)
			break;
	}
}

void highlight_html(struct buf *out, enum hl_lang lang, const char *code,
		    size_t len)
{
	struct lexer lx = { out, NULL, code ? code : "" };
	const char *s = lx.plain, *end = s + (code ? len : 0);

	if (lang == HL_DIFF) {
		lex_diff(&lx, s, end);
	} else if (lang == HL_CONSOLE) {
		lx.sx = &syntaxes[HL_SHELL];
		lex_console(&lx, s, end);
	} else if (lang > HL_NONE && lang < HL__MAX) {
		lx.sx = &syntaxes[lang];
		lex(&lx, s, end);
	}
	buf_add_html(out, lx.plain, (size_t)(end - lx.plain));
}
