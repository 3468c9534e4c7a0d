package api

import (
	"encoding/json"
	"time"
)

// Task is a long-running operation. Poll GET /v1/tasks/{id} or wait with
// GET /v1/tasks/{id}/wait?timeout=SECONDS.
type Task struct {
	ID         string          `json:"id"`
	Kind       string          `json:"kind"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	State      string          `json:"state" enum:"queued,running,succeeded,failed,cancelled"`
	Progress   int             `json:"progress" minimum:"0" maximum:"100"`
	Error      string          `json:"error,omitempty"`
	ErrorCode  string          `json:"error_code,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Requester  string          `json:"requester"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// Final reports whether the task will not change again.
func (t Task) Final() bool {
	return t.State == "succeeded" || t.State == "failed" || t.State == "cancelled"
}
