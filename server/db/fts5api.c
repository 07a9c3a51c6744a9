/* FTS5's extension API: see include/pmkb/db/fts5api.h. */
#include <stddef.h>

#include "pmkb/db/fts5api.h"

fts5_api *fts5api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
out:
	sqlite3_finalize(st);
	return api;
}
