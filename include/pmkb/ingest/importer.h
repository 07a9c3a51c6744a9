/*
 * Importing a directory of postmortems (a plain directory or a git work
 * tree) into the index: every Markdown file below it, in one transaction,
 * with the settings of the .pmkb.yml beside it.
 */
#ifndef PMKB_INGEST_IMPORTER_H
#define PMKB_INGEST_IMPORTER_H

#include "pmkb/ingest/indexer.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/base/status.h"

struct store;
struct taxonomy;

#define PM_SETTINGS_FILE ".pmkb.yml"

/*
 * Whether a file (its path relative to the postmortems directory) is a
 * postmortem: *.md and *.markdown, and files without an extension; not
 * README, CHANGELOG, LICENSE, CONTRIBUTING, CODE_OF_CONDUCT, nor names
 * that start or end with "template" (TEMPLATE.ja.md, "Postmortem
 * template.md"); nothing under a directory starting with ".".
 */
int importer_wants(const char *relpath);

/*
 * Whether a wanted file's bytes are a postmortem: always for *.md and
 * *.markdown; a file without an extension (README-style notes, but also
 * Jenkinsfile, Dockerfile) only when it starts with front matter or a
 * Markdown heading ("# Title" or a setext underline) and is not named
 * like a build or tooling file (Dockerfile, Makefile, CODEOWNERS), whose
 * comments look like headings.
 */
int importer_is_markdown(const char *relpath, const char *data, size_t len);

/*
 * Lists the postmortem files under dir, sorted, as paths relative to dir
 * (out must be zeroed; owned strings). Symbolic links are never followed:
 * one with a postmortem's name or leading to a directory is listed all
 * the same, so that importer_read() refuses it and the caller reports it.
 */
enum pm_status importer_list(const char *dir, struct pm_list *out,
			     struct pm_error *err);

/*
 * Reads a file, at most PM_MAX_FILE_SIZE + 1 bytes (so that an oversized
 * file is seen as such). Sets *data (owned, NUL-terminated) and *len.
 * Refuses (PM_INVALID) a path whose last part is a symbolic link, and
 * anything but a regular file.
 */
enum pm_status importer_read(const char *path, char **data, size_t *len,
			     struct pm_error *err);

/*
 * Finds the settings for dir: dir/.pmkb.yml, else .pmkb.yml at the root of
 * the git work tree that holds dir. Sets *tax (owned) to the settings, or
 * to the defaults when there is no file. When the file is broken, returns
 * PM_INVALID with the line and reason in err and *tax set to the
 * defaults; *path_out (owned, NULL when none) names the file read.
 * *salt (owned) identifies the settings for change detection.
 */
enum pm_status importer_settings(const char *dir, struct taxonomy **tax,
				 char **path_out, char **salt,
				 struct pm_error *err);

/*
 * Settings from the bytes of a .pmkb.yml (data NULL: no file): *tax
 * (owned; the defaults when there is no file or it is broken) and *salt
 * (owned; the parser generation plus a hash of the bytes, so that new
 * settings or a new parser re-parse every file). A broken file gives
 * PM_INVALID with the line and reason in err. Shared by directory imports
 * and git syncs, which read the file from a commit.
 */
enum pm_status importer_settings_parse(const char *data, size_t len,
				       const char *source,
				       struct taxonomy **tax, char **salt,
				       struct pm_error *err);

/* Where a file's history comes from: get() fills prov for relpath. */
struct import_history {
	void (*get)(void *ctx, const char *relpath,
		    struct pm_provenance *prov);
	void *ctx;
};

struct import_result {
	int files;
	struct index_counts counts;
	double seconds;
};

/*
 * Indexes every postmortem under dir and removes from the index those no
 * longer there, in one transaction. A broken .pmkb.yml is recorded as a
 * problem and the defaults are used. history (may be NULL: not in git;
 * see worktree_history_load()) gives each file its commits, and dates a
 * file that says nothing of its date; a file's mtime never does. force: parse every file again even when unchanged, and rebuild
 * the full-text index (pmkb reindex).
 */
enum pm_status importer_run(struct store *st, const char *dir, int force,
			    const struct import_history *history,
			    struct import_result *res, struct pm_error *err);

#endif
