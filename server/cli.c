/*
 * The command table and one function per command; the commands that only
 * read the index and print (search, stats, recall) are in cliread.c.
 * Commands parse their options through config.c, so every flag has its
 * PMKB_* variable and appears in --help.
 */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pmkb/http/auth.h"
#include "pmkb/admin.h"
#include "pmkb/cli.h"
#include "pmkb/cliread.h"
#include "pmkb/base/config.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/settings.h"
#include "pmkb/ingest/asof.h"
#include "pmkb/ingest/asofcache.h"
#include "pmkb/ingest/gitsync.h"
#include "pmkb/http/hooks.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/ingest/ledger.h"
#include "pmkb/ingest/lint.h"
#include "pmkb/base/log.h"
#include "pmkb/ops.h"
#include "pmkb/slack/delivery.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/search/searchcache.h"
#include "pmkb/http/server.h"
#include "pmkb/http/slack.h"
#include "pmkb/db/store.h"
#include "pmkb/ingest/syncer.h"
#include "pmkb/ingest/worktree.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"

struct command {
	const char *name;
	int (*fn)(struct pm_config *cfg, int nargs, const char **args);
	unsigned options;
	const char *usage;
	const char *summary;
	const char *details;
	int min_args, max_args;
};

static int cmd_serve(struct pm_config *cfg, int nargs, const char **args);
static int cmd_import(struct pm_config *cfg, int nargs, const char **args);
static int cmd_reindex(struct pm_config *cfg, int nargs, const char **args);
static int cmd_lint(struct pm_config *cfg, int nargs, const char **args);
static int cmd_notify(struct pm_config *cfg, int nargs, const char **args);
static int cmd_outbox(struct pm_config *cfg, int nargs, const char **args);
static int cmd_token(struct pm_config *cfg, int nargs, const char **args);
static int cmd_backup(struct pm_config *cfg, int nargs, const char **args);
static int cmd_check(struct pm_config *cfg, int nargs, const char **args);
static int cmd_digest(struct pm_config *cfg, int nargs, const char **args);

static const struct command commands[] = {
	{ "serve", cmd_serve, CFG_SERVE, "pmkb serve [OPTIONS]",
	  "index the postmortems and serve the UI and the HTTP API",
	  "Indexes --dir (default ./postmortems) into --db (default\n"
	  "./var/pmkb.db), then serves http://127.0.0.1:8080/ until SIGINT or\n"
	  "SIGTERM. With --listen HOST:0 a free port is chosen; the first line\n"
	  "printed on stdout is the URL.\n"
	  "With --repo, follows a git repository instead: keeps a clone\n"
	  "under --data-dir, indexes --dir inside it, and syncs on start,\n"
	  "when POST /hooks/git|github|gitlab says a push came, and every\n"
	  "--poll. Secrets come from the environment only:\n"
	  "PMKB_WEBHOOK_SECRET (pmkb notify, GitHub, Gitea),\n"
	  "PMKB_GITLAB_TOKEN (GitLab), PMKB_GIT_TOKEN or PMKB_GIT_SSH_KEY\n"
	  "(fetching from https or ssh).\n",
	  0, 0 },
	{ "import", cmd_import, CFG_IMPORT, "pmkb import [OPTIONS] PATH",
	  "index a directory of postmortems (or a git work tree)",
	  "Adds, updates and removes postmortems so that the index matches\n"
	  "PATH, in one transaction. Unchanged files are skipped, so running\n"
	  "it twice changes nothing. A file with problems is still indexed;\n"
	  "the summary counts the errors and warnings, and `pmkb lint PATH`\n"
	  "lists them with their lines.\n",
	  1, 1 },
	{ "reindex", cmd_reindex, CFG_REINDEX, "pmkb reindex [OPTIONS] [PATH]",
	  "parse every postmortem again and rebuild the full-text index",
	  "Like import, but re-reads unchanged files too (after an upgrade,\n"
	  "or to repair the index). PATH defaults to --dir.\n",
	  0, 1 },
	{ "lint", cmd_lint, CFG_LINT, "pmkb lint [OPTIONS] [FILE|DIR...]",
	  "check postmortems; exit 1 when any has errors",
	  "Prints one line per problem: path:line: error|warning: message.\n"
	  "Without arguments lints --dir. Exit status: 0 clean (warnings\n"
	  "allowed), 1 errors, 2 a path could not be read.\n"
	  "With --pre-receive it is a git pre-receive hook: it reads\n"
	  "'old new ref' lines on stdin and lints only the files under --dir\n"
	  "that the push adds or changes; exit 1 rejects the push.\n",
	  0, 1000 },
	{ "search", cli_search, CFG_SEARCH, "pmkb search [OPTIONS] QUERY...",
	  "search the index from the terminal",
	  "QUERY uses the same language as the UI: words (all must match),\n"
	  "\"a phrase\", a OR b, -exclude, prefix*, and filters such as\n"
	  "cause:infrastructure service:billing-api severity<=2\n"
	  "after:2017-07-01 before:2018. Synonyms and cause names come\n"
	  "from the settings in --dir (.pmkb.yml), as the server reads them.\n",
	  1, 100 },
	{ "stats", cli_stats, CFG_STATS,
	  "pmkb stats [OPTIONS] [causes|durations|actions|follow-through]",
	  "print incidents by cause per period, TTx trends or action items",
	  "causes (the default): incidents per period and cause, as GET\n"
	  "/api/stats/causes; durations: median and p90 time to detect,\n"
	  "mitigate and resolve; actions: open action items and counts per\n"
	  "period; follow-through: action items done on time, late or still\n"
	  "open per period, and the median days to done. Reads the index\n"
	  "--db; the fiscal year and the time zone come from the .pmkb.yml\n"
	  "of --dir.\n",
	  0, 1 },
	{ "notify", cmd_notify, CFG_NOTIFY, "pmkb notify [OPTIONS] [REPO-NAME]",
	  "tell a pmkb server that a push came (a post-receive hook)",
	  "Reads git's 'old new ref' lines on stdin and POSTs them to\n"
	  "--server/hooks/git, signed with PMKB_WEBHOOK_SECRET. Always exits\n"
	  "0: a server that is down must not make a push look failed; it\n"
	  "catches up at its next sync. With empty input (< /dev/null) it\n"
	  "asks for a sync.\n"
	  "Pushed commits whose message has a trailer\n"
	  "'Postmortem-Action: SLUG#N' or 'Postmortem-Action: SLUG: TEXT'\n"
	  "(in any repository) are first sent to\n"
	  "--server/hooks/actions, under REPO-NAME (default: the repository's\n"
	  "directory name), and mark item N of SLUG done in that commit.\n",
	  0, 1 },
	{ "outbox", cmd_outbox, CFG_OUTBOX,
	  "pmkb outbox [OPTIONS] [status | retry [ID] | test [TEXT...]]",
	  "show or retry the Slack announcements waiting to be posted",
	  "status (the default): counts by state and the latest messages.\n"
	  "retry: queue the failed messages (or message ID) again, with a\n"
	  "fresh count of tries; a running pmkb serve posts them within a\n"
	  "second. test: queue a test message, to check the webhook.\n",
	  0, 100 },
	{ "digest", cmd_digest, CFG_DIGEST, "pmkb digest [OPTIONS]",
	  "queue or print the action-item digest of this period",
	  "The digest lists the open action items that are overdue or due\n"
	  "within 7 days, by owner, with owners mentioned through people: in\n"
	  ".pmkb.yml. pmkb serve queues it itself on the schedule digest: of\n"
	  ".pmkb.yml; this queues the latest period's digest now, once (a\n"
	  "running pmkb serve posts it), or with --dry-run prints it.\n",
	  0, 0 },
	{ "token", cmd_token, CFG_TOKEN,
	  "pmkb token [OPTIONS] create NAME | list | revoke NAME",
	  "create, list or revoke access tokens (--auth token or proxy)",
	  "create prints a new token on stdout, once: only a keyed hash is\n"
	  "stored. Send it as 'Authorization: Bearer TOKEN', or type it into\n"
	  "/login for a browser session. --scope admin also allows the\n"
	  "admin routes. revoke deletes the token and ends its sessions at\n"
	  "once. A running server need not be stopped.\n",
	  1, 2 },
	{ "backup", cmd_backup, CFG_BACKUP, "pmkb backup [OPTIONS] PATH",
	  "copy the database to PATH, safely while pmkb serve runs",
	  "Uses SQLite's online backup: the copy is one consistent snapshot\n"
	  "even while a sync writes, is written beside PATH and renamed over\n"
	  "it, so PATH is never a partial file. The copy keeps the tokens\n"
	  "and the Slack outbox, which git cannot give back. Restore by\n"
	  "stopping pmkb and putting the copy at --db.\n",
	  1, 1 },
	{ "check", cmd_check, CFG_CHECK, "pmkb check [OPTIONS]",
	  "check the database and its full-text index; print a digest",
	  "Runs PRAGMA integrity_check, FTS5's integrity-check of the\n"
	  "search index against the postmortems, and the foreign keys, and\n"
	  "prints counts and a digest of the indexed content: two databases\n"
	  "built from the same files have the same digest. Exit status 0\n"
	  "when every check passes, 1 otherwise. `pmkb reindex` repairs an\n"
	  "index that fails.\n",
	  0, 0 },
	{ "recall", cli_recall, CFG_RECALL,
	  "pmkb recall [OPTIONS] [--paths A,B | --diff REV..REV]",
	  "list the past incidents a code change touches",
	  "Reads the changed paths from --paths, from --diff in the git\n"
	  "repository here, or one a line from stdin (git diff --name-only |\n"
	  "pmkb recall). Prints the postmortems whose services own a changed\n"
	  "path (.pmkb.yml services: paths globs) or that mention one, newest\n"
	  "first, each with why, and the open action items of those\n"
	  "services. Always exits 0 when it could read the index: fit for a\n"
	  "pre-push hook or CI.\n",
	  0, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, 0, 0 },
};

static void usage_all(FILE *out)
{
	fprintf(out, "pmkb — a postmortem knowledge base\n\n"
		     "Usage: pmkb COMMAND [OPTIONS]\n\nCommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'pmkb COMMAND --help' for a command's options.\n");
}

static void usage_command(FILE *out, const struct command *c)
{
	fprintf(out, "Usage: %s\n\n%s.\n\n%s\n", c->usage, c->summary,
		c->details);
	config_usage(out, c->options);
}

static void print_import(FILE *out, const char *dir,
			 const struct import_result *r)
{
	fprintf(out,
		"pmkb: indexed %d files from %s in %.2f s: %d added, "
		"%d updated, %d unchanged, %d removed, %d not indexed; "
		"%d errors, %d warnings\n",
		r->files, dir, r->seconds, r->counts.added, r->counts.updated,
		r->counts.unchanged, r->counts.removed, r->counts.failed,
		r->counts.errors, r->counts.warnings);
}

/*
 * importer_run() with the history of the git work tree that holds dir,
 * if any: `pmkb import` and `serve --dir` date files the same way.
 */
static enum pm_status import_run(struct store *st, const char *dir,
				 int force, struct import_result *r,
				 struct pm_error *err)
{
	struct worktree_history *h = NULL;
	struct import_history hist = { worktree_history_get, NULL };
	struct pm_error herr;
	enum pm_status rc;

	pm_error_clear(&herr);
	if (worktree_history_load(&h, dir, &herr) == PM_IO)
		log_kv(LOG_WARN, "import.git_history", "dir", dir, "error",
		       herr.message, NULL);
	hist.ctx = h;
	rc = importer_run(st, dir, force, h ? &hist : NULL, r, err);
	worktree_history_free(h);
	return rc;
}

static int import_dir(const struct pm_config *cfg, const char *dir,
		      int force)
{
	struct store *st = NULL;
	struct import_result r;
	struct pm_error err;
	int rc = 1;

	if (!cli_open_store(cfg, &st))
		return 1;
	pm_error_clear(&err);
	if (import_run(st, dir, force, &r, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s: %s\n", err.source, err.message);
		goto out;
	}
	print_import(stdout, dir, &r);
	if (r.counts.errors || r.counts.warnings)
		fprintf(stdout, "pmkb: run 'pmkb lint %s' to see the "
			"problems\n", dir);
	rc = 0;
out:
	store_close(st);
	return rc;
}

/*
 * pmkb import --explain FILE: every field of one file, its value and its
 * source, as an import of the file's directory would find them.
 */
static int explain_file(const char *file)
{
	struct worktree_history *h = NULL;
	struct pm_provenance prov = { 0 };
	struct taxonomy *tax = NULL;
	struct postmortem pm;
	struct pm_error err;
	char *data = NULL, *settings = NULL, *salt = NULL, *dir;
	const char *slash = strrchr(file, '/');
	size_t len;
	int rc = 1;

	postmortem_init(&pm);
	dir = slash ? xstrndup(file, (size_t)(slash - file)) : xstrdup(".");
	pm_error_clear(&err);
	if (importer_read(file, &data, &len, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s: %s\n", err.source, err.message);
		goto out;
	}
	if (importer_settings(dir, &tax, &settings, &salt, &err) != PM_OK)
		fprintf(stderr, "pmkb: %s:%d: %s (the defaults are used)\n",
			err.source, err.line, err.message);
	if (worktree_history_load(&h, dir, &err) == PM_OK)
		worktree_history_get(h, slash ? slash + 1 : file, &prov);
	postmortem_parse(&pm, file, data, len, tax, prov.created_time);
	printf("%s\n", file);
	for (int f = 0; f < PM_F__MAX; f++) {
		enum pm_source src = (enum pm_source)pm.source[f];
		char value[120];

		postmortem_field_text(&pm, (enum pm_field)f, value,
				      sizeof(value));
		if (pm.source_line[f])
			printf("  %-13s %-34s from %s, line %d\n",
			       pm_field_name((enum pm_field)f),
			       value[0] ? value : "-", pm_source_label(src),
			       pm.source_line[f]);
		else
			printf("  %-13s %-34s from %s\n",
			       pm_field_name((enum pm_field)f),
			       value[0] ? value : "-",
			       src ? pm_source_label(src)
				   : value[0] ? "the defaults" : "nowhere");
	}
	for (size_t i = 0; i < pm.n_diags; i++)
		printf("%s:%d: %s: %s\n", file, pm.diags[i].line,
		       pm.diags[i].level == PM_DIAG_ERROR ? "error" : "warning",
		       pm.diags[i].message);
	rc = 0;
out:
	postmortem_release(&pm);
	worktree_history_free(h);
	taxonomy_free(tax);
	free(settings);
	free(salt);
	free(data);
	free(dir);
	return rc;
}

static int cmd_import(struct pm_config *cfg, int nargs, const char **args)
{
	if (cfg->explain)
		return explain_file(args[0]);
	return import_dir(cfg, args[0], 0);
}

static int cmd_reindex(struct pm_config *cfg, int nargs, const char **args)
{
	return import_dir(cfg, nargs ? args[0] : cfg->dir, 1);
}

/*
 * Items that a commit in some repository closed (Postmortem-Action) but
 * that the file does not tick, from an existing index: warnings.
 */
static void lint_unticked(const struct pm_config *cfg,
			  struct lint_result *res)
{
	struct store *st = NULL;
	struct pm_error err;
	struct dbconn *c;
	struct stat sb;
	json_t *a, *u;
	size_t i;

	if (!cfg->db || stat(cfg->db, &sb) ||
	    store_open(&st, cfg->db, &err) != PM_OK)
		return;
	c = store_reader(st);
	a = ledger_unticked(c);
	json_array_foreach(a, i, u) {
		fprintf(stdout,
			"%s:%d: warning: action item %d is done in commit "
			"%.12s (%s) but not ticked\n",
			json_string_value(json_object_get(u, "path")),
			(int)json_integer_value(json_object_get(u, "line")),
			(int)json_integer_value(json_object_get(u, "position")),
			json_string_value(json_object_get(u, "commit")),
			json_string_value(json_object_get(u, "repo")));
		res->warnings++;
	}
	json_decref(a);
	store_reader_release(st, c);
	store_close(st);
}

static int cmd_lint(struct pm_config *cfg, int nargs, const char **args)
{
	struct lint_result res;
	const char *def[1] = { cfg->dir };
	int rc = cfg->pre_receive
			 ? gitsync_prereceive(stdin, stdout, cfg->dir, &res)
			 : lint_run(nargs ? args : def, nargs ? nargs : 1,
				    stdout, &res);

	/* The report goes to stdout, the summary to stderr: flush the
	 * report first, so that `pmkb lint DIR >f 2>&1` keeps the lines
	 * whole and the summary last. */
	fflush(stdout);
	if (!cfg->pre_receive)
		lint_unticked(cfg, &res);
	fprintf(stderr, "pmkb lint: %d file%s, %d error%s, %d warning%s\n",
		res.files, res.files == 1 ? "" : "s", res.errors,
		res.errors == 1 ? "" : "s", res.warnings,
		res.warnings == 1 ? "" : "s");
	return rc;
}

/*
 * Serving: index, listen, then wait for SIGINT/SIGTERM. A thread of
 * server.c waits for the signals, which are blocked in every other thread
 * (they inherit the mask), so that no handler runs inside libmicrohttpd or
 * SQLite; a second signal ends the process at once. The shutdown order:
 * stop listening and finish the requests in flight (bounded), let the
 * sync finish or roll back, let the outbox record its last POST, close
 * the database.
 */
static int cmd_serve(struct pm_config *cfg, int nargs, const char **args)
{
	struct app app = { 0 };
	struct taxonomy *tax = NULL;
	struct store *st = NULL;
	struct server *srv = NULL;
	struct import_result r;
	struct pm_error err;
	struct stat sb;
	char *settings = NULL, *salt = NULL;
	int rc = 1;

	/* First: every thread started later inherits the blocked signals. */
	server_signals_start();
	signal(SIGPIPE, SIG_IGN);
	app.settings = settings_new(NULL);
	app.cfg = cfg;
	if (sodium_init() < 0) {
		fprintf(stderr, "pmkb: libsodium cannot start\n");
		goto out;
	}
	if (!cli_open_store(cfg, &st))
		goto out;
	app.store = st;
	pm_error_clear(&err);
	if (search_cache_open(&app.search_cache, cfg->db,
			      (size_t)cfg->search_cache, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s\n", err.message);
		goto out;
	}
	/* Before the first sync, which may have postmortems to announce. */
	if (slack_start(&app, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s\n", err.message);
		goto out;
	}
	if (cfg->repo) {
		/* The first sync runs here; then pushes trigger the rest. */
		if (syncer_start(&app.syncer, cfg, st, app.settings,
				 app.announce ? outbox_listener(app.announce) : NULL,
				 &err) != PM_OK) {
			fprintf(stderr, "pmkb: %s: %s\n", err.source,
				err.message);
			goto out;
		}
		{
			char *dd = config_data_dir(cfg);

			app.asof = asof_cache_new(st, dd, ASOF_SERVER);
			free(dd);
		}
	} else if (stat(cfg->dir, &sb) || !S_ISDIR(sb.st_mode)) {
		log_kv(LOG_WARN, "import.skip", "dir", cfg->dir, "reason",
		       "not a directory; serving the index as it is", NULL);
	} else {
		if (import_run(st, cfg->dir, 0, &r, &err) != PM_OK) {
			fprintf(stderr, "pmkb: %s: %s\n", err.source,
				err.message);
			goto out;
		}
		print_import(stderr, cfg->dir, &r);
		app.import_at = (int64_t)time(NULL);
		app.import_ok = 1;
		app.import_seconds = r.seconds;
		if (importer_settings(cfg->dir, &tax, &settings, &salt,
				      &err) != PM_OK)
			log_kv(LOG_WARN, "settings.invalid", "path",
			       err.source, "error", err.message, NULL);
		if (tax)
			settings_replace(app.settings, tax);
	}
	if (server_signals_pending()) {
		rc = 0; /* stopped while indexing: do not start serving */
		goto out;
	}
	if (slack_digest_start(&app, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s\n", err.message);
		goto out;
	}
	/* After the first import or sync: the recall needs the index and
	 * its .pmkb.yml. */
	if (slack_start_pull_requests(&app, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s\n", err.message);
		goto out;
	}
	if (server_start(&srv, &app, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s\n", err.message);
		goto out;
	}
	if (cfg->public_url) {
		app.public_url = xstrdup(cfg->public_url);
	} else {
		struct buf u = BUF_INIT;

		buf_addf(&u, "http://%s%s%s:%u",
			 strchr(cfg->host, ':') ? "[" : "", cfg->host,
			 strchr(cfg->host, ':') ? "]" : "", server_port(srv));
		app.public_url = buf_detach(&u, NULL);
	}
	while (strlen(app.public_url) > 0 &&
	       app.public_url[strlen(app.public_url) - 1] == '/')
		app.public_url[strlen(app.public_url) - 1] = '\0';
	/* The bare URL, alone on the first line: scripts read it. */
	printf("http://%s%s%s:%u/\n",
	       strchr(cfg->host, ':') ? "[" : "", cfg->host,
	       strchr(cfg->host, ':') ? "]" : "", server_port(srv));
	fflush(stdout);
	server_signals_wait();
	rc = 0;
out:
	server_stop(srv);
	syncer_stop(app.syncer);
	asof_cache_free(app.asof);
	slack_stop(&app);
	search_cache_free(app.search_cache);
	store_close(st);
	if (rc == 0)
		log_kv(LOG_INFO, "shutdown.done", NULL);
	free(app.public_url);
	free(settings);
	free(salt);
	settings_free(app.settings);
	return rc;
}

static int cmd_digest(struct pm_config *cfg, int nargs, const char **args)
{
	return digest_command(cfg);
}

static int cmd_outbox(struct pm_config *cfg, int nargs, const char **args)
{
	return outbox_command(cfg, nargs, args);
}

static int cmd_token(struct pm_config *cfg, int nargs, const char **args)
{
	return token_command(cfg, nargs, args);
}

static int cmd_backup(struct pm_config *cfg, int nargs, const char **args)
{
	return ops_backup_command(cfg, args[0]);
}

static int cmd_check(struct pm_config *cfg, int nargs, const char **args)
{
	return ops_check_command(cfg);
}

static int cmd_notify(struct pm_config *cfg, int nargs, const char **args)
{
	if (sodium_init() < 0)
		fprintf(stderr, "pmkb notify: libsodium cannot start\n");
	else
		hooks_notify(cfg->server, cfg->webhook_secret,
			     nargs ? args[0] : NULL, stdin, stderr);
	return 0;
}

int cli_main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct pm_config cfg;
	struct pm_error err;
	const char **rest;
	int n_rest, help, level, rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage_all(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("pmkb %s\n", PMKB_VERSION);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			cmd = c;
	if (!cmd) {
		fprintf(stderr, "pmkb: unknown command '%s'\n\n", argv[1]);
		usage_all(stderr);
		return 2;
	}
	config_defaults(&cfg);
	rest = xcalloc((size_t)argc, sizeof(*rest));
	pm_error_clear(&err);
	if (config_parse(&cfg, cmd->options, argc - 1, argv + 1, rest, &n_rest,
			 &help, &err) != PM_OK) {
		fprintf(stderr, "pmkb %s: %s\n", cmd->name, err.message);
		rc = 2;
		goto out;
	}
	if (help) {
		usage_command(stdout, cmd);
		rc = 0;
		goto out;
	}
	if (n_rest < cmd->min_args || n_rest > cmd->max_args) {
		fprintf(stderr, "Usage: %s\n", cmd->usage);
		rc = 2;
		goto out;
	}
	if ((level = log_parse_level(cfg.log_level)) < 0) {
		fprintf(stderr, "pmkb: --log-level: expected debug, info, "
				"warn, error or off, got '%s'\n",
			cfg.log_level);
		rc = 2;
		goto out;
	}
	log_set_level((enum log_level)level);
	rc = cmd->fn(&cfg, n_rest, rest);
out:
	free(rest);
	return rc;
}
