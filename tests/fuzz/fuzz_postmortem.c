/*
 * Fuzzes postmortem_parse: front matter (libyaml), Markdown, dates, the
 * action items' markers; and the ticked task lines read from the same
 * bytes, whose keys must agree with tasklines_key_at() line by line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/tasklines.h"
#include "pmkb/doc/taxonomy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct taxonomy *tax;
	const char *s = (const char *)data;
	struct postmortem pm;
	struct taskline *v;
	size_t n;

	if (!tax)
		tax = taxonomy_default();
	postmortem_init(&pm);
	postmortem_parse(&pm, "fuzz/case.md", s, size, tax, 0);
	postmortem_release(&pm);
	n = tasklines_ticked(s, size, &v);
	for (size_t i = 0; i < n; i++)
		if (!v[i].key || tasklines_key_at(s, size, v[i].line) != v[i].key)
			abort();
	free(v);
	return 0;
}
