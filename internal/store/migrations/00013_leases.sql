-- +goose Up
-- A lease on the database: the one control plane that may run tasks
-- holds "controller" and renews it; another refuses to start until it
-- expires (see store.AcquireLease).
CREATE TABLE leases (
	name        TEXT PRIMARY KEY,
	holder      TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	acquired_at BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL
);

-- What a VM does when its QEMU crashes (on_crash: restart, stop, or ''
-- for restart when auto_start), and its last crashes, for the restart
-- backoff.
ALTER TABLE vms ADD COLUMN on_crash TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN crash_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN crash_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE vms ADD COLUMN crashed_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE vms DROP COLUMN crashed_at;
ALTER TABLE vms DROP COLUMN crash_count;
ALTER TABLE vms DROP COLUMN crash_reason;
ALTER TABLE vms DROP COLUMN on_crash;
DROP TABLE leases;
