/*
 * Markdown bodies through cmark-gfm: see include/pmkb/doc/markdown.h.
 *
 * One parse gives the AST; one walk over it collects the plain text, the
 * title (first heading), the heading anchors (doc/anchors.h), the
 * task-list actions and the first paragraph under a summary heading;
 * cmark's own HTML renderer then writes the HTML, which keeps its safety
 * (raw HTML omitted, dangerous URLs dropped) entirely cmark's business.
 * The heading ids are spliced into that HTML afterwards: every "<hN>" in
 * safe output comes from a heading, because all text is escaped.
 *
 * Code blocks in a language highlight.c knows are the one exception to
 * "cmark writes the HTML": before rendering, each is replaced by a custom
 * block whose HTML we write (highlight.c escapes every byte of the code),
 * and which keeps the code block it replaced for the plain text. The
 * parse, the highlighting and the render run within bounds
 * (doc/cmarkrun.h); this file walks the tree they leave.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/text.h"
#include "pmkb/doc/actiontable.h"
#include "pmkb/doc/anchors.h"
#include "pmkb/doc/cmarkrun.h"
#include "pmkb/doc/metablock.h"
#include "pmkb/doc/frontmatter.h"
#include "pmkb/doc/markdown.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/sections.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

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

/* A code block's code, on lines of its own. */
static void code_text(struct buf *b, cmark_node *code)
{
	end_line(b);
	buf_addstr(b, cmark_node_get_literal(code));
	end_line(b);
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

/*
 * The first paragraph of a task item is its text; nested items are not.
 * Returns that paragraph (NULL when there is none), whose plain text is
 * the action's, written by the caller.
 */
static cmark_node *add_task(struct postmortem *pm, cmark_node *item,
			    int first_line, struct buf *plain)
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
	if (!a || !para)
		return NULL;
	/*
	 * As the page shows it: the text, then who and when, without the
	 * @owner due: done: markers (snippets quote this text).
	 */
	end_line(plain);
	buf_addstr(plain, a->text ? a->text : "");
	if (a->owner || a->due || a->done_on)
		buf_addf(plain, " (%s%s%s%s%s)", a->owner ? a->owner : "",
			 a->owner && (a->due || a->done_on) ? ", " : "",
			 a->due ? a->due : "",
			 a->due && a->done_on ? ", " : "",
			 a->done_on ? a->done_on : "");
	return para;
}

static void markdown_render_parsed(struct postmortem *pm, const char *body,
				   size_t len, int first_line);

/* Columns of an action table read at most. */
#define ACTION_TABLE_CELLS 16

/* The rows of a table in an action section as action items. */
static void action_rows(struct postmortem *pm, cmark_node *table,
			int first_line)
{
	struct action_table t;
	struct buf text[ACTION_TABLE_CELLS];
	const char *cells[ACTION_TABLE_CELLS];
	cmark_node *row, *c;
	int ok = 1, line;

	for (row = cmark_node_first_child(table); row && ok;
	     row = cmark_node_next(row)) {
		size_t n = 0;

		for (c = cmark_node_first_child(row);
		     c && n < ACTION_TABLE_CELLS; c = cmark_node_next(c)) {
			buf_init(&text[n], 0);
			inline_text(c, &text[n]);
			cells[n] = text[n].ptr ? text[n].ptr : "";
			n++;
		}
		line = first_line - 1 + cmark_node_get_start_line(row);
		if (row == cmark_node_first_child(table))
			ok = action_table_header(&t, cells, n);
		else
			action_table_row(&t, pm, cells, n, line);
		while (n)
			buf_release(&text[--n]);
	}
}

/* A summary taken from a section is cut near this many bytes. */
#define SUMMARY_MAX 600

/*
 * Keeps a paragraph's text as the summary section's: trimmed, and cut
 * past SUMMARY_MAX bytes after the last sentence that fits (else at a
 * character, with an ellipsis).
 */
static void take_summary(struct postmortem *pm, const char *s, size_t len,
			 int line)
{
	struct buf t = BUF_INIT;

	s = text_trim(s, &len);
	if (!len)
		return;
	if (len > SUMMARY_MAX) {
		size_t cut = utf8_truncate(s, len, SUMMARY_MAX), i;

		for (i = cut; i > SUMMARY_MAX / 3; i--)
			if ((s[i - 1] == '.' && s[i] == ' ') ||
			    (i >= 3 && !memcmp(s + i - 3, "\xe3\x80\x82", 3)))
				break; /* ". " or 。 */
		buf_add(&t, s, i > SUMMARY_MAX / 3 ? i : cut);
		if (i <= SUMMARY_MAX / 3)
			buf_addstr(&t, "\xe2\x80\xa6"); /* … */
	} else {
		buf_add(&t, s, len);
	}
	pm->summary_section = buf_detach(&t, NULL);
	pm->summary_section_line = line;
}

/*
 * Whether a paragraph may stand for the summary when no section gives
 * one: of the document itself (not in a list or quote), with no image
 * (its alt text is no sentence), some 40 bytes long, not a "Date: ..."
 * line nor a lead-in to a list ("During this period:").
 */
static int lead_paragraph(cmark_node *para, const char *s, size_t len)
{
	cmark_node *parent = cmark_node_parent(para), *c;
	const char *colon;

	if (!parent || cmark_node_get_type(parent) != CMARK_NODE_DOCUMENT)
		return 0;
	for (c = cmark_node_first_child(para); c; c = cmark_node_next(c))
		if (cmark_node_get_type(c) == CMARK_NODE_IMAGE)
			return 0;
	s = text_trim(s, &len);
	if (len < 40 || s[len - 1] == ':' ||
	    (len >= 3 && !memcmp(s + len - 3, "\xef\xbc\x9a", 3)))
		return 0;
	colon = memchr(s, ':', len < 30 ? len : 30);
	return !colon || colon[1] != ' ';
}

/* What the first heading says of the title. */
enum title_heading {
	TITLE_IS,	 /* it is the title */
	TITLE_NEXT,	 /* "Title:", "件名：": the next heading is */
	TITLE_NONE,	 /* a section ("## Summary") or a label ("Owner:
			    @ann"): the file name is the title */
};

static enum title_heading title_heading(const char *s, size_t len)
{
	static const char *const labels[] = { "title", "タイトル", "件名",
					      "表題", NULL };
	const char *colon;
	size_t n;
	int period;

	s = text_trim(s, &len);
	n = len;
	while (n && (s[n - 1] == ':' || s[n - 1] == ' '))
		n--;
	if (n >= 3 && !memcmp(s + n - 3, "\xef\xbc\x9a", 3)) /* ： */
		n -= 3;
	if (n < len)
		for (size_t i = 0; labels[i]; i++)
			if (strlen(labels[i]) == n &&
			    !strncasecmp(s, labels[i], n))
				return TITLE_NEXT;
	if (section_kind(s, len) != SECTION_OTHER)
		return TITLE_NONE;
	/* "Owner: @ann", "Date: 2024-01-02": a metadata line, not a title. */
	colon = memchr(s, ':', len < 30 ? len : 30);
	if (colon &&
	    (metablock_key_field(NULL, s, (size_t)(colon - s), &period) >= 0 ||
	     ((size_t)(colon - s) == 5 && !strncasecmp(s, "owner", 5))))
		return TITLE_NONE;
	return TITLE_IS;
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

	if (cmarkrun_costly(body, len, why, sizeof(why))) {
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
	struct buf text = BUF_INIT, html = BUF_INIT;
	struct anchors anchors = ANCHORS_INIT;
	struct cmarkrun run;
	cmark_node *cur;
	cmark_iter *it;
	cmark_event_type ev;
	enum section_kind kind;
	size_t heading_start = 0, para_start = 0;
	int level;
	/* A task's paragraph, whose text add_task() wrote, and whether the
	 * walk is inside it. */
	cmark_node *task_para = NULL;
	int in_task = 0;
	/* A summary heading was the last, and no paragraph followed yet. */
	int want_summary = 0;
	/* The level of the action section the walk is in (0: none). */
	int action_level = 0;
	/*
	 * The first paragraph that may stand for the summary (before a
	 * second heading), used when no summary section is found.
	 */
	struct buf lead = BUF_INIT;
	int lead_line = 0, headings = 0;
	/* Whether the next heading may be the title (title_heading()). */
	enum title_heading title_from = TITLE_IS;
	char *raw = cmarkrun_html(&run, body, len);

	if (!raw) {
		postmortem_diag(pm, PM_DIAG_ERROR, first_line,
				"the Markdown is not rendered: parsing it took "
				"%s; its text is indexed as written (capped)",
				run.over);
		render_plain(pm, body, len);
		goto out;
	}
	it = cmark_iter_new(run.doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cur = cmark_iter_get_node(it);
		switch (cmark_node_get_type(cur)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			if (ev == CMARK_EVENT_ENTER && !in_task)
				buf_addstr(&text, cmark_node_get_literal(cur));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			if (!in_task)
				buf_addch(&text, ' ');
			break;
		case CMARK_NODE_CODE_BLOCK:
			code_text(&text, cur);
			break;
		case CMARK_NODE_CUSTOM_BLOCK:
			/* A highlighted code block: the one it replaced. */
			if (ev == CMARK_EVENT_ENTER &&
			    cmark_node_get_user_data(cur))
				code_text(&text, cmark_node_get_user_data(cur));
			break;
		case CMARK_NODE_PARAGRAPH:
			if (cur == task_para)
				in_task = ev == CMARK_EVENT_ENTER;
			if (ev == CMARK_EVENT_EXIT && want_summary &&
			    !in_task && cur != task_para) {
				int line = cmark_node_get_start_line(cur);

				take_summary(pm, text.ptr + para_start,
					     text.len - para_start,
					     first_line - 1 + line);
				want_summary = !pm->summary_section;
			} else if (ev == CMARK_EVENT_EXIT && !lead.len &&
				   headings < 2 &&
				   lead_paragraph(cur, text.ptr + para_start,
						  text.len - para_start)) {
				buf_add(&lead, text.ptr + para_start,
					text.len - para_start);
				lead_line = first_line - 1 +
					    cmark_node_get_start_line(cur);
			}
			end_line(&text);
			para_start = text.len;
			break;
		case CMARK_NODE_HEADING:
			end_line(&text);
			if (ev == CMARK_EVENT_ENTER) {
				heading_start = text.len;
				break;
			}
			headings++;
			anchors_add(&anchors, text.ptr + heading_start,
				    text.len - heading_start);
			if (!pm->title && title_from < TITLE_NONE) {
				if (title_from == TITLE_IS)
					title_from = title_heading(
						text.ptr + heading_start,
						text.len - heading_start);
				else
					title_from = TITLE_IS;
				if (title_from == TITLE_IS)
					take_title(pm, text.ptr + heading_start,
						   text.len - heading_start);
			}
			kind = section_kind(text.ptr + heading_start,
					      text.len - heading_start);
			want_summary = !pm->summary_section &&
				       kind == SECTION_SUMMARY;
			level = cmark_node_get_heading_level(cur);
			if (kind == SECTION_ACTIONS)
				action_level = level;
			else if (level <= action_level)
				action_level = 0;
			end_line(&text);
			break;
		case CMARK_NODE_LINK:
			if (ev == CMARK_EVENT_ENTER)
				add_related(pm, cmark_node_get_url(cur));
			break;
		case CMARK_NODE_ITEM:
			if (ev == CMARK_EVENT_ENTER && is_type(cur, "tasklist"))
				task_para = add_task(pm, cur, first_line, &text);
			break;
		default:
			if (ev == CMARK_EVENT_ENTER && action_level &&
			    is_type(cur, "table"))
				action_rows(pm, cur, first_line);
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
	if (!pm->summary_section && lead.len) {
		take_summary(pm, lead.ptr, lead.len, lead_line);
		pm->summary_section_lead = 1;
	}
	buf_release(&lead);

	anchors_splice(&anchors, &html, raw);
	free(raw);

	free(pm->html);
	pm->html = buf_detach(&html, NULL);
	free(pm->text);
	pm->text = buf_detach(&text, NULL);

	anchors_release(&anchors);
out:
	cmarkrun_release(&run);
}

char *markdown_inline_html(const char *md, size_t len)
{
	struct cmarkrun run;
	char *html = NULL;
	char why[96];

	if (!cmarkrun_costly(md, len, why, sizeof(why))) {
		html = cmarkrun_html(&run, md, len);
		cmarkrun_release(&run);
	}
	if (!html) {
		struct buf b = BUF_INIT;

		buf_addstr(&b, "<p>");
		buf_add_html(&b, md ? md : "", md ? len : 0);
		buf_addstr(&b, "</p>\n");
		html = buf_detach(&b, NULL);
	}
	return html;
}
