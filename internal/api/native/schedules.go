package native

import (
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func scheduleJobToAPI(j model.ScheduleJob) api.ScheduleJob {
	return api.ScheduleJob{ID: j.ID, Name: j.Name, Description: j.Description, Owner: j.Owner, Tenant: j.TenantID, VM: j.VMID,
		Action: j.Action, Enabled: j.Enabled, LastResult: j.LastResult, Triggers: j.Triggers, CreatedAt: j.CreatedAt}
}

func scheduleTriggerToAPI(t model.ScheduleTrigger) api.ScheduleTrigger {
	out := api.ScheduleTrigger{ID: t.ID, Name: t.Name, Description: t.Description, Owner: t.Owner, Kind: t.Kind, StartAt: t.StartAt,
		IntervalSeconds: int64(t.Interval / time.Second), Repeat: t.Repeat, Cron: t.Cron, FireCount: t.FireCount, Jobs: t.Jobs}
	if !t.LastFiredAt.IsZero() {
		out.LastFiredAt = &t.LastFiredAt
	}
	return out
}

func (s *Server) listScheduleJobs(r *http.Request) (any, error) {
	js, err := s.svc.ListScheduleJobs(ctx(r))
	out := make([]api.ScheduleJob, 0, len(js))
	for _, j := range js {
		out = append(out, scheduleJobToAPI(j))
	}
	return out, err
}

func (s *Server) createScheduleJob(r *http.Request) (any, error) {
	var req api.ScheduleJobsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	j, err := s.svc.CreateScheduleJob(ctx(r), service.CreateScheduleJobRequest{Name: req.Name, Description: req.Description,
		VM: req.VM, Action: req.Action})
	return scheduleJobToAPI(j), err
}

func (s *Server) getScheduleJob(r *http.Request) (any, error) {
	j, err := s.svc.GetScheduleJob(ctx(r), r.PathValue("id"))
	return scheduleJobToAPI(j), err
}

func (s *Server) patchScheduleJob(r *http.Request) (any, error) {
	var req api.ScheduleJobPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	j, err := s.svc.UpdateScheduleJob(ctx(r), r.PathValue("id"), service.ScheduleJobUpdate{Name: req.Name,
		Description: req.Description, Enabled: req.Enabled})
	return scheduleJobToAPI(j), err
}

func (s *Server) deleteScheduleJob(r *http.Request) (any, error) {
	return nil, s.svc.DeleteScheduleJob(ctx(r), r.PathValue("id"))
}

func (s *Server) listScheduleTriggers(r *http.Request) (any, error) {
	ts, err := s.svc.ListScheduleTriggers(ctx(r))
	out := make([]api.ScheduleTrigger, 0, len(ts))
	for _, t := range ts {
		out = append(out, scheduleTriggerToAPI(t))
	}
	return out, err
}

func (s *Server) createScheduleTrigger(r *http.Request) (any, error) {
	var req api.ScheduleTriggersPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	in := service.CreateScheduleTriggerRequest{Name: req.Name, Description: req.Description, Kind: req.Kind,
		Interval: time.Duration(req.IntervalSeconds) * time.Second, Repeat: req.Repeat, Cron: req.Cron}
	if req.StartAt != nil {
		in.StartAt = req.StartAt.UTC()
	}
	t, err := s.svc.CreateScheduleTrigger(ctx(r), in)
	return scheduleTriggerToAPI(t), err
}

func (s *Server) getScheduleTrigger(r *http.Request) (any, error) {
	t, err := s.svc.GetScheduleTrigger(ctx(r), r.PathValue("id"))
	return scheduleTriggerToAPI(t), err
}

func (s *Server) deleteScheduleTrigger(r *http.Request) (any, error) {
	return nil, s.svc.DeleteScheduleTrigger(ctx(r), r.PathValue("id"))
}

// linkScheduleJob returns the handler of PUT (link) or DELETE (unlink)
// /v1/schedules/triggers/{id}/jobs/{job}.
func (s *Server) linkScheduleJob(unlink bool) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		return nil, s.svc.LinkScheduleJob(ctx(r), r.PathValue("job"), r.PathValue("id"), unlink)
	}
}
