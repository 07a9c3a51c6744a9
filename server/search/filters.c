/*
 * A search's filters: see include/pmkb/search/filters.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/docmeta.h"
#include "pmkb/search/filters.h"
#include "pmkb/search/query.h"

/*
 * The intersection of q's list and the URL's (severity and status are
 * single-valued, so both holding means being in both); NULL when neither
 * constrains, "[]" when nothing can match.
 */
static char *intersect_json(const struct pm_list *q, const struct pm_list *u)
{
	struct pm_list both = { NULL, 0, 0 };
	char *s;
	size_t i;

	if (!q->n)
		return pm_list_dumps(u);
	if (!u->n)
		return pm_list_dumps(q);
	for (i = 0; i < q->n; i++)
		if (pm_list_has(u, q->v[i]))
			pm_list_add(&both, q->v[i]);
	s = both.n ? pm_list_dumps(&both) : xstrdup("[]");
	pm_list_release(&both);
	return s;
}

/* Adds the comma-separated values of s to l. */
static void split_add(struct pm_list *l, const char *s)
{
	const char *p = s, *comma;
	char *v;

	while (p && *p) {
		comma = strchr(p, ',');
		v = comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
		if (*v)
			pm_list_add_unique(l, v);
		free(v);
		p = comma ? comma + 1 : NULL;
	}
}

void filters_release(struct filters *f)
{
	int i;

	for (i = 0; i < FL_MAX; i++)
		free(f->lists[i]);
	free(f->exact);
	free(f->year);
	free(f->sev_q);
}

static enum pm_status bad_param(struct pm_error *err, const char *name,
				const char *why, const char *value)
{
	char shown[64];
	size_t n = strlen(value);

	if (n >= sizeof(shown)) {
		n = sizeof(shown) - 1;
		while (n && ((unsigned char)value[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(shown, value, n);
	shown[n] = '\0';
	return pm_error_set(err, PM_INVALID, name, 0, "%s: %s \"%s\"", name,
			    why, shown);
}

/*
 * Merges q's filters with the request's URL filters into f. The URL's
 * values are checked like the query's and give PM_INVALID when unknown.
 */
enum pm_status filters_build(struct filters *f, const struct pm_query *q,
			     const struct url_filters *url,
			     const struct taxonomy *tax, struct pm_error *err)
{
	struct pm_list causes = { NULL, 0, 0 }, services = { NULL, 0, 0 };
	struct pm_list tags = { NULL, 0, 0 }, sevs = { NULL, 0, 0 };
	struct pm_list statuses = { NULL, 0, 0 }, raw = { NULL, 0, 0 };
	struct pm_list years = { NULL, 0, 0 };
	enum pm_status st = PM_OK;
	char cause[256];
	const char *canon;
	int64_t t;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->sev_max = q->severity_max_rank;
	f->after = q->after;
	f->before = q->before;
	f->match = q->match;
	f->union_only = q->union_only;
	f->exclude = q->exclude;
	if (q->match && q->exact.n) {
		struct buf ex = BUF_INIT;

		for (i = 0; i < q->exact.n; i++)
			buf_addf(&ex, "%s%s", i ? "\x1f" : "", q->exact.v[i]);
		f->exact = buf_detach(&ex, NULL);
	}
	f->cut = INT64_MIN;
	split_add(&raw, url->cause);
	for (i = 0; i < raw.n; i++) {
		canon = taxonomy_cause(tax, raw.v[i], cause, sizeof(cause));
		if (!canon) {
			st = bad_param(err, "cause", "unknown cause", raw.v[i]);
			goto out;
		}
		pm_list_add_unique(&causes, canon);
	}
	pm_list_release(&raw);
	split_add(&raw, url->severity);
	for (i = 0; i < raw.n; i++) {
		/* As the facet shows it: DOWN from a status page too. */
		canon = taxonomy_severity_stored(tax, raw.v[i], cause,
						 sizeof(cause));
		if (!canon) {
			st = bad_param(err, "severity", "unknown severity",
				       raw.v[i]);
			goto out;
		}
		pm_list_add_unique(&sevs, canon);
	}
	split_add(&years, url->year);
	for (i = 0; i < years.n; i++) {
		const char *y = years.v[i];

		if (strlen(y) != 4 || strspn(y, "0123456789") != 4) {
			st = bad_param(err, "year", "expects a year like 2017,"
				       " not", y);
			goto out;
		}
	}
	split_add(&services, url->service);
	split_add(&tags, url->tag);
	split_add(&statuses, url->status);
	if (url->from && *url->from) {
		if (query_date(url->from, 0, &t) < 0) {
			st = bad_param(err, "from", "expects a date like "
				       "2017-07-01, not", url->from);
			goto out;
		}
		if (t > f->after)
			f->after = t;
	}
	if (url->to && *url->to) {
		if (query_date(url->to, 1, &t) < 0) {
			st = bad_param(err, "to", "expects a date like "
				       "2017-07-31, not", url->to);
			goto out;
		}
		if (t < f->before)
			f->before = t;
	}
	f->lists[FL_CAUSE_Q] = pm_list_dumps(&q->causes);
	f->lists[FL_CAUSE_U] = pm_list_dumps(&causes);
	f->lists[FL_SERVICE_Q] = pm_list_dumps(&q->services);
	f->lists[FL_SERVICE_U] = pm_list_dumps(&services);
	f->lists[FL_TAG_Q] = pm_list_dumps(&q->tags);
	f->lists[FL_TAG_U] = pm_list_dumps(&tags);
	f->lists[FL_AUTHOR] = pm_list_dumps(&q->authors);
	f->lists[FL_TEAM] = pm_list_dumps(&q->teams);
	f->lists[FL_SEVERITY] = intersect_json(&q->severities,
							  &sevs);
	f->lists[FL_STATUS] = intersect_json(&q->statuses,
							&statuses);
	f->sev_q = pm_list_dumps(&q->severities);
	f->sev_url = sevs.n > 0;
	f->year = pm_list_dumps(&years);
out:
	pm_list_release(&causes);
	pm_list_release(&services);
	pm_list_release(&tags);
	pm_list_release(&sevs);
	pm_list_release(&statuses);
	pm_list_release(&raw);
	pm_list_release(&years);
	return st;
}

int filters_without(const struct filters *f, enum facet_group g,
		    struct filters *out)
{
	*out = *f;
	switch (g) {
	case FG_CAUSE:
		out->lists[FL_CAUSE_U] = NULL;
		return f->lists[FL_CAUSE_U] != NULL;
	case FG_SERVICE:
		out->lists[FL_SERVICE_U] = NULL;
		return f->lists[FL_SERVICE_U] != NULL;
	case FG_SEVERITY:
		out->lists[FL_SEVERITY] = f->sev_q;
		return f->sev_url;
	default:
		out->year = NULL;
		return f->year != NULL;
	}
}

struct docmeta_filter *filters_docmeta(const struct docmeta *dm,
				       const struct filters *f)
{
	static const enum docmeta_field field[FL_MAX] = {
		DM_CAUSE, DM_CAUSE, DM_SERVICE, DM_SERVICE, DM_TAG,
		DM_TAG,	  DM_AUTHOR, DM_TEAM,   DM_SEVERITY, DM_STATUS,
	};
	struct docmeta_filter *mf = docmeta_filter_new(dm);
	int i;

	for (i = 0; i < FL_MAX; i++)
		docmeta_filter_values(mf, field[i], f->lists[i]);
	docmeta_filter_values(mf, DM_YEAR, f->year);
	docmeta_filter_bounds(mf, f->sev_max, f->after, f->before);
	return mf;
}
