-- +goose Up
-- Scheduled operations, prices and LDAP as core objects (they lived as
-- JSON documents of the ZStack dialect). Foreign keys tie them to what
-- they refer to: a VM's jobs go with the VM, a user's jobs and LDAP
-- bindings with the user.
CREATE TABLE schedule_jobs (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    owner_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    vm_id       TEXT NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    given_type  TEXT NOT NULL DEFAULT '',
    parameters  TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    last_result TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX schedule_jobs_vm ON schedule_jobs(vm_id);

CREATE TABLE schedule_triggers (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    owner_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    start_at      BIGINT NOT NULL,
    interval_ms   BIGINT NOT NULL DEFAULT 0,
    repeat_count  BIGINT NOT NULL DEFAULT 0,
    cron          TEXT NOT NULL DEFAULT '',
    fire_count    BIGINT NOT NULL DEFAULT 0,
    last_fired_at BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE schedule_job_triggers (
    job_id     TEXT NOT NULL REFERENCES schedule_jobs(id) ON DELETE CASCADE,
    trigger_id TEXT NOT NULL REFERENCES schedule_triggers(id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, trigger_id)
);
CREATE INDEX schedule_job_triggers_trigger ON schedule_job_triggers(trigger_id);

CREATE TABLE prices (
    id           TEXT PRIMARY KEY,
    resource     TEXT NOT NULL,
    unit         TEXT NOT NULL,
    time_unit    TEXT NOT NULL,
    price        DOUBLE PRECISION NOT NULL,
    effective_at BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- The bind password is kept as given: searches bind with it.
CREATE TABLE ldap_servers (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL,
    base_dn         TEXT NOT NULL,
    bind_dn         TEXT NOT NULL DEFAULT '',
    bind_password   TEXT NOT NULL DEFAULT '',
    encryption      TEXT NOT NULL DEFAULT 'None',
    login_attribute TEXT NOT NULL DEFAULT 'uid',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE ldap_bindings (
    id         TEXT PRIMARY KEY,
    server_id  TEXT NOT NULL REFERENCES ldap_servers(id) ON DELETE CASCADE,
    dn         TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX ldap_bindings_user ON ldap_bindings(user_id);

-- +goose Down
DROP TABLE ldap_bindings;
DROP TABLE ldap_servers;
DROP TABLE prices;
DROP TABLE schedule_job_triggers;
DROP TABLE schedule_triggers;
DROP TABLE schedule_jobs;
