/*
 * Writing postmortems into the index, one batch per transaction.
 *
 * A batch holds the writer connection from index_begin() until
 * index_commit() or index_abort(). Putting a file whose bytes (and the
 * settings that shaped its parse) are unchanged changes nothing, so
 * re-importing the same input is a no-op. Everything a batch did becomes
 * visible at once, or not at all.
 */
#ifndef PMKB_INGEST_INDEXER_H
#define PMKB_INGEST_INDEXER_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/doc/postmortem.h"
#include "pmkb/base/status.h"

struct store;
struct dbconn;
struct taxonomy;
struct index_batch;

/* Where a file's version comes from. Any field may be NULL or 0. */
/* The commit that ticked a box, from the file's history (provenance.h). */
struct pm_tick {
	int line;     /* the box's line in the version being put */
	uint64_t key; /* tasklines_key_at() of that line (doc/tasklines.h) */
	int64_t time; /* the commit's author time */
	char commit[41];
};

struct pm_provenance {
	const char *commit;	   /* the commit that last changed the file */
	const char *author;	   /* that commit's author */
	int64_t commit_time;	   /* that commit's time */
	const char *first_commit;  /* the commit that added the file */
	int64_t created_time;	   /* when git first saw the file */
	const char *created_from;  /* "git" */
	/*
	 * ticks_read: git history was read for the file's ticked boxes, and
	 * ticks[0..n_ticks) are the ones a later commit ticked. Without it
	 * an unchanged file's rows keep what they had.
	 */
	int ticks_read;
	const struct pm_tick *ticks;
	size_t n_ticks;
};

struct index_counts {
	int added, updated, unchanged, removed, failed;
	int errors, warnings; /* diagnostics in the files put */
};

/*
 * Starts a batch on st's writer (locked until commit/abort). tax (borrowed,
 * may be NULL) canonicalises causes; salt (borrowed, may be NULL) is mixed
 * into the change detection, so that new settings re-parse every file.
 */
enum pm_status index_begin(struct store *st, const struct taxonomy *tax,
			   const char *salt, struct index_batch **out);

enum index_change {
	INDEX_UNCHANGED, /* same bytes and settings as indexed */
	INDEX_ADDED,
	INDEX_UPDATED,
	INDEX_FAILED /* recorded as a problem, not indexed */
};

/* What index_put() did, for callers that react to new postmortems. */
struct index_outcome {
	enum index_change change;
	int64_t id;	     /* the row, when added or updated */
	char slug[512];	     /* its slug, when added or updated */
	char old_status[16]; /* the status before an update, "" otherwise */
	char status[16];     /* draft | review | published */
};

/*
 * Parses path's bytes and adds or replaces its postmortem. A file that
 * cannot be indexed (too large) is recorded as a problem and counted as
 * failed; that is not an error of the batch. PM_DB aborts the batch.
 * outcome (may be NULL) says what happened.
 */
enum pm_status index_put(struct index_batch *b, const char *path,
			 const char *data, size_t len,
			 const struct pm_provenance *prov,
			 struct index_outcome *outcome);

/*
 * The part of index_put() that needs no database, so that another thread
 * can do it while the writer writes (importer.c): the change detector's
 * hash and the parse. Between index_begin() and the end of the batch,
 * index_parse() may run on any thread at the same time as the batch's
 * other calls.
 */
struct index_parsed {
	char hash[33];
	int parsed;		 /* 0: pm empty; index_put_parsed parses */
	enum pm_status parse_rc; /* what postmortem_parse() returned */
	struct postmortem pm;
};

void index_parsed_init(struct index_parsed *p);
void index_parsed_release(struct index_parsed *p);

/*
 * Fills out (initialised) for path's bytes as index_put() would. When
 * known_hash (may be NULL) is the hash the index holds for path and the
 * bytes still have it, the file is unchanged and is not parsed.
 */
void index_parse(const struct index_batch *b, const char *path,
		 const char *data, size_t len,
		 const struct pm_provenance *prov, const char *known_hash,
		 struct index_parsed *out);

/* index_put() with what index_parse() made (its postmortem is taken). */
enum pm_status index_put_parsed(struct index_batch *b, const char *path,
				const char *data, size_t len,
				const struct pm_provenance *prov,
				struct index_parsed *pre,
				struct index_outcome *outcome);

/*
 * Removes path's postmortem (no-op if absent). When new_path is not NULL
 * the file was renamed: the old slug redirects to the new one.
 */
enum pm_status index_remove(struct index_batch *b, const char *path,
			    const char *new_path);

/*
 * Records a problem about a file that is not a postmortem (such as a broken
 * .pmkb.yml), replacing that path's earlier problems. Such a path counts as
 * seen for index_prune().
 */
enum pm_status index_problem(struct index_batch *b, const char *path,
			     int line, const char *message);

/*
 * Removes every postmortem not put in this batch (after a full read).
 * Also writes the full-text rows still waiting (see index_conn()).
 */
enum pm_status index_prune(struct index_batch *b);

/*
 * Told about each postmortem a batch writes, inside the batch's
 * transaction, so that what put() queues commits or rolls back with it;
 * then committed() once after the batch commits, if put() queued
 * anything. The Slack outbox is one (slack/outbox.h: outbox_listener()).
 */
struct index_listener {
	enum pm_status (*put)(void *ctx, struct dbconn *c, const char *path,
			      const struct postmortem *pm,
			      const struct pm_provenance *prov,
			      const char *data, size_t len,
			      const struct index_outcome *o, int *queued);
	void (*committed)(void *ctx, int queued);
	void *ctx;
};

/*
 * Tells l about this batch's writes (borrowed until the batch ends). NULL,
 * the default, tells nobody: only incremental git syncs set one, never a
 * first sync, a reindex or an import.
 */
void index_set_listener(struct index_batch *b,
			const struct index_listener *l);

/*
 * The writer connection, for other writes in the same transaction. The
 * full-text rows of postmortems put in the batch are written only by
 * index_prune() and index_commit(), all at once (much faster with FTS5):
 * read or rebuild pm_fts through this connection only after a prune.
 */
struct dbconn *index_conn(struct index_batch *b);

/* Commits and frees b; counts (may be NULL) gets what changed. */
enum pm_status index_commit(struct index_batch *b, struct index_counts *counts);
/* Rolls back and frees b. b may be NULL. */
void index_abort(struct index_batch *b);

#endif
