/* Fuzzes the query language parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	query_parse(&q, text, NULL, &err);
	query_release(&q);
	free(text);
	return 0;
}
