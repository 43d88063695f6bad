-- Staff roles (issue 12). Permissions are a closed set in `domain`; roles
-- are data: a description, permissions, and the roles they include.
CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CONSTRAINT roles_name_key UNIQUE,
    description TEXT NOT NULL,
    builtin BIGINT NOT NULL DEFAULT 0 CONSTRAINT roles_builtin_check CHECK (builtin IN (0, 1)),
    created_at BIGINT NOT NULL
);

-- Permission names as `domain::Permission::as_str` spells them; a name the
-- code no longer knows grants nothing.
CREATE TABLE role_permissions (
    role_id BIGINT NOT NULL CONSTRAINT role_permissions_role_fk REFERENCES roles (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT role_permissions_pk PRIMARY KEY (role_id, permission)
);

-- A role carries the permissions of the roles it includes (no cycles: the
-- service checks under the role lock before writing).
CREATE TABLE role_includes (
    role_id BIGINT NOT NULL CONSTRAINT role_includes_role_fk REFERENCES roles (id) ON DELETE CASCADE,
    included_id BIGINT NOT NULL CONSTRAINT role_includes_included_fk REFERENCES roles (id),
    created_at BIGINT NOT NULL,
    CONSTRAINT role_includes_pk PRIMARY KEY (role_id, included_id)
);

-- Who holds which role. granted_by is a plain id (NULL: the operators'
-- CLI), so a grant outlives its granter's account.
CREATE TABLE role_grants (
    user_id BIGINT NOT NULL CONSTRAINT role_grants_user_fk REFERENCES users (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL CONSTRAINT role_grants_role_fk REFERENCES roles (id),
    granted_by BIGINT,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT role_grants_pk PRIMARY KEY (user_id, role_id)
);
CREATE INDEX role_grants_role_idx ON role_grants (role_id);

-- Every grant, revoke and offboarding with its reason. Plain integer ids
-- and the role's name, no foreign keys: the record outlives the accounts
-- and roles it names. actor_id NULL is the operators' CLI; role NULL is the
-- disabling that comes with an offboarding.
CREATE TABLE role_grant_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT,
    target_id BIGINT NOT NULL,
    role TEXT,
    action TEXT NOT NULL CONSTRAINT role_grant_log_action_check CHECK (action IN ('grant', 'revoke', 'offboard')),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX role_grant_log_target_idx ON role_grant_log (target_id, id);

-- A disabled account cannot sign in and its sessions are refused.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

-- The built-in roles (domain::role::builtin_roles; a store test checks the
-- two agree). builtin = 1: neither editable nor deletable.
INSERT INTO roles (name, description, builtin, created_at) VALUES
    ('support', 'Helps customers: reads their accounts, views them read-only, unlocks them and ends their sessions.', 1, CAST(strftime('%s', 'now') AS BIGINT) * 1000),
    ('support_lead', 'Support, and the heavier actions: requires a password reset, removes second factors, disables accounts.', 1, CAST(strftime('%s', 'now') AS BIGINT) * 1000),
    ('auditor', 'Reads the audit log and customer accounts.', 1, CAST(strftime('%s', 'now') AS BIGINT) * 1000),
    ('security_admin', 'Support lead, and decides who may do what: manages staff and roles, reads the audit log and alerts.', 1, CAST(strftime('%s', 'now') AS BIGINT) * 1000);

WITH seeded (role, permission) AS (VALUES
    ('support', 'customer.read'),
    ('support', 'customer.impersonate'),
    ('support', 'customer.unlock'),
    ('support', 'customer.sessions'),
    ('support_lead', 'customer.force_reset'),
    ('support_lead', 'customer.reset_second_factor'),
    ('support_lead', 'customer.disable'),
    ('auditor', 'audit.read'),
    ('auditor', 'customer.read'),
    ('security_admin', 'staff.manage'),
    ('security_admin', 'role.assign'),
    ('security_admin', 'role.manage'),
    ('security_admin', 'audit.read'),
    ('security_admin', 'alerts.read'))
INSERT INTO role_permissions (role_id, permission, created_at)
SELECT roles.id, seeded.permission, roles.created_at FROM seeded JOIN roles ON roles.name = seeded.role;

WITH seeded (role, included) AS (VALUES
    ('support_lead', 'support'),
    ('security_admin', 'support_lead'))
INSERT INTO role_includes (role_id, included_id, created_at)
SELECT roles.id, included.id, roles.created_at
FROM seeded JOIN roles ON roles.name = seeded.role JOIN roles included ON included.name = seeded.included;

-- There is no `customer` role any more: every account manages itself
-- (own.view, own.change) without one. Any other role an account held
-- becomes a grant of the seeded role of that name.
INSERT INTO role_grants (user_id, role_id, granted_by, reason, created_at)
SELECT user_roles.user_id, roles.id, NULL, 'held before roles became data', user_roles.created_at
FROM user_roles JOIN roles ON roles.name = user_roles.role;
DROP TABLE user_roles;
