package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

const taskColumns = `id, kind, target_type, target_id, state, progress, error, error_code, params, result, requester, web_hook,
	created_at, started_at, finished_at, parent_id`

func scanTask(s scanner) (model.Task, error) {
	var t model.Task
	var params, result string
	var created, started, finished int64
	err := s.Scan(&t.ID, &t.Kind, &t.TargetType, &t.TargetID, &t.State, &t.Progress, &t.Error, &t.ErrorCode, &params,
		&result, &t.Requester, &t.WebHook, &created, &started, &finished, &t.ParentID)
	if params != "" {
		t.Params = []byte(params)
	}
	if result != "" {
		t.Result = []byte(result)
	}
	t.CreatedAt, t.StartedAt, t.FinishedAt = fromMicros(created), fromMicros(started), fromMicros(finished)
	return t, classify(err)
}

// CreateTask inserts a task.
func (q Queries) CreateTask(ctx context.Context, t model.Task) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO tasks (`+taskColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		t.ID, t.Kind, t.TargetType, t.TargetID, t.State, t.Progress, t.Error, t.ErrorCode, string(t.Params), string(t.Result),
		t.Requester, t.WebHook, micros(t.CreatedAt), micros(t.StartedAt), micros(t.FinishedAt), t.ParentID)
	return classify(err)
}

// GetTask returns a task.
func (q Queries) GetTask(ctx context.Context, id string) (model.Task, error) {
	return scanTask(q.q.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = $1`, id))
}

// TaskFilter selects tasks; empty fields match everything.
type TaskFilter struct {
	States   []model.TaskState
	TargetID string
	// ParentID selects the children of a task.
	ParentID string
	Kind     string
	// Limit caps the list (0: no cap); Offset skips that many.
	Limit, Offset int
}

// ListTasks returns tasks, newest first.
func (q Queries) ListTasks(ctx context.Context, f TaskFilter) ([]model.Task, error) {
	where, args := f.where()
	query := `SELECT ` + taskColumns + ` FROM tasks` + where + " ORDER BY created_at DESC, id" + pageClause(f.Limit, f.Offset)
	return queryAll(ctx, q.q, scanTask, query, args...)
}

// CountTasksFiltered counts the tasks f selects (its page aside).
func (q Queries) CountTasksFiltered(ctx context.Context, f TaskFilter) (int, error) {
	where, args := f.where()
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks`+where, args...).Scan(&n)
	return n, classify(err)
}

func (f TaskFilter) where() (string, []any) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		var ph []string
		for _, s := range f.States {
			args = append(args, s)
			ph = append(ph, "$"+strconv.Itoa(len(args)))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.TargetID != "" {
		args = append(args, f.TargetID)
		where = append(where, "target_id = $"+strconv.Itoa(len(args)))
	}
	if f.ParentID != "" {
		args = append(args, f.ParentID)
		where = append(where, "parent_id = $"+strconv.Itoa(len(args)))
	}
	if f.Kind != "" {
		args = append(args, f.Kind)
		where = append(where, "kind = $"+strconv.Itoa(len(args)))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// UpdateTask stores a task's progress and outcome.
func (q Queries) UpdateTask(ctx context.Context, t model.Task) error {
	return q.execOne(ctx, `UPDATE tasks SET state = $2, progress = $3, error = $4, error_code = $5, result = $6,
		started_at = $7, finished_at = $8 WHERE id = $1`,
		t.ID, t.State, t.Progress, t.Error, t.ErrorCode, string(t.Result), micros(t.StartedAt), micros(t.FinishedAt))
}

// SetTaskProgress stores only the progress of a running task.
func (q Queries) SetTaskProgress(ctx context.Context, id string, progress int) error {
	return q.execOne(ctx, `UPDATE tasks SET progress = $2 WHERE id = $1 AND state = $3`, id, progress, model.TaskRunning)
}

// SetTaskParent makes tasks children of a parent task.
func (q Queries) SetTaskParent(ctx context.Context, parentID string, children []string) error {
	for _, id := range children {
		if err := q.execOne(ctx, `UPDATE tasks SET parent_id = $2 WHERE id = $1`, id, parentID); err != nil {
			return err
		}
	}
	return nil
}
