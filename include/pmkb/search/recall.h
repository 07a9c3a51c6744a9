/*
 * Recall: the past incidents a code change touches. Given the paths a
 * change touches, a postmortem is recalled when
 *
 *   - one of its services owns a changed path (.pmkb.yml `services:`,
 *     doc/codemap.h), or
 *   - its text mentions a changed path.
 *
 * Each match says why. The open action items of those postmortems and of
 * the services that own a changed path come with it: the work the last
 * incidents left for this code.
 */
#ifndef PMKB_SEARCH_RECALL_H
#define PMKB_SEARCH_RECALL_H

#include <stddef.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/status.h"

struct dbconn;
struct taxonomy;

/* At most this many paths are read; the rest are ignored (and counted). */
#define RECALL_MAX_PATHS 10000
/* At most this many postmortems are listed. */
#define RECALL_MAX_MATCHES 50

/*
 * Recalls the postmortems for paths (borrowed; n of them; "./" and "/"
 * prefixes and blanks are ignored) from the index c with the code map of
 * tax (may be NULL or have none). *out (owned) is
 *
 *   {"paths": N, "ignored_paths": N, "services": [{"name", "paths": [..]}],
 *    "matches": [{"slug", "title", "started_at", "severity", "services",
 *                 "why": ["..."]}],
 *    "action_items": [{"slug", "owner", "due", "text", "service"}]}
 *
 * matches newest first, then most severe first. PM_DB when the index
 * cannot be read.
 */
enum pm_status recall_run(struct dbconn *c, const struct taxonomy *tax,
			  const char *const *paths, size_t n, json_t **out,
			  struct pm_error *err);

/*
 * Appends a recall answer for people: plain text (markdown 0) or GitHub
 * Markdown (1) with links under base_url (may be "" or NULL: no links).
 */
void recall_render(struct buf *out, const json_t *res, int markdown,
		   const char *base_url);

#endif
