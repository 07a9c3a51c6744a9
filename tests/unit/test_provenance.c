/*
 * provenance: prov_read_ticks() reads the ticked boxes of a large set on
 * two threads; the result must be the one tickdates_new() gives file by
 * file, for a work tree, a bare clone and a linked work tree, and when the
 * objects are only in memory (a second handle cannot see them).
 */
#include <git2.h>
#include <git2/sys/mempack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/provenance.h"
#include "tap.h"

#define FILES 700 /* more than prov_read_ticks() reads on one thread */

static char tmp[] = "/tmp/pmkb-provenance-XXXXXX";

/* File i has i % 4 ticked boxes and one open one. */
static void write_files(void)
{
	struct buf path = BUF_INIT;

	for (int i = 0; i < FILES; i++) {
		FILE *f;

		buf_reset(&path);
		buf_addf(&path, "%s/work/pm/%04d.md", tmp, i);
		if (!(f = fopen(path.ptr, "w")))
			continue;
		fprintf(f, "# Incident %d\n\n## Action items\n", i);
		for (int k = 0; k < i % 4; k++)
			fprintf(f, "- [x] Fix %d of %d\n", k, i);
		fprintf(f, "- [ ] Still open %d\n", i);
		fclose(f);
	}
	buf_release(&path);
}

/* Whether two tickdates have the same boxes (both may be NULL). */
static int same_boxes(const struct tickdates *a, const struct tickdates *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->n != b->n || a->n_open != b->n_open)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->box[i].line != b->box[i].line ||
		    a->box[i].key != b->box[i].key || a->open[i] != b->open[i] ||
		    a->track[i] != b->track[i])
			break;
	return i == a->n;
}

/* Reads the ticks of the repository at path; compares with one thread. */
static void check_repo(const char *rel, const char *what)
{
	struct buf path = BUF_INIT, msg = BUF_INIT;
	struct prov_set s = { 0 };
	git_repository *repo = NULL;
	git_object *tree = NULL;
	size_t same = 0, with = 0;

	buf_addf(&path, "%s/%s", tmp, rel);
	if (!ok(!git_repository_open(&repo, path.ptr) &&
		!git_revparse_single(&tree, repo, "HEAD:pm") &&
		!prov_add_tree(&s, (git_tree *)tree), what))
		goto out;
	prov_index(&s);
	prov_read_ticks(&s, repo);
	for (size_t i = 0; i < s.n; i++) {
		struct tickdates *d = tickdates_new(repo, &s.v[i].blob);

		same += same_boxes(s.v[i].ticks, d);
		with += d != NULL;
		tickdates_free(d);
	}
	buf_addf(&msg, "%s: every file's boxes as read on one thread", what);
	is_int(same, FILES, msg.ptr);
	buf_reset(&msg);
	buf_addf(&msg, "%s: files with a ticked box counted", what);
	is_int(with, FILES * 3 / 4, msg.ptr);
	is_int(s.ticks_open, with, msg.ptr);
	prov_read_ticks(&s, repo);
	buf_reset(&msg);
	buf_addf(&msg, "%s: a second call reads nothing again", what);
	is_int(s.ticks_open, with, msg.ptr);
out:
	prov_release(&s);
	git_object_free(tree);
	git_repository_free(repo);
	buf_release(&path);
	buf_release(&msg);
}

/*
 * Objects in a mempack backend are not seen by a handle opened from disk:
 * the ticks must then be read on one thread, not lost for half the files.
 */
static void check_mempack(void)
{
	static const char text[] = "- [x] Done in memory\n";
	struct buf path = BUF_INIT;
	struct prov_set s = { 0 };
	git_repository *repo = NULL;
	git_odb_backend *mem = NULL;
	git_odb *odb = NULL;
	git_oid blob;

	buf_addf(&path, "%s/mem.git", tmp);
	if (!ok(!git_repository_init(&repo, path.ptr, 1) &&
		!git_repository_odb(&odb, repo) && !git_mempack_new(&mem) &&
		!git_odb_add_backend(odb, mem, 1000) &&
		!git_odb_write(&blob, odb, text, sizeof(text) - 1,
			       GIT_OBJECT_BLOB),
		"mempack: a blob only in memory"))
		goto out;
	for (int i = 0; i < FILES; i++) {
		buf_reset(&path);
		buf_addf(&path, "%04d.md", i);
		prov_add(&s, path.ptr, &blob);
	}
	prov_index(&s);
	prov_read_ticks(&s, repo);
	is_int(s.ticks_open, FILES, "mempack: every file's ticks read");
out:
	prov_release(&s);
	git_odb_free(odb); /* owns mem once added */
	git_repository_free(repo);
	buf_release(&path);
}

int main(void)
{
	struct buf cmd = BUF_INIT;

	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	git_libgit2_init();
	setenv("GIT_AUTHOR_NAME", "Ada", 1);
	setenv("GIT_AUTHOR_EMAIL", "ada@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Ada", 1);
	setenv("GIT_COMMITTER_EMAIL", "ada@example.com", 1);
	buf_addf(&cmd, "mkdir -p %s/work/pm && git init -q -b main %s/work",
		 tmp, tmp);
	ok(system(cmd.ptr) == 0, "set up a repository");
	write_files();
	buf_reset(&cmd);
	buf_addf(&cmd, "cd %s/work && git add -A && git commit -qm files && "
		 "git clone -q --bare . ../bare.git && "
		 "git worktree add -q ../linked HEAD", tmp);
	ok(system(cmd.ptr) == 0, "commit, clone, add a work tree");
	check_repo("work", "work tree");
	check_repo("bare.git", "bare clone");
	check_repo("linked", "linked work tree");
	check_mempack();
	buf_reset(&cmd);
	buf_addf(&cmd, "rm -rf %s", tmp);
	if (system(cmd.ptr))
		printf("# could not remove %s\n", tmp);
	buf_release(&cmd);
	git_libgit2_shutdown();
	return tap_done();
}
