-- +goose Up
-- Snapshots of VMs, as Nano shows them: a tree (each snapshot's parent
-- is the one current when it was taken) with one current snapshot per
-- VM, the one the disk was last taken at or reverted to. The snapshot
-- data itself is inside the VM's qcow2 disk on its host.
CREATE TABLE vm_snapshots (
    vm_id       TEXT NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent      TEXT NOT NULL DEFAULT '',
    is_current  BOOLEAN NOT NULL DEFAULT FALSE,
    -- running: taken live, with the guest's RAM.
    running     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (vm_id, name)
);

-- +goose Down
DROP TABLE vm_snapshots;
