package zstack

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Scheduler triggers say when; scheduler jobs (scheduler_jobs.go) say
// what. The background loop (runBackground) fires due triggers once a
// second; a trigger's fire count and last fire are persisted with it, so
// a restart neither repeats nor forgets firings.

const kindTrigger = "schedulerTrigger"

type triggerInventory struct {
	UUID              string   `json:"uuid"`
	AccountUUID       string   `json:"accountUuid"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	SchedulerType     string   `json:"schedulerType"`
	SchedulerInterval int64    `json:"schedulerInterval,omitempty"`
	RepeatCount       int64    `json:"repeatCount,omitempty"`
	StartTime         int64    `json:"startTime"`
	Cron              string   `json:"cron,omitempty"`
	JobsUUID          []string `json:"jobsUuid"`
	FireCount         int64    `json:"fireCount"`
	LastFireTime      int64    `json:"lastFireTime,omitempty"`
	CreateDate        string   `json:"createDate"`
	LastOpDate        string   `json:"lastOpDate"`
}

// cronParser reads Quartz-style expressions as ZStack takes them (with
// seconds, "?" for day fields) and plain five-field ones.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// due reports whether the trigger should fire at now.
func (t triggerInventory) due(now time.Time) bool {
	start := time.UnixMilli(t.StartTime)
	if now.Before(start) {
		return false
	}
	switch t.SchedulerType {
	case "cron":
		sched, err := cronParser.Parse(t.Cron)
		if err != nil {
			return false
		}
		from := start.Add(-time.Second)
		if t.LastFireTime > 0 {
			from = time.UnixMilli(t.LastFireTime)
		}
		return !now.Before(sched.Next(from))
	default: // simple
		limit := t.RepeatCount
		if limit == 0 && t.SchedulerInterval == 0 {
			limit = 1
		}
		if limit > 0 && t.FireCount >= limit {
			return false
		}
		next := start.Add(time.Duration(t.FireCount*t.SchedulerInterval) * time.Second)
		return !now.Before(next)
	}
}

// fired records a firing at now. A simple trigger that missed firings
// (the server was down) skips them rather than firing them in a burst.
func (t *triggerInventory) fired(now time.Time) {
	t.LastFireTime = now.UnixMilli()
	t.FireCount++
	if t.SchedulerType != "cron" && t.SchedulerInterval > 0 {
		if missed := now.Sub(time.UnixMilli(t.StartTime)) / (time.Duration(t.SchedulerInterval) * time.Second); int64(missed)+1 > t.FireCount {
			t.FireCount = int64(missed) + 1
		}
	}
}

func (s *Server) trigger(ctx context.Context, uuid string) (triggerInventory, error) {
	var t triggerInventory
	if err := s.svc.GetZStackObject(ctx, kindTrigger, zid(uuid), &t); err != nil {
		return t, model.NotFound("scheduler trigger", uuid)
	}
	return t, s.mayManage(ctx, t.AccountUUID, "scheduler trigger "+t.Name)
}

func (s *Server) putTrigger(ctx context.Context, t triggerInventory) error {
	return s.svc.PutZStackObject(ctx, kindTrigger, t.UUID, time.Now(), t)
}

func (s *Server) createSchedulerTrigger(r *http.Request) (any, error) {
	var p struct {
		Name              string  `json:"name"`
		Description       string  `json:"description"`
		SchedulerInterval float64 `json:"schedulerInterval"`
		RepeatCount       float64 `json:"repeatCount"`
		StartTime         float64 `json:"startTime"`
		SchedulerType     string  `json:"schedulerType"`
		Cron              string  `json:"cron"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, model.FieldError("name", "is required")
	}
	switch p.SchedulerType {
	case "", "simple":
		p.SchedulerType = "simple"
		if p.SchedulerInterval < 0 || p.RepeatCount < 0 {
			return nil, model.FieldError("schedulerInterval", "schedulerInterval and repeatCount must not be negative")
		}
		if p.RepeatCount > 1 && p.SchedulerInterval == 0 {
			return nil, model.FieldError("schedulerInterval", "is required when the trigger repeats")
		}
	case "cron":
		if _, err := cronParser.Parse(p.Cron); err != nil {
			return nil, model.FieldError("cron", "%q is not a cron expression: %v", p.Cron, err)
		}
	default:
		return nil, model.FieldError("schedulerType", "must be simple or cron, not %q", p.SchedulerType)
	}
	now := time.Now()
	start := int64(p.StartTime)
	if start == 0 {
		start = now.UnixMilli()
	}
	t := triggerInventory{UUID: newUUID(), AccountUUID: callerOf(r.Context()).accountUUID, Name: p.Name, Description: p.Description,
		SchedulerType: p.SchedulerType, SchedulerInterval: int64(p.SchedulerInterval), RepeatCount: int64(p.RepeatCount),
		StartTime: start, Cron: p.Cron, JobsUUID: []string{}, CreateDate: date(now), LastOpDate: date(now)}
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	return inventory(t), s.putTrigger(r.Context(), t)
}

func (s *Server) deleteSchedulerTrigger(r *http.Request) (any, error) {
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	t, err := s.trigger(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.DeleteZStackObject(r.Context(), kindTrigger, t.UUID)
}

func (s *Server) triggers(ctx context.Context) ([]triggerInventory, error) {
	return listObjects[triggerInventory](ctx, s, kindTrigger)
}

func (s *Server) querySchedulerTrigger(r *http.Request) (any, error) {
	all, err := s.triggers(r.Context())
	if err != nil {
		return nil, err
	}
	c := callerOf(r.Context())
	var visible []triggerInventory
	for _, t := range all {
		if c.admin() || t.AccountUUID == c.accountUUID {
			visible = append(visible, t)
		}
	}
	return queryReply(r, visible, func(t triggerInventory) string { return t.UUID })
}

func (s *Server) updateSchedulerTrigger(r *http.Request) (any, error) {
	var p struct {
		Name              *string  `json:"name"`
		Description       *string  `json:"description"`
		SchedulerInterval *float64 `json:"schedulerInterval"`
		RepeatCount       *float64 `json:"repeatCount"`
		StartTime         *float64 `json:"startTime"`
	}
	if err := body(r, "updateSchedulerTrigger", &p); err != nil {
		return nil, err
	}
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	t, err := s.trigger(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		t.Name = *p.Name
	}
	if p.Description != nil {
		t.Description = *p.Description
	}
	// A new schedule starts counting its firings afresh.
	if p.SchedulerInterval != nil || p.RepeatCount != nil || p.StartTime != nil {
		if t.SchedulerType == "cron" {
			return nil, model.FieldError("schedulerInterval", "a cron trigger has no interval, repeat count or start time to change")
		}
		if p.SchedulerInterval != nil {
			t.SchedulerInterval = int64(*p.SchedulerInterval)
		}
		if p.RepeatCount != nil {
			t.RepeatCount = int64(*p.RepeatCount)
		}
		if p.StartTime != nil {
			t.StartTime = int64(*p.StartTime)
		}
		if t.SchedulerInterval < 0 || t.RepeatCount < 0 {
			return nil, model.FieldError("schedulerInterval", "schedulerInterval and repeatCount must not be negative")
		}
		if t.RepeatCount > 1 && t.SchedulerInterval == 0 {
			return nil, model.FieldError("schedulerInterval", "is required when the trigger repeats")
		}
		t.FireCount, t.LastFireTime = 0, 0
	}
	t.LastOpDate = date(time.Now())
	return inventory(t), s.putTrigger(r.Context(), t)
}

func (s *Server) addSchedulerJobToSchedulerTrigger(r *http.Request) (any, error) {
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	ctx := r.Context()
	j, err := s.schedulerJob(ctx, r.PathValue("schedulerJobUuid"))
	if err != nil {
		return nil, err
	}
	t, err := s.trigger(ctx, r.PathValue("schedulerTriggerUuid"))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(t.JobsUUID, j.UUID) {
		t.JobsUUID = append(t.JobsUUID, j.UUID)
	}
	t.LastOpDate = date(time.Now())
	return struct{}{}, s.putTrigger(ctx, t)
}

func (s *Server) removeSchedulerJobFromSchedulerTrigger(r *http.Request) (any, error) {
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	ctx := r.Context()
	t, err := s.trigger(ctx, r.PathValue("schedulerTriggerUuid"))
	if err != nil {
		return nil, err
	}
	job := zid(r.PathValue("schedulerJobUuid"))
	if !slices.Contains(t.JobsUUID, job) {
		return nil, model.NotFound("scheduler job of trigger "+t.Name, job)
	}
	t.JobsUUID = slices.DeleteFunc(t.JobsUUID, func(j string) bool { return j == job })
	return struct{}{}, s.putTrigger(ctx, t)
}
