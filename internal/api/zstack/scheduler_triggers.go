package zstack

import (
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Scheduler triggers are the core's schedule triggers: they say when
// their jobs run. Intervals are seconds and times epoch milliseconds, as
// ZStack writes them.

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

func triggerOf(t model.ScheduleTrigger) triggerInventory {
	return triggerInventory{UUID: zid(t.ID), AccountUUID: zid(t.TenantID), Name: t.Name, Description: t.Description,
		SchedulerType: t.Kind, SchedulerInterval: int64(t.Interval / time.Second), RepeatCount: t.Repeat,
		StartTime: millis(t.StartAt), Cron: t.Cron, JobsUUID: triggerJobs(t), FireCount: t.FireCount,
		LastFireTime: millis(t.LastFiredAt), CreateDate: date(t.CreatedAt), LastOpDate: date(t.UpdatedAt)}
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
	req := service.CreateScheduleTriggerRequest{Name: p.Name, Description: p.Description, Kind: p.SchedulerType,
		Interval: time.Duration(p.SchedulerInterval) * time.Second, Repeat: int64(p.RepeatCount), Cron: p.Cron}
	if p.StartTime > 0 {
		req.StartAt = time.UnixMilli(int64(p.StartTime)).UTC()
	}
	t, err := s.svc.CreateScheduleTrigger(r.Context(), req)
	if err != nil {
		return nil, err
	}
	return inventory(triggerOf(t)), nil
}

func (s *Server) deleteSchedulerTrigger(r *http.Request) (any, error) {
	return struct{}{}, s.svc.DeleteScheduleTrigger(r.Context(), kumoID(zid(r.PathValue("uuid"))))
}

func (s *Server) querySchedulerTrigger(r *http.Request) (any, error) {
	ts, err := s.svc.ListScheduleTriggers(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]triggerInventory, 0, len(ts))
	for _, t := range ts {
		out = append(out, triggerOf(t))
	}
	return queryReply(r, out, func(t triggerInventory) string { return t.UUID })
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
	upd := service.ScheduleTriggerUpdate{Name: p.Name, Description: p.Description}
	if p.SchedulerInterval != nil {
		d := time.Duration(*p.SchedulerInterval) * time.Second
		upd.Interval = &d
	}
	if p.RepeatCount != nil {
		n := int64(*p.RepeatCount)
		upd.Repeat = &n
	}
	if p.StartTime != nil {
		at := time.UnixMilli(int64(*p.StartTime)).UTC()
		upd.StartAt = &at
	}
	t, err := s.svc.UpdateScheduleTrigger(r.Context(), kumoID(zid(r.PathValue("uuid"))), upd)
	if err != nil {
		return nil, err
	}
	return inventory(triggerOf(t)), nil
}

// jobTriggerInventory is the link of a job to a trigger
// (SchedulerJobSchedulerTriggerInventory). The core keeps the link as a
// pair, so its uuid is derived from the two.
type jobTriggerInventory struct {
	UUID                 string `json:"uuid"`
	SchedulerJobUUID     string `json:"schedulerJobUuid"`
	SchedulerTriggerUUID string `json:"schedulerTriggerUuid"`
	JobGroup             string `json:"jobGroup"`
	TriggerGroup         string `json:"triggerGroup"`
	CreateDate           string `json:"createDate"`
	LastOpDate           string `json:"lastOpDate"`
}

func (s *Server) addSchedulerJobToSchedulerTrigger(r *http.Request) (any, error) {
	jobID, triggerID := kumoID(zid(r.PathValue("schedulerJobUuid"))), kumoID(zid(r.PathValue("schedulerTriggerUuid")))
	if err := s.svc.LinkScheduleJob(r.Context(), jobID, triggerID, false); err != nil {
		return nil, err
	}
	now := date(time.Now())
	return inventory(jobTriggerInventory{UUID: partUUID(jobID, "trigger/"+triggerID), SchedulerJobUUID: zid(jobID),
		SchedulerTriggerUUID: zid(triggerID), JobGroup: zid(jobID), TriggerGroup: zid(triggerID), CreateDate: now, LastOpDate: now}), nil
}

func (s *Server) removeSchedulerJobFromSchedulerTrigger(r *http.Request) (any, error) {
	return struct{}{}, s.svc.LinkScheduleJob(r.Context(), kumoID(zid(r.PathValue("schedulerJobUuid"))),
		kumoID(zid(r.PathValue("schedulerTriggerUuid"))), true)
}
