/*
 * A search's filters: the query's and the URL's merged, the URL's values
 * checked, and a facet group's filter left out.
 */
#include <stdint.h>
#include <string.h>

#include "pmkb/base/status.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/filters.h"
#include "pmkb/search/query.h"
#include "tap.h"

static const char yml[] = "severities: [SEV1, SEV2, SEV3]\n"
			  "causes:\n"
			  "  - id: infrastructure\n"
			  "    aliases: [infra]\n"
			  "  - id: deploy\n";

static struct taxonomy *tax;

/* Parses text and builds its filters with req; returns the status. */
static enum pm_status build(const char *text, const struct url_filters *req,
			    struct pm_query *q, struct filters *f,
			    struct pm_error *err)
{
	query_init(q);
	if (query_parse(q, text, tax, err) != PM_OK)
		return PM_INTERNAL;
	return filters_build(f, q, req, tax, err);
}

static void test_merge(void)
{
	struct url_filters req = { 0 };
	struct pm_query q;
	struct filters f, wide;
	struct pm_error err;

	req.cause = "deploy,infra";
	req.severity = "sev1,SEV2";
	req.service = "api";
	req.year = "2017,2018";
	req.from = "2017-07-01";
	req.to = "2017-07-31";
	is_int(build("cause:infra severity:SEV2 tag:dns after:2017 disk", &req,
		     &q, &f, &err),
	       PM_OK, "built");
	is_str(f.lists[FL_CAUSE_Q], "[\"infrastructure\"]",
	       "the query's causes, canonical");
	is_str(f.lists[FL_CAUSE_U], "[\"deploy\",\"infrastructure\"]",
	       "the URL's, canonical");
	is_str(f.lists[FL_SEVERITY], "[\"SEV2\"]",
	       "severities: both must hold");
	is_str(f.lists[FL_SERVICE_U], "[\"api\"]", "the URL's service");
	is_str(f.lists[FL_TAG_Q], "[\"dns\"]", "the query's tag");
	ok(f.lists[FL_TAG_U] == NULL && f.lists[FL_AUTHOR] == NULL,
	   "unconstrained lists are NULL");
	is_str(f.year, "[\"2017\",\"2018\"]", "years");
	is_int(f.after, 1498867200, "from: the later of after: and from");
	is_int(f.before, 1501545600, "to: the day after it");
	ok(f.match != NULL && f.match == q.match, "the MATCH is the query's");
	ok(filters_without(&f, FG_CAUSE, &wide), "the URL filters causes");
	ok(wide.lists[FL_CAUSE_U] == NULL &&
		   wide.lists[FL_CAUSE_Q] == f.lists[FL_CAUSE_Q],
	   "without it, the query's causes stay");
	ok(filters_without(&f, FG_SEVERITY, &wide) &&
		   !strcmp(wide.lists[FL_SEVERITY], "[\"SEV2\"]"),
	   "without the URL's severities, the query's alone");
	ok(filters_without(&f, FG_YEAR, &wide) && wide.year == NULL,
	   "without the years");
	filters_release(&f);
	query_release(&q);

	memset(&req, 0, sizeof(req));
	req.severity = "SEV1";
	is_int(build("severity:SEV2", &req, &q, &f, &err), PM_OK, "built");
	is_str(f.lists[FL_SEVERITY], "[]", "disjoint severities: nothing");
	ok(!filters_without(&f, FG_CAUSE, &wide),
	   "no URL cause filter: counted as the match set");
	filters_release(&f);
	query_release(&q);
}

static void refused(const char *field, const char *value, const char *msg)
{
	struct url_filters req = { 0 };
	struct pm_query q;
	struct filters f;
	struct pm_error err;

	if (!strcmp(field, "cause"))
		req.cause = value;
	else if (!strcmp(field, "severity"))
		req.severity = value;
	else if (!strcmp(field, "year"))
		req.year = value;
	else if (!strcmp(field, "from"))
		req.from = value;
	else
		req.to = value;
	is_int(build("disk", &req, &q, &f, &err), PM_INVALID, msg);
	is_str(err.message, msg, "its message");
	filters_release(&f);
	query_release(&q);
}

static void test_refused(void)
{
	refused("cause", "deploy,gremlins",
		"cause: unknown cause \"gremlins\"");
	refused("severity", "SEV9", "severity: unknown severity \"SEV9\"");
	refused("year", "17", "year: expects a year like 2017, not \"17\"");
	refused("from", "yesterday",
		"from: expects a date like 2017-07-01, not \"yesterday\"");
	refused("to", "2017-13-01",
		"to: expects a date like 2017-07-31, not \"2017-13-01\"");
}

int main(void)
{
	struct pm_error err;

	ok(taxonomy_parse(&tax, yml, sizeof(yml) - 1, ".pmkb.yml", &err) ==
		   PM_OK,
	   "taxonomy");
	test_merge();
	test_refused();
	taxonomy_free(tax);
	return tap_done();
}
