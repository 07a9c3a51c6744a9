/* Lookup in the table of embedded files: see include/pmkb/base/embedded.h. */
#include <string.h>

#include "pmkb/base/embedded.h"

const struct embedded_file *embedded_find(const char *path)
{
	for (const struct embedded_file *f = embedded_files; f->path; f++)
		if (!strcmp(f->path, path))
			return f;
	return NULL;
}
