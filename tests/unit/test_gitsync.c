/*
 * gitsync: full and incremental syncs against a real repository built
 * with the git command line in a temporary directory, and the source
 * link template.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/gitsync.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/repopath.h"
#include "tap.h"

static char tmp[] = "/tmp/pmkb-gitsync-XXXXXX";

/* Runs a shell command in the work tree; returns its exit status. */
static int sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	int rc;

	buf_addf(&cmd, "cd %s/work && ( ", tmp);
	va_start(ap, fmt);
	buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	buf_addstr(&cmd, " ) >/dev/null 2>&1");
	rc = system(cmd.ptr);
	buf_release(&cmd);
	return rc;
}

static void write_file(const char *rel, const char *text)
{
	struct buf path = BUF_INIT;
	FILE *f;

	buf_addf(&path, "%s/work/%s", tmp, rel);
	f = fopen(path.ptr, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	buf_release(&path);
}

/* Commits everything with a fixed author date, and pushes. */
static void commit(const char *msg, const char *date)
{
	setenv("GIT_AUTHOR_DATE", date, 1);
	setenv("GIT_COMMITTER_DATE", date, 1);
	sh("git add -A && git commit -qm '%s' && git push -qf origin HEAD:main",
	   msg);
}

/* One text column of a one-row query, owned, or NULL. */
static char *query1(struct store *st, const char *sql, const char *arg)
{
	struct dbconn *c = store_reader(st);
	sqlite3_stmt *s = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(dbconn_db(c), sql, -1, &s, NULL) == SQLITE_OK) {
		if (arg)
			sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
			v = xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	store_reader_release(st, c);
	return v;
}

static void is_query(struct store *st, const char *sql, const char *arg,
		     const char *want, const char *what)
{
	char *got = query1(st, sql, arg);

	is_str(got, want, what);
	free(got);
}

static enum pm_status run(struct gitsync *g, struct store *st,
			  struct gitsync_result *res)
{
	struct taxonomy *tax = NULL;
	struct pm_error err;
	enum pm_status rc;

	pm_error_clear(&err);
	rc = gitsync_run(g, st, 0, &tax, res, &err);
	if (rc != PM_OK)
		printf("# gitsync_run: %s\n", err.message);
	taxonomy_free(tax);
	return rc;
}

static const char pm_a[] = "---\ntitle: Alpha outage\n"
			   "started_at: 2019-03-01T10:00:00Z\n"
			   "cause: config\n---\n# Alpha outage\nText.\n";
static const char pm_b[] = "# Beta without front matter\nNo dates here.\n";

static void source_urls(void)
{
	char *u;

	u = repopath_link("https://h/o/r/blob/{commit}/{path}", "abc",
			       "main", "postmortems", "2019/a b.md");
	is_str(u, "https://h/o/r/blob/abc/postmortems/2019/a%20b.md",
	       "{commit} and {path}, each segment encoded");
	free(u);
	u = repopath_link("https://h/{branch}/{path}", NULL, "dev/x",
			       ".", "PM 1.md");
	is_str(u, "https://h/dev%2Fx/PM%201.md",
	       "{branch} without a commit; a root directory adds no prefix");
	free(u);
	ok(!repopath_link("https://h/{commit}", NULL, "main", "", "a"),
	   "no link when {commit} is needed and unknown");
	ok(!repopath_link(NULL, "abc", "main", "", "a"),
	   "no link without a template");
	ok(!repopath_link("", "abc", "main", "", "a"),
	   "no link with an empty template");
}

/* Edit, history and blame links from a forge's file link. */
static void source_views(void)
{
	static const struct {
		const char *tmpl, *edit, *history, *blame;
	} cases[] = {
		{ "https://github.com/o/r/blob/{commit}/{path}",
		  "https://github.com/o/r/edit/main/pm/a.md",
		  "https://github.com/o/r/commits/main/pm/a.md",
		  "https://github.com/o/r/blame/abc/pm/a.md" },
		{ "https://gitlab.com/g/sub/p/-/blob/{commit}/{path}?plain=0",
		  "https://gitlab.com/g/sub/p/-/edit/main/pm/a.md?plain=0",
		  "https://gitlab.com/g/sub/p/-/commits/main/pm/a.md?plain=0",
		  "https://gitlab.com/g/sub/p/-/blame/abc/pm/a.md?plain=0" },
		{ "https://gitea.example.com/o/r/src/commit/{commit}/{path}",
		  "https://gitea.example.com/o/r/_edit/main/pm/a.md",
		  "https://gitea.example.com/o/r/commits/branch/main/pm/a.md",
		  "https://gitea.example.com/o/r/blame/commit/abc/pm/a.md" },
		{ "https://gitea.example.com/o/r/src/branch/{branch}/{path}",
		  "https://gitea.example.com/o/r/_edit/main/pm/a.md",
		  "https://gitea.example.com/o/r/commits/branch/main/pm/a.md",
		  "https://gitea.example.com/o/r/blame/branch/main/pm/a.md" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *want[REPOPATH_VIEW__MAX] = {
			cases[i].edit, cases[i].history, cases[i].blame
		};

		for (int v = 0; v < REPOPATH_VIEW__MAX; v++) {
			char *t = repopath_view_template(cases[i].tmpl, v);
			char *u = repopath_link(t, "abc", "main", "pm", "a.md");

			is_str(u, want[v], cases[i].tmpl);
			free(u);
			free(t);
		}
	}
	ok(!repopath_view_template("https://h/o/r/raw/{commit}/{path}",
				   REPOPATH_EDIT),
	   "an unknown forge: no views");
	ok(!repopath_view_template("https://h/blob/main/{path}",
				   REPOPATH_BLAME),
	   "a fixed revision: no views");
	ok(!repopath_view_template(NULL, REPOPATH_HISTORY), "no template");
}

int main(void)
{
	struct gitsync *g = NULL, *g2 = NULL, *g3 = NULL, *gx = NULL;
	struct gitsync_options o = { 0 };
	struct gitsync_result res;
	struct store *st = NULL, *st2 = NULL, *st3 = NULL;
	struct pm_error err;
	struct buf p = BUF_INIT, db = BUF_INIT;
	char *first = NULL;

	source_urls();
	source_views();
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	setenv("GIT_AUTHOR_NAME", "Ada", 1);
	setenv("GIT_AUTHOR_EMAIL", "ada@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Ada", 1);
	setenv("GIT_COMMITTER_EMAIL", "ada@example.com", 1);
	buf_addf(&p, "cd %s && git init -q --bare -b main remote.git && "
		 "git init -q -b main work && cd work && "
		 "git remote add origin ../remote.git && mkdir -p pm/sub "
		 "pm/.hidden other",
		 tmp);
	ok(system(p.ptr) == 0, "set up a repository");

	write_file("pm/a.md", pm_a);
	write_file("pm/sub/b.md", pm_b);
	write_file("pm/README.md", "# Not a postmortem\n");
	write_file("pm/.hidden/c.md", pm_a);
	write_file("other/d.md", pm_a);
	commit("first", "2020-05-06T07:08:09Z");

	buf_reset(&p);
	buf_addf(&p, "%s/remote.git", tmp);
	buf_addf(&db, "%s/data/pmkb.db", tmp);
	o.url = p.ptr;
	o.branch = "main";
	o.dir = "pm/";
	o.data_dir = "";
	{
		struct buf dd = BUF_INIT;

		buf_addf(&dd, "%s/data", tmp);
		o.data_dir = dd.ptr;
		pm_error_clear(&err);
		ok(gitsync_open(&g, &o, &err) == PM_OK, "open the clone");
		ok(store_open(&st, db.ptr, &err) == PM_OK, "open the index");
		buf_release(&dd);
	}
	if (!g || !st)
		goto out;

	/* First sync: a full read of pm/ only. */
	ok(run(g, st, &res) == PM_OK, "first sync");
	is_int(res.mode, GITSYNC_FULL, "first sync reads everything");
	is_str(res.why, "first sync", "and says why");
	is_int(res.counts.added, 2, "two postmortems (README, hidden and "
	       "other directories skipped)");
	is_query(st, "SELECT group_concat(path, ',') FROM "
		 "(SELECT path FROM postmortems ORDER BY path)", NULL,
		 "a.md,sub/b.md", "paths are relative to --dir");
	is_query(st, "SELECT started_at FROM postmortems WHERE slug = 'b'",
		 NULL, "2020-05-06T07:08:09+00:00",
		 "no front matter date: the git creation date");
	is_query(st, "SELECT started_source FROM postmortems "
		 "WHERE slug = 'b'", NULL, "git", "and it says so");
	is_query(st, "SELECT commit_author FROM postmortems "
		 "WHERE slug = 'a'", NULL, "Ada", "the author is recorded");
	first = query1(st, "SELECT commit_id FROM postmortems "
		       "WHERE slug = 'a'", NULL);
	ok(first && strlen(first) == 40, "the commit is recorded");
	is_query(st, "SELECT value FROM meta WHERE key = ?1",
		 GITSYNC_META_COMMIT, first, "the last indexed commit");

	ok(run(g, st, &res) == PM_OK, "second sync");
	is_int(res.mode, GITSYNC_NOOP, "nothing new: a no-op");

	/* Incremental: modify, add, delete, rename. */
	write_file("pm/a.md", "---\ntitle: Alpha outage, edited\n"
			      "started_at: 2019-03-01T10:00:00Z\n"
			      "cause: config\n---\nText.\n");
	write_file("pm/e.md", pm_a);
	commit("second", "2021-01-01T00:00:00Z");
	sh("git mv pm/sub/b.md pm/sub/b2.md && git rm -q pm/e.md");
	write_file("other/d.md", "changed outside pm/");
	commit("third", "2022-02-02T00:00:00Z");
	ok(run(g, st, &res) == PM_OK, "incremental sync");
	is_int(res.mode, GITSYNC_INCREMENTAL, "a descendant: incremental");
	is_int(res.counts.updated, 1, "one updated");
	is_int(res.counts.added, 1, "one added (the rename's new path)");
	is_int(res.counts.removed, 1, "one removed (the rename's old path)");
	is_query(st, "SELECT title FROM postmortems WHERE slug = 'a'", NULL,
		 "Alpha outage, edited", "the edit is indexed");
	is_query(st, "SELECT count(*) FROM postmortems WHERE slug = 'e'",
		 NULL, "0", "added then deleted in one push: never indexed");
	is_query(st, "SELECT new_slug FROM slug_redirects "
		 "WHERE old_slug = 'b'", NULL, "b2", "the old slug redirects");
	is_query(st, "SELECT started_at FROM postmortems WHERE slug = 'b2'",
		 NULL, "2020-05-06T07:08:09+00:00",
		 "a renamed file keeps its creation date");
	is_query(st, "SELECT first_commit_id FROM postmortems "
		 "WHERE slug = 'b2'", NULL, first,
		 "and its first commit");
	is_query(st, "SELECT commit_time FROM postmortems WHERE slug = 'a'",
		 NULL, "1609459200", "last change: the second commit");

	/* A new index over the same history follows the rename back. */
	buf_reset(&db);
	buf_addf(&db, "%s/data2/pmkb.db", tmp);
	{
		struct buf dd = BUF_INIT;

		buf_addf(&dd, "%s/data2", tmp);
		o.data_dir = dd.ptr;
		ok(gitsync_open(&g2, &o, &err) == PM_OK &&
			   store_open(&st2, db.ptr, &err) == PM_OK,
		   "a second clone and index");
		buf_release(&dd);
	}
	if (g2 && st2) {
		ok(run(g2, st2, &res) == PM_OK && res.mode == GITSYNC_FULL,
		   "full read of the same history");
		is_query(st2, "SELECT first_commit_id FROM postmortems "
			 "WHERE slug = 'b2'", NULL, first,
			 "the history walk follows the rename back");
		is_query(st2, "SELECT commit_time FROM postmortems "
			 "WHERE slug = 'b2'", NULL, "1643760000",
			 "the rename is its last change");
		is_query(st2, "SELECT commit_time FROM postmortems "
			 "WHERE slug = 'a'", NULL, "1609459200",
			 "a commit outside --dir changes nothing");
	}

	/* A force-push that rewrites history: a full read. */
	sh("git reset -q --hard HEAD~2");
	write_file("pm/f.md", pm_b);
	commit("rewritten", "2023-03-03T00:00:00Z");
	ok(run(g, st, &res) == PM_OK, "sync after a force-push");
	is_int(res.mode, GITSYNC_FULL, "a rewritten history: full read");
	is_str(res.why, "history was rewritten (force-push)", "and why");
	is_query(st, "SELECT group_concat(slug, ',') FROM "
		 "(SELECT slug FROM postmortems ORDER BY slug)", NULL,
		 "a,b,f", "the index matches the new head");

	/* New settings: a full read with them. */
	write_file("pm/.pmkb.yml", "causes:\n  - id: configuration\n"
				   "    aliases: [config]\n");
	commit("settings", "2023-04-04T00:00:00Z");
	ok(run(g, st, &res) == PM_OK, "sync after a settings change");
	is_int(res.mode, GITSYNC_FULL, "settings changed: full read");
	is_query(st, "SELECT primary_cause FROM postmortems "
		 "WHERE slug = 'a'", NULL, "configuration",
		 "the new taxonomy applies");

	/*
	 * History with a rename that edits the file (found by similarity,
	 * not identity) and a merge: read by a fresh index.
	 */
	write_file("pm/m.md", "---\ntitle: Moved\nstarted_at: 2019-01-01\n"
			      "cause: config\n---\nA long enough body that a "
			      "small edit keeps it similar.\nLine two.\n"
			      "Line three.\nLine four.\n");
	commit("add m", "2024-01-01T00:00:00Z");
	sh("git mv pm/m.md pm/m2.md && echo 'Line five.' >> pm/m2.md");
	commit("move and edit m", "2024-01-02T00:00:00Z");
	sh("git checkout -q -b side");
	write_file("pm/a.md", "---\ntitle: Alpha, on a branch\n"
			      "started_at: 2019-03-01T10:00:00Z\n"
			      "cause: config\n---\nText.\n");
	commit("side edit", "2024-01-03T00:00:00Z");
	sh("git checkout -q main");
	write_file("pm/f.md", "# F, edited on main\n");
	commit("main edit", "2024-01-04T00:00:00Z");
	setenv("GIT_AUTHOR_DATE", "2024-01-05T00:00:00Z", 1);
	setenv("GIT_COMMITTER_DATE", "2024-01-05T00:00:00Z", 1);
	sh("git merge -q --no-edit side && git push -qf origin HEAD:main");
	buf_reset(&db);
	buf_addf(&db, "%s/data3/pmkb.db", tmp);
	{
		struct buf dd = BUF_INIT;

		/* file:// goes through a fetch, not a local clone. */
		buf_reset(&p);
		buf_addf(&p, "file://%s/remote.git", tmp);
		o.url = p.ptr;
		buf_addf(&dd, "%s/data3", tmp);
		o.data_dir = dd.ptr;
		ok(gitsync_open(&g3, &o, &err) == PM_OK &&
			   store_open(&st3, db.ptr, &err) == PM_OK,
		   "a third clone and index");
		buf_release(&dd);
	}
	if (g3 && st3) {
		ok(run(g3, st3, &res) == PM_OK && res.mode == GITSYNC_FULL,
		   "full read of a history with a merge");
		is_query(st3, "SELECT created_time FROM postmortems "
			 "WHERE slug = 'm2'", NULL, "1704067200",
			 "a rename with an edit is followed back");
		is_query(st3, "SELECT commit_time FROM postmortems "
			 "WHERE slug = 'm2'", NULL, "1704153600",
			 "and the rename is its last change");
		is_query(st3, "SELECT commit_time FROM postmortems "
			 "WHERE slug = 'a'", NULL, "1704240000",
			 "a change merged from a branch belongs to its commit, "
			 "not to the merge");
		is_query(st3, "SELECT commit_time FROM postmortems "
			 "WHERE slug = 'f'", NULL, "1704326400",
			 "a change on main before the merge keeps its commit");
	}

	/* A branch that does not exist. */
	o.branch = "nope";
	o.data_dir = tmp;
	ok(gitsync_open(&gx, &o, &err) == PM_OK, "open for a missing branch");
	if (gx) {
		struct taxonomy *tax = NULL;

		is_int(gitsync_run(gx, st, 0, &tax, &res, &err), PM_NOT_FOUND,
		       "a missing branch is PM_NOT_FOUND");
		ok(strstr(err.message, "nope") != NULL, "and named");
		ok(tax == NULL, "no settings on failure");
	}
out:
	gitsync_free(g);
	gitsync_free(g2);
	gitsync_free(g3);
	gitsync_free(gx);
	store_close(st);
	store_close(st2);
	store_close(st3);
	free(first);
	buf_reset(&p);
	buf_addf(&p, "rm -rf %s", tmp);
	if (system(p.ptr))
		printf("# could not remove %s\n", tmp);
	buf_release(&p);
	buf_release(&db);
	return tap_done();
}
