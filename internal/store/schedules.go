package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Schedule jobs and triggers, and the links between them.

const scheduleJobColumns = `j.id, j.tenant_id, u.name, j.name, j.description, j.vm_id, j.action, j.given_type, j.parameters, j.enabled,
	j.last_result, j.created_at, j.updated_at`

func (q Queries) scanScheduleJobs(ctx context.Context, where string, args ...any) ([]model.ScheduleJob, error) {
	jobs, err := queryAll(ctx, q.q, func(s scanner) (model.ScheduleJob, error) {
		var j model.ScheduleJob
		var params string
		var created, updated int64
		err := s.Scan(&j.ID, &j.TenantID, &j.Owner, &j.Name, &j.Description, &j.VMID, &j.Action, &j.GivenType, &params, &j.Enabled,
			&j.LastResult, &created, &updated)
		j.CreatedAt, j.UpdatedAt = fromMicros(created), fromMicros(updated)
		if err == nil && params != "" {
			err = json.Unmarshal([]byte(params), &j.Parameters)
		}
		return j, classify(err)
	}, `SELECT `+scheduleJobColumns+` FROM schedule_jobs j JOIN users u ON u.id = j.owner_id`+where+` ORDER BY j.created_at, j.id`, args...)
	if err != nil {
		return nil, err
	}
	for i := range jobs {
		if jobs[i].Triggers, err = queryAll(ctx, q.q, scanString,
			`SELECT trigger_id FROM schedule_job_triggers WHERE job_id = $1 ORDER BY trigger_id`, jobs[i].ID); err != nil {
			return nil, err
		}
	}
	return jobs, nil
}

// CreateScheduleJob inserts a job owned by the user with ownerID.
func (q Queries) CreateScheduleJob(ctx context.Context, j model.ScheduleJob, ownerID string) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO schedule_jobs (id, tenant_id, owner_id, name, description, vm_id, action, given_type,
		parameters, enabled, last_result, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		j.ID, j.TenantID, ownerID, j.Name, j.Description, j.VMID, j.Action, j.GivenType, jsonOrEmpty(j.Parameters, len(j.Parameters) == 0),
		j.Enabled, j.LastResult, micros(j.CreatedAt), micros(j.UpdatedAt))
	return classify(err)
}

// GetScheduleJob returns a job.
func (q Queries) GetScheduleJob(ctx context.Context, id string) (model.ScheduleJob, error) {
	jobs, err := q.scanScheduleJobs(ctx, ` WHERE j.id = $1`, id)
	if err != nil {
		return model.ScheduleJob{}, err
	}
	if len(jobs) == 0 {
		return model.ScheduleJob{}, ErrNotFound
	}
	return jobs[0], nil
}

// ListScheduleJobs returns every job, oldest first.
func (q Queries) ListScheduleJobs(ctx context.Context) ([]model.ScheduleJob, error) {
	return q.scanScheduleJobs(ctx, "")
}

// UpdateScheduleJob stores a job's name, description, state and result.
func (q Queries) UpdateScheduleJob(ctx context.Context, j model.ScheduleJob) error {
	return q.execOne(ctx, `UPDATE schedule_jobs SET name = $2, description = $3, enabled = $4, last_result = $5, updated_at = $6
		WHERE id = $1`, j.ID, j.Name, j.Description, j.Enabled, j.LastResult, micros(j.UpdatedAt))
}

// SetScheduleJobResult records how a job's last run went.
func (q Queries) SetScheduleJobResult(ctx context.Context, id, result string, at time.Time) error {
	return q.execOne(ctx, `UPDATE schedule_jobs SET last_result = $2, updated_at = $3 WHERE id = $1`, id, result, micros(at))
}

// DeleteScheduleJob removes a job and its trigger links.
func (q Queries) DeleteScheduleJob(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM schedule_jobs WHERE id = $1`, id)
}

const scheduleTriggerColumns = `t.id, t.tenant_id, u.name, t.name, t.description, t.kind, t.start_at, t.interval_ms, t.repeat_count,
	t.cron, t.fire_count, t.last_fired_at, t.created_at, t.updated_at`

func (q Queries) scanScheduleTriggers(ctx context.Context, where string, args ...any) ([]model.ScheduleTrigger, error) {
	ts, err := queryAll(ctx, q.q, func(s scanner) (model.ScheduleTrigger, error) {
		var t model.ScheduleTrigger
		var start, interval, last, created, updated int64
		err := s.Scan(&t.ID, &t.TenantID, &t.Owner, &t.Name, &t.Description, &t.Kind, &start, &interval, &t.Repeat, &t.Cron,
			&t.FireCount, &last, &created, &updated)
		t.StartAt, t.Interval, t.LastFiredAt = fromMicros(start), time.Duration(interval)*time.Millisecond, fromMicros(last)
		t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
		return t, classify(err)
	}, `SELECT `+scheduleTriggerColumns+` FROM schedule_triggers t JOIN users u ON u.id = t.owner_id`+where+` ORDER BY t.created_at, t.id`, args...)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if ts[i].Jobs, err = queryAll(ctx, q.q, scanString,
			`SELECT job_id FROM schedule_job_triggers WHERE trigger_id = $1 ORDER BY job_id`, ts[i].ID); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// CreateScheduleTrigger inserts a trigger owned by the user with ownerID.
func (q Queries) CreateScheduleTrigger(ctx context.Context, t model.ScheduleTrigger, ownerID string) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO schedule_triggers (id, tenant_id, owner_id, name, description, kind, start_at,
		interval_ms, repeat_count, cron, fire_count, last_fired_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		t.ID, t.TenantID, ownerID, t.Name, t.Description, t.Kind, micros(t.StartAt), t.Interval.Milliseconds(), t.Repeat, t.Cron,
		t.FireCount, micros(t.LastFiredAt), micros(t.CreatedAt), micros(t.UpdatedAt))
	return classify(err)
}

// GetScheduleTrigger returns a trigger.
func (q Queries) GetScheduleTrigger(ctx context.Context, id string) (model.ScheduleTrigger, error) {
	ts, err := q.scanScheduleTriggers(ctx, ` WHERE t.id = $1`, id)
	if err != nil {
		return model.ScheduleTrigger{}, err
	}
	if len(ts) == 0 {
		return model.ScheduleTrigger{}, ErrNotFound
	}
	return ts[0], nil
}

// ListScheduleTriggers returns every trigger, oldest first.
func (q Queries) ListScheduleTriggers(ctx context.Context) ([]model.ScheduleTrigger, error) {
	return q.scanScheduleTriggers(ctx, "")
}

// UpdateScheduleTrigger stores a trigger's settings and firings.
func (q Queries) UpdateScheduleTrigger(ctx context.Context, t model.ScheduleTrigger) error {
	return q.execOne(ctx, `UPDATE schedule_triggers SET name = $2, description = $3, start_at = $4, interval_ms = $5,
		repeat_count = $6, cron = $7, fire_count = $8, last_fired_at = $9, updated_at = $10 WHERE id = $1`,
		t.ID, t.Name, t.Description, micros(t.StartAt), t.Interval.Milliseconds(), t.Repeat, t.Cron, t.FireCount,
		micros(t.LastFiredAt), micros(t.UpdatedAt))
}

// DeleteScheduleTrigger removes a trigger and its job links.
func (q Queries) DeleteScheduleTrigger(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM schedule_triggers WHERE id = $1`, id)
}

// LinkScheduleJob makes a trigger fire a job; linking again is no change.
func (q Queries) LinkScheduleJob(ctx context.Context, jobID, triggerID string) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO schedule_job_triggers (job_id, trigger_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		jobID, triggerID)
	return classify(err)
}

// UnlinkScheduleJob stops a trigger firing a job.
func (q Queries) UnlinkScheduleJob(ctx context.Context, jobID, triggerID string) error {
	return q.execOne(ctx, `DELETE FROM schedule_job_triggers WHERE job_id = $1 AND trigger_id = $2`, jobID, triggerID)
}

// Prices.

// CreatePrice inserts a price.
func (q Queries) CreatePrice(ctx context.Context, p model.Price) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO prices (id, resource, unit, time_unit, price, effective_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, p.Resource, p.Unit, p.TimeUnit, p.Price, micros(p.EffectiveAt), micros(p.CreatedAt))
	return classify(err)
}

// ListPrices returns every price by the time it takes effect.
func (q Queries) ListPrices(ctx context.Context) ([]model.Price, error) {
	return queryAll(ctx, q.q, func(s scanner) (model.Price, error) {
		var p model.Price
		var eff, created int64
		err := s.Scan(&p.ID, &p.Resource, &p.Unit, &p.TimeUnit, &p.Price, &eff, &created)
		p.EffectiveAt, p.CreatedAt = fromMicros(eff), fromMicros(created)
		return p, classify(err)
	}, `SELECT id, resource, unit, time_unit, price, effective_at, created_at FROM prices ORDER BY effective_at, created_at, id`)
}

// DeletePrice removes a price.
func (q Queries) DeletePrice(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM prices WHERE id = $1`, id)
}
