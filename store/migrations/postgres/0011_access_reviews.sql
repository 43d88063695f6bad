-- Access reviews and staff training (issue 13).

-- When a grant was last used: set by the authorization path when a staff
-- permission the role carries passes a check, at most once a day per
-- grant (customers' requests never write it). NULL: not used since then.
ALTER TABLE role_grants ADD COLUMN last_used_at BIGINT;

-- The access reviews are the security administrators' (domain::role::builtin_roles).
INSERT INTO role_permissions (role_id, permission, created_at)
SELECT id, 'review.manage', created_at FROM roles WHERE name = 'security_admin';
UPDATE roles
SET description = 'Support lead, and decides who may do what: manages staff and roles, reads the audit log and alerts, runs the access reviews.'
WHERE name = 'security_admin';

-- One row per campaign. seq numbers them; its unique key lets two
-- processes that both decide to open the next campaign open only one.
-- opened_by and closed_by are plain ids (NULL: the automatic opening).
CREATE TABLE review_campaigns (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq BIGINT NOT NULL CONSTRAINT review_campaigns_seq_key UNIQUE,
    opened_by BIGINT,
    opened_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by BIGINT,
    close_reason TEXT,
    created_at BIGINT NOT NULL
);

-- One row per grant the campaign reviews, as it was at the opening. Plain
-- ids and the role's name, no foreign keys to users or roles: the record
-- outlives the accounts and roles it names.
CREATE TABLE review_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id BIGINT NOT NULL CONSTRAINT review_items_campaign_fk REFERENCES review_campaigns (id),
    grantee_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    last_used_at BIGINT,
    removal_candidate BIGINT NOT NULL CONSTRAINT review_items_candidate_check CHECK (removal_candidate IN (0, 1)),
    reviewer_id BIGINT,
    decision TEXT CONSTRAINT review_items_decision_check CHECK (decision IN ('keep', 'revoke')),
    decided_by BIGINT,
    reason TEXT,
    decided_at BIGINT,
    overdue_alerted_at BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT review_items_grant_key UNIQUE (campaign_id, grantee_id, role)
);
CREATE INDEX review_items_undecided_idx ON review_items (campaign_id) WHERE decided_at IS NULL;

-- Security training each member records for themselves; completed_on is
-- the day's start (UTC).
CREATE TABLE staff_training (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL CONSTRAINT staff_training_user_fk REFERENCES users (id) ON DELETE CASCADE,
    course TEXT NOT NULL,
    completed_on BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX staff_training_user_idx ON staff_training (user_id, completed_on);
