-- pmkb schema, version 3: access tokens and login sessions.
--
-- Neither is derived from git: `pmkb reindex` keeps them. Only keyed
-- hashes are stored (BLAKE2b keyed with meta 'auth_key', 32 random bytes
-- created on first use), never a token or a session id itself, so a copy
-- of the database does not let anyone in.

CREATE TABLE tokens (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	scope TEXT NOT NULL CHECK (scope IN ('read', 'admin')),
	hash TEXT NOT NULL UNIQUE,           -- hex keyed BLAKE2b-256
	created_at INTEGER NOT NULL,         -- seconds since 1970 UTC
	last_used_at INTEGER                 -- updated at most hourly
);

-- A browser that logged in with a token. Deleted with its token.
CREATE TABLE sessions (
	hash TEXT PRIMARY KEY,               -- hex keyed BLAKE2b-256 of the id
	token_id INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_token ON sessions (token_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
