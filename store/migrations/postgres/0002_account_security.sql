-- Consecutive failed sign-ins, counted per account and per browser: browsers
-- that signed in to the account before (a device cookie) keep their own
-- counter under their device hash; every other browser shares the key ''.
CREATE TABLE sign_in_failures (
    user_id BIGINT NOT NULL CONSTRAINT sign_in_failures_user_fk REFERENCES users (id) ON DELETE CASCADE,
    device_key TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT sign_in_failures_pk PRIMARY KEY (user_id, device_key)
);

-- Browsers that completed a sign-in to the account (keyed hash of the device cookie).
CREATE TABLE known_devices (
    user_id BIGINT NOT NULL CONSTRAINT known_devices_user_fk REFERENCES users (id) ON DELETE CASCADE,
    device_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    CONSTRAINT known_devices_pk PRIMARY KEY (user_id, device_hash)
);

-- Retired password hashes, so that recent passwords cannot come back.
CREATE TABLE password_history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL CONSTRAINT password_history_user_fk REFERENCES users (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX password_history_user_idx ON password_history (user_id, id DESC);

-- What a token carries besides its account, such as the address an email change goes to.
ALTER TABLE tokens ADD COLUMN payload TEXT;

ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
-- Set while a deletion waits out its grace period.
ALTER TABLE users ADD COLUMN delete_after BIGINT;

-- Filtering one account's history by kind.
CREATE INDEX activity_user_kind_idx ON activity (user_id, kind, id DESC);
