package task

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

func openDB(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOutcomes(t *testing.T) {
	ctx := context.Background()
	e := New(context.Background(), openDB(t, filepath.Join(t.TempDir(), "k.db")), quiet, 4)
	defer e.Close()
	e.Register("ok", Kind{Handler: func(ctx context.Context, r *Run) (any, error) {
		var p struct{ N int }
		if err := r.Params(&p); err != nil {
			return nil, err
		}
		r.Progress(50)
		return map[string]int{"double": p.N * 2}, nil
	}})
	e.Register("bad", Kind{Handler: func(ctx context.Context, r *Run) (any, error) {
		return nil, model.Errorf(model.CodeInsufficientCapacity, "no room")
	}})
	e.Register("panics", Kind{Handler: func(ctx context.Context, r *Run) (any, error) { panic("oops") }})

	tests := []struct {
		kind      string
		state     model.TaskState
		result    string
		errorCode model.ErrorCode
	}{
		{"ok", model.TaskSucceeded, `{"double":42}`, ""},
		{"bad", model.TaskFailed, "", model.CodeInsufficientCapacity},
		{"panics", model.TaskFailed, "", model.CodeInternal},
	}
	for _, tc := range tests {
		task, err := e.Submit(ctx, Spec{Kind: tc.kind, TargetID: tc.kind, Params: map[string]int{"N": 21}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Wait(ctx, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != tc.state || string(got.Result) != tc.result || got.ErrorCode != tc.errorCode {
			t.Errorf("%s: got state=%s result=%s code=%s err=%q", tc.kind, got.State, got.Result, got.ErrorCode, got.Error)
		}
		if got.State == model.TaskSucceeded && got.Progress != 100 {
			t.Errorf("%s: progress %d after success", tc.kind, got.Progress)
		}
	}
	if _, err := e.Submit(ctx, Spec{Kind: "unknown"}); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestCancelAndFIFOPerTarget(t *testing.T) {
	ctx := context.Background()
	e := New(context.Background(), openDB(t, filepath.Join(t.TempDir(), "k.db")), quiet, 4)
	defer e.Close()
	var mu sync.Mutex
	var order []string
	started := make(chan struct{}, 1)
	e.Register("block", Kind{Handler: func(ctx context.Context, r *Run) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}})
	e.Register("record", Kind{Handler: func(ctx context.Context, r *Run) (any, error) {
		var name string
		r.Params(&name)
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		return nil, nil
	}})
	blocker, _ := e.Submit(ctx, Spec{Kind: "block", TargetID: "vm"})
	<-started
	var ids []string
	for _, n := range []string{"1", "2", "3"} {
		tk, _ := e.Submit(ctx, Spec{Kind: "record", TargetID: "vm", Params: n})
		ids = append(ids, tk.ID)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	if len(order) != 0 {
		t.Fatalf("tasks ran while an earlier task on the same target was running: %v", order)
	}
	mu.Unlock()
	if _, err := e.Cancel(ctx, blocker.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Wait(ctx, blocker.ID)
	if got.State != model.TaskCancelled {
		t.Fatalf("cancelled task state = %s", got.State)
	}
	for _, id := range ids {
		e.Wait(ctx, id)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 3 || order[0] != "1" || order[1] != "2" || order[2] != "3" {
		t.Fatalf("order = %v, want FIFO", order)
	}
	if _, err := e.Cancel(ctx, blocker.ID); !model.IsCode(err, model.CodeConflict) {
		t.Fatalf("cancel of a finished task: %v", err)
	}
}

func TestResumeAfterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db := openDB(t, path)
	first := New(context.Background(), db, quiet, 4)
	running := make(chan struct{}, 2)
	block := func(ctx context.Context, r *Run) (any, error) {
		running <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	first.Register("resumable", Kind{Handler: block, Resumable: true})
	first.Register("oneshot", Kind{Handler: block})
	a, _ := first.Submit(ctx, Spec{Kind: "resumable", TargetID: "a"})
	b, _ := first.Submit(ctx, Spec{Kind: "oneshot", TargetID: "b"})
	<-running
	<-running
	first.Close() // the controller stops with both tasks running

	for _, id := range []string{a.ID, b.ID} {
		if tk, _ := db.GetTask(ctx, id); tk.State != model.TaskRunning {
			t.Fatalf("task %s is %s after shutdown, want running (to be resumed)", id, tk.State)
		}
	}
	second := New(context.Background(), db, quiet, 4)
	defer second.Close()
	second.Register("resumable", Kind{Resumable: true, Handler: func(ctx context.Context, r *Run) (any, error) { return "again", nil }})
	second.Register("oneshot", Kind{Handler: func(ctx context.Context, r *Run) (any, error) { return nil, errors.New("must not run") }})
	if err := second.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	ra, _ := second.Wait(ctx, a.ID)
	rb, _ := second.Wait(ctx, b.ID)
	if ra.State != model.TaskSucceeded || string(ra.Result) != `"again"` {
		t.Errorf("resumable task: %s %s", ra.State, ra.Result)
	}
	if rb.State != model.TaskFailed || rb.Error != ErrInterrupted.Error() {
		t.Errorf("non-resumable task: %s %q", rb.State, rb.Error)
	}
}
