-- +goose Up
-- A VM's QoS (CPU priority, disk and network limits) and the guest
-- account credentials last set through the guest agent, both as JSON.
ALTER TABLE vms ADD COLUMN qos TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN guest_auth TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE vms DROP COLUMN guest_auth;
ALTER TABLE vms DROP COLUMN qos;
