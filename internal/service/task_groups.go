package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// Parent tasks group the tasks of one request: a Nano batch, a ZStack API
// job, a CloudTower batch call. A parent is persisted with its items and
// ends when its children have, so a batch or a job survives a controller
// restart with its children, and every API (GET /v1/tasks) sees it; the
// dialects are views over it.

// kindGroup is the task kind of every parent task; GroupRequest.Kind
// names what it groups and is kept in its params.
const kindGroup = "group"

// GroupItem is one part of a parent task: an object and the child task
// working on it, or why no task could be made for it.
type GroupItem struct {
	Name   string `json:"name,omitempty"`
	Object string `json:"object,omitempty"` // the id of the object the item is about
	TaskID string `json:"task_id,omitempty"`
	Error  string `json:"error,omitempty"`
}

// GroupRequest asks for a parent task.
type GroupRequest struct {
	// ID is the parent's id (a ZStack X-Job-UUID); empty makes one.
	ID string
	// Kind says what the parent groups ("nano.batch.create",
	// "zstack.CreateVmInstance", "cloudtower.create-vm").
	Kind  string
	Items []GroupItem
	// Reply is what the dialect needs to answer once the parent is over
	// (a rendering recipe or a finished body), kept with it.
	Reply json.RawMessage
	// Failure, if set, ends the parent at once as failed (a ZStack API
	// job refused before any task was made).
	Failure error
	// WebHook is told when the parent ends (ZStack's X-Web-Hook).
	WebHook string
}

// groupParams is what a parent task keeps.
type groupParams struct {
	Kind  string          `json:"kind"`
	Items []GroupItem     `json:"items"`
	Reply json.RawMessage `json:"reply,omitempty"`
}

// Group is a parent task with what it groups.
type Group struct {
	Task  model.Task
	Kind  string
	Items []GroupItem
	Reply json.RawMessage
}

// SubmitGroup records a parent task over child tasks already submitted
// by the caller: it ends when they have (failed if one failed). A group
// without children, or with a Failure, is over at once.
func (s *Service) SubmitGroup(ctx context.Context, req GroupRequest) (model.Task, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.Task{}, err
	}
	if req.Kind == "" {
		return model.Task{}, model.FieldError("kind", "is required")
	}
	var children []string
	for _, it := range req.Items {
		if it.TaskID == "" {
			continue
		}
		t, err := s.db.GetTask(ctx, it.TaskID)
		if err != nil {
			return model.Task{}, notFound(err, "task", it.TaskID)
		}
		if t.Requester != p.Name && !p.FullAccess() {
			return model.Task{}, model.Errorf(model.CodePermissionDenied, "task %s is not %s's to group", t.ID, p.Name)
		}
		children = append(children, t.ID)
	}
	if req.Items == nil {
		req.Items = []GroupItem{}
	}
	spec := task.Spec{ID: req.ID, Kind: kindGroup, TargetType: "group", Requester: requesterOf(ctx), WebHook: req.WebHook,
		Params: groupParams{Kind: req.Kind, Items: req.Items, Reply: req.Reply}}
	if spec.ID == "" {
		spec.ID = newID()
	}
	// Children first point at their parent, so a parent that exists
	// always knows all of its children.
	if err := s.db.SetTaskParent(ctx, spec.ID, children); err != nil {
		return model.Task{}, internal(err, "link the tasks to their parent")
	}
	if req.Failure != nil || len(children) == 0 {
		return s.tasks.Record(ctx, spec, nil, req.Failure)
	}
	return s.tasks.Submit(ctx, spec)
}

// GetGroup returns a parent task the caller may see, with its items.
func (s *Service) GetGroup(ctx context.Context, id string) (Group, error) {
	t, err := s.GetTask(ctx, id)
	if err != nil {
		return Group{}, err
	}
	if t.Kind != kindGroup {
		return Group{}, model.NotFound("task group", id)
	}
	g, err := decodeGroup(t)
	if err != nil {
		return Group{}, internal(err, "read the group's items")
	}
	return g, nil
}

// ListGroups returns the parent tasks of a kind the caller may see,
// newest first, of the last limit parents.
func (s *Service) ListGroups(ctx context.Context, kind string, limit int) ([]Group, error) {
	ts, err := s.ListTasks(ctx, store.TaskFilter{Kind: kindGroup, Limit: limit})
	if err != nil {
		return nil, err
	}
	var out []Group
	for _, t := range ts {
		if g, ok := GroupOf(t); ok && g.Kind == kind {
			out = append(out, g)
		}
	}
	return out, nil
}

// GroupOf reads the items of a parent task delivered to a listener.
func GroupOf(t model.Task) (Group, bool) {
	if t.Kind != kindGroup {
		return Group{}, false
	}
	g, err := decodeGroup(t)
	return g, err == nil
}

// decodeGroup reads what a parent task keeps in its params.
func decodeGroup(t model.Task) (Group, error) {
	var p groupParams
	if err := json.Unmarshal(t.Params, &p); err != nil {
		return Group{}, err
	}
	return Group{Task: t, Kind: p.Kind, Items: p.Items, Reply: p.Reply}, nil
}

// OnTaskFinished registers fn to be told of every task that ends (web
// hooks of API jobs). fn must not block for long.
func (s *Service) OnTaskFinished(fn func(model.Task)) { s.tasks.OnFinish(fn) }

// runGroup waits for a parent's children; it fails when one did, with
// the first failure's code. Waiting again after a restart is safe.
func (s *Service) runGroup(ctx context.Context, run *task.Run) (any, error) {
	var p groupParams
	if err := run.Params(&p); err != nil {
		return nil, err
	}
	var failed []string
	var code model.ErrorCode
	done := 0
	for _, it := range p.Items {
		if it.TaskID == "" {
			continue
		}
		t, err := s.tasks.Wait(ctx, it.TaskID)
		if err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		done++
		run.Progress(100 * done / len(p.Items))
		if t.State != model.TaskSucceeded {
			if code == "" {
				code = t.ErrorCode
				if code == "" {
					code = model.CodeUnavailable
				}
			}
			what := it.Name
			if what == "" {
				what = it.Object
			}
			failed = append(failed, fmt.Sprintf("%s of %s %s: %s", t.Kind, t.TargetType, what, strings.TrimSpace(string(t.State)+" "+t.Error)))
		}
	}
	if len(failed) > 0 {
		return nil, model.Errorf(code, "%s", strings.Join(failed, "; "))
	}
	// The items no task was made for say why, in the result every API
	// shows (a host evacuation's VMs that stayed).
	var skipped []GroupItem
	for _, it := range p.Items {
		if it.TaskID == "" && it.Error != "" {
			skipped = append(skipped, it)
		}
	}
	if len(skipped) > 0 {
		return groupResult{Skipped: skipped}, nil
	}
	return nil, nil
}

// groupResult is what a parent task that succeeded reports, when some of
// its items had no task.
type groupResult struct {
	Skipped []GroupItem `json:"skipped"`
}

// AsRequester returns a context acting as the user who asked for a task,
// to render what the task's caller would see (a ZStack job's web hook
// body) after the request is gone. It grants nothing the requester does
// not hold.
func (s *Service) AsRequester(ctx context.Context, t model.Task) (context.Context, error) {
	u, err := s.db.GetUserByName(ctx, t.Requester)
	if err != nil {
		return nil, notFound(err, "user", t.Requester)
	}
	p, err := s.principalOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return WithPrincipal(ctx, p), nil
}
