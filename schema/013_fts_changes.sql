-- pmkb schema, version 13: which full-text rows changed, in order.
--
-- Every write to pm_fts adds the postmortem's id here in the same
-- transaction (ingest/indexer.c); a rebuild of the whole full-text index
-- adds a row without one (db/store.c). A reader that keeps postings of
-- its own (search/phrasecache.c) brings them from one position in this
-- log to the next by reading again only the rows named since, and reads
-- everything again after a NULL or when the rows it needs were trimmed.
-- The indexer keeps the newest FTS_CHANGES_KEPT rows; AUTOINCREMENT keeps
-- a position from ever naming two points of the log, even were every row
-- deleted.

CREATE TABLE fts_changes (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	pm_id INTEGER
);
