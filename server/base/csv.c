/* CSV cells: see include/pmkb/base/csv.h. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/csv.h"

static int is_number(const char *s)
{
	char *end;

	if (!*s)
		return 0;
	(void)strtod(s, &end);
	return !*end;
}

void csv_cell(struct buf *out, const char *s)
{
	/* Cells come from anybody's front matter: a leading = + - @ would
	 * run as a formula. */
	int guard = strchr("=+-@\t\r", s[0]) && s[0] && !is_number(s);
	int quote = guard || strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		buf_addch(out, '"');
	if (guard)
		buf_addch(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_addch(out, '"');
		buf_addch(out, *p);
	}
	if (quote)
		buf_addch(out, '"');
}
