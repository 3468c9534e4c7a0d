package model

import (
	"encoding/json"
	"time"
)

// TaskState is where a task is in its life.
type TaskState string

// Task states. Succeeded, failed and cancelled are final.
const (
	TaskQueued    TaskState = "queued"
	TaskRunning   TaskState = "running"
	TaskSucceeded TaskState = "succeeded"
	TaskFailed    TaskState = "failed"
	TaskCancelled TaskState = "cancelled"
)

// Final reports whether the state will not change again.
func (s TaskState) Final() bool {
	return s == TaskSucceeded || s == TaskFailed || s == TaskCancelled
}

// Task is a persisted long-running operation.
type Task struct {
	ID         string          `json:"id"`
	Kind       string          `json:"kind"` // e.g. "vm.create"
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	State      TaskState       `json:"state"`
	Progress   int             `json:"progress"` // 0-100
	Error      string          `json:"error,omitempty"`
	ErrorCode  ErrorCode       `json:"error_code,omitempty"`
	Params     json.RawMessage `json:"-"` // input, kept so a restarted controller can resume
	Result     json.RawMessage `json:"result,omitempty"`
	Requester  string          `json:"requester"`
	// ParentID is the task this one is part of (a batch, an API job).
	ParentID   string    `json:"parent_id,omitempty"`
	WebHook    string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// TaskPage is one page of a task list and how many tasks matched in all.
type TaskPage struct {
	Tasks []Task
	Total int
}
