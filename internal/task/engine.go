// Package task runs long operations as persisted tasks. A task is stored
// before it runs, its progress and outcome are stored as they happen, and
// a restarted controller resumes queued tasks and either resumes or fails
// the ones that were running, so no task is left "running" forever.
package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Handler does the work of one kind of task. It returns the task's result
// (stored as JSON) or an error. It must stop when ctx is cancelled.
type Handler func(ctx context.Context, run *Run) (result any, err error)

// Kind describes one registered kind of task.
type Kind struct {
	Handler Handler
	// Resumable kinds are idempotent: a task that was running when the
	// controller stopped is run again from the start. Others are failed.
	Resumable bool
}

// Spec is a request to run a task.
type Spec struct {
	// ID is the task's id; empty makes one.
	ID         string
	Kind       string
	TargetType string
	TargetID   string
	Params     any
	Requester  string
	WebHook    string
}

// ErrInterrupted is the error of a non-resumable task that was running when
// the controller stopped.
// It is unavailable (worth trying again), and a Kumo error so that its
// message reaches the user.
var ErrInterrupted error = &model.Error{Code: model.CodeUnavailable, Message: "interrupted: the controller restarted while the task was running"}

// Engine runs tasks.
type Engine struct {
	db  *store.DB
	log *slog.Logger

	mu      sync.Mutex
	kinds   map[string]Kind
	cancels map[string]context.CancelFunc
	waiters map[string][]chan struct{}
	// tails holds, per target, a channel closed when the last task queued
	// on that target finishes; tasks on one target run in FIFO order.
	tails     map[string]chan struct{}
	listeners []func(model.Task)
	closed    bool

	limit chan struct{} // bounds tasks running at once
	wg    sync.WaitGroup
	base  context.Context
	stop  context.CancelFunc
}

// New returns an engine that runs at most parallel tasks at once. Their
// handlers get contexts derived from base (which carries who they run
// as).
func New(base context.Context, db *store.DB, log *slog.Logger, parallel int) *Engine {
	if parallel < 1 {
		parallel = 1
	}
	base, stop := context.WithCancel(base)
	return &Engine{
		db: db, log: log,
		kinds:   map[string]Kind{},
		cancels: map[string]context.CancelFunc{},
		waiters: map[string][]chan struct{}{},
		tails:   map[string]chan struct{}{},
		limit:   make(chan struct{}, parallel),
		base:    base, stop: stop,
	}
}

// Register adds a kind of task. Call before Resume and Submit.
func (e *Engine) Register(name string, k Kind) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.kinds[name] = k
}

// OnFinish adds a function called with every task that reaches a final
// state (web hooks, dialect notifications). It must not block for long.
func (e *Engine) OnFinish(fn func(model.Task)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.listeners = append(e.listeners, fn)
}

// Submit stores a new task and starts it in the background.
func (e *Engine) Submit(ctx context.Context, spec Spec) (model.Task, error) {
	e.mu.Lock()
	_, known := e.kinds[spec.Kind]
	e.mu.Unlock()
	if !known {
		return model.Task{}, fmt.Errorf("task kind %q is not registered", spec.Kind)
	}
	t, err := e.create(ctx, spec, false)
	if err != nil {
		return model.Task{}, err
	}
	e.start(t)
	return t, nil
}

// create stores a new queued task for spec (started already when
// started is set), refusing an id that is taken.
func (e *Engine) create(ctx context.Context, spec Spec, started bool) (model.Task, error) {
	params, err := json.Marshal(spec.Params)
	if err != nil {
		return model.Task{}, fmt.Errorf("encode task params: %w", err)
	}
	id := spec.ID
	if id == "" {
		id = uuid.NewString()
	}
	t := model.Task{
		ID: id, Kind: spec.Kind, TargetType: spec.TargetType, TargetID: spec.TargetID,
		State: model.TaskQueued, Params: params, Requester: spec.Requester, WebHook: spec.WebHook,
		CreatedAt: time.Now().UTC(),
	}
	if started {
		t.StartedAt = t.CreatedAt
	}
	if err := e.db.CreateTask(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return model.Task{}, model.Errorf(model.CodeConflict, "a task with id %s exists already", t.ID)
		}
		return model.Task{}, fmt.Errorf("store task: %w", err)
	}
	return t, nil
}

// Record stores a task that is over already: work done (or refused) at
// once, kept as a task so it is listed and can be polled like others.
// Its kind need not be registered.
func (e *Engine) Record(ctx context.Context, spec Spec, result any, err error) (model.Task, error) {
	t, cerr := e.create(ctx, spec, true)
	if cerr != nil {
		return model.Task{}, cerr
	}
	return e.finish(t, result, err), nil
}

// Resume picks up tasks left by a previous run of the controller.
func (e *Engine) Resume(ctx context.Context) error {
	tasks, err := e.db.ListTasks(ctx, store.TaskFilter{States: []model.TaskState{model.TaskQueued, model.TaskRunning}})
	if err != nil {
		return fmt.Errorf("list unfinished tasks: %w", err)
	}
	// ListTasks is newest first; resume oldest first to keep their order.
	for i := len(tasks) - 1; i >= 0; i-- {
		t := tasks[i]
		e.mu.Lock()
		k, known := e.kinds[t.Kind]
		e.mu.Unlock()
		switch {
		case !known:
			e.finish(t, nil, fmt.Errorf("task kind %q is not known to this controller", t.Kind))
		case t.State == model.TaskRunning && !k.Resumable:
			e.finish(t, nil, ErrInterrupted)
		default:
			e.log.Info("resuming task", "task", t.ID, "kind", t.Kind, "was", t.State)
			t.State = model.TaskQueued
			e.start(t)
		}
	}
	return nil
}

func (e *Engine) start(t model.Task) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(e.base)
	e.cancels[t.ID] = cancel
	prev := e.tails[t.TargetID]
	done := make(chan struct{})
	if t.TargetID != "" {
		e.tails[t.TargetID] = done
	}
	e.wg.Add(1)
	e.mu.Unlock()

	go func() {
		defer e.wg.Done()
		defer func() {
			e.mu.Lock()
			if e.tails[t.TargetID] == done {
				delete(e.tails, t.TargetID)
			}
			delete(e.cancels, t.ID)
			e.mu.Unlock()
			close(done)
			cancel()
		}()
		if prev != nil {
			select {
			case <-prev:
			case <-ctx.Done():
			}
		}
		select {
		case e.limit <- struct{}{}:
			defer func() { <-e.limit }()
		case <-ctx.Done():
		}
		e.run(ctx, t)
	}()
}

func (e *Engine) run(ctx context.Context, t model.Task) {
	if ctx.Err() != nil {
		e.finish(t, nil, ctx.Err())
		return
	}
	e.mu.Lock()
	k := e.kinds[t.Kind]
	e.mu.Unlock()
	t.State = model.TaskRunning
	t.StartedAt = time.Now().UTC()
	if err := e.db.UpdateTask(context.WithoutCancel(ctx), t); err != nil {
		e.log.Error("store task start", "task", t.ID, "err", err)
	}
	run := &Run{Task: t, engine: e}
	ctx = context.WithValue(ctx, runKey{}, run)
	var (
		result any
		err    error
	)
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("task panicked: %v", p)
				e.log.Error("task panicked", "task", t.ID, "kind", t.Kind, "panic", p)
			}
		}()
		result, err = k.Handler(ctx, run)
	}()
	if ctx.Err() != nil && e.isShuttingDown() {
		// The controller is stopping: whatever the handler made of its
		// cancelled context (an EOF from an agent, a wrapped error) is
		// the stop's doing, not the task's outcome.
		err = ctx.Err()
	}
	e.finish(t, result, err)
}

type runKey struct{}

// RunOf returns the task run whose handler ctx belongs to, or nil outside
// a task. The service uses it to tell a task, which may wait for an agent
// to come back, from a request a person waits on.
func RunOf(ctx context.Context) *Run {
	r, _ := ctx.Value(runKey{}).(*Run)
	return r
}

func (e *Engine) isShuttingDown() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// finish stores the final state of a task and tells whoever waits for it.
func (e *Engine) finish(t model.Task, result any, err error) model.Task {
	if e.isShuttingDown() && err != nil && errors.Is(err, context.Canceled) {
		// The controller is stopping: leave the task as it is so that the
		// next start resumes or fails it, instead of calling it cancelled.
		return t
	}
	t.FinishedAt = time.Now().UTC()
	if t.StartedAt.IsZero() {
		t.StartedAt = t.FinishedAt
	}
	switch {
	case err == nil:
		t.State, t.Progress = model.TaskSucceeded, 100
		if result != nil {
			if b, merr := json.Marshal(result); merr == nil {
				t.Result = b
			}
		}
	case errors.Is(err, context.Canceled):
		t.State, t.Error = model.TaskCancelled, "cancelled"
	default:
		// Users read t.Error through every API; the details, which may
		// name host paths or commands, are logged below.
		t.State, t.Error, t.ErrorCode = model.TaskFailed, model.PublicMessage(err), model.CodeOf(err)
	}
	if uerr := e.db.UpdateTask(context.Background(), t); uerr != nil {
		e.log.Error("store task outcome", "task", t.ID, "err", uerr)
	}
	if t.State == model.TaskFailed {
		e.log.Warn("task failed", "task", t.ID, "kind", t.Kind, "target", t.TargetID, "err", err)
	}
	e.mu.Lock()
	ws := e.waiters[t.ID]
	delete(e.waiters, t.ID)
	listeners := append([]func(model.Task){}, e.listeners...)
	e.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
	for _, fn := range listeners {
		fn(t)
	}
	return t
}

// Cancel asks a queued or running task to stop. Cancelling a finished task
// is a conflict.
func (e *Engine) Cancel(ctx context.Context, id string) (model.Task, error) {
	t, err := e.Get(ctx, id)
	if err != nil {
		return t, err
	}
	if t.State.Final() {
		return t, model.Errorf(model.CodeConflict, "task %s already %s", id, t.State)
	}
	e.mu.Lock()
	cancel := e.cancels[id]
	e.mu.Unlock()
	if cancel == nil {
		return t, model.Errorf(model.CodeConflict, "task %s is not running on this controller", id)
	}
	cancel()
	return t, nil
}

// Get returns a task.
func (e *Engine) Get(ctx context.Context, id string) (model.Task, error) {
	t, err := e.db.GetTask(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return t, model.NotFound("task", id)
	}
	return t, err
}

// List returns tasks, newest first.
func (e *Engine) List(ctx context.Context, f store.TaskFilter) ([]model.Task, error) {
	return e.db.ListTasks(ctx, f)
}

// Wait blocks until the task is final or ctx ends, and returns its latest
// stored state either way.
func (e *Engine) Wait(ctx context.Context, id string) (model.Task, error) {
	ch := make(chan struct{})
	e.mu.Lock()
	e.waiters[id] = append(e.waiters[id], ch)
	e.mu.Unlock()
	t, err := e.Get(ctx, id)
	if err != nil || t.State.Final() {
		e.dropWaiter(id, ch)
		return t, err
	}
	select {
	case <-ch:
	case <-ctx.Done():
		e.dropWaiter(id, ch)
	}
	return e.Get(context.WithoutCancel(ctx), id)
}

func (e *Engine) dropWaiter(id string, ch chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ws := e.waiters[id]
	for i, w := range ws {
		if w == ch {
			e.waiters[id] = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(e.waiters[id]) == 0 {
		delete(e.waiters, id)
	}
}

// Close stops the engine: running tasks are cancelled and left for the next
// start to resume or fail. It waits for their handlers to return.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stop()
	e.wg.Wait()
}

// Run is the handle a Handler gets for its task.
type Run struct {
	Task   model.Task
	engine *Engine
}

// Params decodes the task's parameters into v.
func (r *Run) Params(v any) error {
	if err := json.Unmarshal(r.Task.Params, v); err != nil {
		return fmt.Errorf("decode params of task %s: %w", r.Task.ID, err)
	}
	return nil
}

// Progress stores the task's progress (0-100).
func (r *Run) Progress(pct int) {
	pct = min(max(pct, 0), 99) // 100 is for success only
	if pct == r.Task.Progress {
		return
	}
	r.Task.Progress = pct
	if err := r.engine.db.SetTaskProgress(context.Background(), r.Task.ID, pct); err != nil {
		r.engine.log.Warn("store task progress", "task", r.Task.ID, "err", err)
	}
}

// Closing reports whether the engine is shutting down; a handler that sees
// its context cancelled can tell a cancel from a controller stop.
func (e *Engine) Closing() bool { return e.isShuttingDown() }
