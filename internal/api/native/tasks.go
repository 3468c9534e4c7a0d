package native

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func taskToAPI(t model.Task) api.Task {
	out := api.Task{ID: t.ID, Kind: t.Kind, TargetType: t.TargetType, TargetID: t.TargetID, ParentID: t.ParentID, State: string(t.State),
		Progress: t.Progress, Error: t.Error, ErrorCode: string(t.ErrorCode), Result: t.Result, Requester: t.Requester,
		CreatedAt: t.CreatedAt}
	if !t.StartedAt.IsZero() {
		out.StartedAt = &t.StartedAt
	}
	if !t.FinishedAt.IsZero() {
		out.FinishedAt = &t.FinishedAt
	}
	return out
}

func (s *Server) listTasks(r *http.Request) (any, error) {
	q := r.URL.Query()
	limit, offset, err := pageOf(q)
	if err != nil {
		return nil, err
	}
	f := store.TaskFilter{TargetID: q.Get("target"), ParentID: q.Get("parent"), Kind: q.Get("kind"), Limit: limit, Offset: offset}
	if st := q.Get("state"); st != "" {
		switch model.TaskState(st) {
		case model.TaskQueued, model.TaskRunning, model.TaskSucceeded, model.TaskFailed, model.TaskCancelled:
		default:
			return nil, model.FieldError("state", "must be queued, running, succeeded, failed or cancelled")
		}
		f.States = []model.TaskState{model.TaskState(st)}
	}
	page, err := s.svc.ListTasksPage(ctx(r), f)
	if err != nil {
		return nil, err
	}
	out := make([]api.Task, 0, len(page.Tasks))
	for _, t := range page.Tasks {
		out = append(out, taskToAPI(t))
	}
	return listPage{items: out, total: page.Total, next: nextPage(r, offset, len(out), page.Total)}, nil
}

func (s *Server) getTask(r *http.Request) (any, error) {
	t, err := s.svc.GetTask(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}

func (s *Server) waitTask(r *http.Request) (any, error) {
	timeout := 60 * time.Second
	if v := r.URL.Query().Get("timeout"); v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 || secs > 3600 {
			return nil, model.FieldError("timeout", "must be a number of seconds from 0 to 3600")
		}
		timeout = time.Duration(secs) * time.Second
	}
	httpguard.ExtendWrite(ctx(r), timeout)
	wctx, cancel := context.WithTimeout(ctx(r), timeout)
	defer cancel()
	t, err := s.svc.WaitTask(wctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}

func (s *Server) cancelTask(r *http.Request) (any, error) {
	t, err := s.svc.CancelTask(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}
