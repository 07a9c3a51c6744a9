/*
 * Push notifications: the webhook endpoints and their client, pmkb notify.
 *
 *   POST /hooks/git     what `pmkb notify` sends from a post-receive hook:
 *                       git's "old new ref" lines, signed with
 *                       X-Pmkb-Signature: sha256=HMAC(PMKB_WEBHOOK_SECRET,
 *                       body). An empty signed body asks for a sync.
 *   POST /hooks/github  GitHub and Gitea push events: X-Hub-Signature-256
 *                       (or Gitea's X-Gitea-Signature) with the same secret;
 *                       JSON or form-encoded (payload=...) bodies.
 *   POST /hooks/gitlab  GitLab push events: X-Gitlab-Token must equal
 *                       PMKB_GITLAB_TOKEN.
 *   POST /hooks/actions what `pmkb notify` found in a push: commits whose
 *                       message has a Postmortem-Action trailer (ledger.h),
 *                       as JSON, signed like /hooks/git. Answers 200 with
 *                       what was recorded and what names no known item.
 *
 * GitHub and Gitea pull_request events and GitLab merge_request events on
 * the same endpoints queue a comment on the pull request with the recall
 * of its changed paths (slack/prcomment.h).
 *   GET  /api/sync      what the syncer is doing.
 *
 * Every hook reads the raw body (capped by the server: 413 beyond), checks
 * the signature or token (401 when missing or wrong; nothing happens),
 * and only then parses. It never fetches anything itself: it asks the
 * syncer for a sync and answers 202 at once. A push to another branch is
 * answered 200 with a note; a signed body that is not a push is a 400.
 *
 * There is no replay window for GitHub or pmkb signatures (neither signs
 * a timestamp): a replayed delivery can only cause a sync, and a sync of
 * a commit already indexed changes nothing.
 */
#ifndef PMKB_HTTP_HOOKS_H
#define PMKB_HTTP_HOOKS_H

#include <stddef.h>
#include <stdio.h>

#include "pmkb/base/status.h"

struct request;
struct reply;

/* The signature header of POST /hooks/git. */
#define HOOKS_SIGNATURE_HEADER "X-Pmkb-Signature"
/* What pmkb notify reads from stdin at most; past it, it asks for a plain
 * sync (an empty body). */
#define HOOKS_NOTIFY_MAX_BODY (256u << 10)

/*
 * Checks a /hooks/git body: lines "OLD NEW REF" (40 or 64 hex digits, a
 * ref name), separated by '\n'; a trailing '\n' and empty lines are
 * allowed. Copies into ref (size refsz) the first ref that is
 * refs/heads/<branch>, else the first ref, else "" (empty body). Returns
 * PM_INVALID with a message otherwise.
 */
enum pm_status hooks_parse_ref_lines(const char *body, size_t len,
				     const char *branch, char *ref,
				     size_t refsz, struct pm_error *err);

/*
 * pmkb notify: reads git's post-receive input from in and POSTs it, signed
 * with secret, to server + "/hooks/git" (libcurl; 2 s to connect, 5 s in
 * all). Before that, the pushed commits with a Postmortem-Action trailer
 * go to server + "/hooks/actions", under the repository's name (name, or
 * NULL for its directory's name). Says what happened on msgs. Never
 * fails: returns 0 even when the server cannot be reached or secret is
 * NULL, because a post-receive hook must not make a push look failed (the
 * next sync catches up).
 */
int hooks_notify(const char *server, const char *secret, const char *name,
		 FILE *in, FILE *msgs);

#endif
