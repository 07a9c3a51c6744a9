/*
 * Syntax highlighting of code blocks, for the HTML of a postmortem: a
 * small lexer per language that marks keywords, strings, comments,
 * numbers, mapping keys and, in diffs, added, removed and header lines.
 *
 * Output is the code as escaped HTML with <span class="hl-CLASS"> around
 * tokens, CLASS one of keyword, string, comment, number, key, add, del,
 * meta. Spans never nest and every one is closed before the function
 * returns, whatever the bytes (unterminated strings and comments end at
 * the end of the code). Time is linear in the length of the code.
 */
#ifndef PMKB_DOC_HIGHLIGHT_H
#define PMKB_DOC_HIGHLIGHT_H

#include <stddef.h>

struct buf;

enum hl_lang {
	HL_NONE, /* plain text: escaped, nothing marked */
	HL_SHELL,
	HL_CONSOLE, /* shell after a "$ ", "# " or "% " prompt; output plain */
	HL_SQL,
	HL_YAML,
	HL_JSON,
	HL_GO,
	HL_PYTHON,
	HL_JS,
	HL_TS,
	HL_C,
	HL_CPP,
	HL_JAVA,
	HL_RUBY,
	HL_DIFF,
	HL_NGINX, /* and other "directive value;" files */
	HL_INI,	  /* and TOML, .properties */
	HL_HCL,	  /* Terraform */
	HL_DOCKERFILE,
	HL__MAX
};

/*
 * The language a fenced block's info string names: name[0..len) is its
 * first word ("go", "Bash", "c++", "yml"), compared without regard to
 * case, aliases included. HL_NONE for anything else (and for "mermaid",
 * which the UI shows as the source of a diagram).
 */
enum hl_lang highlight_lang(const char *name, size_t len);

/*
 * Appends code[0..len) (any bytes; invalid UTF-8 is copied as it is, NUL
 * bytes too) to out as HTML for the inside of <code>: escaped with
 * buf_add_html(), with spans as above. HL_NONE, or a value out of range,
 * appends the escaped text alone.
 */
void highlight_html(struct buf *out, enum hl_lang lang, const char *code,
		    size_t len);

#endif
