/*
 * GET /feed.atom: the newest published postmortems as Atom 1.0.
 *
 * Every string that reaches the document goes through feed_add_xml_text,
 * including URLs in attributes: titles and summaries are whatever people
 * wrote, and one stray "<" or control character would make the whole feed
 * unreadable for every subscriber.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pmkb/base/buf.h"
#include "pmkb/http/feed.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/db/store.h"

/*
 * published: the first commit when the file came from git; a plain
 * directory has no history, so the incident's start stands in (its mtime
 * changes on every checkout). updated: the last commit, else the mtime.
 * indexed_at is the last resort for both: it is never NULL.
 */
static const char sql_feed[] =
	"SELECT slug, title, summary, causes, authors, "
	"CASE WHEN first_commit_id IS NOT NULL "
	"THEN coalesce(created_time, commit_time, indexed_at) "
	"ELSE coalesce(started_epoch, created_time, indexed_at) END AS pub, "
	"CASE WHEN commit_id IS NOT NULL "
	"THEN coalesce(commit_time, indexed_at) "
	"ELSE coalesce(created_time, indexed_at) END AS upd "
	"FROM postmortems WHERE status = 'published' "
	"ORDER BY pub DESC, started_epoch DESC, id DESC LIMIT ?1";

enum { F_SLUG, F_TITLE, F_SUMMARY, F_CAUSES, F_AUTHORS, F_PUB, F_UPD };

void feed_add_xml_text(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = 0, i;

	for (i = 0; p[i]; i++) {
		const char *rep = NULL;
		size_t skip = 1;

		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\t': case '\n': case '\r': continue;
		case 0xEF:
			/* U+FFFE and U+FFFF are not XML characters. */
			if (p[i + 1] == 0xBF && (p[i + 2] == 0xBE ||
						 p[i + 2] == 0xBF)) {
				rep = "";
				skip = 3;
				break;
			}
			continue;
		default:
			if (p[i] >= 0x20)
				continue;
			rep = ""; /* a C0 control: not allowed in XML 1.0 */
		}
		buf_add(out, s + start, i - start);
		buf_addstr(out, rep);
		i += skip - 1;
		start = i + 1;
	}
	buf_add(out, s + start, i - start);
}

void feed_add_time(struct buf *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	buf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Appends <name>text</name> on its own line, indented. */
static void add_element(struct buf *out, const char *indent,
			const char *name, const char *text)
{
	buf_addf(out, "%s<%s>", indent, name);
	feed_add_xml_text(out, text ? text : "");
	buf_addf(out, "</%s>\n", name);
}

/* Appends <name>time</name>. */
static void add_time_element(struct buf *out, const char *indent,
			     const char *name, int64_t t)
{
	buf_addf(out, "%s<%s>", indent, name);
	feed_add_time(out, t);
	buf_addf(out, "</%s>\n", name);
}

/* The absolute URL of a postmortem's page: base/p/<slug, encoded>. */
static void page_url(struct buf *url, const char *base, const char *slug)
{
	buf_reset(url);
	buf_addstr(url, base);
	buf_addstr(url, "/p/");
	buf_add_urlencoded(url, slug);
}

/* Appends one element per string of a JSON array held in text. */
static void add_json_strings(struct buf *out, const char *text,
			     const char *open, const char *close)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL;
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !*json_string_value(v))
			continue;
		buf_addstr(out, open);
		feed_add_xml_text(out, json_string_value(v));
		buf_addstr(out, close);
	}
	json_decref(a);
}

static void add_entry(struct buf *out, sqlite3_stmt *s, const char *base,
		      struct buf *url)
{
	const char *slug = (const char *)sqlite3_column_text(s, F_SLUG);
	const char *summary = (const char *)sqlite3_column_text(s, F_SUMMARY);

	page_url(url, base, slug);
	buf_addstr(out, "  <entry>\n");
	add_element(out, "    ", "title",
		    (const char *)sqlite3_column_text(s, F_TITLE));
	buf_addstr(out, "    <link rel=\"alternate\" type=\"text/html\" "
			"href=\"");
	feed_add_xml_text(out, url->ptr);
	buf_addstr(out, "\"/>\n");
	/* The page URL is the id: the slug is stable across edits. */
	add_element(out, "    ", "id", url->ptr);
	add_time_element(out, "    ", "published",
			 sqlite3_column_int64(s, F_PUB));
	add_time_element(out, "    ", "updated",
			 sqlite3_column_int64(s, F_UPD));
	add_json_strings(out,
			 (const char *)sqlite3_column_text(s, F_AUTHORS),
			 "    <author><name>", "</name></author>\n");
	add_json_strings(out, (const char *)sqlite3_column_text(s, F_CAUSES),
			 "    <category term=\"", "\"/>\n");
	if (summary && *summary)
		add_element(out, "    ", "summary", summary);
	buf_addstr(out, "  </entry>\n");
}

enum pm_status feed_render(struct dbconn *c, const char *base_url,
			   int64_t now, struct buf *out)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_feed);
	struct buf entries = BUF_INIT, url = BUF_INIT;
	int64_t newest = 0;
	int rc = SQLITE_DONE, n = 0;
	enum pm_status st = PM_OK;

	if (!s) {
		st = PM_DB;
		goto out;
	}
	sqlite3_bind_int(s, 1, FEED_MAX_ENTRIES);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t upd = sqlite3_column_int64(s, F_UPD);

		if (!n++ || upd > newest)
			newest = upd;
		add_entry(&entries, s, base_url, &url);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		st = PM_DB;
		goto out;
	}
	buf_addstr(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			"<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
			"  <title>pmkb: new postmortems</title>\n"
			"  <subtitle>Newest published postmortems</subtitle>\n");
	buf_reset(&url);
	buf_addf(&url, "%s/feed.atom", base_url);
	add_element(out, "  ", "id", url.ptr);
	buf_addstr(out, "  <link rel=\"self\" type=\"application/atom+xml\" "
			"href=\"");
	feed_add_xml_text(out, url.ptr);
	buf_addstr(out, "\"/>\n  <link rel=\"alternate\" type=\"text/html\" "
			"href=\"");
	feed_add_xml_text(out, base_url);
	buf_addstr(out, "/\"/>\n");
	add_time_element(out, "  ", "updated", n ? newest : now);
	/* Atom wants an author for entries that name none. */
	buf_addstr(out, "  <author><name>pmkb</name></author>\n"
			"  <generator version=\"" PMKB_VERSION "\">pmkb"
			"</generator>\n");
	buf_add(out, entries.ptr, entries.len);
	buf_addstr(out, "</feed>\n");
out:
	buf_release(&url);
	buf_release(&entries);
	return st;
}

void feed_atom(struct request *req, struct reply *rep)
{
	struct dbconn *c = store_reader(req->app->store);
	enum pm_status st;

	if (!c) {
		reply_status(rep, PM_UNAVAILABLE, NULL);
		return;
	}
	buf_reset(&rep->body);
	/* public_url is set just after the daemon starts listening. */
	st = feed_render(c, req->app->public_url ? req->app->public_url : "",
			 (int64_t)time(NULL), &rep->body);
	store_reader_release(req->app->store, c);
	if (st != PM_OK) {
		reply_status(rep, st, NULL);
		return;
	}
	rep->status = 200;
	rep->content_type = "application/atom+xml; charset=utf-8";
	/* Readers poll; a minute of staleness spares the index. */
	rep->cache_control = "public, max-age=60";
}
