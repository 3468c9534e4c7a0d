package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const poolColumns = `id, name, description, enabled, storage_pool, address_pool, failover, created_at`

func scanPool(s scanner) (model.Pool, error) {
	var p model.Pool
	var created int64
	err := s.Scan(&p.ID, &p.Name, &p.Description, &p.Enabled, &p.StoragePool, &p.AddressPool, &p.Failover, &created)
	p.CreatedAt = fromMicros(created)
	return p, classify(err)
}

// CreatePool inserts a pool.
func (q Queries) CreatePool(ctx context.Context, p model.Pool) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO pools (`+poolColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		p.ID, p.Name, p.Description, p.Enabled, p.StoragePool, p.AddressPool, p.Failover, micros(p.CreatedAt))
	return classify(err)
}

// GetPool returns the pool with the given id or name.
func (q Queries) GetPool(ctx context.Context, idOrName string) (model.Pool, error) {
	return scanPool(q.q.QueryRowContext(ctx, `SELECT `+poolColumns+` FROM pools WHERE id = $1 OR name = $1`, idOrName))
}

// ListPools returns all pools by name.
func (q Queries) ListPools(ctx context.Context) ([]model.Pool, error) {
	return queryAll(ctx, q.q, scanPool, `SELECT `+poolColumns+` FROM pools ORDER BY name`)
}

// UpdatePool changes a pool's name and description.
func (q Queries) UpdatePool(ctx context.Context, p model.Pool) error {
	return q.execOne(ctx, `UPDATE pools SET name = $2, description = $3, enabled = $4, storage_pool = $5, address_pool = $6,
		failover = $7 WHERE id = $1`, p.ID, p.Name, p.Description, p.Enabled, p.StoragePool, p.AddressPool, p.Failover)
}

// DeletePool removes a pool.
func (q Queries) DeletePool(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM pools WHERE id = $1`, id)
}

// DeletePoolJoinTokens removes the join tokens into a pool.
func (q Queries) DeletePoolJoinTokens(ctx context.Context, poolID string) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM join_tokens WHERE pool_id = $1`, poolID)
	return err
}

// CountPoolMembers returns how many hosts and VMs belong to a pool.
func (q Queries) CountPoolMembers(ctx context.Context, id string) (hosts, vms int, err error) {
	err = q.q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM hosts WHERE pool_id = $1), (SELECT COUNT(*) FROM vms WHERE pool_id = $1)`, id).Scan(&hosts, &vms)
	return hosts, vms, err
}
