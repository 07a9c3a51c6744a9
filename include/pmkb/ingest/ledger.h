/*
 * The action-item ledger: commits in any repository that say they close an
 * action item, with a trailer in their message
 *
 *   Postmortem-Action: 2018-02-14-aurora-failover-14min#2
 *
 * (slug, then the item's 1-based position in its postmortem). pmkb notify
 * finds them in a push (post-receive hook) and forge push webhooks carry
 * them; ledger_record() keeps them in action_commits, which the index
 * never rewrites. pmkb itself never writes to any repository.
 */
#ifndef PMKB_INGEST_LEDGER_H
#define PMKB_INGEST_LEDGER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct store;
struct dbconn;
struct taxonomy;

/* The trailer's key (matched case-insensitively, as git does). */
#define LEDGER_TRAILER "Postmortem-Action"
/* Commits looked at per push, and references kept per commit. */
#define LEDGER_MAX_COMMITS 1000
#define LEDGER_MAX_REFS 32

/*
 * The "slug#n" values of message's Postmortem-Action trailers, appended to
 * refs (a JSON array) as strings; at most LEDGER_MAX_REFS. Trailers are
 * read from the message's last paragraph, as git interpret-trailers does;
 * several items may share one trailer, separated by commas. A value
 * "slug: text" (no # before the colon) is one reference, the item named
 * by its text: the whole text (ASCII case aside) or the start of only one.
 */
void ledger_trailers(const char *message, json_t *refs);

/*
 * Records a push's commits: body is {"repo": NAME, "commits": [{"id",
 * "author", "time" (seconds since 1970, or an ISO 8601 string), "message"
 * or "actions": ["slug#n", ...]}]} (borrowed). Each reference is recorded
 * once per (item, repository, commit) whatever the retries; one that names
 * no known postmortem or position is recorded too (it shows once the item
 * exists), reported in *answer and logged. *answer (owned) is
 * {"recorded": [...], "unknown": [{"ref", "reason"}]}. Returns PM_INVALID
 * with a message for a body of the wrong shape, PM_DB on a write failure.
 */
enum pm_status ledger_record(struct store *st, json_t *body, int64_t now,
			     json_t **answer, struct pm_error *err);

/*
 * The action items of postmortem pm_id (slug) as shown by the API: done,
 * owner, due, due_implied, overdue, text, parts (learning_text_parts),
 * line, position, commits [{repo, commit, author, time}],
 * done_in_commit_unticked when a commit closed an item the file does not
 * tick, done_on (done:DATE written in it, or null) and ticked ({commit,
 * time} of the commit that ticked its box, or null). today is YYYY-MM-DD.
 * tax may be NULL.
 */
json_t *ledger_items(struct dbconn *c, const struct taxonomy *tax,
		     int64_t pm_id, const char *slug, const char *today);

/*
 * Items a commit closed that the file does not tick, for pmkb lint:
 * [{path, line, slug, position, repo, commit}]. Owned.
 */
json_t *ledger_unticked(struct dbconn *c);

/*
 * pmkb notify's half: reads the repository at GIT_DIR (or the current
 * directory), walks the commits that git's "old new ref" lines (borrowed)
 * bring, at most LEDGER_MAX_COMMITS, and returns the body for
 * ledger_record() (owned), or NULL when no commit has a trailer. name is
 * the repository's name; NULL: its directory's name without ".git".
 * Problems are described on msgs.
 */
json_t *ledger_scan_push(const char *ref_lines, size_t len, const char *name,
			 FILE *msgs);

#endif
