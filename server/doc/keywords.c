/* The keywords column: see include/pmkb/doc/keywords.h. */
#include <stdio.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/keywords.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"

static int is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Whether an identifier's part ends before e[0] (e[-1] is in it). */
static int part_ends(const char *e)
{
	return *e == '_' ||
	       (e[-1] >= 'a' && e[-1] <= 'z' && *e >= 'A' && *e <= 'Z');
}

void keywords_identifier_parts(const char *s, struct buf *out)
{
	struct pm_list seen = { 0 };

	for (const char *p = s; p && *p && seen.n < KEYWORDS_MAX_PARTS;) {
		const char *w = p, *e;
		int split = 0;

		if (!is_ident_char(*p)) {
			p++;
			continue;
		}
		for (e = w; is_ident_char(*e); e++)
			split |= *e == '_' || (e > w && part_ends(e));
		p = e;
		if (!split || e - w > 100)
			continue;
		for (const char *q = w; q < e;) {
			const char *r = q + 1;
			char part[101];

			if (*q == '_') {
				q++;
				continue;
			}
			while (r < e && !part_ends(r))
				r++;
			snprintf(part, sizeof(part), "%.*s", (int)(r - q), q);
			if (r - q > 1 && !pm_list_has(&seen, part)) {
				pm_list_add(&seen, part);
				buf_addf(out, "%s ", part);
			}
			q = r;
		}
	}
	pm_list_release(&seen);
}

void keywords_write(const struct taxonomy *tax, const struct postmortem *pm,
		    struct buf *out)
{
	for (size_t i = 0; i < pm->causes.n; i++) {
		const struct pm_cause *c = taxonomy_find(tax, pm->causes.v[i]);

		buf_addf(out, "%s ", pm->causes.v[i]);
		if (c)
			buf_addf(out, "%s %s ", c->label, c->label_ja);
	}
	for (size_t i = 0; i < pm->services.n; i++)
		buf_addf(out, "%s ", pm->services.v[i]);
	for (size_t i = 0; i < pm->tags.n; i++)
		buf_addf(out, "%s ", pm->tags.v[i]);
	if (pm->extra && *pm->extra)
		buf_addf(out, "%s ", pm->extra);
	keywords_identifier_parts(pm->extra, out);
	keywords_identifier_parts(pm->title, out);
	keywords_identifier_parts(pm->text, out);
	buf_trim(out);
}
