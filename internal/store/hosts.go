package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const hostColumns = `id, name, pool_id, state, enabled, address, cert_fingerprint, accel, cpus, memory_bytes, disk_bytes, disk_free_bytes, last_heartbeat, created_at,
	cpu_usage_milli, memory_available_bytes, booted_at, data_dir, gpus`

func scanHost(s scanner) (model.Host, error) {
	var h model.Host
	var hb, created, cpuMilli, booted int64
	err := s.Scan(&h.ID, &h.Name, &h.PoolID, &h.State, &h.Enabled, &h.Address, &h.CertFingerprint, &h.Accel, &h.CPUs,
		&h.MemoryBytes, &h.DiskBytes, &h.DiskFreeBytes, &hb, &created, &cpuMilli, &h.MemoryAvailableBytes, &booted, &h.DataDir, &h.GPUs)
	h.LastHeartbeat, h.CreatedAt, h.BootedAt = fromMicros(hb), fromMicros(created), fromMicros(booted)
	h.CPUUsage = float64(cpuMilli) / 1000
	return h, classify(err)
}

// CreateHost inserts a host.
func (q Queries) CreateHost(ctx context.Context, h model.Host) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO hosts (`+hostColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		h.ID, h.Name, h.PoolID, h.State, h.Enabled, h.Address, h.CertFingerprint, h.Accel, h.CPUs, h.MemoryBytes, h.DiskBytes,
		h.DiskFreeBytes, micros(h.LastHeartbeat), micros(h.CreatedAt), int64(h.CPUUsage*1000), h.MemoryAvailableBytes, micros(h.BootedAt), h.DataDir, h.GPUs)
	return classify(err)
}

// GetHost returns the host with the given id or name.
func (q Queries) GetHost(ctx context.Context, idOrName string) (model.Host, error) {
	return scanHost(q.q.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts WHERE id = $1 OR name = $1`, idOrName))
}

// ListHosts returns all hosts by name.
func (q Queries) ListHosts(ctx context.Context) ([]model.Host, error) {
	return queryAll(ctx, q.q, scanHost, `SELECT `+hostColumns+` FROM hosts ORDER BY name`)
}

// UpdateHostHeartbeat records a heartbeat: the host is online with the
// reported address and capacity.
func (q Queries) UpdateHostHeartbeat(ctx context.Context, h model.Host) error {
	return q.execOne(ctx, `UPDATE hosts SET state = $2, address = $3, accel = $4, cpus = $5, memory_bytes = $6,
		disk_bytes = $7, disk_free_bytes = $8, last_heartbeat = $9, cpu_usage_milli = $10, memory_available_bytes = $11,
		booted_at = $12, data_dir = $13, gpus = $14 WHERE id = $1`,
		h.ID, model.HostOnline, h.Address, h.Accel, h.CPUs, h.MemoryBytes, h.DiskBytes, h.DiskFreeBytes, micros(h.LastHeartbeat),
		int64(h.CPUUsage*1000), h.MemoryAvailableBytes, micros(h.BootedAt), h.DataDir, h.GPUs)
}

// MarkHostsOffline sets every online host whose last heartbeat is older
// than before (unix µs) offline and returns their ids.
func (q Queries) MarkHostsOffline(ctx context.Context, before int64) ([]string, error) {
	ids, err := queryAll(ctx, q.q, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `SELECT id FROM hosts WHERE state = $1 AND last_heartbeat < $2`, model.HostOnline, before)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := q.q.ExecContext(ctx, `UPDATE hosts SET state = $2 WHERE id = $1`, id, model.HostOffline); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// SetHostPool moves a host to another pool and sets whether it takes new
// VMs.
func (q Queries) SetHostPool(ctx context.Context, id, poolID string, enabled bool) error {
	return q.execOne(ctx, `UPDATE hosts SET pool_id = $2, enabled = $3 WHERE id = $1`, id, poolID, enabled)
}

// DeleteHost removes a host.
func (q Queries) DeleteHost(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM hosts WHERE id = $1`, id)
}

// CreateJoinToken inserts a join token.
func (q Queries) CreateJoinToken(ctx context.Context, t model.JoinToken) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO join_tokens (id, secret_hash, pool_id, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, 0, $5)`,
		t.ID, t.SecretHash, t.PoolID, micros(t.ExpiresAt), micros(t.CreatedAt))
	return classify(err)
}

// GetJoinToken returns a join token.
func (q Queries) GetJoinToken(ctx context.Context, id string) (model.JoinToken, error) {
	var t model.JoinToken
	var exp, used, created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, secret_hash, pool_id, expires_at, used_at, created_at FROM join_tokens WHERE id = $1`, id).
		Scan(&t.ID, &t.SecretHash, &t.PoolID, &exp, &used, &created)
	t.ExpiresAt, t.UsedAt, t.CreatedAt = fromMicros(exp), fromMicros(used), fromMicros(created)
	return t, classify(err)
}

// UseJoinToken marks a token used; it fails with ErrNotFound if the token
// was already used, so a token admits exactly one agent.
func (q Queries) UseJoinToken(ctx context.Context, id string, now int64) error {
	return q.execOne(ctx, `UPDATE join_tokens SET used_at = $2 WHERE id = $1 AND used_at = 0`, id, now)
}
