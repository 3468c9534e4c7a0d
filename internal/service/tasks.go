package service

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Tasks are seen by who asked for them and by whoever may read their
// target; admins see all. A task the caller may not see is not found.

// taskVisible reports whether the caller may see a task.
func (s *Service) taskVisible(ctx context.Context, t model.Task, vms func(id string) (model.VM, bool)) bool {
	p, ok := PrincipalFrom(ctx)
	switch {
	case !ok:
		return false
	case p.FullAccess(), t.Requester != "" && t.Requester == p.Name:
		return true
	case t.TargetType == "vm":
		vm, found := vms(t.TargetID)
		return found && visibleTo(ctx, model.PermVMRead, s.vmObject(ctx, vm))
	}
	return false
}

// vmLookup returns a lookup of VMs by id that reads each VM once.
func (s *Service) vmLookup(ctx context.Context) func(id string) (model.VM, bool) {
	cache := map[string]*model.VM{}
	return func(id string) (model.VM, bool) {
		if vm, ok := cache[id]; ok {
			if vm == nil {
				return model.VM{}, false
			}
			return *vm, true
		}
		vm, err := s.db.GetVM(ctx, id)
		if err != nil {
			cache[id] = nil
			return model.VM{}, false
		}
		cache[id] = &vm
		return vm, true
	}
}

// ListTasks returns the tasks the caller may see that f selects, newest
// first.
func (s *Service) ListTasks(ctx context.Context, f store.TaskFilter) ([]model.Task, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if !p.FullAccess() {
		// Filtering happens after the query: read more, cut after.
		f.Limit = 0
	}
	all, err := s.tasks.List(ctx, f)
	if err != nil || p.FullAccess() {
		return all, err
	}
	vms := s.vmLookup(ctx)
	out := all[:0]
	for _, t := range all {
		if s.taskVisible(ctx, t, vms) {
			out = append(out, t)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// ListTasksPage returns one page of the tasks f selects that the caller
// may see (f.Limit and f.Offset), newest first, and how many it sees in
// all. For a caller who sees every task the page is cut in SQL; for
// others after the tasks they may not see are dropped.
func (s *Service) ListTasksPage(ctx context.Context, f store.TaskFilter) (model.TaskPage, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.TaskPage{}, err
	}
	if p.FullAccess() {
		total, err := s.db.CountTasksFiltered(ctx, f)
		if err != nil {
			return model.TaskPage{}, err
		}
		tasks, err := s.tasks.List(ctx, f)
		return model.TaskPage{Tasks: tasks, Total: total}, err
	}
	limit, offset := f.Limit, f.Offset
	f.Limit, f.Offset = 0, 0
	visible, err := s.ListTasks(ctx, f)
	if err != nil {
		return model.TaskPage{}, err
	}
	return model.TaskPage{Tasks: pageOf(visible, offset, limit), Total: len(visible)}, nil
}

// GetTask returns a task the caller may see.
func (s *Service) GetTask(ctx context.Context, id string) (model.Task, error) {
	if _, err := caller(ctx); err != nil {
		return model.Task{}, err
	}
	t, err := s.tasks.Get(ctx, id)
	if err != nil {
		return t, err
	}
	if !s.taskVisible(ctx, t, s.vmLookup(ctx)) {
		return model.Task{}, model.NotFound("task", id)
	}
	return t, nil
}

// WaitTask waits until a task the caller may see is final or ctx ends,
// and returns its latest state either way.
func (s *Service) WaitTask(ctx context.Context, id string) (model.Task, error) {
	if _, err := s.GetTask(ctx, id); err != nil {
		return model.Task{}, err
	}
	return s.tasks.Wait(ctx, id)
}

// CancelTask cancels a queued or running task: its requester's or an
// admin's to cancel.
func (s *Service) CancelTask(ctx context.Context, id string) (model.Task, error) {
	t, err := s.GetTask(ctx, id)
	if err != nil {
		return t, err
	}
	if p, _ := PrincipalFrom(ctx); !p.FullAccess() && t.Requester != p.Name {
		return t, model.Errorf(model.CodePermissionDenied, "user %s may not cancel task %s: %s asked for it", p.Name, id, t.Requester)
	}
	return s.tasks.Cancel(ctx, id)
}
