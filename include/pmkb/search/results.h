/*
 * A search result: the object GET /api/search lists for one postmortem
 * (the members searcher.h describes), written as JSON text.
 */
#ifndef PMKB_SEARCH_RESULTS_H
#define PMKB_SEARCH_RESULTS_H

#include <stdint.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/status.h"

struct dbconn;
struct snippets;

/*
 * Appends the result object of postmortem id onto out: its "url" under
 * base_url, and with sc its snippet. PM_DB when the row cannot be read
 * (the connection's error says why); out may then hold part of it.
 */
enum pm_status results_write(struct dbconn *c, struct snippets *sc, int64_t id,
			     const char *base_url, struct buf *out);

#endif
