-- The staff console (issue 12).

-- Who on the staff caused an event and why, as JSON
-- ({"actor": display name, "reason": text}); NULL for the owner's own events.
ALTER TABLE activity ADD COLUMN details TEXT;

-- Customer search matches anywhere in the address or the lower-cased name
-- (`LIKE '%term%'`); trigram GIN indexes on exactly those expressions serve
-- such matches (from three characters on). pg_trgm is a trusted extension:
-- the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_email_trgm_idx ON users USING gin (email gin_trgm_ops);
CREATE INDEX users_display_name_trgm_idx ON users USING gin (lower(display_name) gin_trgm_ops);
