-- One authenticator app per account. The secret is sealed (AEAD, key derived
-- from the server key, bound to the account id); NULL confirmed_at is an
-- enrollment waiting for its first code. last_step refuses replayed codes.
CREATE TABLE totp_factors (
    user_id BIGINT NOT NULL CONSTRAINT totp_factors_pk PRIMARY KEY CONSTRAINT totp_factors_user_fk REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at BIGINT,
    last_step BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Keyed hashes of recovery codes; each works once.
CREATE TABLE recovery_codes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL CONSTRAINT recovery_codes_user_fk REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);

-- When the session last proved its owner (password, and the second factor
-- where enrolled): sensitive changes need this to be recent.
ALTER TABLE sessions ADD COLUMN reauth_at BIGINT;
