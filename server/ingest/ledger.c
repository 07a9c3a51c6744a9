/*
 * The action-item ledger: see include/pmkb/ingest/ledger.h.
 *
 * Map: trailers in a message → recording a push (writer) → items as the
 * API shows them and what lint reports (readers) → pmkb notify's walk of a
 * push with libgit2.
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/db/column.h"
#include "pmkb/ingest/ledger.h"

static const char sql_find[] =
	"SELECT p.slug, (SELECT count(*) FROM action_items a "
	"WHERE a.pm_id = p.id) FROM postmortems p WHERE p.slug = coalesce("
	"(SELECT new_slug FROM slug_redirects WHERE old_slug = ?1), ?1)";
static const char sql_add[] =
	"INSERT OR IGNORE INTO action_commits(slug, pos, repo, commit_id, "
	"author, commit_time, received_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_item_texts[] =
	"SELECT a.pos, a.text FROM action_items a JOIN postmortems p ON "
	"p.id = a.pm_id WHERE p.slug = coalesce((SELECT new_slug FROM "
	"slug_redirects WHERE old_slug = ?1), ?1) ORDER BY a.pos";
static const char sql_items[] =
	"SELECT pos, done, owner, due, due_implied, text, line, links, "
	"done_on, ticked_at, ticked_commit "
	"FROM action_items WHERE pm_id = ?1 ORDER BY pos";
static const char sql_commits[] =
	"SELECT repo, commit_id, author, commit_time FROM action_commits "
	"WHERE slug = ?1 AND pos = ?2 ORDER BY commit_time, id";
static const char sql_unticked[] =
	"SELECT p.path, a.line, p.slug, c.pos, c.repo, c.commit_id "
	"FROM action_commits c JOIN postmortems p ON p.slug = c.slug "
	"JOIN action_items a ON a.pm_id = p.id AND a.pos + 1 = c.pos "
	"WHERE a.done = 0 ORDER BY p.path, a.pos, c.commit_time";

/* ---- trailers --------------------------------------------------------- */

/* "slug: text" (the item named by its text): the whole value, trimmed. */
static int add_text_ref(const char *v, size_t len, json_t *refs)
{
	const char *colon = memchr(v, ':', len), *hash = memchr(v, '#', len);

	if (!colon || (hash && hash < colon) || colon + 1 >= v + len ||
	    colon[1] != ' ')
		return 0;
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
		       v[len - 1] == '\r'))
		len--;
	if (len && len < 600 && json_array_size(refs) < LEDGER_MAX_REFS)
		json_array_append_new(refs, json_stringn(v, len));
	return 1;
}

static void add_refs(const char *v, size_t len, json_t *refs)
{
	const char *p = v, *end = v + len;

	if (add_text_ref(v, len, refs))
		return;

	while (p < end && json_array_size(refs) < LEDGER_MAX_REFS) {
		const char *q = p, *hash;
		size_t n;

		while (q < end && *q != ',')
			q++;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(q - p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
			     p[n - 1] == '\r'))
			n--;
		hash = memchr(p, '#', n);
		if (n && n < 300 && hash && hash > p && hash + 1 < p + n)
			json_array_append_new(refs, json_stringn(p, n));
		p = q + 1;
	}
}

void ledger_trailers(const char *message, json_t *refs)
{
	const size_t klen = strlen(LEDGER_TRAILER);
	const char *p = message;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > klen && !strncasecmp(p, LEDGER_TRAILER, klen) &&
		    p[klen] == ':')
			add_refs(p + klen + 1, len - klen - 1, refs);
		p = eol ? eol + 1 : NULL;
	}
}

/* ---- recording -------------------------------------------------------- */

/* Splits "slug#n" into the slug (out, size outsz) and n; 0 when bad. */
static int split_ref(const char *ref, char *out, size_t outsz, long *pos)
{
	const char *hash = strrchr(ref, '#');
	char *end;

	if (!hash || hash == ref || (size_t)(hash - ref) >= outsz)
		return 0;
	*pos = strtol(hash + 1, &end, 10);
	if (*end || end == hash + 1 || *pos < 1 || *pos > PM_MAX_ACTIONS)
		return 0;
	memcpy(out, ref, (size_t)(hash - ref));
	out[hash - ref] = '\0';
	return 1;
}

/*
 * "slug: text": the slug into out and the position of the item whose text
 * is text (ASCII case aside), else of the one item it starts, else 0.
 * Returns 0 when ref is not of this form.
 */
static int split_text_ref(struct dbconn *c, const char *ref, char *out,
			  size_t outsz, long *pos)
{
	const char *colon = strstr(ref, ": ");
	const char *text;
	sqlite3_stmt *s;
	long prefix = 0;
	int n_prefix = 0;

	if (!colon || colon == ref || (size_t)(colon - ref) >= outsz ||
	    memchr(ref, '#', (size_t)(colon - ref)))
		return 0;
	memcpy(out, ref, (size_t)(colon - ref));
	out[colon - ref] = '\0';
	text = colon + 2;
	*pos = 0;
	if (!(s = dbconn_stmt(c, sql_item_texts)))
		return 1;
	sqlite3_bind_text(s, 1, out, -1, SQLITE_TRANSIENT);
	while (!*pos && sqlite3_step(s) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 1);

		if (!t)
			continue;
		if (!strcasecmp(t, text)) {
			*pos = sqlite3_column_int(s, 0) + 1;
		} else if (!strncasecmp(t, text, strlen(text))) {
			n_prefix++;
			prefix = sqlite3_column_int(s, 0) + 1;
		}
	}
	sqlite3_reset(s);
	if (!*pos && n_prefix == 1)
		*pos = prefix;
	return 1;
}

static int64_t commit_time(json_t *t)
{
	struct pm_time pt;

	if (json_is_integer(t))
		return json_integer_value(t);
	if (json_is_string(t) && !pm_time_parse(&pt, json_string_value(t)))
		return pt.epoch;
	return 0;
}

/* Where ref goes: the canonical slug into slug; NULL or why not. */
static const char *resolve(struct dbconn *c, const char *want, long pos,
			   char *slug, size_t size)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_find);
	const char *why = "no postmortem has this slug (yet)";

	snprintf(slug, size, "%s", want);
	if (!s)
		return "the index cannot be read";
	sqlite3_bind_text(s, 1, want, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(slug, size, "%s", sqlite3_column_text(s, 0));
		why = pos <= sqlite3_column_int64(s, 1)
			      ? NULL
			      : "the postmortem has fewer action items";
	}
	sqlite3_reset(s);
	return why;
}

static enum pm_status record_one(struct dbconn *c, const char *repo,
				 json_t *commit, const char *ref, int64_t now,
				 json_t *answer)
{
	const char *id = json_string_value(json_object_get(commit, "id"));
	const char *author =
		json_string_value(json_object_get(commit, "author"));
	char want[256], slug[256];
	const char *why;
	sqlite3_stmt *s;
	long pos;
	int rc;

	if (!split_ref(ref, want, sizeof(want), &pos) &&
	    (!split_text_ref(c, ref, want, sizeof(want), &pos) || !pos)) {
		const char *bad = strstr(ref, ": ")
					  ? "no action item of that postmortem "
					    "has (or starts with) this text"
					  : "expected slug#N (N from 1) or "
					    "slug: item text";

		json_array_append_new(
			json_object_get(answer, "unknown"),
			json_pack("{s:s,s:s,s:s}", "ref", ref, "commit", id,
				  "reason", bad));
		log_kv(LOG_WARN, "ledger.unknown", "repo", repo, "commit", id,
		       "ref", ref, "reason", bad, NULL);
		return PM_OK;
	}
	why = resolve(c, want, pos, slug, sizeof(slug));
	if (!(s = dbconn_stmt(c, sql_add)))
		return PM_DB;
	sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, pos);
	sqlite3_bind_text(s, 3, repo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, author ? author : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, commit_time(json_object_get(commit, "time")));
	sqlite3_bind_int64(s, 7, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return PM_DB;
	if (why) {
		json_array_append_new(
			json_object_get(answer, "unknown"),
			json_pack("{s:s,s:s,s:s}", "ref", ref, "commit", id,
				  "reason", why));
		log_kv(LOG_WARN, "ledger.unknown", "repo", repo, "commit", id,
		       "ref", ref, "reason", why, NULL);
	} else {
		json_array_append_new(json_object_get(answer, "recorded"),
				      json_pack("{s:s,s:s}", "ref", ref,
						"commit", id));
		log_kv(LOG_INFO, "ledger.recorded", "repo", repo, "commit", id,
		       "ref", ref, NULL);
	}
	return PM_OK;
}

enum pm_status ledger_record(struct store *st, json_t *body, int64_t now,
			     json_t **answer, struct pm_error *err)
{
	const char *repo = json_string_value(json_object_get(body, "repo"));
	json_t *commits = json_object_get(body, "commits"), *commit;
	struct dbconn *c = NULL;
	enum pm_status rc = PM_OK;
	size_t i;

	*answer = NULL;
	if (!repo || !*repo || !json_is_array(commits))
		return pm_error_set(err, PM_INVALID, "body", 0,
				    "expected {\"repo\": NAME, \"commits\": "
				    "[...]}");
	json_array_foreach(commits, i, commit) {
		const char *id = json_string_value(json_object_get(commit,
								   "id"));

		if (!id || !*id || strlen(id) > 64)
			return pm_error_set(err, PM_INVALID, "body", 0,
					    "commits[%zu]: expected an id", i);
	}
	*answer = json_pack("{s:[],s:[]}", "recorded", "unknown");
	c = store_writer(st);
	if ((rc = dbconn_begin(c)) != PM_OK)
		goto out;
	json_array_foreach(commits, i, commit) {
		json_t *refs = json_object_get(commit, "actions"), *ref;
		json_t *found = NULL;
		const char *msg;
		size_t k;

		if (i >= LEDGER_MAX_COMMITS)
			break;
		if (!json_is_array(refs)) {
			found = refs = json_array();
			msg = json_string_value(json_object_get(commit,
								"message"));
			if (msg)
				ledger_trailers(msg, refs);
		}
		json_array_foreach(refs, k, ref) {
			if (k >= LEDGER_MAX_REFS || rc)
				break;
			if (json_is_string(ref))
				rc = record_one(c, repo, commit,
						json_string_value(ref), now,
						*answer);
		}
		json_decref(found);
		if (rc)
			break;
	}
	if (rc == PM_OK)
		rc = dbconn_commit(c);
	else
		dbconn_rollback(c);
out:
	store_writer_release(st);
	if (rc) {
		json_decref(*answer);
		*answer = NULL;
		pm_error_set(err, rc, "index", 0,
			     "the commits could not be recorded");
	}
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

static json_t *commits_of(struct dbconn *c, const char *slug, int pos)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_commits);
	json_t *a = json_array();

	if (!s)
		return a;
	sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, pos);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
			a, json_pack("{s:o,s:o,s:o,s:o}", "repo",
				     column_string(s, 0), "commit",
				     column_string(s, 1), "author",
				     column_string(s, 2), "time",
				     column_time(s, 3)));
	sqlite3_reset(s);
	return a;
}

json_t *ledger_items(struct dbconn *c, const struct taxonomy *tax,
		     int64_t pm_id, const char *slug, const char *today)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_items);
	json_t *a = json_array();
	size_t n = 0;
	json_t **rows = NULL;
	size_t alloc = 0;

	if (!s)
		return a;
	sqlite3_bind_int64(s, 1, pm_id);
	/* Rows first: commits_of() runs its own statement. */
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *due = (const char *)sqlite3_column_text(s, 3);
		int done = sqlite3_column_int(s, 1);
		const char *text = (const char *)sqlite3_column_text(s, 5);

		XGROW(rows, alloc, n + 1);
		rows[n++] = json_pack(
			"{s:i,s:b,s:o,s:o,s:b,s:b,s:s,s:o,s:i}", "position",
			sqlite3_column_int(s, 0) + 1, "done", done, "owner",
			column_string(s, 2), "due", column_string(s, 3),
			"due_implied", sqlite3_column_int(s, 4), "overdue",
			!done && due && strcmp(due, today) < 0, "text",
			text ? text : "", "parts",
			learning_text_parts(tax ? tax->learning : NULL, text,
					    (const char *)sqlite3_column_text(
						    s, 7)),
			"line", sqlite3_column_int(s, 6));
		json_object_set_new(rows[n - 1], "done_on",
				    column_string(s, 8));
		json_object_set_new(rows[n - 1], "ticked",
				    column_commit(s, 10, 9));
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		json_t *cm = commits_of(c, slug, (int)i + 1);
		int done = json_is_true(json_object_get(rows[i], "done"));

		json_object_set_new(rows[i], "done_in_commit_unticked",
				    json_boolean(!done &&
						 json_array_size(cm) > 0));
		json_object_set_new(rows[i], "commits", cm);
		json_array_append_new(a, rows[i]);
	}
	free(rows);
	return a;
}

json_t *ledger_unticked(struct dbconn *c)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_unticked);
	json_t *a = json_array();

	if (!s)
		return a;
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
			a, json_pack("{s:o,s:i,s:o,s:i,s:o,s:o}", "path",
				     column_string(s, 0), "line",
				     sqlite3_column_int(s, 1), "slug",
				     column_string(s, 2), "position",
				     sqlite3_column_int(s, 3), "repo",
				     column_string(s, 4), "commit",
				     column_string(s, 5)));
	sqlite3_reset(s);
	return a;
}

/* ---- pmkb notify: the commits of a push -------------------------------- */

static int zero_oid(const char *hex)
{
	return strspn(hex, "0") == strlen(hex);
}

/* The repository's name: its directory without ".git". Owned. */
static char *repo_name(git_repository *repo)
{
	const char *path = git_repository_is_bare(repo)
				   ? git_repository_path(repo)
				   : git_repository_workdir(repo);
	char *dir = xstrdup(path ? path : "repository");
	size_t n = strlen(dir);
	char *base, *out;

	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	if (n > 5 && !strcmp(dir + n - 5, "/.git"))
		dir[n -= 5] = '\0';
	base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".git"))
		base[n - 4] = '\0';
	out = xstrdup(*base ? base : "repository");
	free(dir);
	return out;
}

/* Adds the commits of one ref update that carry a trailer. */
static void walk(git_repository *repo, const char *old_hex,
		 const char *new_hex, json_t *commits, size_t *seen,
		 FILE *msgs)
{
	git_revwalk *w = NULL;
	git_oid oid;

	if (git_revwalk_new(&w, repo) || git_oid_fromstr(&oid, new_hex) ||
	    git_revwalk_push(w, &oid)) {
		fprintf(msgs, "pmkb notify: cannot read commit %.40s\n",
			new_hex);
		goto out;
	}
	if (!zero_oid(old_hex) && !git_oid_fromstr(&oid, old_hex))
		git_revwalk_hide(w, &oid);
	while (*seen < LEDGER_MAX_COMMITS && !git_revwalk_next(&oid, w)) {
		git_commit *c = NULL;
		json_t *refs;
		char hex[GIT_OID_HEXSZ + 1];

		(*seen)++;
		if (git_commit_lookup(&c, repo, &oid))
			continue;
		refs = json_array();
		ledger_trailers(git_commit_message(c), refs);
		git_oid_tostr(hex, sizeof(hex), &oid);
		if (json_array_size(refs))
			json_array_append_new(
				commits,
				json_pack("{s:s,s:s,s:I,s:o}", "id", hex,
					  "author", git_commit_author(c)->name,
					  "time",
					  (json_int_t)git_commit_time(c),
					  "actions", refs));
		else
			json_decref(refs);
		git_commit_free(c);
	}
out:
	git_revwalk_free(w);
}

json_t *ledger_scan_push(const char *ref_lines, size_t len, const char *name,
			 FILE *msgs)
{
	git_repository *repo = NULL;
	json_t *commits = json_array(), *body = NULL;
	const char *p = ref_lines, *end = ref_lines + len;
	size_t seen = 0;
	char *rname = NULL;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV,
				    NULL)) {
		fprintf(msgs, "pmkb notify: not in a git repository, so no "
			      "Postmortem-Action trailers were looked for\n");
		goto out;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char line[1200], old_hex[72], new_hex[72], ref[1024];
		size_t n = (size_t)((eol ? eol : end) - p);

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (sscanf(line, "%71s %71s %1023s", old_hex, new_hex,
				   ref) == 3 &&
			    !zero_oid(new_hex) &&
			    !strncmp(ref, "refs/heads/", 11))
				walk(repo, old_hex, new_hex, commits, &seen,
				     msgs);
		}
		p = eol ? eol + 1 : end;
	}
	if (!json_array_size(commits))
		goto out;
	rname = name && *name ? xstrdup(name) : repo_name(repo);
	body = json_pack("{s:s,s:O}", "repo", rname, "commits", commits);
out:
	free(rname);
	json_decref(commits);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return body;
}
