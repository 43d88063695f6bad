-- Wrong second-factor answers given with a reset link; a few use it up.
ALTER TABLE tokens ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;

-- The session that started an unconfirmed authenticator enrollment: only
-- it may see the secret.
ALTER TABLE totp_factors ADD COLUMN started_by_session BIGINT;

-- Whose mail it is, so that erasing an account erases its mail too. Bodies
-- of delivered and abandoned mail are blanked (they may hold live links);
-- the rows are purged after a retention period.
ALTER TABLE mail_queue ADD COLUMN user_id BIGINT CONSTRAINT mail_queue_user_fk REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX mail_queue_user_idx ON mail_queue (user_id);
UPDATE mail_queue SET body_text = '' WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL;
