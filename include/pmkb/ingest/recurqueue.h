/*
 * The recurrence queue: the postmortems whose recurrences an index batch
 * decides again when it commits (search/relations.h), those it put and
 * those that may repeat them. Recurrences are decided once per change,
 * not per page view or statistics query. The queue is kept in temporary
 * tables of the writer connection, inside the batch's transaction.
 */
#ifndef PMKB_INGEST_RECURQUEUE_H
#define PMKB_INGEST_RECURQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct learning;

/* Creates c's queue if it has none, and empties it (a batch begins). */
enum pm_status recurqueue_begin(struct dbconn *c);

/* Queues postmortem id, put in the batch. */
enum pm_status recurqueue_add(struct dbconn *c, int64_t id);

/*
 * Decides again, by l's rule, the recurrences of the n postmortems queued
 * and of the later ones that may repeat them, then empties the queue. A
 * batch of a few decides again only the later ones that share words with
 * it (shares_candidates()). The full-text rows must be written: the
 * decisions read them. PM_DB when the index cannot be read or written.
 */
enum pm_status recurqueue_flush(struct dbconn *c, const struct learning *l,
				size_t n);

#endif
