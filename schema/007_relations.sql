-- pmkb schema, version 7: relations between postmortems.
--
-- A postmortem names others by a relative link to their .md file, a link
-- to /p/SLUG, or front matter related: / recurrence_of:. Derived from git
-- like the rest of the row; the target is a slug, which may name no
-- postmortem (yet).

CREATE TABLE relations (
	pm_id INTEGER NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
	target TEXT NOT NULL,
	kind TEXT NOT NULL,                  -- related | recurrence_of
	PRIMARY KEY (pm_id, target, kind)
);
CREATE INDEX relations_target ON relations (target);
