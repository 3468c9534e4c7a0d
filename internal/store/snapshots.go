package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const snapshotColumns = `vm_id, name, description, parent, is_current, running, created_at`

func scanSnapshot(s scanner) (model.Snapshot, error) {
	var sn model.Snapshot
	var created int64
	err := s.Scan(&sn.VMID, &sn.Name, &sn.Description, &sn.Parent, &sn.Current, &sn.Running, &created)
	sn.CreatedAt = fromMicros(created)
	return sn, classify(err)
}

// CreateSnapshot inserts a snapshot and makes it the VM's current one.
// The insert comes first, so a name already taken changes nothing; run
// it in a transaction all the same, so the two steps are one.
func (q Queries) CreateSnapshot(ctx context.Context, sn model.Snapshot) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO vm_snapshots (`+snapshotColumns+`) VALUES ($1, $2, $3, $4, TRUE, $5, $6)`,
		sn.VMID, sn.Name, sn.Description, sn.Parent, sn.Running, micros(sn.CreatedAt))
	if err != nil {
		return classify(err)
	}
	_, err = q.q.ExecContext(ctx, `UPDATE vm_snapshots SET is_current = FALSE WHERE vm_id = $1 AND name <> $2`, sn.VMID, sn.Name)
	return classify(err)
}

// GetSnapshot returns one snapshot of a VM.
func (q Queries) GetSnapshot(ctx context.Context, vmID, name string) (model.Snapshot, error) {
	return scanSnapshot(q.q.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM vm_snapshots WHERE vm_id = $1 AND name = $2`, vmID, name))
}

// ListSnapshots returns a VM's snapshots, oldest first.
func (q Queries) ListSnapshots(ctx context.Context, vmID string) ([]model.Snapshot, error) {
	return queryAll(ctx, q.q, scanSnapshot, `SELECT `+snapshotColumns+` FROM vm_snapshots WHERE vm_id = $1 ORDER BY created_at, name`, vmID)
}

// SetCurrentSnapshot makes name the VM's current snapshot.
func (q Queries) SetCurrentSnapshot(ctx context.Context, vmID, name string) error {
	if err := q.execOne(ctx, `UPDATE vm_snapshots SET is_current = TRUE WHERE vm_id = $1 AND name = $2`, vmID, name); err != nil {
		return err
	}
	_, err := q.q.ExecContext(ctx, `UPDATE vm_snapshots SET is_current = FALSE WHERE vm_id = $1 AND name <> $2`, vmID, name)
	return classify(err)
}

// DeleteSnapshot removes a snapshot from the tree: its children move up
// to its parent, and if it was current its parent becomes current.
func (q Queries) DeleteSnapshot(ctx context.Context, vmID, name string) error {
	sn, err := q.GetSnapshot(ctx, vmID, name)
	if err != nil {
		return err
	}
	if _, err := q.q.ExecContext(ctx, `UPDATE vm_snapshots SET parent = $3 WHERE vm_id = $1 AND parent = $2`, vmID, name, sn.Parent); err != nil {
		return classify(err)
	}
	if sn.Current && sn.Parent != "" {
		if _, err := q.q.ExecContext(ctx, `UPDATE vm_snapshots SET is_current = TRUE WHERE vm_id = $1 AND name = $2`, vmID, sn.Parent); err != nil {
			return classify(err)
		}
	}
	return q.execOne(ctx, `DELETE FROM vm_snapshots WHERE vm_id = $1 AND name = $2`, vmID, name)
}
