/*
 * The commands that read the index and print what they find: search,
 * stats and recall (include/pmkb/cliread.h), and the opening of the
 * index --db that every command shares.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/config.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/cliread.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/ingest/asof.h"
#include "pmkb/ingest/asofcache.h"
#include "pmkb/ingest/gitdiff.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/ops.h"
#include "pmkb/search/recall.h"
#include "pmkb/search/searcher.h"
#include "pmkb/stats/stats.h"

int cli_open_store(const struct pm_config *cfg, struct store **st)
{
	struct pm_error err;

	pm_error_clear(&err);
	if (store_open(st, cfg->db, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s: %s\n", cfg->db, err.message);
		return 0;
	}
	if (ops_limit_db(*st, cfg->max_db_size) != PM_OK) {
		fprintf(stderr, "pmkb: %s: cannot apply --max-db-size\n",
			cfg->db);
		store_close(*st);
		*st = NULL;
		return 0;
	}
	return 1;
}

/* The command line's values, looked up by parameter name. */
static const char *cli_arg(void *ctx, const char *name)
{
	const struct pm_config *cfg = ctx;

	if (!strcmp(name, "period"))
		return cfg->period;
	if (!strcmp(name, "mode"))
		return cfg->mode;
	if (!strcmp(name, "format"))
		return cfg->format ? cfg->format : "table";
	if (!strcmp(name, "from"))
		return cfg->from;
	if (!strcmp(name, "to"))
		return cfg->to;
	if (!strcmp(name, "min_n"))
		return cfg->min_n;
	return NULL;
}

/* The settings beside --dir and a reader on the index --db. */
struct index_ctx {
	struct taxonomy *tax;
	char *settings, *salt;
	struct store *st;
	struct dbconn *c;
};

/*
 * Fills x for command cmd (for messages): settings that cannot be read
 * are reported and replaced by the defaults. Returns 1, or 0 when the
 * index cannot be read (said on stderr); index_close() either way.
 */
static int index_open(const struct pm_config *cfg, const char *cmd,
		      struct index_ctx *x)
{
	struct pm_error err;

	memset(x, 0, sizeof(*x));
	pm_error_clear(&err);
	if (importer_settings(cfg->dir, &x->tax, &x->settings, &x->salt,
			      &err) != PM_OK)
		fprintf(stderr, "pmkb %s: %s:%d: %s (using the defaults)\n",
			cmd, err.source, err.line, err.message);
	if (!cli_open_store(cfg, &x->st))
		return 0;
	if (!(x->c = store_reader(x->st))) {
		fprintf(stderr, "pmkb %s: cannot read %s\n", cmd, cfg->db);
		return 0;
	}
	return 1;
}

static void index_close(struct index_ctx *x)
{
	if (x->c)
		store_reader_release(x->st, x->c);
	store_close(x->st);
	taxonomy_free(x->tax);
	free(x->settings);
	free(x->salt);
}

/*
 * `pmkb stats [causes|durations|actions|follow-through]` (what may be
 * NULL: causes):
 * reads --period, --mode, --format (default table), --from and --to of
 * cfg, the settings beside cfg->dir and the index cfg->db (which must
 * exist), and prints the result. Returns the exit status: 0, 1 when the
 * index cannot be read, 2 for a bad option.
 */
static int stats_command(const struct pm_config *cfg, const char *what)
{
	/* In enum stats_kind's order. */
	static const struct {
		const char *name;
		stats_fn fn;
	} kinds[STATS_KIND__MAX] = {
		{ "causes", stats_causes },
		{ "durations", stats_durations },
		{ "actions", stats_action_items },
		{ "follow-through", stats_follow_through },
	};
	struct stats_request r;
	struct index_ctx x;
	struct pm_error err;
	struct buf out = BUF_INIT;
	struct stat sb;
	json_t *res = NULL, *prov = NULL;
	enum stats_kind kind = STATS_CAUSES;
	struct asof_cache *asof = NULL;
	struct asof_view view = { 0 };
	struct dbconn *c, *asof_c = NULL;
	enum pm_status rc;
	int status = 1;

	pm_error_clear(&err);
	if (what) {
		size_t k;

		for (k = 0; k < STATS_KIND__MAX && strcmp(what, kinds[k].name);
		     k++)
			;
		if (k == STATS_KIND__MAX) {
			fprintf(stderr, "pmkb stats: expected causes, "
					"durations, actions or follow-through, "
					"got '%s'\n",
				what);
			return 2;
		}
		kind = (enum stats_kind)k;
	}
	if (stats_request_parse(&r, cli_arg, (void *)cfg, ~0u, &err) !=
	    PM_OK) {
		fprintf(stderr, "pmkb stats: --%s\n", err.message);
		return 2;
	}
	/* Opening would create an empty index; say what to do instead. */
	if (stat(cfg->db, &sb)) {
		fprintf(stderr, "pmkb stats: %s: no index here; run 'pmkb "
				"import DIR --db %s' first\n",
			cfg->db, cfg->db);
		return 1;
	}
	if (!index_open(cfg, "stats", &x))
		goto out;
	pm_error_clear(&err);
	if (cfg->as_of && *cfg->as_of) {
		char *dd = config_data_dir(cfg);

		asof = asof_cache_new(x.st, dd, ASOF_ONE_COMMAND);
		free(dd);
		rc = asof_cache_get(asof, cfg->as_of, &view, &err);
		if (rc == PM_OK && !(asof_c = store_reader(view.store)))
			rc = pm_error_set(&err, PM_DB, "as_of", 0,
					  "cannot read the index as of %s",
					  view.commit);
		if (rc != PM_OK) {
			fprintf(stderr, "pmkb stats: --as-of: %s\n",
				err.message);
			status = rc == PM_INVALID ? 2 : 1;
			goto out;
		}
	}
	/* One snapshot: the answer and the commit it names agree. */
	c = asof_c ? asof_c : x.c;
	dbconn_snapshot(c);
	prov = asof_provenance(c);
	rc = kinds[kind].fn(c, asof_c ? view.tax : x.tax, &r, &res, &err);
	dbconn_snapshot_end(c);
	if (rc == PM_OK)
		json_object_set(res, "provenance", prov);
	if (rc != PM_OK) {
		fprintf(stderr, "pmkb stats: %s\n",
			err.message[0] ? err.message : pm_status_name(rc));
		status = rc == PM_INVALID ? 2 : 1;
		goto out;
	}
	stats_render(&out, res, kind, r.format, r.ja);
	if (r.format == STATS_MD)
		asof_provenance_md(&out, prov);
	fwrite(out.ptr, 1, out.len, stdout);
	status = 0;
out:
	json_decref(prov);
	json_decref(res);
	buf_release(&out);
	if (asof_c)
		store_reader_release(view.store, asof_c);
	if (asof) {
		asof_cache_release(asof, &view);
		asof_cache_free(asof);
	}
	index_close(&x);
	return status;
}

int cli_search(struct pm_config *cfg, int nargs, const char **args)
{
	struct index_ctx x;
	struct search_request sr = { 0 };
	struct pm_error err;
	struct buf q = BUF_INIT;
	json_t *out = NULL, *results;
	size_t i;
	json_t *r;
	int rc = 1;

	for (int k = 0; k < nargs; k++)
		buf_addf(&q, "%s%s", k ? " " : "", args[k]);
	if (!index_open(cfg, "search", &x))
		goto out;
	sr.q = q.ptr;
	sr.limit = (int)cfg->limit;
	sr.base_url = "";
	pm_error_clear(&err);
	if (searcher_run(x.c, x.tax, &sr, &out, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s\n", err.message);
		goto out;
	}
	results = json_object_get(out, "results");
	printf("%lld result%s for %s\n",
	       (long long)json_integer_value(json_object_get(out, "total")),
	       json_integer_value(json_object_get(out, "total")) == 1 ? ""
								      : "s",
	       q.ptr);
	{
		json_t *syn;
		const char *term;

		/* Words also searched as their synonyms (the glossary). */
		json_object_foreach(json_object_get(out, "expanded"), term,
				    syn) {
			json_t *v;
			size_t k;

			printf("also searched: %s →", term);
			json_array_foreach(syn, k, v)
				printf("%s %s", k ? "," : "",
				       json_string_value(v));
			printf("\n");
		}
	}
	json_array_foreach(results, i, r) {
		const char *started =
			json_string_value(json_object_get(r, "started_at"));

		printf("\n%s  %s\n  %.10s  %s  %s\n  %s\n",
		       json_string_value(json_object_get(r, "slug")),
		       json_string_value(json_object_get(r, "title")),
		       started ? started : "(no date)",
		       json_string_value(json_object_get(r, "cause")),
		       json_is_string(json_object_get(r, "severity"))
			       ? json_string_value(
					 json_object_get(r, "severity"))
			       : "",
		       json_string_value(json_object_get(r, "snippet")));
	}
	rc = 0;
out:
	json_decref(out);
	index_close(&x);
	buf_release(&q);
	return rc;
}

int cli_stats(struct pm_config *cfg, int nargs, const char **args)
{
	return stats_command(cfg, nargs ? args[0] : NULL);
}

/* Splits s at commas and white space into paths. */
static void split_paths(struct pm_list *out, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, ", \t\r\n");
		char *p;

		if (n) {
			p = xstrndup(s, n);
			pm_list_add_unique(out, p);
			free(p);
		}
		s += n;
		s += strspn(s, ", \t\r\n");
	}
}

int cli_recall(struct pm_config *cfg, int nargs, const char **args)
{
	struct pm_list paths = { 0 };
	struct index_ctx x = { 0 };
	struct pm_error err;
	struct buf out = BUF_INIT;
	struct stat sb;
	const char *format = cfg->format ? cfg->format : "text";
	json_t *res = NULL;
	int status = 1;

	(void)nargs;
	(void)args;
	pm_error_clear(&err);
	if (strcmp(format, "text") && strcmp(format, "md") &&
	    strcmp(format, "json")) {
		fprintf(stderr, "pmkb recall: --format: expected text, md or "
				"json, got '%s'\n", format);
		return 2;
	}
	if (cfg->paths) {
		split_paths(&paths, cfg->paths);
	} else if (cfg->diff) {
		if (gitdiff_paths(".", cfg->diff, &paths, &err) != PM_OK) {
			fprintf(stderr, "pmkb recall: --diff %s: %s\n",
				cfg->diff, err.message);
			status = 2;
			goto out;
		}
	} else {
		char line[4096];

		while (fgets(line, sizeof(line), stdin) &&
		       paths.n < RECALL_MAX_PATHS)
			split_paths(&paths, line);
	}
	if (stat(cfg->db, &sb)) {
		fprintf(stderr, "pmkb recall: %s: no index here; run 'pmkb "
				"import DIR --db %s' first\n",
			cfg->db, cfg->db);
		goto out;
	}
	if (!index_open(cfg, "recall", &x))
		goto out;
	if (recall_run(x.c, x.tax, (const char *const *)paths.v, paths.n, &res,
		       &err) != PM_OK) {
		fprintf(stderr, "pmkb recall: %s\n", err.message);
		goto out;
	}
	if (!strcmp(format, "json")) {
		char *j = json_dumps(res, JSON_INDENT(2));

		buf_addf(&out, "%s\n", j);
		free(j);
	} else {
		recall_render(&out, res, !strcmp(format, "md"), cfg->public_url);
	}
	fwrite(out.ptr, 1, out.len, stdout);
	status = 0;
out:
	json_decref(res);
	buf_release(&out);
	index_close(&x);
	pm_list_release(&paths);
	return status;
}
