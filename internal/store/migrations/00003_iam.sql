-- +goose Up
-- Nano's RBAC model: roles are sets of menus, user groups hold roles and
-- members (a user is in at most one group: user_id is the key), and a
-- group's resource visibility. Plus the operation log.
ALTER TABLE users ADD COLUMN nick TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN mail TEXT NOT NULL DEFAULT '';

CREATE TABLE roles (
    name       TEXT PRIMARY KEY,
    menu       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE user_groups (
    name                TEXT PRIMARY KEY,
    display             TEXT NOT NULL DEFAULT '',
    instance_visible    BOOLEAN NOT NULL DEFAULT FALSE,
    disk_image_visible  BOOLEAN NOT NULL DEFAULT FALSE,
    media_image_visible BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL
);

CREATE TABLE user_group_roles (
    group_name TEXT NOT NULL REFERENCES user_groups(name) ON DELETE CASCADE,
    role_name  TEXT NOT NULL REFERENCES roles(name),
    PRIMARY KEY (group_name, role_name)
);

CREATE TABLE user_group_members (
    user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    group_name TEXT NOT NULL REFERENCES user_groups(name)
);
CREATE INDEX user_group_members_group ON user_group_members(group_name);

-- The built-in admin role and group; admins of an existing install join it.
INSERT INTO roles (name, menu, created_at) VALUES
    ('admin', 'dashboard,compute_pool,address_pool,storage_pool,instance,disk_image,media_image,template,security_policy,user,log,visibility', 0);
INSERT INTO user_groups (name, display, created_at) VALUES ('admin', 'Administrators', 0);
INSERT INTO user_group_roles (group_name, role_name) VALUES ('admin', 'admin');
INSERT INTO user_group_members (user_id, group_name) SELECT id, 'admin' FROM users WHERE role = 'admin';

CREATE TABLE operation_logs (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    user_name  TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    content    TEXT NOT NULL
);
CREATE INDEX operation_logs_created ON operation_logs(created_at);

-- +goose Down
DROP TABLE operation_logs;
DROP TABLE user_group_members;
DROP TABLE user_group_roles;
DROP TABLE user_groups;
DROP TABLE roles;
ALTER TABLE users DROP COLUMN mail;
ALTER TABLE users DROP COLUMN nick;
