-- +goose Up
-- Portable SQL: the same schema runs on SQLite and PostgreSQL. Times are
-- BIGINT unix microseconds (0 = unset), JSON is TEXT.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE pools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE hosts (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    pool_id          TEXT NOT NULL REFERENCES pools(id),
    state            TEXT NOT NULL,
    address          TEXT NOT NULL DEFAULT '',
    cert_fingerprint TEXT NOT NULL DEFAULT '',
    accel            TEXT NOT NULL DEFAULT '',
    cpus             BIGINT NOT NULL DEFAULT 0,
    memory_bytes     BIGINT NOT NULL DEFAULT 0,
    disk_bytes       BIGINT NOT NULL DEFAULT 0,
    disk_free_bytes  BIGINT NOT NULL DEFAULT 0,
    last_heartbeat   BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL
);

CREATE TABLE join_tokens (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    pool_id     TEXT NOT NULL REFERENCES pools(id),
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE images (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    format       TEXT NOT NULL,
    state        TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL DEFAULT 0,
    virtual_size BIGINT NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);

CREATE TABLE vms (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    pool_id     TEXT NOT NULL REFERENCES pools(id),
    host_id     TEXT NOT NULL REFERENCES hosts(id),
    image_id    TEXT NOT NULL DEFAULT '',
    cores       BIGINT NOT NULL,
    memory_mib  BIGINT NOT NULL,
    disk_bytes  BIGINT NOT NULL,
    clone_mode  TEXT NOT NULL,
    boot_media  BOOLEAN NOT NULL DEFAULT FALSE,
    power_state TEXT NOT NULL,
    status      TEXT NOT NULL,
    accel       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX vms_host ON vms(host_id);

CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    progress    BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    error_code  TEXT NOT NULL DEFAULT '',
    params      TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL DEFAULT '',
    requester   TEXT NOT NULL DEFAULT '',
    web_hook    TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    started_at  BIGINT NOT NULL DEFAULT 0,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tasks_state ON tasks(state);
CREATE INDEX tasks_target ON tasks(target_id);

-- +goose Down
DROP TABLE tasks;
DROP TABLE vms;
DROP TABLE images;
DROP TABLE join_tokens;
DROP TABLE hosts;
DROP TABLE pools;
DROP TABLE sessions;
DROP TABLE users;
