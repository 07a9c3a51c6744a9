-- pmkb's sessions database: the browsers that logged in with a token.
--
-- A file of its own beside the index (the index's path + "-sessions"),
-- written by requests: the index has one writer, which a sync holds for as
-- long as it runs, and a login must not wait for that. Not derived from
-- git, and not worth a backup: losing the file only makes browsers log in
-- again. Applied on every open; each statement is idempotent.

CREATE TABLE IF NOT EXISTS sessions (
	hash TEXT PRIMARY KEY,               -- hex keyed BLAKE2b-256 of the id
	-- tokens.hash of the token that logged in: a token's hash is never
	-- reused, so a session cannot outlive its token into a new one.
	token_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,         -- seconds since 1970 UTC
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_token ON sessions (token_hash);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
