-- pmkb schema, version 5: the learning loop.
--
-- Action items keep the links their Markdown had and say whether their
-- due date was written or implied by due_by_severity (.pmkb.yml); both
-- are derived from git like the rest of the row.
--
-- action_commits is not derived from the postmortem repository: it
-- records commits in any repository whose message said
-- "Postmortem-Action: <slug>#<n>", as pmkb notify or a push webhook
-- reported them. `pmkb reindex` keeps it. Rows name the item by slug and
-- position (1-based), not by row id, because items are rewritten on
-- every change of their file; a row whose postmortem or position does
-- not exist (yet) is kept, and shows once it does.

ALTER TABLE action_items ADD COLUMN links TEXT;
ALTER TABLE action_items ADD COLUMN due_implied INTEGER NOT NULL DEFAULT 0;

CREATE TABLE action_commits (
	id INTEGER PRIMARY KEY,
	slug TEXT NOT NULL,
	pos INTEGER NOT NULL,                -- 1-based, as in the trailer
	repo TEXT NOT NULL,
	commit_id TEXT NOT NULL,
	author TEXT NOT NULL DEFAULT '',
	commit_time INTEGER,                 -- seconds since 1970 UTC
	received_at INTEGER NOT NULL,
	UNIQUE (slug, pos, repo, commit_id)
);
CREATE INDEX action_commits_slug ON action_commits (slug, pos);
