package store

import (
	"context"
	"time"
)

// ZStackResource is one object of the ZStack dialect kept as JSON.
type ZStackResource struct {
	Kind, UUID string
	Body       []byte
	CreatedAt  time.Time
}

func scanZStackResource(s scanner) (ZStackResource, error) {
	var r ZStackResource
	var body string
	var created int64
	err := s.Scan(&r.Kind, &r.UUID, &body, &created)
	r.Body, r.CreatedAt = []byte(body), fromMicros(created)
	return r, classify(err)
}

// PutZStackResource inserts or replaces an object.
func (q Queries) PutZStackResource(ctx context.Context, r ZStackResource) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO zstack_resources (kind, uuid, body, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, uuid) DO UPDATE SET body = excluded.body`, r.Kind, r.UUID, string(r.Body), micros(r.CreatedAt))
	return classify(err)
}

// GetZStackResource returns one object.
func (q Queries) GetZStackResource(ctx context.Context, kind, uuid string) (ZStackResource, error) {
	return scanZStackResource(q.q.QueryRowContext(ctx,
		`SELECT kind, uuid, body, created_at FROM zstack_resources WHERE kind = $1 AND uuid = $2`, kind, uuid))
}

// ListZStackResources returns the objects of a kind, oldest first.
func (q Queries) ListZStackResources(ctx context.Context, kind string) ([]ZStackResource, error) {
	return queryAll(ctx, q.q, scanZStackResource,
		`SELECT kind, uuid, body, created_at FROM zstack_resources WHERE kind = $1 ORDER BY created_at, uuid`, kind)
}

// DeleteZStackResource removes an object.
func (q Queries) DeleteZStackResource(ctx context.Context, kind, uuid string) error {
	return q.execOne(ctx, `DELETE FROM zstack_resources WHERE kind = $1 AND uuid = $2`, kind, uuid)
}

// RunInterval is a span during which a VM was observed running; Stopped
// is zero while it still runs.
type RunInterval struct {
	VMID             string
	Started, Stopped time.Time
}

func scanRunInterval(s scanner) (RunInterval, error) {
	var r RunInterval
	var started, stopped int64
	err := s.Scan(&r.VMID, &started, &stopped)
	r.Started, r.Stopped = fromMicros(started), fromMicros(stopped)
	return r, classify(err)
}

// OpenRunInterval records that a VM was seen running from at on, unless
// an interval of it is open already.
func (q Queries) OpenRunInterval(ctx context.Context, vmID string, at time.Time) error {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vm_run_intervals WHERE vm_id = $1 AND stopped_at = 0`, vmID).Scan(&n); err != nil {
		return classify(err)
	}
	if n > 0 {
		return nil
	}
	_, err := q.q.ExecContext(ctx, `INSERT INTO vm_run_intervals (vm_id, started_at, stopped_at) VALUES ($1, $2, 0)`, vmID, micros(at))
	return classify(err)
}

// CloseRunInterval ends a VM's open interval, if any, at at.
func (q Queries) CloseRunInterval(ctx context.Context, vmID string, at time.Time) error {
	_, err := q.q.ExecContext(ctx, `UPDATE vm_run_intervals SET stopped_at = $2 WHERE vm_id = $1 AND stopped_at = 0`, vmID, micros(at))
	return classify(err)
}

// ListRunIntervals returns every interval, by VM and start.
func (q Queries) ListRunIntervals(ctx context.Context) ([]RunInterval, error) {
	return queryAll(ctx, q.q, scanRunInterval,
		`SELECT vm_id, started_at, stopped_at FROM vm_run_intervals ORDER BY vm_id, started_at`)
}
