/* The embedded web UI and schema files. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/http/assets.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/db/store.h"
#include "pmkb/ingest/gitsync.h"
#include "pmkb/ingest/repofile.h"
#include "pmkb/base/config.h"

const char *assets_content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".yaml", "application/yaml; charset=utf-8" },
		{ ".sql", "text/plain; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

#define MAX_FILES 64

static char etags[MAX_FILES][20];
static pthread_once_t etags_once = PTHREAD_ONCE_INIT;

/* ETags of every embedded file, computed once: the files never change. */
static void compute_etags(void)
{
	for (size_t i = 0; i < MAX_FILES && embedded_files[i].path; i++) {
		const struct embedded_file *f = &embedded_files[i];
		unsigned char h[8];
		char hex[17];

		crypto_generichash(h, sizeof(h), (const unsigned char *)f->data,
				   f->len, NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(etags[i], sizeof(etags[i]), "\"%s\"", hex);
	}
}

const char *assets_etag(const struct embedded_file *f)
{
	size_t i = (size_t)(f - embedded_files);

	pthread_once(&etags_once, compute_etags);
	return i < MAX_FILES ? etags[i] : NULL;
}

static void serve_file(struct reply *rep, const char *path)
{
	const struct embedded_file *f = embedded_find(path);

	if (!f) {
		reply_error(rep, 404, "no such file");
		return;
	}
	rep->status = 200;
	rep->content_type = assets_content_type(path);
	rep->static_body = f->data;
	rep->static_len = f->len;
	rep->etag = assets_etag(f);
	rep->cache_control = "no-cache";
}

void assets_serve(struct request *req, struct reply *rep)
{
	char path[64];

	snprintf(path, sizeof(path), "web%s", req->path);
	serve_file(rep, path);
}

void assets_index(struct request *req, struct reply *rep)
{
	serve_file(rep, "web/index.html");
}

/* Browsers ask for /favicon.ico before anyone logs in: the app's icon. */
void assets_favicon(struct request *req, struct reply *rep)
{
	serve_file(rep, "web/icon.svg");
}

/*
 * /files/{path}: an image or the Markdown source from the postmortems
 * directory, for the postmortem page: from --dir, or with --repo from the
 * commit the index is at (so that the page and its images agree).
 * Confinement is repofile_read()'s and repofile_read_git()'s.
 */
void assets_repo_file(struct request *req, struct reply *rep)
{
	const struct pm_config *cfg = req->app->cfg;
	struct pm_error err;
	enum pm_status st;
	char *data;
	size_t len;

	pm_error_clear(&err);
	if (cfg->repo) {
		struct dbconn *c = store_reader(req->app->store);
		char *commit = c ? store_meta_get(c, GITSYNC_META_COMMIT) : NULL;
		char *dd = config_data_dir(cfg);
		char *clone = gitsync_clone_path(dd);

		if (c)
			store_reader_release(req->app->store, c);
		st = repofile_read_git(clone, commit, cfg->dir, req->param,
				       &data, &len, &err);
		free(clone);
		free(dd);
		free(commit);
	} else if (!cfg->dir) {
		reply_error(rep, 404, "no postmortems directory to serve from");
		return;
	} else {
		st = repofile_read(cfg->dir, req->param, &data, &len, &err);
	}
	if (st != PM_OK) {
		reply_status(rep, st, &err);
		return;
	}
	rep->status = 200;
	rep->content_type = repofile_type(req->param);
	rep->cache_control = "no-cache";
	buf_add(&rep->body, data, len);
	free(data);
}

void api_openapi(struct request *req, struct reply *rep)
{
	serve_file(rep, "schema/openapi.yaml");
}
