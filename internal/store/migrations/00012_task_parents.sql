-- +goose Up
-- A task may be part of a parent task (a Nano batch, a ZStack API job, a
-- CloudTower batch call): the parent ends when its children have.
ALTER TABLE tasks ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_parent ON tasks(parent_id);

-- +goose Down
DROP INDEX tasks_parent;
ALTER TABLE tasks DROP COLUMN parent_id;
