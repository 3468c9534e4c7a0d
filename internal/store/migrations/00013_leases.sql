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

-- +goose Down
DROP TABLE leases;
