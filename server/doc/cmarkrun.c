/*
 * cmark-gfm within bounds: see include/pmkb/doc/cmarkrun.h.
 *
 * Map:
 *   budget     cmark allocates through md_mem, which counts the bytes and
 *              the thread's CPU time and jumps out past either limit
 *   parse      the parser with its extensions, the code blocks
 *              highlighted, the HTML rendered, on one budget
 *   costly     the shapes refused before parsing
 */
#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/cmarkrun.h"
#include "pmkb/doc/highlight.h"

/*
 * Never CMARK_OPT_UNSAFE. VALIDATE_UTF8 costs little and protects the
 * snippets given to markdown_inline_html(), which were not repaired.
 */
#define MD_OPTIONS                                     \
	(CMARK_OPT_DEFAULT | CMARK_OPT_GITHUB_PRE_LANG | \
	 CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_FOOTNOTES)
/*
 * Shapes that cmark-gfm 0.29 parses in more than linear time or memory
 * are refused before parsing (see cmarkrun_costly()). Brackets: "![[]()"
 * repeated n times in one paragraph costs O(n^2) in cmark_parse_inlines
 * (40,000 took 14 s); 10,000 "[" stay under half a second. Tables:
 * every row is padded to the delimiter row's column count, so a
 * 2,000-column header over 2,000 short rows (12 KB) made 4 million
 * cells, 37 s and 1 GB; 50,000 cells parse in about half a second and
 * 20 MB. More cells than bytes are refused only past that.
 */
#define MD_MAX_BRACKETS 10000
/*
 * The autolink extension looks for an e-mail address at each of the
 * first 1,000 '@' of a text, scanning all the rest of it each time: one
 * 4 MB line of "a@b." took 9 s. A line (a text never spans two) of
 * 100 KB with 100 '@' costs at most 10 ms.
 */
#define MD_MAX_LINE_ATS 100
#define MD_MAX_LINE_AT_BYTES 100000
#define MD_MAX_TABLE_COLUMNS 500
#define MD_MAX_TABLE_CELLS 50000

/*
 * And whatever the shape, every parse and render runs on a budget: cmark
 * allocates through md_mem, which counts the bytes and, every
 * MD_CLOCK_EVERY allocations, the thread's CPU time; past either limit it
 * jumps back out of cmark and frees all it had allocated. CPU time, not
 * wall time, so that a loaded machine does not turn a file into a problem.
 * The largest file (4 MB of prose, links, task lists and tables) takes
 * about 1 s and 170 MB; 4 MB of "*_" would take 900 MB, and 3.9 MB of
 * paragraphs of 9,999 "[" each over 5 s.
 */
#define MD_BUDGET_BYTES ((size_t)256 << 20)
#define MD_BUDGET_CPU_SECONDS 5
#define MD_CLOCK_EVERY 256

static const char *const extension_names[] = { "table", "tasklist",
					       "autolink", "strikethrough" };

/* The extension registry is a process-wide list without a lock. */
static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

/*
 * One allocation made by cmark, in its budget's list of live ones; the
 * budget counts these headers too (most of cmark's blocks are small).
 */
union md_block {
	struct {
		union md_block *prev, *next;
		struct md_budget *owner;
		size_t size;
	} h;
	max_align_t align;
};

/* What cmark has allocated in one parse and render, and the limits. */
struct md_budget {
	union md_block *blocks;
	size_t used;
	unsigned calls;
	int armed; /* may jump: only while cmark, not our walk, runs */
	const char *over; /* why it jumped */
	struct timespec cpu_limit;
	jmp_buf jump;
};

/* cmark's allocator takes no context: the budget of this thread's parse. */
static _Thread_local struct md_budget *md_current;

static void md_over(struct md_budget *b, const char *why)
{
	if (!b->armed)
		abort(); /* as cmark does when out of memory */
	b->over = why;
	longjmp(b->jump, 1);
}

/* Jumps out when more bytes or the CPU time so far break the budget. */
static void md_charge(struct md_budget *b, size_t more)
{
	struct timespec now;

	if (!b->armed)
		return;
	if (more > MD_BUDGET_BYTES - b->used)
		md_over(b, "more than 256 MiB of memory");
	if (++b->calls % MD_CLOCK_EVERY)
		return;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	if (now.tv_sec > b->cpu_limit.tv_sec ||
	    (now.tv_sec == b->cpu_limit.tv_sec &&
	     now.tv_nsec > b->cpu_limit.tv_nsec))
		md_over(b, "more than 5 s of CPU time");
}

static void *md_link(struct md_budget *b, union md_block *blk, size_t size)
{
	blk->h.owner = b;
	blk->h.size = size;
	blk->h.prev = NULL;
	blk->h.next = b->blocks;
	if (b->blocks)
		b->blocks->h.prev = blk;
	b->blocks = blk;
	b->used += sizeof(*blk) + size;
	return blk + 1;
}

static void md_unlink(union md_block *blk)
{
	struct md_budget *b = blk->h.owner;

	if (blk->h.prev)
		blk->h.prev->h.next = blk->h.next;
	else
		b->blocks = blk->h.next;
	if (blk->h.next)
		blk->h.next->h.prev = blk->h.prev;
	b->used -= sizeof(*blk) + blk->h.size;
}

static void *md_calloc(size_t n, size_t size)
{
	struct md_budget *b = md_current;

	if (size && n > (SIZE_MAX - sizeof(union md_block)) / size)
		md_over(b, "an impossible allocation");
	md_charge(b, sizeof(union md_block) + n * size);
	return md_link(b, xcalloc(1, sizeof(union md_block) + n * size),
		       n * size);
}

static void *md_realloc(void *p, size_t size)
{
	union md_block *blk;
	struct md_budget *b;

	if (!p)
		return md_calloc(1, size);
	blk = (union md_block *)p - 1;
	b = blk->h.owner;
	if (size > SIZE_MAX - sizeof(*blk))
		md_over(b, "an impossible allocation");
	if (size > blk->h.size)
		md_charge(b, size - blk->h.size);
	md_unlink(blk);
	return md_link(b, xrealloc(blk, sizeof(*blk) + size), size);
}

static void md_free(void *p)
{
	if (p) {
		md_unlink((union md_block *)p - 1);
		free((union md_block *)p - 1);
	}
}

static cmark_mem md_mem = { md_calloc, md_realloc, md_free };

static cmark_parser *new_parser(void)
{
	cmark_parser *parser;
	cmark_syntax_extension *ext;
	size_t i;

	pthread_once(&registered, register_extensions);
	parser = cmark_parser_new_with_mem(MD_OPTIONS, &md_mem);
	for (i = 0; i < sizeof(extension_names) / sizeof(extension_names[0]);
	     i++) {
		ext = cmark_find_syntax_extension(extension_names[i]);
		if (ext)
			cmark_parser_attach_syntax_extension(parser, ext);
	}
	return parser;
}

/* Renders doc to HTML and returns it as our own allocation. */
static char *render(cmark_parser *parser, cmark_node *doc)
{
	cmark_llist *exts = cmark_parser_get_syntax_extensions(parser);
	char *html = cmark_render_html(doc, MD_OPTIONS, exts);
	char *copy = xstrdup(html);

	md_free(html);
	return copy;
}

static void free_replaced(cmark_mem *mem, void *node)
{
	(void)mem;
	cmark_node_free(node);
}

/*
 * Replaces code block n, when its info string names a language that
 * highlight.c knows, by a custom block holding the same <pre lang="..">
 * <code> cmark would write, the code highlighted. The custom block owns
 * n (its user data) so that the walk can still read the code.
 */
static void highlight_block(cmark_node *n)
{
	const char *info = cmark_node_get_fence_info(n);
	const char *code = cmark_node_get_literal(n);
	size_t word = info ? strcspn(info, " \t\r\n\f\v") : 0;
	enum hl_lang lang = highlight_lang(info, word);
	struct buf html = BUF_INIT;
	cmark_node *custom;

	if (lang == HL_NONE)
		return;
	buf_addstr(&html, "<pre lang=\"");
	buf_add_html(&html, info, word);
	buf_addstr(&html, "\"><code>");
	highlight_html(&html, lang, code, code ? strlen(code) : 0);
	buf_addstr(&html, "</code></pre>\n");
	custom = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, &md_mem);
	cmark_node_set_on_enter(custom, html.ptr);
	cmark_node_set_on_exit(custom, "");
	if (cmark_node_replace(n, custom)) {
		cmark_node_set_user_data(custom, n);
		cmark_node_set_user_data_free_func(custom, free_replaced);
	} else {
		cmark_node_free(custom);
	}
	buf_release(&html);
}

/* Highlights the code blocks of doc (see highlight_block()). */
static void highlight_blocks(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	cmark_node *cur;

	/* Replacing a leaf on its ENTER event is allowed while iterating. */
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cur = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(cur) == CMARK_NODE_CODE_BLOCK)
			highlight_block(cur);
	}
	cmark_iter_free(it);
}

/*
 * Parses s[0..len) and renders it to HTML on b's budget, b then being
 * this thread's (the caller restores the one before, after freeing the
 * tree). Returns the HTML (owned: free()), the parser and the tree in
 * *parser and *doc; or NULL when over budget, everything cmark allocated
 * freed and b->over saying why.
 */
static char *parse_on_budget(struct md_budget *b, const char *s, size_t len,
			     cmark_parser **parser, cmark_node **doc)
{
	char *html;

	md_current = b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b->cpu_limit);
	b->cpu_limit.tv_sec += MD_BUDGET_CPU_SECONDS;
	if (setjmp(b->jump)) {
		b->armed = 0;
		while (b->blocks)
			md_free(b->blocks + 1);
		return NULL;
	}
	b->armed = 1;
	*parser = new_parser();
	cmark_parser_feed(*parser, s ? s : "", s ? len : 0);
	*doc = cmark_parser_finish(*parser);
	/*
	 * Not armed while highlighting: its buffers are not cmark's, and a
	 * jump would leak them. It is linear in the code, and the custom
	 * blocks it makes are still counted against the budget.
	 */
	b->armed = 0;
	highlight_blocks(*doc);
	b->armed = 1;
	html = render(*parser, *doc);
	b->armed = 0;
	return html;
}

/* Whether s[0..len) is a GFM table delimiter row: |, -, :, blanks. */
static int is_delimiter_row(const char *s, size_t len)
{
	int dash = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-')
			dash = 1;
		else if (!strchr("|: \t\r", s[i]))
			return 0;
	}
	return dash;
}

int cmarkrun_costly(const char *s, size_t len, char *why, size_t n)
{
	size_t brackets = 0, cells = 0, cols = 0, bytes = 0;
	const char *end = s ? s + len : s;

	for (const char *p = s; p && p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t pipes = 0, blank = 1, ats = 0;

		if (!e)
			e = end;
		for (const char *q = p; q < e; q++) {
			brackets += *q == '[';
			pipes += *q == '|';
			ats += *q == '@';
			blank &= *q == ' ' || *q == '\t' || *q == '\r';
		}
		/*
		 * Estimates from above: a paragraph, and so a bracket stack,
		 * ends at a blank line; a table runs from its delimiter row
		 * to the next blank line, each row as wide as it.
		 */
		if (blank)
			cols = brackets = cells = 0;
		else if (cols)
			cells += cols;
		else if (pipes && is_delimiter_row(p, (size_t)(e - p)))
			cells += 2 * (cols = pipes + 1);
		bytes = cells ? bytes + (size_t)(e - p) + 1 : 0;
		/* Many cells from few bytes: rows padded to a wide header. */
		if (cells > MD_MAX_TABLE_CELLS && cells > bytes) {
			snprintf(why, n, "a table of %zu cells in %zu bytes "
				 "(the limit is %d)", cells, bytes,
				 MD_MAX_TABLE_CELLS);
			return 1;
		}
		if (pipes + 1 > MD_MAX_TABLE_COLUMNS && cols) {
			snprintf(why, n, "a table of %zu columns (the limit "
				 "is %d)", pipes + 1, MD_MAX_TABLE_COLUMNS);
			return 1;
		}
		if (brackets > MD_MAX_BRACKETS) {
			snprintf(why, n, "a paragraph with over %d '['",
				 MD_MAX_BRACKETS);
			return 1;
		}
		if (ats > MD_MAX_LINE_ATS &&
		    (size_t)(e - p) > MD_MAX_LINE_AT_BYTES) {
			snprintf(why, n, "a line of %zu bytes with %zu '@'",
				 (size_t)(e - p), ats);
			return 1;
		}
		p = e + 1;
	}
	return 0;
}

char *cmarkrun_html(struct cmarkrun *r, const char *s, size_t len)
{
	char *html;

	memset(r, 0, sizeof(*r));
	r->outer = md_current;
	r->budget = xcalloc(1, sizeof(*r->budget));
	html = parse_on_budget(r->budget, s, len, &r->parser, &r->doc);
	if (!html) {
		r->parser = NULL; /* freed with everything cmark allocated */
		r->doc = NULL;
		r->over = r->budget->over;
	}
	return html;
}

void cmarkrun_release(struct cmarkrun *r)
{
	if (r->doc)
		cmark_node_free(r->doc);
	if (r->parser)
		cmark_parser_free(r->parser);
	md_current = r->outer;
	free(r->budget);
	memset(r, 0, sizeof(*r));
}
