-- The staff console (issue 12).

-- Who on the staff caused an event and why, as JSON
-- ({"actor": display name, "reason": text}); NULL for the owner's own events.
ALTER TABLE activity ADD COLUMN details TEXT;

-- Customer search matches anywhere in the address or the name
-- (`LIKE '%term%'`), which no B-tree index serves: on SQLite it reads the
-- users table (the address is stored normalised, lower-cased, and its
-- unique index `users_email_key` serves exact look-ups only). That stays
-- well under a second at 100,000 accounts; larger deployments use
-- PostgreSQL, whose migration adds trigram indexes for these matches.
