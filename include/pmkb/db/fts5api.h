/* FTS5's extension API on a connection, to register tokenizers and
 * auxiliary functions. */
#ifndef PMKB_DB_FTS5API_H
#define PMKB_DB_FTS5API_H

#include <sqlite3.h>

/* FTS5's API on db, or NULL when SQLite lacks FTS5. */
fts5_api *fts5api_of(sqlite3 *db);

#endif
