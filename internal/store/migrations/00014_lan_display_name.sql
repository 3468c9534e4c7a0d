-- +goose Up
-- The name a CloudTower client gave a LAN when it is not a Kumo network
-- name (6-10 letters or digits): "sample name" is kept whole here, the
-- LAN's key is derived from it. '' means the LAN is shown by its name.
ALTER TABLE lans ADD COLUMN display_name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE lans DROP COLUMN display_name;
