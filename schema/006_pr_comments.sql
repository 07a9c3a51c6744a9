-- pmkb schema, version 6: comments on pull requests.
--
-- One row per pull request (merge request) of a code forge: the recall of
-- past incidents for its changed paths is posted there as one comment and
-- edited in place on later pushes. A pull_request event queues the row
-- (again); the worker fetches the changed paths, computes the recall and
-- creates or edits the comment. Like the Slack outbox this is not derived
-- from git: `pmkb reindex` keeps it.
--
-- States: queued → sending → sent (commented or edited), skipped (nothing
-- matched and there is no comment to edit), or back to queued (retry
-- later), or failed (gave up). A row left in sending by a crash is queued
-- again on start; the comment is then found again by its marker, so a
-- restart never posts a second one.

CREATE TABLE pr_comments (
	id INTEGER PRIMARY KEY,
	forge TEXT NOT NULL,                 -- github | gitea | gitlab
	api TEXT NOT NULL,                   -- the forge's REST API base URL
	repo TEXT NOT NULL,                  -- owner/name, or GitLab's project id
	number INTEGER NOT NULL,             -- PR number, or MR iid
	head TEXT NOT NULL DEFAULT '',       -- the head commit last queued
	generation INTEGER NOT NULL DEFAULT 1, -- bumped by each event
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'sending', 'sent', 'skipped',
				 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,    -- milliseconds since 1970 UTC
	comment_id TEXT,                     -- the forge's id of our comment
	body_hash TEXT,                      -- of the text last posted
	matches INTEGER,                     -- postmortems recalled last time
	last_status INTEGER,
	last_error TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (forge, api, repo, number)
);
CREATE INDEX pr_comments_due ON pr_comments (state, next_attempt_at);
