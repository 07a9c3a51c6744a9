/*
 * postmortem_parse() (include/pmkb/doc/postmortem.h) runs the pipeline
 * for one file:
 *
 *   bytes → repair UTF-8, drop NULs, strip a BOM, CRLF/CR → LF
 *         → frontmatter_split() → frontmatter_parse() (fields)
 *         → markdown_render() (html, text, title fallback, task lists)
 *         → derive_fields() (the rest of the precedence: doc/derive.h)
 *         → defaults and the checks that need everything (title, cause,
 *           started_at, the order of the timestamps)
 *         → review_check() (doc/review.h: owners, non-actions, blame)
 *
 * Line numbers in diagnostics are always the file's: the normalisation
 * keeps one LF per line break of the original (CRLF and a lone CR each
 * count as one), and the front matter and body know where they start.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/derive.h"
#include "pmkb/doc/frontmatter.h"
#include "pmkb/doc/markdown.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/review.h"
#include "pmkb/doc/taxonomy.h"

/* The 1-based line of data[off], counting CRLF and a lone CR as one break. */
static int line_at(const char *data, size_t off)
{
	size_t i;
	int line = 1;

	for (i = 0; i < off; i++) {
		if (data[i] == '\n')
			line++;
		else if (data[i] == '\r' &&
			 (i + 1 >= off || data[i + 1] != '\n'))
			line++;
	}
	return line;
}

/*
 * Makes data valid UTF-8 with LF line ends and no BOM, in out, recording a
 * warning for each kind of repair with the line of its first occurrence.
 */
static void normalise(struct postmortem *pm, struct buf *out,
		      const char *data, size_t len)
{
	struct buf fixed = BUF_INIT;
	size_t i, pos, first_bad = len, first_nul = len, nuls = 0, bad;
	size_t start = 0;
	const char *s;

	for (i = 0; i < len; i++)
		if (!data[i] && !nuls++)
			first_nul = i;
	pos = utf8_first_invalid(data, len);
	while (pos < len) {
		if (data[pos]) {
			first_bad = pos;
			break;
		}
		pos += 1 + utf8_first_invalid(data + pos + 1, len - pos - 1);
	}
	s = data;
	if (first_bad < len || nuls) {
		bad = utf8_repair(&fixed, data, len);
		if (bad)
			postmortem_diag(pm, PM_DIAG_WARNING,
					line_at(data, first_bad),
					"the file is not valid UTF-8: %zu "
					"invalid byte sequence%s replaced with "
					"U+FFFD (the first is on this line)",
					bad, bad == 1 ? " was" : "s were");
		if (nuls)
			postmortem_diag(pm, PM_DIAG_WARNING,
					line_at(data, first_nul),
					"the file contains %zu NUL byte%s; "
					"removed (the first is on this line)",
					nuls, nuls == 1 ? "" : "s");
		s = fixed.ptr;
		len = fixed.len;
	}
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		len -= 3;
	}
	buf_grow(out, len);
	for (i = 0; i < len; i++) {
		if (s[i] != '\r')
			continue;
		buf_add(out, s + start, i - start);
		buf_addch(out, '\n');
		if (i + 1 < len && s[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	buf_add(out, s + start, len - start);
	buf_release(&fixed);
}

/*
 * Checks that later happened no earlier than earlier. When either is a
 * date without a time, only the calendar days are compared: "2018-02-14"
 * and "2018-02-14T01:00:00+09:00" are the same day, not 8 hours apart.
 */
static void check_order(struct postmortem *pm, const struct pm_time *later,
			const char *later_name, const struct pm_time *earlier,
			const char *earlier_name, enum pm_diag_level level)
{
	if (later->set && earlier->set && pm_time_before(later, earlier))
		postmortem_diag(pm, level, later->line,
				"%s (%s) is before %s (%s)", later_name,
				later->text, earlier_name, earlier->text);
}

/* Fills what every record has, whatever the file said. */
static void fill_defaults(struct postmortem *pm)
{
	if (!pm->title)
		pm->title = xstrdup(pm->slug);
	if (!pm->summary)
		pm->summary = xstrdup("");
	if (!pm->status)
		pm->status = xstrdup("published");
	if (!pm->causes.n)
		pm_list_add(&pm->causes, "unknown");
	if (!pm->html)
		pm->html = xstrdup("");
	if (!pm->text)
		pm->text = xstrdup("");
}

enum pm_status postmortem_parse(struct postmortem *pm, const char *path,
				const char *data, size_t len,
				const struct taxonomy *tax,
				int64_t git_created)
{
	struct buf clean = BUF_INIT;
	enum pm_status st = PM_OK;
	const char *yaml = NULL, *body = NULL;
	size_t yaml_len = 0, body_len = 0;
	int body_line = 1, unclosed, fm_ok;
	unsigned found = 0;

	pm->path = xstrdup(path ? path : "");
	pm->slug = postmortem_slug(pm->path);
	if (!utf8_valid(pm->path, strlen(pm->path)))
		postmortem_diag(pm, PM_DIAG_WARNING, 0,
				"the file name is not valid UTF-8; its slug "
				"and URL use U+FFFD in its place ('%s'); "
				"rename the file to a UTF-8 name", pm->slug);
	if (len > PM_MAX_FILE_SIZE) {
		postmortem_diag(pm, PM_DIAG_ERROR, 0,
				"the file is %zu bytes; the limit is %u bytes, "
				"so it is not indexed",
				len, PM_MAX_FILE_SIZE);
		st = PM_TOO_LARGE;
		goto out;
	}

	normalise(pm, &clean, data ? data : "", data ? len : 0);
	unclosed = frontmatter_split(clean.ptr, clean.len, &yaml, &yaml_len,
				     &body, &body_len, &body_line);
	if (unclosed)
		postmortem_diag(pm, PM_DIAG_ERROR, 1,
				"the front matter is not closed (no '---' line "
				"after it), so the whole file is read as "
				"Markdown");
	if (yaml) {
		pm->has_front_matter = 1;
		if (yaml_len > PM_MAX_FRONT_MATTER) {
			postmortem_diag(pm, PM_DIAG_ERROR, 1,
					"the front matter is %zu bytes; the "
					"limit is %u bytes, so it is ignored",
					yaml_len, PM_MAX_FRONT_MATTER);
			found = FM_BROKEN;
		} else {
			found = frontmatter_parse(pm, yaml, yaml_len, 2, tax);
		}
	}
	derive_mark(pm, PM_SRC_FRONT_MATTER);
	markdown_render(pm, body, body_len, body_line);
	if (pm->extra_rows) {
		/* Front matter pmkb does not know, shown as a forge would. */
		struct buf html = BUF_INIT;

		buf_addstr(&html, "<table class=\"front-matter\"><tbody>\n");
		buf_addstr(&html, pm->extra_rows);
		buf_addstr(&html, "</tbody></table>\n");
		buf_addstr(&html, pm->html ? pm->html : "");
		free(pm->html);
		pm->html = buf_detach(&html, NULL);
	}
	if (pm->title && !pm->source[PM_F_TITLE])
		pm->source[PM_F_TITLE] = PM_SRC_HEADING;
	derive_mark(pm, PM_SRC_BODY); /* task lists */
	derive_fields(pm, body, body_len, body_line, tax, git_created);

	/* Missing fields are errors only in front matter that parsed. */
	fm_ok = pm->has_front_matter && !(found & FM_BROKEN);
	if (!pm->title) {
		if (fm_ok)
			postmortem_diag(pm, PM_DIAG_ERROR, 1, "%s",
					found & FM_FOUND_TITLE
						? "title is empty and the body "
						  "has no heading to use "
						  "instead"
						: "missing required field "
						  "'title' (and the body has "
						  "no heading to use instead)");
		else
			postmortem_diag(pm, PM_DIAG_WARNING, 0,
					"no title and no heading; the file "
					"name is used as the title");
	}
	if (!pm->causes.n && fm_ok && !(found & FM_FOUND_CAUSE) &&
	    found & FM_FOUND_INCIDENT)
		postmortem_diag(pm, PM_DIAG_ERROR, 1,
				"missing required field 'cause'; the incident "
				"is counted as 'unknown'");
	else if (!pm->causes.n && fm_ok && !(found & FM_FOUND_CAUSE))
		/* A blog's front matter (title, date, layout): no error. */
		postmortem_diag(pm, PM_DIAG_WARNING, 1,
				"the front matter names no cause, so the "
				"incident is counted as 'unknown'; add "
				"cause: to it");
	else if (!pm->causes.n && !pm->has_front_matter && !unclosed)
		postmortem_diag(pm, PM_DIAG_WARNING, 0,
				"the file has no front matter, so its cause is "
				"'unknown'; add front matter with at least "
				"title, started_at and cause");

	if (!pm->started.set && !(found & FM_FOUND_STARTED))
		/* A bad date already has its error; absence gets a warning. */
		postmortem_diag(pm, PM_DIAG_WARNING, fm_ok ? 1 : 0,
				"no date: not in the front matter, a metadata "
				"table, the file name or git history; the "
				"incident is counted as Unknown");
	else if (pm->source[PM_F_STARTED] == PM_SRC_GIT &&
		 !(found & FM_FOUND_STARTED))
		postmortem_diag(pm, PM_DIAG_WARNING, fm_ok ? 1 : 0,
				"missing started_at; using %s (when git first "
				"saw the file)",
				pm->started.text);
	/* A start time taken from git says nothing about the incident. */
	if (pm->started.line || pm->source[PM_F_STARTED] == PM_SRC_FILE_NAME) {
		check_order(pm, &pm->detected, "detected_at", &pm->started,
			    "started_at", PM_DIAG_ERROR);
		check_order(pm, &pm->mitigated, "mitigated_at", &pm->started,
			    "started_at", PM_DIAG_ERROR);
		check_order(pm, &pm->resolved, "resolved_at", &pm->started,
			    "started_at", PM_DIAG_ERROR);
	}
	check_order(pm, &pm->mitigated, "mitigated_at", &pm->detected,
		    "detected_at", PM_DIAG_WARNING);
	check_order(pm, &pm->resolved, "resolved_at", &pm->mitigated,
		    "mitigated_at", PM_DIAG_WARNING);
	if (pm->actions_dropped)
		postmortem_diag(pm, PM_DIAG_WARNING, 0,
				"more than %d action items; %zu were ignored",
				PM_MAX_ACTIONS, pm->actions_dropped);
	review_check(pm, body, body_len, body_line, tax ? tax->review : NULL);
out:
	fill_defaults(pm);
	buf_release(&clean);
	return st;
}
