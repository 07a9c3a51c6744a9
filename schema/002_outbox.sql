-- pmkb schema, version 2: the Slack outbox.
--
-- Announcements of new postmortems wait here until the incoming webhook
-- has accepted them. A row is queued in the same transaction as the index
-- change it announces, so that a crash can lose neither. The outbox is not
-- derived from git: `pmkb reindex` keeps it (and announces nothing).
--
-- States: queued → sending → sent, or back to queued (retry later), or
-- failed (gave up; `pmkb outbox retry` queues it again). A row left in
-- sending by a crash is queued again on start.

CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	-- postmortem path + event + content hash: one message per change,
	-- ever, whatever re-syncs and retries happen
	dedupe_key TEXT NOT NULL UNIQUE,
	event TEXT NOT NULL,                 -- new | published | updated | test
	slug TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL DEFAULT '',
	payload TEXT NOT NULL,               -- the JSON body to POST
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,    -- milliseconds since 1970 UTC
	last_status INTEGER,                 -- HTTP status of the last try
	last_error TEXT,
	created_at INTEGER NOT NULL,         -- milliseconds since 1970 UTC
	sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
