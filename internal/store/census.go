package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

// The census counts what the platform holds for /metrics, in a few
// grouped queries rather than by listing every row: a scrape every few
// seconds must stay cheap with 10,000 VMs.

// VMCount is how many VMs are in one observed state.
type VMCount struct {
	Status model.PowerState
	Count  int
}

// CountVMsByStatus counts the VMs by observed state.
func (q Queries) CountVMsByStatus(ctx context.Context) ([]VMCount, error) {
	return queryAll(ctx, q.q, func(s scanner) (VMCount, error) {
		var c VMCount
		return c, s.Scan(&c.Status, &c.Count)
	}, `SELECT status, COUNT(*) FROM vms GROUP BY status ORDER BY status`)
}

// HostUse is what the VMs placed on a host ask of it.
type HostUse struct {
	HostID      string
	VMs         int
	Cores       int
	MemoryBytes int64
	DiskBytes   int64
}

// SumVMsByHost adds up the VMs placed on each host.
func (q Queries) SumVMsByHost(ctx context.Context) ([]HostUse, error) {
	return queryAll(ctx, q.q, func(s scanner) (HostUse, error) {
		var u HostUse
		var memMiB int64
		err := s.Scan(&u.HostID, &u.VMs, &u.Cores, &memMiB, &u.DiskBytes)
		u.MemoryBytes = memMiB << 20
		return u, err
	}, `SELECT host_id, COUNT(*), COALESCE(SUM(cores), 0), COALESCE(SUM(memory_mib), 0), COALESCE(SUM(disk_bytes), 0)
		FROM vms WHERE host_id <> '' GROUP BY host_id ORDER BY host_id`)
}

// TaskCount is how many tasks of one kind are in one state.
type TaskCount struct {
	Kind  string
	State model.TaskState
	Count int
}

// CountTasks counts the tasks by kind and state.
func (q Queries) CountTasks(ctx context.Context) ([]TaskCount, error) {
	return queryAll(ctx, q.q, func(s scanner) (TaskCount, error) {
		var c TaskCount
		return c, s.Scan(&c.Kind, &c.State, &c.Count)
	}, `SELECT kind, state, COUNT(*) FROM tasks GROUP BY kind, state ORDER BY kind, state`)
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }
