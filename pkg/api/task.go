package api

import (
	"encoding/json"
	"time"
)

// Task is a long-running operation. Poll GET /v1/tasks/{id} or wait with
// GET /v1/tasks/{id}/wait?timeout=SECONDS. A parent task (kind "group")
// stands for one request over many tasks (a Nano batch, a ZStack API
// job, a CloudTower batch call); it ends when its children have, and
// GET /v1/tasks?parent={id} lists them.
type Task struct {
	// ID is the task's id.
	ID string `json:"id" example:"5f0c7a34-8a0e-4f57-9d2c-2b1f3e0d7c91"`
	// Kind says what the task does: "vm.create", "image.import", "group".
	Kind string `json:"kind" example:"vm.start"`
	// TargetType is the kind of object the task works on.
	TargetType string `json:"target_type" example:"vm"`
	// TargetID is the id of that object.
	TargetID string `json:"target_id" example:"0c2d9a8e-1f7b-4a36-b5f4-3e9d2a7c6b10"`
	// ParentID is the parent task the task is part of, if any.
	ParentID string `json:"parent_id,omitempty" example:"b9e4c1d2-6a7f-4e3b-8c5d-1a2b3c4d5e6f"`
	// State is where the task is.
	State string `json:"state" enum:"queued,running,succeeded,failed,cancelled" example:"running"`
	// Progress is how far it is, in percent.
	Progress int `json:"progress" minimum:"0" maximum:"100" example:"40"`
	// Error says why a task failed or was cancelled.
	Error string `json:"error,omitempty" example:"host node-2 is unreachable"`
	// ErrorCode classifies Error (the codes of api.Error).
	ErrorCode string `json:"error_code,omitempty" example:"unavailable"`
	// Result is what a succeeded task made, by kind.
	Result json.RawMessage `json:"result,omitempty" example:"{\"snapshot\":\"before-upgrade\"}"`
	// Requester is the user who asked for the task.
	Requester string `json:"requester" example:"alice"`
	// CreatedAt is when it was asked for.
	CreatedAt time.Time `json:"created_at" example:"2026-12-03T13:09:42Z"`
	// StartedAt is when it started running.
	StartedAt *time.Time `json:"started_at,omitempty" example:"2026-12-03T13:09:42Z"`
	// FinishedAt is when it ended.
	FinishedAt *time.Time `json:"finished_at,omitempty" example:"2026-12-03T13:09:47Z"`
}

// Final reports whether the task will not change again.
func (t Task) Final() bool {
	return t.State == "succeeded" || t.State == "failed" || t.State == "cancelled"
}

// TasksFilter selects tasks for GET /v1/tasks; empty fields select all.
type TasksFilter struct {
	// Target selects the tasks working on an object (its id).
	Target string `query:"target" example:"0c2d9a8e-1f7b-4a36-b5f4-3e9d2a7c6b10"`
	// State selects the tasks in one state.
	State string `query:"state" enum:"queued,running,succeeded,failed,cancelled" example:"running"`
	// Parent selects the children of a parent task.
	Parent string `query:"parent" example:"b9e4c1d2-6a7f-4e3b-8c5d-1a2b3c4d5e6f"`
	// Kind selects tasks of one kind ("group" for parent tasks).
	Kind string `query:"kind" example:"group"`
	// Limit is the page size (default 100, at most 1000).
	Limit int `query:"limit" minimum:"0" maximum:"1000" example:"50"`
	// Offset skips that many matching tasks.
	Offset int `query:"offset" minimum:"0" example:"100"`
}
