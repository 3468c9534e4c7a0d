package cloudtower

import (
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/internal/store"
)

// task is CloudTower's Task, a Kumo task seen from the task center.
type task struct {
	ID               string  `json:"id"`
	Description      string  `json:"description"`
	Status           string  `json:"status"`
	Progress         float64 `json:"progress"`
	ErrorCode        *string `json:"error_code"`
	ErrorMessage     *string `json:"error_message"`
	ResourceID       string  `json:"resource_id"`
	ResourceType     string  `json:"resource_type"`
	ResourceMutation string  `json:"resource_mutation"`
	Internal         bool    `json:"internal"`
	User             *ref    `json:"user"`
	LocalCreatedAt   *string `json:"local_created_at"`
	StartedAt        *string `json:"started_at"`
	FinishedAt       *string `json:"finished_at"`
	// Args, Snapshot and Steps are required by the SDK's Task; Kumo's
	// tasks have no arguments, resource snapshot or steps to show.
	Args     map[string]any `json:"args"`
	Snapshot string         `json:"snapshot"`
	Steps    []struct{}     `json:"steps"`
}

// taskStatus maps Kumo's task states to CloudTower's: a cancelled task
// did not do its work, so it has FAILED.
func taskStatus(st model.TaskState) string {
	switch st {
	case model.TaskQueued:
		return "PENDING"
	case model.TaskRunning:
		return "EXECUTING"
	case model.TaskSucceeded:
		return "SUCCESSED"
	}
	return "FAILED"
}

func toTask(t model.Task) task {
	out := task{ID: t.ID, Description: t.Kind, Status: taskStatus(t.State), Progress: float64(t.Progress) / 100,
		ResourceID: t.TargetID, ResourceType: t.TargetType, ResourceMutation: mutationOf(t.Kind),
		LocalCreatedAt: timestamp(t.CreatedAt), StartedAt: timestamp(t.StartedAt), FinishedAt: timestamp(t.FinishedAt),
		Args: map[string]any{}, Snapshot: "{}", Steps: []struct{}{}}
	if t.Requester != "" {
		out.User = &ref{t.Requester, t.Requester}
	}
	if t.State == model.TaskSucceeded {
		out.Progress = 1
	}
	if t.State == model.TaskFailed || t.State == model.TaskCancelled {
		msg, code := t.Error, strings.ToUpper(string(t.ErrorCode))
		if msg == "" {
			msg = "task " + string(t.State)
		}
		if code == "" {
			code = strings.ToUpper(string(t.State))
		}
		out.ErrorMessage, out.ErrorCode = &msg, &code
	}
	return out
}

// mutationOf names a task's kind the way CloudTower names mutations
// ("vm.start" is startVm).
func mutationOf(kind string) string {
	target, verb, ok := strings.Cut(kind, ".")
	if !ok {
		return kind
	}
	verb = strings.ReplaceAll(verb, "_", ".")
	parts := strings.Split(verb, ".")
	out := parts[0]
	for _, p := range append(parts[1:], target) {
		if p != "" {
			out += strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return out
}

// oneID returns the id of a list body whose where is just {id: "..."}.
func oneID(body map[string]any) (string, bool) {
	w, ok := body["where"].(map[string]any)
	if !ok || len(w) != 1 {
		return "", false
	}
	id, ok := w["id"].(string)
	return id, ok
}

// getTasks is /get-tasks. The progress is a fraction (0 to 1), as in
// CloudTower.
func (s *Server) getTasks(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	var ts []model.Task
	if id, ok := oneID(q); ok {
		// The SDK's way to follow a task: read just that one.
		t, err := s.svc.GetTask(r.Context(), id)
		if err != nil && !model.IsCode(err, model.CodeNotFound) {
			return nil, err
		}
		if err == nil {
			ts = []model.Task{t}
		}
	} else if ts, err = s.svc.ListTasks(r.Context(), store.TaskFilter{}); err != nil {
		return nil, err
	}
	all := make([]task, 0, len(ts))
	for _, t := range ts {
		// CloudTower has no parent tasks: a batch call is the tasks
		// its reply names, so parents (Kumo's view of the call) are
		// left out.
		if _, parent := service.GroupOf(t); !parent {
			all = append(all, toTask(t))
		}
	}
	return list(q, all)
}
