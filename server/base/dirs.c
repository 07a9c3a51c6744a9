/* Directories pmkb creates: see include/pmkb/base/dirs.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pmkb/base/dirs.h"
#include "pmkb/base/xalloc.h"

enum pm_status dirs_make(const char *path, const char *what,
			 struct pm_error *err)
{
	char *p = xstrdup(path);
	enum pm_status rc = PM_OK;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			break;
		*s = '/';
	}
	if (mkdir(p, 0700) && errno != EEXIST)
		rc = pm_error_set(err, PM_IO, path, 0, "cannot create %s: %s",
				  what, strerror(errno));
	free(p);
	return rc;
}
