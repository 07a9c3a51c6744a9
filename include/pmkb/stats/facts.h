/*
 * What the incident statistics read of every postmortem, in memory: its
 * start, causes, severity, services, how it was detected, whether it is
 * flagged as a recurrence, and its three durations, with the postmortems
 * ordered by each duration. A query over 100,000 postmortems is then a
 * walk of arrays, not 100,000 rows read and parsed.
 *
 * The action items have a generation of their own (stats/ledger.h),
 * loaded only for the queries that read them.
 *
 * One generation per database snapshot, as search/docmeta.h: loaded on a
 * connection inside the read transaction the request runs in, and kept
 * with the connection until the database changes. Strings are kept as
 * written (causes) or canonical (severities): the settings that map them
 * are the request's, not the generation's.
 */
#ifndef PMKB_STATS_FACTS_H
#define PMKB_STATS_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"
#include "pmkb/base/strtab.h"

struct dbconn;
struct stats_zone;

/* How an incident was noticed; time to detect is split by it. */
enum stats_detection {
	STATS_DETECTED_ALERT,
	STATS_DETECTED_CUSTOMER,
	STATS_DETECTED_INTERNAL,
	STATS_DETECTED_OTHER,
	STATS_DETECTED__MAX
};
/* "alert", "customer", "internal", "other". */
extern const char *const stats_detection_names[STATS_DETECTED__MAX];

/* The three durations: time to detect, to mitigate, to resolve. */
#define STATS_METRICS 3

struct stats_incident {
	int64_t epoch; /* started_epoch */
	/* Seconds from the start to detected, mitigated, resolved; -1
	 * unless both have a time of day, the start is the postmortem's
	 * own (front matter) and they are in order. */
	int64_t dur[STATS_METRICS];
	uint8_t detection;   /* enum stats_detection */
	uint8_t recurrence;  /* flagged as a possible recurrence */
	uint8_t has_epoch;   /* started_epoch is not NULL */
	uint32_t severity;   /* id in severities, or STRTAB_NONE */
	uint32_t primary;    /* id in causes ("unknown" when none) */
	uint32_t cause, n_cause;     /* its causes: cause_ids[cause..+n) */
	uint32_t service, n_service; /* its services: service_ids[...] */
};

#define STATS_NO_TEXT UINT32_MAX

/* How an incident's start places it in a period (stats.h): not at all
 * (no start, or one taken from the file's mtime), by its time, or by the
 * date written alone. */
enum stats_start { STATS_START_NONE, STATS_START_TIME, STATS_START_DAY };

struct stats_facts {
	struct stats_incident *inc; /* by rowid order */
	size_t n_inc;
	struct strtab causes;	  /* as written; "" and NULL are "unknown" */
	struct strtab severities; /* canonical spellings */
	struct strtab services;	  /* ASCII-lowercased */
	uint32_t *cause_ids, *service_ids;
	size_t cause_ids_n;
	/* Per metric, the incidents whose duration is known, shortest
	 * first (ties by rowid), and those durations in the same order. */
	uint32_t *by_dur[STATS_METRICS];
	int64_t *dur_sorted[STATS_METRICS];
	size_t n_by_dur[STATS_METRICS];
	int64_t *ids; /* the incidents' rowids, ascending */
	/* The starts, apart from inc: every request places every incident,
	 * and reads 9 bytes of each here rather than a line of inc.
	 * start_kind[i] is an enum stats_start; start[i] the epoch, or with
	 * STATS_START_DAY the day. */
	uint8_t *start_kind;
	int64_t *start;
	/* Their started_at as written, each at started_text + started[i]
	 * (NUL-terminated), STATS_NO_TEXT when NULL: the action-item list
	 * shows it without reading the row. */
	char *started_text;
	uint32_t *started;
};

/*
 * The generation for the snapshot that c's read transaction sees; c must
 * be inside BEGIN. Loads it when c has none or the database changed.
 * *out is borrowed from c, valid until the next call on c.
 */
enum pm_status stats_facts_current(struct dbconn *c,
				   const struct stats_facts **out,
				   struct pm_error *err);

/* The index in f->inc of the incident with rowid id, or SIZE_MAX. */
size_t stats_facts_find(const struct stats_facts *f, int64_t id);

/* The calendar day incident i started on in zone z (stats_start_day());
 * only for one whose start places it. */
int64_t stats_incident_day(const struct stats_facts *f, size_t i,
			   const struct stats_zone *z);

#endif
