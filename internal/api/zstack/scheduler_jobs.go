package zstack

import (
	"net/http"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Scheduler jobs are the core's schedule jobs (service.CreateScheduleJob):
// `kumo server` runs them whatever APIs are on, each as its owner.

// schedulerJobTypes maps ZStack's job types to the core's actions.
var schedulerJobTypes = map[string]string{
	"startVm": model.ScheduleStart, "stopVm": model.ScheduleStop, "rebootVm": model.ScheduleReboot,
	"volumeSnapshot": model.ScheduleSnapshot, "vmSnapshot": model.ScheduleSnapshot,
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

func schedulerJobOf(j model.ScheduleJob) schedulerJobInventory {
	typ := j.GivenType
	if typ == "" {
		for z, a := range schedulerJobTypes {
			if a == j.Action && (typ == "" || z < typ) {
				typ = z
			}
		}
	}
	state := "Enabled"
	if !j.Enabled {
		state = "Disabled"
	}
	return schedulerJobInventory{UUID: zid(j.ID), AccountUUID: zid(j.TenantID), Name: j.Name, Description: j.Description,
		TargetResourceUUID: zid(j.VMID), Type: typ, Parameters: j.Parameters, State: state, LastResult: j.LastResult,
		CreateDate: date(j.CreatedAt), LastOpDate: date(j.UpdatedAt)}
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
	action, ok := schedulerJobTypes[p.Type]
	if !ok {
		return nil, model.FieldError("type", "Kumo runs scheduler jobs of type startVm, stopVm, rebootVm, volumeSnapshot and vmSnapshot, not %q", p.Type)
	}
	j, err := s.svc.CreateScheduleJob(r.Context(), service.CreateScheduleJobRequest{Name: p.Name, Description: p.Description,
		VM: kumoID(p.TargetResourceUUID), Action: action, GivenType: p.Type, Parameters: p.Parameters})
	if err != nil {
		return nil, err
	}
	return inventory(schedulerJobOf(j)), nil
}

func (s *Server) deleteSchedulerJob(r *http.Request) (any, error) {
	return struct{}{}, s.svc.DeleteScheduleJob(r.Context(), kumoID(zid(r.PathValue("uuid"))))
}

func (s *Server) schedulerJobs(r *http.Request) ([]schedulerJobInventory, error) {
	jobs, err := s.svc.ListScheduleJobs(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]schedulerJobInventory, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, schedulerJobOf(j))
	}
	return out, nil
}

func (s *Server) querySchedulerJob(r *http.Request) (any, error) {
	jobs, err := s.schedulerJobs(r)
	if err != nil {
		return nil, err
	}
	return queryReply(r, jobs, func(j schedulerJobInventory) string { return j.UUID })
}

// getNoTriggerSchedulerJobs is GET /scheduler/jobs/candidates.
func (s *Server) getNoTriggerSchedulerJobs(r *http.Request) (any, error) {
	jobs, err := s.svc.ListScheduleJobs(r.Context())
	if err != nil {
		return nil, err
	}
	out := []schedulerJobInventory{}
	for _, j := range jobs {
		if len(j.Triggers) == 0 {
			out = append(out, schedulerJobOf(j))
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
	j, err := s.svc.UpdateScheduleJob(r.Context(), kumoID(zid(r.PathValue("uuid"))), service.ScheduleJobUpdate{Name: p.Name, Description: p.Description})
	if err != nil {
		return nil, err
	}
	return inventory(schedulerJobOf(j)), nil
}

// changeSchedulerState is PUT /schedulers/{uuid}: enable or disable a job.
func (s *Server) changeSchedulerState(r *http.Request) (any, error) {
	var p struct {
		StateEvent string `json:"stateEvent"`
	}
	if err := body(r, "changeSchedulerState", &p); err != nil {
		return nil, err
	}
	var enabled bool
	switch p.StateEvent {
	case "enable":
		enabled = true
	case "disable":
	default:
		return nil, model.FieldError("stateEvent", "must be enable or disable, not %q", p.StateEvent)
	}
	j, err := s.svc.UpdateScheduleJob(r.Context(), kumoID(zid(r.PathValue("uuid"))), service.ScheduleJobUpdate{Enabled: &enabled})
	if err != nil {
		return nil, err
	}
	return inventory(schedulerJobOf(j)), nil
}

// triggerJobs are the ZStack uuids of a trigger's jobs.
func triggerJobs(t model.ScheduleTrigger) []string {
	out := make([]string, 0, len(t.Jobs))
	for _, id := range t.Jobs {
		out = append(out, zid(id))
	}
	slices.Sort(out)
	return out
}

// millis is a time as ZStack's epoch milliseconds (0 for none).
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
