-- WebAuthn credentials (passkeys and security keys). `credential` is
-- webauthn-rs' serialised Passkey: public key, signature counter, flags.
-- A credential id belongs to one account only.
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL CONSTRAINT passkeys_user_fk REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL CONSTRAINT passkeys_credential_id_key UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    credential TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- Registration and sign-in ceremonies between their two requests, so any
-- instance can finish what another started. The id is stored as a keyed
-- hash; a row is taken (deleted) by its finish, and expires after minutes.
-- user_id is NULL for a passwordless sign-in, where nobody is known yet.
CREATE TABLE webauthn_ceremonies (
    id_hash TEXT NOT NULL CONSTRAINT webauthn_ceremonies_pk PRIMARY KEY,
    user_id BIGINT CONSTRAINT webauthn_ceremonies_user_fk REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expiry_idx ON webauthn_ceremonies (expires_at);
