-- +goose Up
-- One identity model for every API (docs/iam.md): tenants own users and
-- objects and have quotas; roles are statements over permissions, bound
-- to users and groups of their tenant; objects can be shared with other
-- tenants. Nano's roles and user groups move into it (their menus become
-- bundles named by an allow statement), DBC wallets become tenants with
-- one user each.
CREATE TABLE tenants (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    instance_visible    BOOLEAN NOT NULL DEFAULT FALSE,
    disk_image_visible  BOOLEAN NOT NULL DEFAULT FALSE,
    media_image_visible BOOLEAN NOT NULL DEFAULT FALSE,
    -- quota_seq is bumped by every quota check: the UPDATE locks the
    -- tenant's row on PostgreSQL, so a tenant's creates take turns
    -- (SQLite serialises writers anyway).
    quota_seq           BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL DEFAULT 0
);
INSERT INTO tenants (id, name, kind, created_at) VALUES ('default', 'default', 'platform', 0);

-- SQLite adds a column with a foreign key only with a NULL default; the
-- service always sets it.
ALTER TABLE users ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
UPDATE users SET tenant_id = 'default';
ALTER TABLE users ADD COLUMN tenant_admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN password_form TEXT NOT NULL DEFAULT 'plain';
ALTER TABLE users ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_tenant ON users(tenant_id);

-- A DBC wallet that owns something becomes a tenant with one user, both
-- named after the owner the wallet's objects carry ("dbc:<wallet>").
INSERT INTO tenants (id, name, kind, created_at)
    SELECT DISTINCT o.owner, o.owner, 'wallet', 0 FROM (
        SELECT owner FROM vms UNION SELECT owner FROM images UNION SELECT owner FROM lans
        UNION SELECT owner FROM bare_metals) o
    WHERE o.owner LIKE 'dbc:%';
INSERT INTO users (id, name, password_hash, role, created_at, tenant_id, tenant_admin)
    SELECT id, name, '', 'user', 0, id, TRUE FROM tenants WHERE kind = 'wallet';

ALTER TABLE vms ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
UPDATE vms SET tenant_id = COALESCE((SELECT u.tenant_id FROM users u WHERE u.name = vms.owner), 'default');
CREATE INDEX vms_tenant ON vms(tenant_id);
ALTER TABLE images ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
UPDATE images SET tenant_id = COALESCE((SELECT u.tenant_id FROM users u WHERE u.name = images.owner), 'default');
ALTER TABLE lans ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
UPDATE lans SET tenant_id = COALESCE((SELECT u.tenant_id FROM users u WHERE u.name = lans.owner), 'default');
ALTER TABLE bare_metals ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
UPDATE bare_metals SET tenant_id = COALESCE((SELECT u.tenant_id FROM users u WHERE u.name = bare_metals.owner), 'default');
ALTER TABLE security_policy_groups ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
UPDATE security_policy_groups SET tenant_id = COALESCE((SELECT u.tenant_id FROM users u WHERE u.name = security_policy_groups.owner), 'default');

-- Roles: statements as JSON ([{"effect","actions"}]).
CREATE TABLE iam_roles (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    statements  TEXT NOT NULL DEFAULT '[]',
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);
-- A Nano role's menus (comma-joined words) become one allow statement.
INSERT INTO iam_roles (id, tenant_id, name, statements, builtin, created_at)
    SELECT name, 'default', name,
        CASE WHEN menu = '' THEN '[]' ELSE '[{"effect":"allow","actions":["' || REPLACE(menu, ',', '","') || '"]}]' END,
        name = 'admin', created_at
    FROM roles;
UPDATE iam_roles SET statements = '[{"effect":"allow","actions":["*"]}]' WHERE id = 'admin';

CREATE TABLE iam_groups (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    name                TEXT NOT NULL,
    display             TEXT NOT NULL DEFAULT '',
    description         TEXT NOT NULL DEFAULT '',
    instance_visible    BOOLEAN NOT NULL DEFAULT FALSE,
    disk_image_visible  BOOLEAN NOT NULL DEFAULT FALSE,
    media_image_visible BOOLEAN NOT NULL DEFAULT FALSE,
    builtin             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);
INSERT INTO iam_groups (id, tenant_id, name, display, instance_visible, disk_image_visible, media_image_visible, builtin, created_at)
    SELECT name, 'default', name, display, instance_visible, disk_image_visible, media_image_visible, name = 'admin', created_at
    FROM user_groups;

CREATE TABLE iam_group_members (
    group_id TEXT NOT NULL REFERENCES iam_groups(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX iam_group_members_user ON iam_group_members(user_id);
INSERT INTO iam_group_members (group_id, user_id) SELECT group_name, user_id FROM user_group_members;

-- Role bindings. A role bound to a group cannot be deleted (Nano asks
-- for that); one bound to a user goes with either.
CREATE TABLE iam_group_roles (
    group_id TEXT NOT NULL REFERENCES iam_groups(id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES iam_roles(id),
    PRIMARY KEY (group_id, role_id)
);
INSERT INTO iam_group_roles (group_id, role_id) SELECT group_name, role_name FROM user_group_roles;
CREATE TABLE iam_user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES iam_roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

DROP TABLE user_group_members;
DROP TABLE user_group_roles;
DROP TABLE user_groups;
DROP TABLE roles;

-- Shares: an object readable by another tenant, or by all (tenant_id
-- NULL). They go with the object and with the receiving tenant.
CREATE TABLE vm_shares (
    vm_id      TEXT NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
    tenant_id  TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX vm_shares_key ON vm_shares (vm_id, COALESCE(tenant_id, ''));
CREATE TABLE image_shares (
    image_id   TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    tenant_id  TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX image_shares_key ON image_shares (image_id, COALESCE(tenant_id, ''));

CREATE TABLE quotas (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- +goose Down
-- Not reversed: the Up moves Nano's roles and groups into the new tables
-- and drops the old ones.
