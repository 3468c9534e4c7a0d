package api

// Event is one message of GET /v1/events, a Server-Sent Events stream:
// its SSE event name is Type and its data this object as JSON.
type Event struct {
	// Type says what happened: a task finished ("task"), or a VM's state
	// after a task on it finished ("vm").
	Type string `json:"type" enum:"task,vm" example:"task"`
	// Task is the finished task (type task).
	Task *Task `json:"task,omitempty"`
	// VM is the VM as it is after the task (type vm).
	VM *VM `json:"vm,omitempty"`
}
