-- pmkb schema, version 10: when an action item was done.
--
-- done_on is the day written in the item (done:YYYY-MM-DD). ticked_at and
-- ticked_commit name the commit that ticked the item's box, when git
-- history shows one: the author time of the first commit whose version of
-- the file has the box ticked, after one that had it open. A box that was
-- ticked when the file was added has no such commit. Both are derived like
-- the rest of the row; the parser generation changed with them, so every
-- file is read again.

ALTER TABLE action_items ADD COLUMN done_on TEXT;
ALTER TABLE action_items ADD COLUMN ticked_at INTEGER;
ALTER TABLE action_items ADD COLUMN ticked_commit TEXT;
