package zstack

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

const kindSchedulerJob = "schedulerJob"

// Scheduler job types Kumo runs, and what they do to the target VM.
var schedulerJobTypes = map[string]string{
	"startVm": service.ActionStart, "stopVm": service.ActionStop, "rebootVm": service.ActionReboot,
	"volumeSnapshot": "snapshot", "vmSnapshot": "snapshot",
}

type schedulerJobInventory struct {
	UUID               string         `json:"uuid"`
	AccountUUID        string         `json:"accountUuid"`
	Name               string         `json:"name"`
	Description        string         `json:"description"`
	TargetResourceUUID string         `json:"targetResourceUuid"`
	Type               string         `json:"type"`
	Parameters         map[string]any `json:"parameters,omitempty"`
	State              string         `json:"state"`
	LastResult         string         `json:"lastResult,omitempty"`
	CreateDate         string         `json:"createDate"`
	LastOpDate         string         `json:"lastOpDate"`
}

func (s *Server) schedulerJob(ctx context.Context, uuid string) (schedulerJobInventory, error) {
	var j schedulerJobInventory
	if err := s.svc.GetZStackObject(ctx, kindSchedulerJob, zid(uuid), &j); err != nil {
		return j, model.NotFound("scheduler job", uuid)
	}
	return j, s.mayManage(ctx, j.AccountUUID, "scheduler job "+j.Name)
}

func (s *Server) putSchedulerJob(ctx context.Context, j schedulerJobInventory) error {
	return s.svc.PutZStackObject(ctx, kindSchedulerJob, j.UUID, time.Now(), j)
}

func (s *Server) createSchedulerJob(r *http.Request) (any, error) {
	var p struct {
		Name               string         `json:"name"`
		Description        string         `json:"description"`
		TargetResourceUUID string         `json:"targetResourceUuid"`
		Type               string         `json:"type"`
		Parameters         map[string]any `json:"parameters"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, model.FieldError("name", "is required")
	}
	if _, ok := schedulerJobTypes[p.Type]; !ok {
		return nil, model.FieldError("type", "Kumo runs scheduler jobs of type startVm, stopVm, rebootVm, volumeSnapshot and vmSnapshot, not %q", p.Type)
	}
	// The caller must be able to see the VM it schedules.
	vm, err := s.svc.GetVM(r.Context(), kumoID(p.TargetResourceUUID))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	j := schedulerJobInventory{UUID: newUUID(), AccountUUID: callerOf(r.Context()).accountUUID, Name: p.Name,
		Description: p.Description, TargetResourceUUID: zid(vm.ID), Type: p.Type, Parameters: p.Parameters, State: "Enabled",
		CreateDate: date(now), LastOpDate: date(now)}
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	return inventory(j), s.putSchedulerJob(r.Context(), j)
}

func (s *Server) deleteSchedulerJob(r *http.Request) (any, error) {
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	ctx := r.Context()
	j, err := s.schedulerJob(ctx, r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	triggers, err := s.triggers(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range triggers {
		if slices.Contains(t.JobsUUID, j.UUID) {
			t.JobsUUID = slices.DeleteFunc(t.JobsUUID, func(id string) bool { return id == j.UUID })
			if err := s.putTrigger(ctx, t); err != nil {
				return nil, err
			}
		}
	}
	return struct{}{}, s.svc.DeleteZStackObject(ctx, kindSchedulerJob, j.UUID)
}

func (s *Server) schedulerJobs(ctx context.Context) ([]schedulerJobInventory, error) {
	all, err := listObjects[schedulerJobInventory](ctx, s, kindSchedulerJob)
	if err != nil {
		return nil, err
	}
	c := callerOf(ctx)
	var visible []schedulerJobInventory
	for _, j := range all {
		if c.admin() || j.AccountUUID == c.accountUUID {
			visible = append(visible, j)
		}
	}
	return visible, nil
}

func (s *Server) querySchedulerJob(r *http.Request) (any, error) {
	jobs, err := s.schedulerJobs(r.Context())
	if err != nil {
		return nil, err
	}
	return queryReply(r, jobs, func(j schedulerJobInventory) string { return j.UUID })
}

// getNoTriggerSchedulerJobs is GET /scheduler/jobs/candidates.
func (s *Server) getNoTriggerSchedulerJobs(r *http.Request) (any, error) {
	jobs, err := s.schedulerJobs(r.Context())
	if err != nil {
		return nil, err
	}
	triggers, err := s.triggers(r.Context())
	if err != nil {
		return nil, err
	}
	out := []schedulerJobInventory{}
	for _, j := range jobs {
		if !slices.ContainsFunc(triggers, func(t triggerInventory) bool { return slices.Contains(t.JobsUUID, j.UUID) }) {
			out = append(out, j)
		}
	}
	return map[string]any{"inventories": out}, nil
}

func (s *Server) updateSchedulerJob(r *http.Request) (any, error) {
	var p struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := body(r, "updateSchedulerJob", &p); err != nil {
		return nil, err
	}
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	j, err := s.schedulerJob(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		j.Name = *p.Name
	}
	if p.Description != nil {
		j.Description = *p.Description
	}
	j.LastOpDate = date(time.Now())
	return inventory(j), s.putSchedulerJob(r.Context(), j)
}

// changeSchedulerState is PUT /schedulers/{uuid}: enable or disable a job.
func (s *Server) changeSchedulerState(r *http.Request) (any, error) {
	var p struct {
		StateEvent string `json:"stateEvent"`
	}
	if err := body(r, "changeSchedulerState", &p); err != nil {
		return nil, err
	}
	state := map[string]string{"enable": "Enabled", "disable": "Disabled"}[p.StateEvent]
	if state == "" {
		return nil, model.FieldError("stateEvent", "must be enable or disable, not %q", p.StateEvent)
	}
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	j, err := s.schedulerJob(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	j.State, j.LastOpDate = state, date(time.Now())
	return inventory(j), s.putSchedulerJob(r.Context(), j)
}

// runBackground fires scheduler triggers every second and records VM
// uptime for billing every few seconds, until Close.
func (s *Server) runBackground() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			ctx := context.Background()
			s.fireDueTriggers(ctx, now)
			if n%5 == 0 {
				if err := s.svc.RecordVMRuns(ctx); err != nil {
					s.log.Warn("record VM run intervals", "err", err)
				}
			}
		}
	}
}

func (s *Server) fireDueTriggers(ctx context.Context, now time.Time) {
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	triggers, err := s.triggers(ctx)
	if err != nil {
		s.log.Warn("read scheduler triggers", "err", err)
		return
	}
	for _, t := range triggers {
		if !t.due(now) {
			continue
		}
		t.fired(now)
		if err := s.putTrigger(ctx, t); err != nil {
			s.log.Warn("record scheduler trigger firing", "trigger", t.UUID, "err", err)
			continue
		}
		for _, id := range t.JobsUUID {
			var j schedulerJobInventory
			if s.svc.GetZStackObject(ctx, kindSchedulerJob, id, &j) != nil || j.State != "Enabled" {
				continue
			}
			j.LastResult = s.runSchedulerJob(ctx, j, now)
			j.LastOpDate = date(now)
			if err := s.putSchedulerJob(ctx, j); err != nil {
				s.log.Warn("record scheduler job result", "job", j.UUID, "err", err)
			}
		}
	}
}

// runSchedulerJob starts the job's operation (a Kumo task) and says so;
// when the task ends, its outcome replaces that in the job's lastResult
// and goes to the operation log.
func (s *Server) runSchedulerJob(ctx context.Context, j schedulerJobInventory, now time.Time) string {
	ctx = asSystem(ctx)
	vmID := kumoID(j.TargetResourceUUID)
	var t model.Task
	var err error
	switch action := schedulerJobTypes[j.Type]; action {
	case "snapshot":
		t, err = s.svc.CreateSnapshot(ctx, vmID, fmt.Sprintf("scheduled-%d", now.Unix()), "scheduler job "+j.UUID)
	default:
		t, err = s.svc.ChangeVMState(ctx, vmID, service.ChangeVMStateRequest{Action: action})
	}
	if err != nil {
		s.recordSchedulerRun(ctx, j, err)
		return "failed at " + date(now) + ": " + err.Error()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.waitTask(s.closing, t)
		if s.closing.Err() != nil {
			return
		}
		s.recordSchedulerRun(ctx, j, err)
		result := "succeeded at " + date(time.Now())
		if err != nil {
			result = "failed at " + date(time.Now()) + ": " + err.Error()
		}
		s.schedMu.Lock()
		defer s.schedMu.Unlock()
		var cur schedulerJobInventory
		if s.svc.GetZStackObject(ctx, kindSchedulerJob, j.UUID, &cur) == nil {
			cur.LastResult = result
			if err := s.putSchedulerJob(ctx, cur); err != nil {
				s.log.Warn("record scheduler job result", "job", j.UUID, "err", err)
			}
		}
	}()
	return "submitted at " + date(now)
}

func (s *Server) recordSchedulerRun(ctx context.Context, j schedulerJobInventory, err error) {
	content := fmt.Sprintf("ZStack scheduler job %s (%s) ran %s on VM %s", j.Name, j.UUID, j.Type, j.TargetResourceUUID)
	if err != nil {
		content += ": failed: " + err.Error()
		s.log.Warn("scheduler job failed", "job", j.UUID, "type", j.Type, "err", err)
	}
	if err := s.svc.RecordOperation(ctx, "scheduler", content); err != nil {
		s.log.Warn("record operation log", "content", content, "err", err)
	}
}
