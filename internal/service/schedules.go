package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Scheduled operations (ZStack's scheduler jobs and triggers) are a core
// service: `kumo server` fires due triggers once a second whatever APIs
// are on, and each job runs as its owner, with its owner's permissions,
// as a task on its VM. A VM's jobs go with the VM, a user's with the
// user (foreign keys).

// scheduleActionPerms is the permission each job action needs on its VM.
var scheduleActionPerms = map[string]model.Permission{
	model.ScheduleStart: model.PermVMStart, model.ScheduleStop: model.PermVMStop,
	model.ScheduleReboot: model.PermVMReboot, model.ScheduleSnapshot: model.PermVMSnapshot,
}

// cronParser reads Quartz-style expressions (with seconds, "?" for day
// fields) and plain five-field ones.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// scheduleObject is what authorization knows of a job or trigger: its
// owner's, shared in its tenant like VMs.
func scheduleObject(kind, key, owner, tenant string) owned {
	return owned{kind: kind, key: key, owner: owner, tenant: tenant, shares: instancesShared}
}

// CreateScheduleJobRequest asks for a new job.
type CreateScheduleJobRequest struct {
	Name, Description string
	VM                string // id or name
	Action            string // a model.Schedule* action
	GivenType         string // the action as the client named it, shown back
	Parameters        map[string]any
}

// CreateScheduleJob makes a job of the caller's. The caller must be
// allowed the job's action on the VM now.
func (s *Service) CreateScheduleJob(ctx context.Context, req CreateScheduleJobRequest) (model.ScheduleJob, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.ScheduleJob{}, err
	}
	if !p.Can(model.PermScheduleCreate) {
		return model.ScheduleJob{}, denied(p, model.PermScheduleCreate)
	}
	if err := validLabel("name", req.Name, 1, 255); err != nil {
		return model.ScheduleJob{}, err
	}
	if err := validDescriptionText("description", req.Description, 1024); err != nil {
		return model.ScheduleJob{}, err
	}
	perm, ok := scheduleActionPerms[req.Action]
	if !ok {
		return model.ScheduleJob{}, model.FieldError("action", "must be start, stop, reboot or snapshot, not %q", req.Action)
	}
	vm, err := s.reachVM(ctx, req.VM, perm)
	if err != nil {
		return model.ScheduleJob{}, err
	}
	if p.controlPlane {
		return model.ScheduleJob{}, model.Errorf(model.CodeInvalidArgument, "a job belongs to a user")
	}
	j := model.ScheduleJob{ID: newID(), TenantID: p.TenantID, Owner: p.Name, Name: req.Name, Description: req.Description,
		VMID: vm.ID, Action: req.Action, GivenType: req.GivenType, Parameters: req.Parameters, Enabled: true, Triggers: []string{},
		CreatedAt: now(), UpdatedAt: now()}
	return j, s.db.CreateScheduleJob(ctx, j, p.UserID)
}

func (s *Service) reachScheduleJob(ctx context.Context, q store.Queries, id string, perm model.Permission) (model.ScheduleJob, error) {
	if _, err := caller(ctx); err != nil {
		return model.ScheduleJob{}, err
	}
	j, err := q.GetScheduleJob(ctx, id)
	if err != nil {
		return j, notFound(err, "scheduler job", id)
	}
	return j, authorizeOn(ctx, perm, scheduleObject("scheduler job", id, j.Owner, j.TenantID))
}

// GetScheduleJob returns a job the caller may read.
func (s *Service) GetScheduleJob(ctx context.Context, id string) (model.ScheduleJob, error) {
	return s.reachScheduleJob(ctx, s.db.Queries, id, model.PermScheduleRead)
}

// ListScheduleJobs returns the jobs the caller may read.
func (s *Service) ListScheduleJobs(ctx context.Context) ([]model.ScheduleJob, error) {
	if err := Authorize(ctx, model.PermScheduleRead); err != nil {
		return nil, err
	}
	all, err := s.db.ListScheduleJobs(ctx)
	return slices.DeleteFunc(all, func(j model.ScheduleJob) bool {
		return !visibleTo(ctx, model.PermScheduleRead, scheduleObject("scheduler job", j.ID, j.Owner, j.TenantID))
	}), err
}

// ScheduleJobUpdate changes a job; nil fields stay.
type ScheduleJobUpdate struct {
	Name, Description *string
	Enabled           *bool
}

// UpdateScheduleJob changes a job's name, description or state.
func (s *Service) UpdateScheduleJob(ctx context.Context, id string, upd ScheduleJobUpdate) (model.ScheduleJob, error) {
	var j model.ScheduleJob
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if j, err = s.reachScheduleJob(ctx, q, id, model.PermScheduleUpdate); err != nil {
			return err
		}
		if upd.Name != nil {
			if err := validLabel("name", *upd.Name, 1, 255); err != nil {
				return err
			}
			j.Name = *upd.Name
		}
		if upd.Description != nil {
			if err := validDescriptionText("description", *upd.Description, 1024); err != nil {
				return err
			}
			j.Description = *upd.Description
		}
		if upd.Enabled != nil {
			j.Enabled = *upd.Enabled
		}
		j.UpdatedAt = now()
		return q.UpdateScheduleJob(ctx, j)
	})
	return j, err
}

// DeleteScheduleJob removes a job from its triggers and deletes it.
func (s *Service) DeleteScheduleJob(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := s.reachScheduleJob(ctx, q, id, model.PermScheduleDelete); err != nil {
			return err
		}
		return notFound(q.DeleteScheduleJob(ctx, id), "scheduler job", id)
	})
}

// CreateScheduleTriggerRequest asks for a new trigger.
type CreateScheduleTriggerRequest struct {
	Name, Description string
	Kind              string // model.TriggerSimple (default) or model.TriggerCron
	StartAt           time.Time
	Interval          time.Duration
	Repeat            int64
	Cron              string
}

func checkTrigger(t *model.ScheduleTrigger) error {
	switch t.Kind {
	case "", model.TriggerSimple:
		t.Kind = model.TriggerSimple
		if t.Interval < 0 || t.Repeat < 0 {
			return model.FieldError("schedulerInterval", "schedulerInterval and repeatCount must not be negative")
		}
		if t.Repeat > 1 && t.Interval == 0 {
			return model.FieldError("schedulerInterval", "is required when the trigger repeats")
		}
	case model.TriggerCron:
		if _, err := cronParser.Parse(t.Cron); err != nil {
			return model.FieldError("cron", "%q is not a cron expression: %v", t.Cron, err)
		}
	default:
		return model.FieldError("schedulerType", "must be simple or cron, not %q", t.Kind)
	}
	return nil
}

// CreateScheduleTrigger makes a trigger of the caller's.
func (s *Service) CreateScheduleTrigger(ctx context.Context, req CreateScheduleTriggerRequest) (model.ScheduleTrigger, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.ScheduleTrigger{}, err
	}
	if !p.Can(model.PermScheduleCreate) {
		return model.ScheduleTrigger{}, denied(p, model.PermScheduleCreate)
	}
	if err := validLabel("name", req.Name, 1, 255); err != nil {
		return model.ScheduleTrigger{}, err
	}
	if err := validDescriptionText("description", req.Description, 1024); err != nil {
		return model.ScheduleTrigger{}, err
	}
	if p.controlPlane {
		return model.ScheduleTrigger{}, model.Errorf(model.CodeInvalidArgument, "a trigger belongs to a user")
	}
	t := model.ScheduleTrigger{ID: newID(), TenantID: p.TenantID, Owner: p.Name, Name: req.Name, Description: req.Description,
		Kind: req.Kind, StartAt: req.StartAt, Interval: req.Interval, Repeat: req.Repeat, Cron: req.Cron, Jobs: []string{},
		CreatedAt: now(), UpdatedAt: now()}
	if t.StartAt.IsZero() {
		t.StartAt = now()
	}
	if err := checkTrigger(&t); err != nil {
		return model.ScheduleTrigger{}, err
	}
	return t, s.db.CreateScheduleTrigger(ctx, t, p.UserID)
}

func (s *Service) reachScheduleTrigger(ctx context.Context, q store.Queries, id string, perm model.Permission) (model.ScheduleTrigger, error) {
	if _, err := caller(ctx); err != nil {
		return model.ScheduleTrigger{}, err
	}
	t, err := q.GetScheduleTrigger(ctx, id)
	if err != nil {
		return t, notFound(err, "scheduler trigger", id)
	}
	return t, authorizeOn(ctx, perm, scheduleObject("scheduler trigger", id, t.Owner, t.TenantID))
}

// GetScheduleTrigger returns a trigger the caller may read.
func (s *Service) GetScheduleTrigger(ctx context.Context, id string) (model.ScheduleTrigger, error) {
	return s.reachScheduleTrigger(ctx, s.db.Queries, id, model.PermScheduleRead)
}

// ListScheduleTriggers returns the triggers the caller may read.
func (s *Service) ListScheduleTriggers(ctx context.Context) ([]model.ScheduleTrigger, error) {
	if err := Authorize(ctx, model.PermScheduleRead); err != nil {
		return nil, err
	}
	all, err := s.db.ListScheduleTriggers(ctx)
	return slices.DeleteFunc(all, func(t model.ScheduleTrigger) bool {
		return !visibleTo(ctx, model.PermScheduleRead, scheduleObject("scheduler trigger", t.ID, t.Owner, t.TenantID))
	}), err
}

// ScheduleTriggerUpdate changes a trigger; nil fields stay. A new
// schedule counts its firings afresh.
type ScheduleTriggerUpdate struct {
	Name, Description *string
	StartAt           *time.Time
	Interval          *time.Duration
	Repeat            *int64
}

// UpdateScheduleTrigger changes a trigger.
func (s *Service) UpdateScheduleTrigger(ctx context.Context, id string, upd ScheduleTriggerUpdate) (model.ScheduleTrigger, error) {
	var t model.ScheduleTrigger
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if t, err = s.reachScheduleTrigger(ctx, q, id, model.PermScheduleUpdate); err != nil {
			return err
		}
		if upd.Name != nil {
			if err := validLabel("name", *upd.Name, 1, 255); err != nil {
				return err
			}
			t.Name = *upd.Name
		}
		if upd.Description != nil {
			if err := validDescriptionText("description", *upd.Description, 1024); err != nil {
				return err
			}
			t.Description = *upd.Description
		}
		if upd.StartAt != nil || upd.Interval != nil || upd.Repeat != nil {
			if t.Kind == model.TriggerCron {
				return model.FieldError("schedulerInterval", "a cron trigger has no interval, repeat count or start time to change")
			}
			if upd.StartAt != nil {
				t.StartAt = *upd.StartAt
			}
			if upd.Interval != nil {
				t.Interval = *upd.Interval
			}
			if upd.Repeat != nil {
				t.Repeat = *upd.Repeat
			}
			if err := checkTrigger(&t); err != nil {
				return err
			}
			t.FireCount, t.LastFiredAt = 0, time.Time{}
		}
		t.UpdatedAt = now()
		return q.UpdateScheduleTrigger(ctx, t)
	})
	return t, err
}

// DeleteScheduleTrigger deletes a trigger; its jobs stay.
func (s *Service) DeleteScheduleTrigger(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := s.reachScheduleTrigger(ctx, q, id, model.PermScheduleDelete); err != nil {
			return err
		}
		return notFound(q.DeleteScheduleTrigger(ctx, id), "scheduler trigger", id)
	})
}

// LinkScheduleJob makes a trigger fire a job (or stops it, with unlink).
func (s *Service) LinkScheduleJob(ctx context.Context, jobID, triggerID string, unlink bool) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := s.reachScheduleJob(ctx, q, jobID, model.PermScheduleUpdate); err != nil {
			return err
		}
		t, err := s.reachScheduleTrigger(ctx, q, triggerID, model.PermScheduleUpdate)
		if err != nil {
			return err
		}
		if unlink {
			return notFound(q.UnlinkScheduleJob(ctx, jobID, triggerID), "scheduler job of trigger "+t.Name, jobID)
		}
		return q.LinkScheduleJob(ctx, jobID, triggerID)
	})
}

// triggerDue reports whether a trigger should fire at now.
func triggerDue(t model.ScheduleTrigger, now time.Time) bool {
	if now.Before(t.StartAt) {
		return false
	}
	if t.Kind == model.TriggerCron {
		sched, err := cronParser.Parse(t.Cron)
		if err != nil {
			return false
		}
		from := t.StartAt.Add(-time.Second)
		if !t.LastFiredAt.IsZero() {
			from = t.LastFiredAt
		}
		return !now.Before(sched.Next(from))
	}
	limit := t.Repeat
	if limit == 0 && t.Interval == 0 {
		limit = 1
	}
	if limit > 0 && t.FireCount >= limit {
		return false
	}
	return !now.Before(t.StartAt.Add(time.Duration(t.FireCount) * t.Interval))
}

// triggerFired records a firing at now. A simple trigger that missed
// firings (the controller was down) skips them rather than firing them
// in a burst.
func triggerFired(t *model.ScheduleTrigger, now time.Time) {
	t.LastFiredAt = now
	t.FireCount++
	if t.Kind != model.TriggerCron && t.Interval > 0 {
		if missed := int64(now.Sub(t.StartAt) / t.Interval); missed+1 > t.FireCount {
			t.FireCount = missed + 1
		}
	}
}

// runSchedules fires due triggers once a second until Close.
func (s *Service) runSchedules() {
	defer s.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case t := <-tick.C:
			s.fireDueTriggers(context.Background(), t)
		}
	}
}

func (s *Service) fireDueTriggers(ctx context.Context, at time.Time) {
	triggers, err := s.db.ListScheduleTriggers(ctx)
	if err != nil {
		s.log.Warn("read scheduler triggers", "err", err)
		return
	}
	for _, t := range triggers {
		if !triggerDue(t, at) {
			continue
		}
		triggerFired(&t, at)
		t.UpdatedAt = now()
		if err := s.db.UpdateScheduleTrigger(ctx, t); err != nil {
			s.log.Warn("record a trigger's firing", "trigger", t.ID, "err", err)
			continue
		}
		for _, id := range t.Jobs {
			j, err := s.db.GetScheduleJob(ctx, id)
			if err != nil || !j.Enabled {
				continue
			}
			s.runScheduleJob(ctx, j, at)
		}
	}
}

// runScheduleJob starts a job's task as the job's owner and records the
// outcome in the job and in the operation log when the task ends.
func (s *Service) runScheduleJob(ctx context.Context, j model.ScheduleJob, at time.Time) {
	result := func(err error) string {
		if err != nil {
			return "failed at " + at.Format(time.RFC3339) + ": " + err.Error()
		}
		return "submitted at " + at.Format(time.RFC3339)
	}
	owner, err := s.db.GetUserByName(ctx, j.Owner)
	var p Principal
	if err == nil {
		p, err = s.principalOf(ctx, owner)
	}
	var t model.Task
	if err == nil {
		octx := WithPrincipal(ctx, p)
		if j.Action == model.ScheduleSnapshot {
			t, err = s.CreateSnapshot(octx, j.VMID, fmt.Sprintf("scheduled-%d", at.Unix()), "scheduler job "+j.ID)
		} else {
			t, err = s.ChangeVMState(octx, j.VMID, ChangeVMStateRequest{Action: j.Action})
		}
	}
	if err := s.db.SetScheduleJobResult(ctx, j.ID, result(err), now()); err != nil {
		s.log.Warn("record a scheduler job's result", "job", j.ID, "err", err)
	}
	if err != nil {
		s.recordScheduleRun(ctx, j, err)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-s.stop:
				cancel()
			case <-wctx.Done():
			}
		}()
		done, err := s.tasks.Wait(wctx, t.ID)
		if wctx.Err() != nil {
			return // the controller is stopping; the task resumes on its own
		}
		if err == nil && done.State != model.TaskSucceeded {
			err = model.Errorf(model.CodeUnavailable, "%s %s: %s", done.Kind, done.State, done.Error)
		}
		s.recordScheduleRun(ctx, j, err)
		res := "succeeded at " + time.Now().UTC().Format(time.RFC3339)
		if err != nil {
			res = "failed at " + time.Now().UTC().Format(time.RFC3339) + ": " + err.Error()
		}
		if err := s.db.SetScheduleJobResult(ctx, j.ID, res, now()); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("record a scheduler job's result", "job", j.ID, "err", err)
		}
	}()
}

func (s *Service) recordScheduleRun(ctx context.Context, j model.ScheduleJob, err error) {
	content := fmt.Sprintf("scheduler job %s (%s) of %s ran %s on VM %s", j.Name, j.ID, j.Owner, j.Action, j.VMID)
	if err != nil {
		content += ": failed: " + err.Error()
		s.log.Warn("scheduler job failed", "job", j.ID, "action", j.Action, "err", err)
	}
	if err := s.RecordOperation(ctx, "scheduler", content); err != nil {
		s.log.Warn("record operation log", "content", content, "err", err)
	}
}
