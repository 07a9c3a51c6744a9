/*
 * Fuzzes the query language parser, and the reading of FTS5 expressions
 * that evaluates them in memory (search/memsearch.h): of the expression
 * the query gives, and of the input itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/search/memsearch.h"
#include "pmkb/search/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct pm_query q;
	struct pm_error err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	query_init(&q);
	if (query_parse(&q, text, NULL, &err) == PM_OK && q.match)
		memsearch_shape(q.match);
	memsearch_shape(text);
	query_release(&q);
	free(text);
	return 0;
}
