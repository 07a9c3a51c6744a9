/*
 * Where an answer from the index comes from: in git mode, the commit the
 * index was built from and the revision of .pmkb.yml (its path and blob
 * id) that gave its taxonomy, so that a report can name what it was
 * computed from and be reproduced later.
 */
#ifndef PMKB_INGEST_ASOF_H
#define PMKB_INGEST_ASOF_H

#include <jansson.h>

#include "pmkb/base/buf.h"

struct dbconn;

/*
 * {"commit": "<sha>", "settings": {"path", "blob"} or null} from the
 * index c, or null when the index was not built from git. Read it in the
 * same transaction as the answer it describes. Owned.
 */
json_t *asof_provenance(struct dbconn *c);

/* Appends a line saying the same for Markdown reports; nothing for null. */
void asof_provenance_md(struct buf *out, const json_t *prov);

#endif
