-- pmkb schema, version 8: login sessions move to a file of their own.
--
-- A sync holds the index's one writer for as long as it runs (a push of
-- files that each use their whole parse budget, a first sync of a large
-- repository), and a login that wrote its session here waited for it.
-- Sessions now live in the sessions database beside the index
-- (schema/sessions.sql); the ones made before this upgrade end, so a
-- browser logs in once more.

DROP TABLE sessions;
