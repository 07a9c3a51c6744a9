-- pmkb schema, version 4: a covering index for search.
--
-- Counting, faceting and filtering a match set look up each match's
-- metadata by id. In postmortems those columns are stored after the body
-- and the HTML, so every lookup walked a chain of overflow pages (about
-- 6 µs a match: 0.6 s for a word in most of 100,000 documents). This index
-- holds them in a few megabytes; searcher.c names it with INDEXED BY,
-- because SQLite looks rows up by rowid in the table otherwise.
-- Derived data, like the table it indexes.

CREATE INDEX postmortems_meta ON postmortems (id, primary_cause, severity,
	started_at, started_epoch, severity_rank, status);
