-- +goose Up
-- The VLAN id a CloudTower client gave a LAN (the LAN is isolated by its
-- multicast group, not by 802.1Q tags: the id is a label).
ALTER TABLE lans ADD COLUMN vlan_id INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE lans DROP COLUMN vlan_id;
