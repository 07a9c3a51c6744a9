/* Fuzzes postmortem_parse: front matter (libyaml), Markdown, dates. */
#include <stddef.h>
#include <stdint.h>

#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct taxonomy *tax;
	struct postmortem pm;

	if (!tax)
		tax = taxonomy_default();
	postmortem_init(&pm);
	postmortem_parse(&pm, "fuzz/case.md", (const char *)data, size, tax,
			 0);
	postmortem_release(&pm);
	return 0;
}
