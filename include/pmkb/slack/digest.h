/*
 * The action-item digest: once per period (.pmkb.yml digest:, a weekday
 * and a time in the reporting time zone), the open items that are overdue
 * or due within DIGEST_AHEAD_DAYS days, grouped by owner, with owners
 * mentioned through people: (doc/learning.h). It goes to Slack through
 * the outbox (slack/outbox.h) under the key "digest:<the period's local
 * day>", so that each period's digest is queued once, across restarts.
 *
 * A period's digest is queued from its scheduled time until
 * DIGEST_GRACE_SECONDS after it (a server that was down catches up, a
 * digest days late is skipped). A period with nothing to say queues
 * nothing.
 */
#ifndef PMKB_SLACK_DIGEST_H
#define PMKB_SLACK_DIGEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct learning;
struct outbox_worker;
struct settings;
struct stats_zone;
struct store;
struct taxonomy;

#define DIGEST_AHEAD_DAYS 7
#define DIGEST_GRACE_SECONDS (24 * 3600)

struct digest_period {
	int64_t at;	   /* the scheduled instant, seconds since 1970 */
	char day[16];	   /* its local day, YYYY-MM-DD */
	char when[64];	   /* "YYYY-MM-DD HH:MM ZONE" */
	int64_t next;	   /* the next period's instant */
};

/*
 * The latest scheduled instant at or before now in zone z. Returns 0
 * when l turns the digest off (no digest: key, or digest: off).
 */
int digest_period(const struct learning *l, const struct stats_zone *z,
		  int64_t now, struct digest_period *p);

/*
 * The digest of period p from the index (a reader or the writer) as a
 * Slack message {text, blocks}, links under public_url; *n_items is the
 * number of items it lists (0: nothing to say). Owned.
 */
json_t *digest_message(struct dbconn *c, const struct taxonomy *tax,
		       const char *public_url, const struct digest_period *p,
		       size_t *n_items);

enum digest_result {
	DIGEST_OFF,	 /* no schedule in .pmkb.yml */
	DIGEST_LATER,	 /* the period's time is more than the grace ago */
	DIGEST_EMPTY,	 /* nothing overdue or due soon */
	DIGEST_ALREADY,	 /* this period's digest was queued before */
	DIGEST_QUEUED
};

/* "off", "late", "empty", "already" or "queued". */
const char *digest_result_name(enum digest_result r);

/*
 * Queues the digest of the period now falls in on st's outbox, once.
 * With any_time, the grace does not apply (pmkb digest). Sets *res and,
 * when p is not NULL, the period.
 */
enum pm_status digest_queue(struct store *st, const struct taxonomy *tax,
			    const char *public_url, int64_t now, int any_time,
			    enum digest_result *res, struct digest_period *p,
			    struct pm_error *err);

/*
 * The thread that queues digests: looks at once, then every tick_ms, with
 * the settings in force; wakes worker (may be NULL) after queueing. All
 * borrowed until digest_stop().
 */
struct digest_scheduler;
enum pm_status digest_start(struct digest_scheduler **out, struct store *st,
			    struct settings *settings, const char *public_url,
			    struct outbox_worker *worker, long tick_ms,
			    struct pm_error *err);
void digest_stop(struct digest_scheduler *d);

#endif
