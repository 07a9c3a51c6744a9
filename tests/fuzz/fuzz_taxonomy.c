/* Fuzzes the .pmkb.yml loader. */
#include <stddef.h>
#include <stdint.h>

#include "pmkb/doc/taxonomy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taxonomy *tax = NULL;
	struct pm_error err;

	taxonomy_parse(&tax, (const char *)data, size, "fuzz.yml", &err);
	taxonomy_free(tax);
	return 0;
}
