-- +goose Up
-- Storage pools, address pools with their ranges and allocations, security
-- policy groups and per-VM security policies, and the data directory each
-- host reports (for the Nano cell storage view).
CREATE TABLE storage_pools (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    host       TEXT NOT NULL DEFAULT '',
    target     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE address_pools (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    gateway    TEXT NOT NULL DEFAULT '',
    dns        TEXT NOT NULL DEFAULT '',
    provider   TEXT NOT NULL,
    mode       TEXT NOT NULL,
    -- alloc_seq is bumped by every allocation: the UPDATE locks the pool's
    -- row on PostgreSQL, so allocators of one pool take turns.
    alloc_seq  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Ranges never overlap, so a range is named by its first address.
CREATE TABLE address_ranges (
    start_address TEXT PRIMARY KEY,
    end_address   TEXT NOT NULL,
    netmask       TEXT NOT NULL,
    pool_id       TEXT NOT NULL REFERENCES address_pools(id) ON DELETE CASCADE,
    range_type    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX address_ranges_pool ON address_ranges(pool_id);

-- An allocation lives exactly as long as its VM row.
CREATE TABLE address_allocations (
    address     TEXT PRIMARY KEY,
    pool_id     TEXT NOT NULL REFERENCES address_pools(id),
    range_start TEXT NOT NULL REFERENCES address_ranges(start_address),
    vm_id       TEXT NOT NULL UNIQUE REFERENCES vms(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX address_allocations_pool ON address_allocations(pool_id);

-- Rules are an ordered list edited as a whole, kept as JSON.
CREATE TABLE security_policy_groups (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL DEFAULT '',
    owner          TEXT NOT NULL DEFAULT '',
    user_group     TEXT NOT NULL DEFAULT '',
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    is_global      BOOLEAN NOT NULL DEFAULT FALSE,
    default_action TEXT NOT NULL,
    rules          TEXT NOT NULL DEFAULT '[]',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE vm_security_policies (
    vm_id          TEXT PRIMARY KEY REFERENCES vms(id) ON DELETE CASCADE,
    default_action TEXT NOT NULL,
    rules          TEXT NOT NULL DEFAULT '[]',
    updated_at     BIGINT NOT NULL
);

ALTER TABLE hosts ADD COLUMN data_dir TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE hosts DROP COLUMN data_dir;
DROP TABLE vm_security_policies;
DROP TABLE security_policy_groups;
DROP TABLE address_allocations;
DROP TABLE address_ranges;
DROP TABLE address_pools;
DROP TABLE storage_pools;
