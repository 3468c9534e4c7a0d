package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const storagePoolColumns = `id, name, type, host, target, created_at`

func scanStoragePool(s scanner) (model.StoragePool, error) {
	var p model.StoragePool
	var created int64
	err := s.Scan(&p.ID, &p.Name, &p.Type, &p.Host, &p.Target, &created)
	p.CreatedAt = fromMicros(created)
	return p, classify(err)
}

// CreateStoragePool inserts a storage pool.
func (q Queries) CreateStoragePool(ctx context.Context, p model.StoragePool) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO storage_pools (`+storagePoolColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.ID, p.Name, p.Type, p.Host, p.Target, micros(p.CreatedAt))
	return classify(err)
}

// GetStoragePool returns the storage pool with the given id or name.
func (q Queries) GetStoragePool(ctx context.Context, idOrName string) (model.StoragePool, error) {
	return scanStoragePool(q.q.QueryRowContext(ctx, `SELECT `+storagePoolColumns+` FROM storage_pools WHERE id = $1 OR name = $1`, idOrName))
}

// ListStoragePools returns all storage pools by name.
func (q Queries) ListStoragePools(ctx context.Context) ([]model.StoragePool, error) {
	return queryAll(ctx, q.q, scanStoragePool, `SELECT `+storagePoolColumns+` FROM storage_pools ORDER BY name`)
}

// UpdateStoragePool changes a storage pool's back end.
func (q Queries) UpdateStoragePool(ctx context.Context, p model.StoragePool) error {
	return q.execOne(ctx, `UPDATE storage_pools SET type = $2, host = $3, target = $4 WHERE id = $1`, p.ID, p.Type, p.Host, p.Target)
}

// DeleteStoragePool removes a storage pool.
func (q Queries) DeleteStoragePool(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM storage_pools WHERE id = $1`, id)
}

// StoragePoolUsers returns the names of the compute pools that use a
// storage pool and how many VMs they hold.
func (q Queries) StoragePoolUsers(ctx context.Context, name string) (pools []string, vms int, err error) {
	pools, err = queryAll(ctx, q.q, scanString, `SELECT name FROM pools WHERE storage_pool = $1 ORDER BY name`, name)
	if err != nil {
		return nil, 0, err
	}
	err = q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vms WHERE pool_id IN (SELECT id FROM pools WHERE storage_pool = $1)`, name).Scan(&vms)
	return pools, vms, err
}

// LockStoragePool takes the named storage pool's row lock (PostgreSQL;
// SQLite serialises writers) for the rest of the transaction, so that it
// is not deleted while a compute pool is being pointed at it. ErrNotFound
// if it does not exist.
func (q Queries) LockStoragePool(ctx context.Context, name string) error {
	return q.execOne(ctx, `UPDATE storage_pools SET name = name WHERE name = $1`, name)
}
