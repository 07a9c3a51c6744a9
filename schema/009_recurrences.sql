-- pmkb schema, version 9: recurrences found when a postmortem is indexed.
--
-- A postmortem may repeat an earlier one (recurrence: in .pmkb.yml): the
-- indexer decides once, when either changes, instead of every page view
-- and every statistics query deciding again for every incident. Derived
-- like the rest of the row; recurrence_of: is read from relations, not
-- from here. score is the share of pm's distinctive words the earlier
-- one uses (similar_shares()), terms those words (a JSON array).

CREATE TABLE recurrences (
	pm_id INTEGER NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
	earlier_id INTEGER NOT NULL
		REFERENCES postmortems (id) ON DELETE CASCADE,
	score REAL NOT NULL,
	terms TEXT NOT NULL DEFAULT '[]',
	by_labels INTEGER NOT NULL,          -- same service and cause
	by_similarity INTEGER NOT NULL,      -- score above the threshold
	PRIMARY KEY (pm_id, earlier_id)
);
CREATE INDEX recurrences_earlier ON recurrences (earlier_id);
