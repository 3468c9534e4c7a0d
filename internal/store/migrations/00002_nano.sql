-- +goose Up
-- What the Nano dialect needs beyond the core: pool settings, VM owner,
-- group, auto start, template and cloud-init, host enablement, templates.
ALTER TABLE pools ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE pools ADD COLUMN storage_pool TEXT NOT NULL DEFAULT '';
ALTER TABLE pools ADD COLUMN address_pool TEXT NOT NULL DEFAULT '';
ALTER TABLE pools ADD COLUMN failover BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE hosts ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE hosts ADD COLUMN cpu_usage_milli BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN memory_available_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN booted_at BIGINT NOT NULL DEFAULT 0;
-- observed_seq orders observations: an agent's report read before a
-- change must not overwrite the state recorded after it.
ALTER TABLE vms ADD COLUMN observed_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vms ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN user_group TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN auto_start BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE vms ADD COLUMN template_id TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN cloud_init TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN user_group TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE templates (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    admin            TEXT NOT NULL DEFAULT 'root',
    operating_system TEXT NOT NULL DEFAULT 'linux',
    disk_bus         TEXT NOT NULL DEFAULT 'virtio',
    network_model    TEXT NOT NULL DEFAULT 'virtio',
    display          TEXT NOT NULL DEFAULT 'vga',
    control          TEXT NOT NULL DEFAULT 'vnc',
    usb              TEXT NOT NULL DEFAULT '',
    tablet           TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- +goose Down
DROP TABLE templates;
