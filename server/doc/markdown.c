/*
 * Markdown bodies through cmark-gfm: see include/pmkb/doc/markdown.h.
 *
 * One parse gives the AST; one walk over it collects the plain text, the
 * title (first heading), the heading anchors and the task-list actions;
 * cmark's own HTML renderer then writes the HTML, which keeps its safety
 * (raw HTML omitted, dangerous URLs dropped) entirely cmark's business.
 * The heading ids are spliced into that HTML afterwards: every "<hN>" in
 * safe output comes from a heading, because all text is escaped.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <utf8proc.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/buf.h"
#include "pmkb/doc/frontmatter.h"
#include "pmkb/doc/markdown.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/*
 * Never CMARK_OPT_UNSAFE. VALIDATE_UTF8 costs little and protects the
 * snippets given to markdown_inline_html(), which were not repaired.
 */
#define MD_OPTIONS                                     \
	(CMARK_OPT_DEFAULT | CMARK_OPT_GITHUB_PRE_LANG | \
	 CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_FOOTNOTES)
/* Long enough for any real heading; keeps URLs with anchors sane. */
#define ANCHOR_MAX 200

/*
 * Shapes that cmark-gfm 0.29 parses in more than linear time or memory
 * are refused before parsing (see markdown_costly()). Brackets: "![[]()"
 * repeated n times costs O(n^2) in cmark_parse_inlines (40,000 took 14 s);
 * 10,000 "[" stay under half a second. Tables: every row is padded to the
 * delimiter row's column count, so a 2,000-column header over 2,000 short
 * rows (12 KB) made 4 million cells, 37 s and 1 GB; 50,000 cells parse
 * in about half a second and 20 MB.
 */
#define MD_MAX_BRACKETS 10000
#define MD_MAX_TABLE_COLUMNS 500
#define MD_MAX_TABLE_CELLS 50000

static const char *const extension_names[] = { "table", "tasklist",
					       "autolink", "strikethrough" };

/* The extension registry is a process-wide list without a lock. */
static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

static cmark_parser *new_parser(void)
{
	cmark_parser *parser;
	cmark_syntax_extension *ext;
	size_t i;

	pthread_once(&registered, register_extensions);
	parser = cmark_parser_new(MD_OPTIONS);
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

	cmark_get_default_mem_allocator()->free(html);
	return copy;
}

static int is_type(cmark_node *n, const char *type)
{
	return !strcmp(cmark_node_get_type_string(n), type);
}

/* Ends the current line of plain text, without trailing blanks. */
static void end_line(struct buf *b)
{
	while (b->len && (b->ptr[b->len - 1] == ' ' ||
			  b->ptr[b->len - 1] == '\t'))
		buf_setlen(b, b->len - 1);
	if (b->len && b->ptr[b->len - 1] != '\n')
		buf_addch(b, '\n');
}

/* The text of n's inlines, with line breaks as spaces. */
static void inline_text(cmark_node *n, struct buf *out)
{
	cmark_iter *it = cmark_iter_new(n);
	cmark_event_type ev;
	cmark_node *cur;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cur = cmark_iter_get_node(it);
		switch (cmark_node_get_type(cur)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			buf_addstr(out, cmark_node_get_literal(cur));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_addch(out, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

static void add_codepoint(struct buf *b, utf8proc_int32_t cp)
{
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t n = utf8proc_encode_char(cp, enc);

	buf_add(b, enc, (size_t)n);
}

/*
 * The anchors given so far, each with the next suffix to try when it
 * repeats. A hash set, because a 4 MiB body can hold a million headings
 * and most of them could be the same ("#" alone gives "section").
 */
struct anchor_slot {
	char *id;
	size_t next;
};

struct anchor_set {
	struct anchor_slot *slots;
	size_t n, cap; /* cap is 0 or a power of two */
};

/* The slot holding id, or the empty slot where it would go. */
static struct anchor_slot *anchor_slot(struct anchor_set *set, const char *id)
{
	size_t i = (size_t)hash_str(id) & (set->cap - 1);

	while (set->slots[i].id && strcmp(set->slots[i].id, id))
		i = (i + 1) & (set->cap - 1);
	return &set->slots[i];
}

static void anchor_add(struct anchor_set *set, const char *id)
{
	struct anchor_slot *old = set->slots, *slot;
	size_t i, old_cap = set->cap;

	/* Keep the load under a half so that probes stay short. */
	if (2 * (set->n + 1) > set->cap) {
		set->cap = set->cap ? 2 * set->cap : 64;
		set->slots = xcalloc(set->cap, sizeof(*set->slots));
		for (i = 0; i < old_cap; i++)
			if (old[i].id)
				*anchor_slot(set, old[i].id) = old[i];
		free(old);
	}
	slot = anchor_slot(set, id);
	slot->id = xstrdup(id);
	slot->next = 1;
	set->n++;
}

static void anchor_set_release(struct anchor_set *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->slots[i].id);
	free(set->slots);
}

/*
 * GitHub's anchor for a heading: lower-cased, letters, marks, numbers, '-'
 * and '_' kept (Japanese included), each space a '-', everything else
 * dropped. Repeats get "-1", "-2"... as on GitHub. The anchor is added to
 * ids (in document order) and to seen.
 */
static void heading_anchor(const char *s, size_t len, struct anchor_set *seen,
			   struct pm_list *ids, struct buf *out)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	struct anchor_slot *slot;
	size_t i = 0, base;
	char *base_id;

	buf_reset(out);
	while (i < len && out->len < ANCHOR_MAX) {
		n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			i++;
			continue;
		}
		i += (size_t)n;
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_LU:
		case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT:
		case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
		case UTF8PROC_CATEGORY_MN:
		case UTF8PROC_CATEGORY_MC:
		case UTF8PROC_CATEGORY_ME:
		case UTF8PROC_CATEGORY_ND:
		case UTF8PROC_CATEGORY_NL:
		case UTF8PROC_CATEGORY_NO:
			add_codepoint(out, utf8proc_tolower(cp));
			break;
		case UTF8PROC_CATEGORY_ZS:
			buf_addch(out, '-');
			break;
		default:
			if (cp == '-' || cp == '_')
				buf_addch(out, (char)cp);
			break;
		}
	}
	if (!out->len)
		buf_addstr(out, "section");
	if (seen->cap && (slot = anchor_slot(seen, out->ptr))->id) {
		/* "a" repeated: try a-1, a-2... from where we left off. */
		base = out->len;
		base_id = xstrdup(out->ptr);
		do {
			slot = anchor_slot(seen, base_id);
			buf_setlen(out, base);
			buf_addf(out, "-%zu", slot->next++);
		} while (anchor_slot(seen, out->ptr)->id);
		free(base_id);
	}
	anchor_add(seen, out->ptr);
	pm_list_add(ids, out->ptr);
}

/*
 * Copies html into out with id="..." added to each "<hN>" in order. When
 * the count does not match the headings seen (it always should), the HTML
 * is left without anchors rather than with wrong ones.
 */
static void add_anchors(struct buf *out, const char *html,
			const struct pm_list *ids)
{
	const char *p, *q;
	size_t count = 0, k = 0;

	for (p = html; (q = strstr(p, "<h")); p = q + 2)
		if (q[2] >= '1' && q[2] <= '6' && q[3] == '>')
			count++;
	if (count != ids->n) {
		buf_addstr(out, html);
		return;
	}
	for (p = html; (q = strstr(p, "<h")); p = q + 2) {
		buf_add(out, p, (size_t)(q - p) + 2);
		if (q[2] >= '1' && q[2] <= '6' && q[3] == '>') {
			buf_addch(out, q[2]);
			buf_addstr(out, " id=\"");
			buf_add_html(out, ids->v[k], strlen(ids->v[k]));
			buf_addch(out, '"');
			k++;
			q++;
		}
	}
	buf_addstr(out, p);
}

/*
 * The links of a task's paragraph as a JSON array of [label, url] (owned),
 * or NULL: the item's text keeps only the labels, and the links are put
 * back where the item is shown.
 */
static char *task_links(cmark_node *para)
{
	cmark_iter *it = cmark_iter_new(para);
	cmark_event_type ev;
	json_t *a = json_array();
	char *out = NULL;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *cur = cmark_iter_get_node(it);
		struct buf label = BUF_INIT;
		const char *url;

		if (ev != CMARK_EVENT_ENTER ||
		    cmark_node_get_type(cur) != CMARK_NODE_LINK)
			continue;
		url = cmark_node_get_url(cur);
		inline_text(cur, &label);
		if (url && *url && label.len)
			json_array_append_new(a, json_pack("[s,s]", label.ptr,
							   url));
		buf_release(&label);
	}
	cmark_iter_free(it);
	if (json_array_size(a))
		out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return out;
}

/* The first paragraph of a task item is its text; nested items are not. */
static void add_task(struct postmortem *pm, cmark_node *item, int first_line)
{
	struct buf text = BUF_INIT;
	int done = cmark_gfm_extensions_get_tasklist_item_checked(item);
	int line = cmark_node_get_start_line(item) + first_line - 1;
	cmark_node *child, *para = NULL;
	struct pm_action *a;

	for (child = cmark_node_first_child(item); child;
	     child = cmark_node_next(child))
		if (cmark_node_get_type(child) == CMARK_NODE_PARAGRAPH) {
			inline_text(child, &text);
			para = child;
			break;
		}
	a = postmortem_add_action(pm, done, text.ptr, line);
	if (a && para)
		a->links = task_links(para);
	buf_release(&text);
}

static void markdown_render_parsed(struct postmortem *pm, const char *body,
				   size_t len, int first_line);

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

int markdown_costly(const char *s, size_t len, char *why, size_t n)
{
	size_t brackets = 0, cells = 0, cols = 0;
	const char *end = s ? s + len : s;

	for (const char *p = s; p && p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t pipes = 0, blank = 1;

		if (!e)
			e = end;
		for (const char *q = p; q < e; q++) {
			brackets += *q == '[';
			pipes += *q == '|';
			blank &= *q == ' ' || *q == '\t' || *q == '\r';
		}
		/*
		 * An estimate from above: a table runs from its delimiter
		 * row to the next blank line, each row as wide as it.
		 */
		if (blank)
			cols = 0;
		else if (cols)
			cells += cols;
		else if (pipes && is_delimiter_row(p, (size_t)(e - p)))
			cells += 2 * (cols = pipes + 1);
		if (pipes + 1 > MD_MAX_TABLE_COLUMNS && cols) {
			snprintf(why, n, "a table of %zu columns (the limit "
				 "is %d)", pipes + 1, MD_MAX_TABLE_COLUMNS);
			return 1;
		}
		p = e + 1;
	}
	if (brackets > MD_MAX_BRACKETS) {
		snprintf(why, n, "%zu '[' (the limit is %d)", brackets,
			 MD_MAX_BRACKETS);
		return 1;
	}
	if (cells > MD_MAX_TABLE_CELLS) {
		snprintf(why, n, "tables of %zu cells (the limit is %d)",
			 cells, MD_MAX_TABLE_CELLS);
		return 1;
	}
	return 0;
}

/* Sets pm->title to a heading's text, trimmed and capped, if any. */
static void take_title(struct postmortem *pm, const char *s, size_t len)
{
	struct buf t = BUF_INIT;

	buf_add(&t, s, len);
	buf_trim(&t);
	t.len = utf8_truncate(t.ptr, t.len, FM_MAX_SCALAR);
	if (t.len)
		pm->title = xstrndup(t.ptr, t.len);
	buf_release(&t);
}

/* The body as written: plain text to index, escaped in <pre>. */
static void render_plain(struct postmortem *pm, const char *body,
			 size_t len)
{
	struct buf html = BUF_INIT;

	buf_addstr(&html, "<pre>");
	buf_add_html(&html, body ? body : "", body ? len : 0);
	buf_addstr(&html, "</pre>\n");
	free(pm->html);
	pm->html = buf_detach(&html, NULL);
	free(pm->text);
	pm->text = xstrndup(body ? body : "", body ? len : 0);
	/* The title still comes from the first ATX heading ("# Title"). */
	for (const char *p = pm->text; !pm->title && p && *p;) {
		const char *e = strchrnul(p, '\n'), *t = p;

		while (*t == '#' && t - p < 6)
			t++;
		if (t > p && (*t == ' ' || *t == '\t'))
			take_title(pm, t, (size_t)(e - t));
		p = *e ? e + 1 : e;
	}
}

void markdown_render(struct postmortem *pm, const char *body, size_t len,
		     int first_line)
{
	char why[96];

	if (markdown_costly(body, len, why, sizeof(why))) {
		postmortem_diag(pm, PM_DIAG_ERROR, first_line,
				"the Markdown is not rendered, it has %s: "
				"parsing it could take minutes; its text is "
				"indexed as written (capped)", why);
		render_plain(pm, body, len);
		return;
	}
	markdown_render_parsed(pm, body, len, first_line);
}

/*
 * A link to another postmortem: "/p/SLUG" (pmkb's page, on any host) or a
 * relative path to a .md file (its name without .md is the slug). Other
 * links name no postmortem.
 */
static void add_related(struct postmortem *pm, const char *url)
{
	const char *p, *end, *base;
	char *slug;

	if (!url || pm->related.n >= PM_MAX_RELATED)
		return;
	end = url + strcspn(url, "?#");
	if ((p = strstr(url, "/p/")) && p < end &&
	    (p == url || strstr(url, "://"))) {
		p += 3;
		end = p + strcspn(p, "/?#");
	} else {
		/* A scheme (http:, mailto:) or an absolute path: not a file
		 * beside this one. */
		if (url[strcspn(url, ":/")] == ':' || url[0] == '/' ||
		    end - url < 4 || strncmp(end - 3, ".md", 3))
			return;
		for (p = base = url; p < end; p++)
			if (*p == '/')
				base = p + 1;
		p = base;
		end -= 3;
	}
	if (end <= p || end - p > 200)
		return;
	slug = xstrndup(p, (size_t)(end - p));
	if (!pm->slug || strcmp(slug, pm->slug))
		pm_list_add_unique(&pm->related, slug);
	free(slug);
}

static void markdown_render_parsed(struct postmortem *pm, const char *body,
				   size_t len, int first_line)
{
	struct buf text = BUF_INIT, html = BUF_INIT, anchor = BUF_INIT;
	struct pm_list ids = { 0 };
	struct anchor_set seen = { 0 };
	cmark_parser *parser = new_parser();
	cmark_node *doc, *cur;
	cmark_iter *it;
	cmark_event_type ev;
	size_t heading_start = 0;
	char *raw;

	cmark_parser_feed(parser, body ? body : "", body ? len : 0);
	doc = cmark_parser_finish(parser);

	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cur = cmark_iter_get_node(it);
		switch (cmark_node_get_type(cur)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			if (ev == CMARK_EVENT_ENTER)
				buf_addstr(&text, cmark_node_get_literal(cur));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_addch(&text, ' ');
			break;
		case CMARK_NODE_CODE_BLOCK:
			end_line(&text);
			buf_addstr(&text, cmark_node_get_literal(cur));
			end_line(&text);
			break;
		case CMARK_NODE_PARAGRAPH:
			end_line(&text);
			break;
		case CMARK_NODE_HEADING:
			end_line(&text);
			if (ev == CMARK_EVENT_ENTER) {
				heading_start = text.len;
				break;
			}
			heading_anchor(text.ptr + heading_start,
				       text.len - heading_start, &seen, &ids,
				       &anchor);
			if (!pm->title)
				take_title(pm, text.ptr + heading_start,
					   text.len - heading_start);
			end_line(&text);
			break;
		case CMARK_NODE_LINK:
			if (ev == CMARK_EVENT_ENTER)
				add_related(pm, cmark_node_get_url(cur));
			break;
		case CMARK_NODE_ITEM:
			if (ev == CMARK_EVENT_ENTER && is_type(cur, "tasklist"))
				add_task(pm, cur, first_line);
			break;
		default:
			/* Table rows end lines, cells are separated. */
			if (is_type(cur, "table_cell")) {
				if (ev == CMARK_EVENT_EXIT)
					buf_addch(&text, ' ');
			} else if (is_type(cur, "table_row") ||
				   is_type(cur, "table_header")) {
				end_line(&text);
			}
			break;
		}
	}
	cmark_iter_free(it);
	end_line(&text);

	raw = render(parser, doc);
	add_anchors(&html, raw, &ids);
	free(raw);

	free(pm->html);
	pm->html = buf_detach(&html, NULL);
	free(pm->text);
	pm->text = buf_detach(&text, NULL);

	anchor_set_release(&seen);
	pm_list_release(&ids);
	buf_release(&anchor);
	cmark_node_free(doc);
	cmark_parser_free(parser);
}

char *markdown_inline_html(const char *md, size_t len)
{
	cmark_parser *parser;
	cmark_node *doc;
	char *html;
	char why[96];

	if (markdown_costly(md, len, why, sizeof(why))) {
		struct buf b = BUF_INIT;

		buf_addstr(&b, "<p>");
		buf_add_html(&b, md ? md : "", md ? len : 0);
		buf_addstr(&b, "</p>\n");
		return buf_detach(&b, NULL);
	}
	parser = new_parser();

	cmark_parser_feed(parser, md ? md : "", md ? len : 0);
	doc = cmark_parser_finish(parser);
	html = render(parser, doc);
	cmark_node_free(doc);
	cmark_parser_free(parser);
	return html;
}
