-- pmkb index schema, version 1.
--
-- Everything here except the outbox and tokens is derived from the
-- postmortem repository and can be rebuilt with `pmkb reindex`.
-- The full-text table pm_fts is created by the program (store.c), not by a
-- migration, because its definition names the tokenizer's version.

CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE postmortems (
	id INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	path TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	-- causes, services and tags as words, for the full-text index
	keywords TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',        -- plain text of the Markdown body
	html TEXT NOT NULL DEFAULT '',        -- safe rendering of the body
	severity TEXT,                        -- canonical spelling or NULL
	severity_rank INTEGER,                -- 0 = most severe, NULL unknown
	status TEXT NOT NULL DEFAULT 'published',
	trigger TEXT,
	detection TEXT,
	primary_cause TEXT NOT NULL DEFAULT 'unknown',
	causes TEXT NOT NULL DEFAULT '[]',    -- JSON arrays of strings
	services TEXT NOT NULL DEFAULT '[]',
	teams TEXT NOT NULL DEFAULT '[]',
	authors TEXT NOT NULL DEFAULT '[]',
	tags TEXT NOT NULL DEFAULT '[]',
	started_at TEXT,                      -- as normalised from the file
	started_epoch INTEGER,                -- seconds since 1970 UTC
	detected_at TEXT,
	detected_epoch INTEGER,
	mitigated_at TEXT,
	mitigated_epoch INTEGER,
	resolved_at TEXT,
	resolved_epoch INTEGER,
	started_source TEXT NOT NULL DEFAULT 'front-matter', -- or git, mtime
	content_hash TEXT NOT NULL,           -- BLAKE2b of the file's bytes
	has_errors INTEGER NOT NULL DEFAULT 0,
	commit_id TEXT,                       -- commit that last changed it
	commit_author TEXT,
	commit_time INTEGER,
	first_commit_id TEXT,                 -- commit that added it
	created_time INTEGER,
	indexed_at INTEGER NOT NULL
);
CREATE INDEX postmortems_started ON postmortems (started_epoch DESC, id DESC);

-- One row per (postmortem, kind, value): cause, service, team, author, tag.
CREATE TABLE labels (
	pm_id INTEGER NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	pos INTEGER NOT NULL,
	PRIMARY KEY (pm_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX labels_by_value ON labels (kind, value, pm_id);

CREATE TABLE action_items (
	id INTEGER PRIMARY KEY,
	pm_id INTEGER NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
	pos INTEGER NOT NULL,
	done INTEGER NOT NULL,
	owner TEXT,
	due TEXT,
	text TEXT NOT NULL,
	line INTEGER NOT NULL
);
CREATE INDEX action_items_pm ON action_items (pm_id);
CREATE INDEX action_items_open ON action_items (done, due);

-- Errors and warnings per file, including files that could not be indexed.
CREATE TABLE problems (
	id INTEGER PRIMARY KEY,
	path TEXT NOT NULL,
	line INTEGER NOT NULL,
	level TEXT NOT NULL CHECK (level IN ('error', 'warning')),
	message TEXT NOT NULL
);
CREATE INDEX problems_path ON problems (path);

-- A renamed file keeps its old slug reachable.
CREATE TABLE slug_redirects (
	old_slug TEXT PRIMARY KEY,
	new_slug TEXT NOT NULL
) WITHOUT ROWID;
