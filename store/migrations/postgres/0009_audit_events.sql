-- The audit chain (issue 13): every security event, appended in the
-- transaction of the change it records. Account ids are plain integers
-- without foreign keys, so erasing an account never cascades into the
-- chain. `id` is assigned by the appender (the head's id + 1), never by
-- the database, so ids are consecutive and a gap means a deleted entry.
-- `hash` is SHA-256 over id, prev_hash, created_at, actor_id, subject_id,
-- kind, reason, details and personal_hash (domain::audit::Payload);
-- the personal fields are covered only through personal_hash, a commitment
-- to them and their salt, so erasure blanks them (and the salt) and sets
-- erased_at without breaking the chain.
CREATE TABLE audit_events (
    id BIGINT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    actor_id BIGINT,
    subject_id BIGINT,
    kind TEXT NOT NULL,
    reason TEXT,
    details TEXT,
    address TEXT,
    ip TEXT,
    user_agent TEXT,
    personal_salt TEXT,
    personal_hash TEXT NOT NULL,
    erased_at BIGINT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- Filtering by actor, subject or kind, newest first, and by time.
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_id, id);
CREATE INDEX audit_events_kind_idx ON audit_events (kind, id);
CREATE INDEX audit_events_time_idx ON audit_events (created_at);

-- The last archived entry: the chain left in audit_events continues from
-- it. No row: nothing archived yet (the chain starts at id 1 after the
-- genesis hash).
CREATE TABLE audit_anchor (
    singleton BIGINT PRIMARY KEY CONSTRAINT audit_anchor_singleton_check CHECK (singleton = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
