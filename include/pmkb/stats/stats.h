/*
 * Statistics over the index: incidents by cause per period, time to
 * detect / mitigate / resolve per period, and the action-item ledger.
 *
 * An incident belongs to the period that holds the calendar day it started
 * on, in the reporting time zone of the settings (.pmkb.yml time_zone,
 * default UTC). A start written as a date only (2017-06-30) is that day as
 * written: no zone conversion. A start that did not come from the
 * postmortem (none, or the file's mtime) is undated and is counted in one
 * "unknown" row; a start taken from the git history counts as dated.
 *
 * Periods are months, quarters, halves or years. Quarters, halves and years
 * follow the fiscal year, which starts in fiscal_start_month (1..12) and is
 * named after the calendar year it starts in: with 4, FY2017 runs from
 * April 2017 to March 2018 and FY2017-H1 (2017年度上期) is April to
 * September 2017. With 1 the labels are calendar ones: "2017 H1",
 * "2017年上期".
 *
 * Time zones are read from the system's tz database (TZif files under
 * /usr/share/zoneinfo, including the POSIX rule for the years past the last
 * transition) by a small reader of our own: the C library's localtime
 * would need setenv("TZ"), which is not safe in a threaded server.
 */
#ifndef PMKB_STATS_STATS_H
#define PMKB_STATS_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct buf;
struct dbconn;
struct taxonomy;

#define STATS_ZONEINFO "/usr/share/zoneinfo"
/* More periods than this in one answer is a 400: narrow from/to. */
#define STATS_MAX_PERIODS 2400
/* Action items per page at most. */
#define STATS_MAX_ITEMS 5000

/* ---- time zones ---- */

struct stats_zone;

/*
 * Loads the zone named name (an IANA name such as "Asia/Tokyo", or "UTC")
 * from STATS_ZONEINFO. A name with "..", a leading "/" or characters
 * outside [A-Za-z0-9/_+-] is PM_INVALID; a missing zone is PM_NOT_FOUND; a
 * file that is not TZif is PM_INVALID. Owned: stats_zone_free().
 */
enum pm_status stats_zone_load(struct stats_zone **out, const char *name,
			       struct pm_error *err);
/*
 * Parses TZif bytes (RFC 8536, versions 1 to 4; borrowed) as the zone
 * name. Leap-second records are ignored.
 */
enum pm_status stats_zone_parse(struct stats_zone **out, const char *name,
				const unsigned char *data, size_t len,
				struct pm_error *err);
/* The fixed zone UTC (no file needed). Owned: stats_zone_free(). */
struct stats_zone *stats_zone_utc(void);
void stats_zone_free(struct stats_zone *z);
const char *stats_zone_name(const struct stats_zone *z);
/* Seconds east of UTC in force at the instant t (seconds since 1970). */
int32_t stats_zone_offset(const struct stats_zone *z, int64_t t);

/* ---- calendar days and periods ---- */

/*
 * The calendar day an incident started on, in days since 1970-01-01:
 * started_at as written when it is a date only ("YYYY-MM-DD"), else the
 * day of started_epoch in zone z. Returns 0 and sets *day, or -1 when
 * started_at is NULL (undated).
 */
int stats_start_day(const struct stats_zone *z, const char *started_at,
		    int64_t started_epoch, int64_t *day);
/* Whether s is a date alone ("YYYY-MM-DD", a real day): 0 and *day, or
 * -1. */
int stats_date_only(const char *s, int64_t *day);

enum stats_period {
	STATS_MONTH,
	STATS_QUARTER,
	STATS_HALF,
	STATS_YEAR,
	STATS_PERIOD__MAX
};

/* "month", "quarter", "half", "year"; -1 for anything else. */
int stats_period_parse(const char *s);
const char *stats_period_name(enum stats_period p);

/*
 * Periods are numbered so that consecutive periods have consecutive
 * numbers (an ordinal). fiscal is the fiscal year's first month, 1..12;
 * months ignore it.
 */
int64_t stats_period_of(enum stats_period p, int fiscal, int64_t day);
/* The first and last day (inclusive) of period ord. */
void stats_period_bounds(enum stats_period p, int fiscal, int64_t ord,
			 int64_t *first, int64_t *last);

/*
 * Names of period ord: id ("2017-H1", "FY2017-H1", "2017-Q3", "2017",
 * "FY2017", "2017-06"), English label ("2017 H1", "FY2017-H1", "2017 Q3",
 * "Jun 2017") and Japanese label ("2017年上期", "2017年度上期",
 * "2017年第3四半期", "2017年6月"). Each buffer should hold 48 bytes.
 */
void stats_period_names(enum stats_period p, int fiscal, int64_t ord,
			char *id, char *label, char *label_ja, size_t size);

/*
 * Reads a range bound for from/to: a date (2017, 2017-07, 2017-07-01) or
 * a period id (2017-H2, 2017-Q3, FY2017, FY2017-H1, FY2017-Q2; "FY" means
 * the fiscal year starting in month fiscal). *day is the first day it
 * covers, or with end set its last day. Returns 0, or -1 when s is not
 * such a value.
 */
int stats_range_day(const char *s, int fiscal, int end, int64_t *day);

/* ---- requests ---- */

enum stats_mode { STATS_PRIMARY, STATS_ANY, STATS_MODE__MAX };
enum stats_format {
	STATS_JSON,
	STATS_CSV,
	STATS_MD,
	STATS_TABLE, /* aligned text for a terminal (CLI only) */
	STATS_FORMAT__MAX
};
enum stats_item_status { STATS_ITEMS_OPEN, STATS_ITEMS_DONE, STATS_ITEMS_ALL };

/*
 * The parameters of every statistics query. Strings are borrowed from the
 * source they were read from (query string or command line) and must live
 * as long as the request.
 */
struct stats_request {
	enum stats_period period; /* default half */
	enum stats_mode mode;	  /* default primary */
	enum stats_format format; /* default json */
	int ja;			  /* lang=ja: Japanese labels in tables */
	int fiscal_start_month;	  /* 0: the settings' */
	const char *time_zone;	  /* NULL: the settings' */
	const char *from, *to;	  /* range bounds or NULL */
	const char *service;	  /* comma-separated, any of; or NULL */
	const char *severity;	  /* comma-separated, any of; or NULL */
	/* Action items. */
	enum stats_item_status status; /* default open */
	const char *owner;	       /* without or with the @; or NULL */
	int overdue;		       /* only open items past their due */
	int limit, offset;	       /* default 500, 0 */
	int min_n; /* durations: fewer values are "too few" (default 5) */
};

/* A query parameter by name, or NULL; ctx is passed through. */
typedef const char *(*stats_arg_fn)(void *ctx, const char *name);

/*
 * Fills r from named arguments (period, mode, format, lang,
 * fiscal_start_month, tz, from, to, service, severity, status, owner,
 * overdue, limit, offset), each checked; the defaults for the rest. formats
 * is the set of formats allowed (bits 1 << STATS_JSON ...). Returns
 * PM_INVALID with a message naming the parameter and what it accepts.
 */
enum pm_status stats_request_parse(struct stats_request *r, stats_arg_fn arg,
				   void *ctx, unsigned formats,
				   struct pm_error *err);

/* ---- queries (c: a reader; tax borrowed, may be NULL for defaults) ---- */

/*
 * The shape shared by stats_causes(), stats_durations() and
 * stats_action_items(), for callers that run any of them the same way.
 */
typedef enum pm_status (*stats_fn)(struct dbconn *c,
				   const struct taxonomy *tax,
				   const struct stats_request *r,
				   json_t **out, struct pm_error *err);

/* The same for the answers written as JSON text onto out
 * (stats_durations_write(), stats_action_items_write()). */
typedef enum pm_status (*stats_write_fn)(struct dbconn *c,
					 const struct taxonomy *tax,
					 const struct stats_request *r,
					 struct buf *out,
					 struct pm_error *err);

/*
 * Incidents by cause per period (see the file comment):
 *   {"period", "mode", "fiscal_start_month", "time_zone", "from", "to",
 *    "total", "undated", "causes": [{"id", "label", "label_ja", "group",
 *    "color", "total", "share"}], "rows": [{"period", "label", "label_ja",
 *    "start", "end", "total", "by_cause": {id: n}, "share": {id: x},
 *    "change": {id: n}, "total_change"}]}
 * mode primary counts an incident once under its first cause; any counts
 * it under each cause it lists (total stays the number of incidents).
 * Every period between the first and the last (from/to when given, else
 * the data's) has a row; undated incidents form a last row "unknown" when
 * there are any and no range was asked for. share is count / row total
 * (null for an empty row); change is count minus the previous row's (null
 * in the first row and the unknown row). Owned: *out.
 */
enum pm_status stats_causes(struct dbconn *c, const struct taxonomy *tax,
			    const struct stats_request *r, json_t **out,
			    struct pm_error *err);

/*
 * Time to detect, mitigate and resolve per period: for each, "count" (how
 * many incidents had both timestamps with a time of day, in order),
 * "median", "p90", "ci90" (90% interval of the median) and
 * "too_few" (count < r->min_n), as stats/spread.h; rows also list the
 * "values" for a distribution plot. "ttd_by_detection" splits time to
 * detect by alert, customer, internal and other. Rows as for stats_causes,
 * with "incidents"; "all" covers the whole range. Only starts written in
 * the postmortem count.
 */
enum pm_status stats_durations(struct dbconn *c, const struct taxonomy *tax,
			       const struct stats_request *r, json_t **out,
			       struct pm_error *err);

/*
 * The same answer appended to out as compact JSON text, byte for byte
 * what jsonout_add() writes of stats_durations()'s (which reads this text
 * back for the CSV, Markdown and command-line forms). out is unchanged
 * on failure.
 */
enum pm_status stats_durations_write(struct dbconn *c,
				     const struct taxonomy *tax,
				     const struct stats_request *r,
				     struct buf *out, struct pm_error *err);

/*
 * The action-item ledger: "items" (filtered by status, owner and overdue;
 * paged by limit/offset; "total" before paging), "counts" (open, done,
 * overdue over the owner filter) and "periods": per period of the
 * incident, "opened", "done" and "still_open". Overdue: open with a due
 * date before today in the reporting time zone.
 */
enum pm_status stats_action_items(struct dbconn *c,
				  const struct taxonomy *tax,
				  const struct stats_request *r, json_t **out,
				  struct pm_error *err);

/* The same answer appended to out as compact JSON text, as
 * stats_durations_write(). */
enum pm_status stats_action_items_write(struct dbconn *c,
					const struct taxonomy *tax,
					const struct stats_request *r,
					struct buf *out,
					struct pm_error *err);

/*
 * Follow-through of the action items per period of their incident:
 * {"period", "fiscal_start_month", "time_zone", "from", "to", "today",
 *  "undated", "rows": [{"period", "label", "label_ja", "start", "end",
 *  "opened", "done", "done_on_time", "done_late", "done_no_due",
 *  "done_undated", "still_open", "overdue", "median_days", "median_n"}],
 *  "all": {the same over every row}}
 * An item is done when ticked in its file or closed by a commit
 * (Postmortem-Action); its done day is the first closing commit's time
 * in the reporting time zone, unknown for an item only ticked. opened =
 * done_on_time (done day <= due day, the due written or implied by
 * due_by_severity) + done_late + done_no_due (done on a known day, no due
 * date) + done_undated (done, day unknown) + still_open; done is the sum
 * of the four done_*. overdue: still open with a due day before today
 * (civil_now() in the reporting zone). median_days is the median of the
 * days from the incident's start day to the done day over the median_n
 * items where both are known (a real, halves kept; null when none).
 * Service and severity filters apply; rows and "unknown" as for
 * stats_causes(), and "undated" counts the items of undated incidents
 * left out because a range was asked for.
 */
enum pm_status stats_follow_through(struct dbconn *c,
				    const struct taxonomy *tax,
				    const struct stats_request *r,
				    json_t **out, struct pm_error *err);

/* ---- output ---- */

enum stats_kind {
	STATS_CAUSES,
	STATS_DURATIONS,
	STATS_ACTIONS,
	STATS_FOLLOW,
	STATS_KIND__MAX
};

/*
 * Writes a result of kind as CSV (RFC 4180; cells that a spreadsheet would
 * run as a formula are prefixed with '), a Markdown table, an aligned
 * text table or JSON (pretty) onto out. Tables label periods and causes in
 * Japanese when ja is set; CSV keeps ids.
 */
void stats_render(struct buf *out, const json_t *result, enum stats_kind kind,
		  enum stats_format format, int ja);

/* ---- the command line ---- */


/*
 * The causes table of stats_causes()'s result turned for a narrow screen
 * (Slack): causes as rows, the last max_periods dated periods as columns
 * (at most 16), causes past max_causes summed as "(other)", and a total
 * row; text table as stats_render() draws it. Returns the periods shown,
 * 0 (and nothing appended) when no period is dated.
 */
int stats_render_recent(struct buf *out, const json_t *result,
			int max_periods, int max_causes, int ja);

/* Names of enum stats_mode values, item statuses and the three
 * durations, as the API and the output spell them. */
extern const char *const stats_mode_names[STATS_MODE__MAX];
extern const char *const stats_item_status_names[3];
extern const char *const stats_metric_names[3];
/* "month", "quarter", ... as the period parameter takes them. */
extern const char *const stats_period_ids[STATS_PERIOD__MAX];

/* Whether name looks like an IANA zone name: components of
 * [A-Za-z0-9_+-], none starting with '.'. */
int stats_zone_name_ok(const char *name);

#endif
