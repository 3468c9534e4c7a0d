package api

import "time"

// ScheduleJob is an operation on a VM that triggers run, as its owner.
type ScheduleJob struct {
	// ID is the job's id.
	ID string `json:"id" example:"4f1c2e0a-8d7b-4c53-9a61-2b9f0e7d5c11"`
	// Name and Description are free text.
	Name string `json:"name" example:"nightly-stop"`
	// Description is free text.
	Description string `json:"description" example:"stop the build VM at night"`
	// Owner is the user the job runs as.
	Owner string `json:"owner" example:"alice"`
	// Tenant is the owner's tenant.
	Tenant string `json:"tenant" example:"default"`
	// VM is the id of the VM the job acts on.
	VM string `json:"vm" example:"0e7fea19-48d9-41f6-a42e-d9b0ab0c0358"`
	// Action is what the job does.
	Action string `json:"action" enum:"start,stop,reboot,snapshot" example:"stop"`
	// Enabled jobs run when their triggers fire.
	Enabled bool `json:"enabled" example:"true"`
	// LastResult says how the last run went.
	LastResult string `json:"last_result,omitempty" example:"succeeded at 2026-12-03T03:00:01Z"`
	// Triggers are the ids of the triggers firing the job.
	Triggers []string `json:"triggers" example:"[\"9b2d...\"]"`
	// CreatedAt is when the job was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-03T13:09:42Z"`
}

// ScheduleJobsPost is the body of POST /v1/schedules/jobs.
type ScheduleJobsPost struct {
	// Name of the job.
	Name string `json:"name" required:"true" example:"nightly-stop"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"stop the build VM at night"`
	// VM is the id or name of the VM.
	VM string `json:"vm" required:"true" example:"build-1"`
	// Action is what the job does.
	Action string `json:"action" required:"true" enum:"start,stop,reboot,snapshot" example:"stop"`
}

// ScheduleJobPatch is the body of PATCH /v1/schedules/jobs/{id}.
type ScheduleJobPatch struct {
	// Name, if given, renames the job.
	Name *string `json:"name,omitempty" example:"nightly-stop"`
	// Description, if given, replaces it.
	Description *string `json:"description,omitempty" example:"stop at 3"`
	// Enabled, if given, enables or disables the job.
	Enabled *bool `json:"enabled,omitempty" example:"false"`
}

// ScheduleTrigger says when its jobs run.
type ScheduleTrigger struct {
	// ID is the trigger's id.
	ID string `json:"id" example:"9b2d6f3e-1c4a-4e8b-8f0d-7a6c5b4e3d21"`
	// Name and Description are free text.
	Name string `json:"name" example:"every-night"`
	// Description is free text.
	Description string `json:"description" example:"3 am"`
	// Owner is the user who made it.
	Owner string `json:"owner" example:"alice"`
	// Kind is simple (start, interval, repeat) or cron.
	Kind string `json:"kind" enum:"simple,cron" example:"cron"`
	// StartAt is when it fires first.
	StartAt time.Time `json:"start_at" example:"2026-12-04T03:00:00Z"`
	// IntervalSeconds is the time between firings of a simple trigger.
	IntervalSeconds int64 `json:"interval_seconds,omitempty" example:"86400"`
	// Repeat is how often a simple trigger fires (0: once without an
	// interval, forever with one).
	Repeat int64 `json:"repeat,omitempty" example:"0"`
	// Cron is a cron expression (seconds optional, Quartz's ? taken).
	Cron string `json:"cron,omitempty" example:"0 0 3 * * ?"`
	// FireCount is how often it fired.
	FireCount int64 `json:"fire_count" example:"12"`
	// LastFiredAt is when it last fired.
	LastFiredAt *time.Time `json:"last_fired_at,omitempty" example:"2026-12-03T03:00:00Z"`
	// Jobs are the ids of the jobs it fires.
	Jobs []string `json:"jobs" example:"[\"4f1c...\"]"`
}

// ScheduleTriggersPost is the body of POST /v1/schedules/triggers.
type ScheduleTriggersPost struct {
	// Name of the trigger.
	Name string `json:"name" required:"true" example:"every-night"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"3 am"`
	// Kind is simple (default) or cron.
	Kind string `json:"kind,omitempty" enum:"simple,cron" example:"cron"`
	// StartAt defaults to now.
	StartAt *time.Time `json:"start_at,omitempty" example:"2026-12-04T03:00:00Z"`
	// IntervalSeconds is the time between firings of a simple trigger.
	IntervalSeconds int64 `json:"interval_seconds,omitempty" example:"86400"`
	// Repeat is how often a simple trigger fires.
	Repeat int64 `json:"repeat,omitempty" example:"7"`
	// Cron is the expression of a cron trigger.
	Cron string `json:"cron,omitempty" example:"0 0 3 * * ?"`
}
