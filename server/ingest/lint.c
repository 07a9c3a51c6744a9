/* pmkb lint: parse each file, print its diagnostics, check the causes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/ingest/lint.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"

/* A cause and where it was first seen, for the near-duplicate check. */
struct cause_use {
	char *cause;
	char *path;
	int count;
};

struct lint_state {
	FILE *out;
	struct lint_result *res;
	struct cause_use *uses;
	size_t n_uses, alloc_uses;
	int open_taxonomy;
};

static void note_cause(struct lint_state *ls, const char *cause,
		       const char *path)
{
	for (size_t i = 0; i < ls->n_uses; i++) {
		if (!strcmp(ls->uses[i].cause, cause)) {
			ls->uses[i].count++;
			return;
		}
	}
	XGROW(ls->uses, ls->alloc_uses, ls->n_uses + 1);
	ls->uses[ls->n_uses].cause = xstrdup(cause);
	ls->uses[ls->n_uses].path = xstrdup(path);
	ls->uses[ls->n_uses].count = 1;
	ls->n_uses++;
}

/*
 * Notes where the values not written in the front matter came from, so
 * that a writer sees why a date or cause was chosen. Notes are neither
 * errors nor warnings.
 */
static void print_sources(FILE *out, const char *path,
			  const struct postmortem *pm)
{
	for (int f = 0; f < PM_F__MAX; f++) {
		enum pm_source src = (enum pm_source)pm->source[f];
		char value[200];

		if (src != PM_SRC_BODY && src != PM_SRC_FILE_NAME &&
		    src != PM_SRC_BYLINE && src != PM_SRC_TIMELINE &&
		    src != PM_SRC_GIT &&
		    src != PM_SRC_SECTION && src != PM_SRC_LEAD)
			continue;
		postmortem_field_text(pm, (enum pm_field)f, value,
				      sizeof(value));
		fprintf(out, "%s:%d: note: %s %s from %s\n", path,
			pm->source_line[f], pm_field_name((enum pm_field)f),
			value, pm_source_label(src));
	}
}

static void lint_file(struct lint_state *ls, const char *shown_path,
		      const char *relpath, const struct taxonomy *tax)
{
	struct pm_error err;
	struct postmortem pm;
	char *data = NULL;
	size_t len = 0;

	postmortem_init(&pm);
	if (importer_read(shown_path, &data, &len, &err) != PM_OK) {
		ls->res->files++;
		fprintf(ls->out, "%s:0: error: %s\n", shown_path, err.message);
		ls->res->errors++;
		goto out;
	}
	if (!importer_is_markdown(relpath, data, len))
		goto out;
	ls->res->files++;
	postmortem_parse(&pm, relpath, data, len, tax, 0);
	for (size_t i = 0; i < pm.n_diags; i++) {
		const struct pm_diag *d = &pm.diags[i];
		int is_error = d->level == PM_DIAG_ERROR;

		fprintf(ls->out, "%s:%d: %s: %s\n", shown_path, d->line,
			is_error ? "error" : "warning", d->message);
		if (is_error)
			ls->res->errors++;
		else
			ls->res->warnings++;
	}
	print_sources(ls->out, shown_path, &pm);
	for (size_t i = 0; i < pm.causes.n; i++)
		note_cause(ls, pm.causes.v[i], shown_path);
out:
	free(data);
	postmortem_release(&pm);
}

/* Lowercase letters and digits of s, for comparing spellings. */
static void squash(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s && n + 1 < outsz; s++)
		if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
			out[n++] = (char)tolower((unsigned char)*s);
	out[n] = '\0';
}

static int one_edit_apart(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0, j = 0;
	int edits = 0;

	if (la + 1 < lb || lb + 1 < la)
		return 0;
	while (i < la && j < lb) {
		if (a[i] == b[j]) {
			i++;
			j++;
			continue;
		}
		if (++edits > 1)
			return 0;
		if (la > lb)
			i++;
		else if (lb > la)
			j++;
		else {
			i++;
			j++;
		}
	}
	return edits + (int)(la - i) + (int)(lb - j) <= 1;
}

int lint_near_duplicate(const char *a, const char *b)
{
	char sa[128], sb[128];
	size_t la, lb;

	squash(a, sa, sizeof(sa));
	squash(b, sb, sizeof(sb));
	la = strlen(sa);
	lb = strlen(sb);
	if (!la || !lb)
		return 0;
	if (!strcmp(sa, sb))
		return 1;
	if (la >= 4 && lb > la && !strncmp(sa, sb, la))
		return 1;
	if (lb >= 4 && la > lb && !strncmp(sa, sb, lb))
		return 1;
	return la >= 5 && lb >= 5 && one_edit_apart(sa, sb);
}

static void check_causes(struct lint_state *ls)
{
	for (size_t i = 0; i < ls->n_uses; i++) {
		for (size_t k = i + 1; k < ls->n_uses; k++) {
			const struct cause_use *a = &ls->uses[i],
					       *b = &ls->uses[k];

			if (!lint_near_duplicate(a->cause, b->cause))
				continue;
			fprintf(ls->out,
				"%s:0: warning: cause '%s' (%d file%s) looks "
				"like '%s' (%d file%s, first in %s): use one "
				"spelling, or list both in .pmkb.yml\n",
				b->path, b->cause, b->count,
				b->count == 1 ? "" : "s", a->cause, a->count,
				a->count == 1 ? "" : "s", a->path);
			ls->res->warnings++;
		}
	}
}

/* Lints one path (file or directory). Returns 0, or 2 if unreadable. */
static int lint_path(struct lint_state *ls, const char *path)
{
	struct taxonomy *tax = NULL;
	struct pm_list files = { 0 };
	struct pm_error err;
	struct stat sb;
	char *settings = NULL, *salt = NULL, *dir = NULL;
	int rc = 0;

	if (stat(path, &sb)) {
		fprintf(ls->out, "%s:0: error: no such file or directory\n",
			path);
		ls->res->errors++;
		return 2;
	}
	if (S_ISDIR(sb.st_mode)) {
		dir = xstrdup(path);
	} else {
		const char *slash = strrchr(path, '/');

		dir = slash ? xstrndup(path, (size_t)(slash - path))
			    : xstrdup(".");
	}
	pm_error_clear(&err);
	if (importer_settings(dir, &tax, &settings, &salt, &err) != PM_OK) {
		fprintf(ls->out, "%s:%d: error: %s\n", err.source, err.line,
			err.message);
		ls->res->errors++;
	}
	ls->open_taxonomy &= !tax->closed;
	if (!S_ISDIR(sb.st_mode)) {
		const char *slash = strrchr(path, '/');

		lint_file(ls, path, slash ? slash + 1 : path, tax);
		goto out;
	}
	if (importer_list(dir, &files, &err) != PM_OK) {
		fprintf(ls->out, "%s:0: error: %s\n", dir, err.message);
		ls->res->errors++;
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < files.n; i++) {
		struct buf full = BUF_INIT;

		buf_addf(&full, "%s/%s", dir, files.v[i]);
		lint_file(ls, full.ptr, files.v[i], tax);
		buf_release(&full);
	}
out:
	pm_list_release(&files);
	taxonomy_free(tax);
	free(settings);
	free(salt);
	free(dir);
	return rc;
}

int lint_run(const char *const *paths, int n, FILE *out,
	     struct lint_result *res)
{
	struct lint_state ls = { out, res, NULL, 0, 0, 1 };
	int rc = 0;

	memset(res, 0, sizeof(*res));
	for (int i = 0; i < n; i++)
		if (lint_path(&ls, paths[i]))
			rc = 2;
	if (ls.open_taxonomy)
		check_causes(&ls);
	for (size_t i = 0; i < ls.n_uses; i++) {
		free(ls.uses[i].cause);
		free(ls.uses[i].path);
	}
	free(ls.uses);
	if (rc)
		return rc;
	return res->errors ? 1 : 0;
}
