/*
 * The Slack outbox: announcements of new postmortems, delivered to a Slack
 * incoming webhook at least once and, thanks to a dedupe key, effectively
 * once.
 *
 * A message is queued (outbox_enqueue) inside the index transaction that
 * makes its postmortem visible, so that the two are committed together or
 * not at all. The worker (slack/delivery.h) posts due messages, marking a
 * row "sending" before the POST and "sent" after it, each in its own short
 * write; the writer lock is never held during the HTTP call. Network errors
 * and 5xx answers are retried with exponential backoff and jitter, a 429 is
 * retried after its Retry-After, and after the configured number of tries
 * the row is kept as "failed" (`pmkb outbox retry` queues it again).
 *
 * A row found "sending" on start (the process died during a POST) is sent
 * again: a duplicate in Slack is possible only when the process died after
 * Slack accepted the message and before the "sent" state was committed.
 */
#ifndef PMKB_SLACK_OUTBOX_H
#define PMKB_SLACK_OUTBOX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/ingest/indexer.h"
#include "pmkb/base/status.h"

struct dbconn;
struct pm_config;
struct store;
struct outbox_worker;

/* Which index changes are announced (--slack-announce). */
enum announce_mode {
	ANNOUNCE_OFF,
	ANNOUNCE_NEW,	     /* new published postmortems, newly published */
	ANNOUNCE_NEW_UPDATED /* and every change of a published one */
};

/* Parses "off", "new" or "new+updated"; returns -1 for anything else. */
int announce_mode_parse(const char *s);

/* Now as the outbox table keeps times: wall-clock milliseconds. */
int64_t outbox_now_ms(void);

/*
 * What announcing needs beyond the postmortem. Owned by the caller and
 * borrowed by index batches for as long as they run.
 */
struct outbox_context {
	enum announce_mode mode;
	const char *public_url; /* pmkb's base URL, without trailing slash */
	/*
	 * Where the commit can be seen: --source-url, a template such as
	 * https://github.com/o/r/blob/{commit}/{path} (repopath_link()
	 * fills it with branch and dir), or NULL to show the commit id
	 * without a link.
	 */
	const char *source_url;
	const char *branch, *dir;
	struct outbox_worker *worker; /* woken after a commit; may be NULL */
	struct index_listener listener; /* see outbox_listener() */
};


enum outbox_event {
	OUTBOX_NEW,	  /* added, and published */
	OUTBOX_PUBLISHED, /* was a draft or in review, now published */
	OUTBOX_UPDATED,	  /* published before and after a change */
	OUTBOX_TEST,	  /* `pmkb outbox test` */
	OUTBOX_DIGEST,	  /* the action-item digest (slack/digest.h) */
	OUTBOX_PULL_REQUEST /* a recall for a pull request (prcomment.h) */
};

/* "new", "published", "updated", "test", "digest" or "pull_request". */
const char *outbox_event_name(enum outbox_event ev);

/*
 * Whether an index change is announced under mode, and as which event.
 * change is an enum index_change; statuses are "" when unknown.
 */
int outbox_should_announce(enum announce_mode mode, enum index_change change,
			   const char *old_status, const char *status,
			   enum outbox_event *ev);

/* The postmortem a message is about. All strings are borrowed. */
struct outbox_announcement {
	enum outbox_event event;
	const char *path;	  /* in --dir, as indexed; part of the key */
	const char *slug;
	const char *title;
	const char *severity;	  /* may be NULL */
	const char *summary;	  /* may be NULL; its first sentence is used */
	const char *commit;	  /* may be NULL */
	const char *content_hash; /* of the file's bytes; part of the key */
	const char *const *causes; /* the first is the primary cause */
	size_t n_causes;
	const char *const *services;
	size_t n_services;
	/* Earlier incidents this may repeat (search/relations.h), or NULL. */
	const json_t *recurrences;
};

/*
 * The key under which a's message is queued once:
 * "<event>:<path>:<content hash>". Returns owned text (free()).
 */
char *outbox_dedupe_key(const struct outbox_announcement *a);

/*
 * The Slack message for a: {"text": fallback, "blocks": [...]} in Block
 * Kit, with links built from ctx. Returns an owned reference.
 */
json_t *outbox_message(const struct outbox_context *ctx,
		       const struct outbox_announcement *a);

/*
 * Queues the message for a on c, which must be the writer inside the
 * caller's transaction. When a message with the same key was ever queued
 * (whatever its state), nothing happens and *queued (may be NULL) is 0.
 */
enum pm_status outbox_enqueue(struct dbconn *c,
			      const struct outbox_context *ctx,
			      const struct outbox_announcement *a,
			      int *queued);

/*
 * The same with a ready payload (JSON text, borrowed): queues it under
 * key unless that key was queued before. slug and title are for listings.
 */
enum pm_status outbox_put(struct dbconn *c, const char *key,
			  enum outbox_event ev, const char *slug,
			  const char *title, const char *payload,
			  int *queued);

struct outbox_counts {
	int64_t queued, sending, sent, failed;
};

/* Counts the rows by state (a reader or the writer). */
enum pm_status outbox_count(struct dbconn *c, struct outbox_counts *out);

/*
 * {"counts": {...}, "recent": [row...]} with the newest limit rows (of
 * one state when state is not NULL). Rows carry no payload and no URL of
 * the webhook. Returns an owned reference, or NULL on a database error.
 */
json_t *outbox_status(struct dbconn *c, const char *state, int limit);

/*
 * Queues failed rows again with a fresh count of tries: the row with id,
 * or every failed row when id is 0. *n gets how many (writer).
 */
enum pm_status outbox_retry(struct dbconn *c, int64_t id, int *n);

/*
 * The delay before try attempts + 1 after attempts failed ones: base_ms
 * doubled per failed try, at most an hour, of which the upper half is
 * random (jitter in [0, 1) scaled by that half), so that many servers
 * that failed together do not retry together.
 */
int64_t outbox_backoff_ms(long base_ms, int attempts, double jitter);

/*
 * Milliseconds to wait from a Retry-After value (seconds, or an HTTP date
 * compared with now_s), at most an hour; -1 when it says nothing usable.
 */
int64_t outbox_retry_after_ms(const char *value, int64_t now_s);


#endif
