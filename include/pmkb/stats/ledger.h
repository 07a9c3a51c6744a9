/*
 * What the action-item statistics read of every action item, in memory:
 * whether it is ticked in its file or closed by a commit (Postmortem-
 * Action) and when, its due and done dates, and its owner, in the
 * ledger's order. Their texts and links stay in the index: the list
 * reads those for the page asked for only.
 *
 * A generation per database snapshot beside the incidents' (stats/
 * facts.h), whose indexes it uses: loaded on a connection the first time
 * a query asks for it after the database changed.
 */
#ifndef PMKB_STATS_LEDGER_H
#define PMKB_STATS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"
#include "pmkb/base/strtab.h"

struct dbconn;
struct stats_facts;

/* One action item as the ledger and follow-through see it. */
struct stats_item {
	int64_t first;	     /* the first commit that closed or ticked it */
	uint32_t inc;	     /* its incident */
	uint32_t owner;	     /* id in owners, or STRTAB_NONE */
	uint32_t due_rank;   /* index of its due text in dues, or UINT32_MAX */
	int32_t due_day;     /* its due (written or implied) as a day */
	int32_t done_on_day; /* the done:DATE written in it */
	unsigned ticked : 1; /* its box is ticked in the file */
	unsigned closed : 1; /* a commit closed it (Postmortem-Action) */
	unsigned has_due_day : 1, has_done_on : 1, has_first : 1;
};

/* An incident's items, counted (so that a list need not visit them). */
struct stats_inc_items {
	uint32_t n, ticked;
	/* The due ranks of its open items that have one, ascending, at
	 * open_due[open_at .. open_at + n_open_due). */
	uint32_t open_at, n_open_due;
};

struct stats_ledger {
	/* In the ledger's order: those with a due date first, by due date,
	 * then the newest incident first, by rowid, by position. */
	struct stats_item *items;
	int64_t *item_ids; /* their action_items rowids: text and links */
	size_t n_items;
	struct strtab owners; /* ASCII-lowercased */
	char **dues;	      /* the distinct due texts, sorted */
	size_t n_dues;
	struct stats_inc_items *by_inc; /* by incident (stats/facts.h) */
	uint32_t *open_due;
	/* Per owner id o, its items' indexes in the ledger's order, at
	 * owner_item[owner_at[o] .. owner_at[o + 1]). */
	uint32_t *owner_at, *owner_item;
};

/*
 * The generation for the snapshot that c's read transaction sees, its
 * items pointing into f (stats_facts_current() of the same c and
 * snapshot). *out is borrowed from c, valid until the next call on c.
 */
enum pm_status stats_ledger_current(struct dbconn *c,
				    const struct stats_facts *f,
				    const struct stats_ledger **out,
				    struct pm_error *err);

#endif
