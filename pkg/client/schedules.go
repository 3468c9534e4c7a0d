package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// ScheduleJobs lists scheduled jobs.
func (c *Client) ScheduleJobs(ctx context.Context) (out []api.ScheduleJob, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/schedules/jobs", nil, &out)
}

// ScheduleJob shows a scheduled job.
func (c *Client) ScheduleJob(ctx context.Context, id string) (out api.ScheduleJob, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/schedules/jobs/"+url.PathEscape(id), nil, &out)
}

// CreateScheduleJob makes a job that triggers run on a VM.
func (c *Client) CreateScheduleJob(ctx context.Context, req api.ScheduleJobsPost) (out api.ScheduleJob, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/schedules/jobs", req, &out)
}

// UpdateScheduleJob renames, enables or disables a job.
func (c *Client) UpdateScheduleJob(ctx context.Context, id string, req api.ScheduleJobPatch) (out api.ScheduleJob, err error) {
	return out, c.do(ctx, http.MethodPatch, "/v1/schedules/jobs/"+url.PathEscape(id), req, &out)
}

// DeleteScheduleJob deletes a scheduled job.
func (c *Client) DeleteScheduleJob(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/schedules/jobs/"+url.PathEscape(id), nil, nil)
}

// ScheduleTriggers lists schedule triggers.
func (c *Client) ScheduleTriggers(ctx context.Context) (out []api.ScheduleTrigger, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/schedules/triggers", nil, &out)
}

// ScheduleTrigger shows a schedule trigger.
func (c *Client) ScheduleTrigger(ctx context.Context, id string) (out api.ScheduleTrigger, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/schedules/triggers/"+url.PathEscape(id), nil, &out)
}

// CreateScheduleTrigger makes a trigger (simple or cron).
func (c *Client) CreateScheduleTrigger(ctx context.Context, req api.ScheduleTriggersPost) (out api.ScheduleTrigger, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/schedules/triggers", req, &out)
}

// DeleteScheduleTrigger deletes a trigger; its jobs stay.
func (c *Client) DeleteScheduleTrigger(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/schedules/triggers/"+url.PathEscape(id), nil, nil)
}

// LinkScheduleJob makes a trigger fire a job.
func (c *Client) LinkScheduleJob(ctx context.Context, trigger, job string) error {
	return c.do(ctx, http.MethodPut, "/v1/schedules/triggers/"+url.PathEscape(trigger)+"/jobs/"+url.PathEscape(job), nil, nil)
}

// UnlinkScheduleJob stops a trigger firing a job.
func (c *Client) UnlinkScheduleJob(ctx context.Context, trigger, job string) error {
	return c.do(ctx, http.MethodDelete, "/v1/schedules/triggers/"+url.PathEscape(trigger)+"/jobs/"+url.PathEscape(job), nil, nil)
}
