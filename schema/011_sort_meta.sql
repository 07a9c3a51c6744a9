-- pmkb schema, version 11: search results sorted by time to resolve.
--
-- The covering index of version 4 gains resolved_epoch, so that sorting a
-- match set by time to resolve (searcher.c, docmeta.c) reads the index
-- and not each row's overflow pages. Derived data, like the table.

DROP INDEX postmortems_meta;
CREATE INDEX postmortems_meta ON postmortems (id, primary_cause, severity,
	started_at, started_epoch, severity_rank, status, resolved_epoch);
