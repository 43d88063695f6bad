-- Detection and alerts (issue 13).

-- Failed sign-ins as the detection rules count them: the client's network
-- (its per-address limit key) and the keyed hash of the address typed,
-- whether an account has it or not. Purged after a week.
CREATE TABLE failed_sign_ins (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    network TEXT NOT NULL,
    address_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX failed_sign_ins_network_idx ON failed_sign_ins (network, created_at);
CREATE INDEX failed_sign_ins_address_idx ON failed_sign_ins (address_key, created_at);

-- One row per incident: later events of the same rule and subject within
-- the rule's window add to it (events, observed, last_at, ip). account_id
-- and acknowledged_by are plain ids without foreign keys, so the record
-- outlives the accounts it names.
CREATE TABLE alerts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    account_id BIGINT,
    ip TEXT,
    events BIGINT NOT NULL,
    observed BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by BIGINT,
    ack_note TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX alerts_open_idx ON alerts (rule, subject_key, last_at);

-- Deliveries of new alerts (webhook, mail), leased and retried like mail.
CREATE TABLE alert_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id BIGINT NOT NULL CONSTRAINT alert_deliveries_alert_fk REFERENCES alerts (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CONSTRAINT alert_deliveries_channel_check CHECK (channel IN ('webhook', 'mail')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
