-- pmkb schema, version 12: the statistics read an index, not the rows.
--
-- Every column the incident statistics read (stats/facts.c), in one
-- covering index: loading them for 100,000 postmortems then reads this
-- index and not each row's overflow pages (the body and its HTML come
-- before these columns in the row). Derived data, like the table.

CREATE INDEX postmortems_facts ON postmortems (id, started_at,
	started_epoch, started_source, primary_cause, causes, severity,
	detection, detected_at, detected_epoch, mitigated_at,
	mitigated_epoch, resolved_at, resolved_epoch);
