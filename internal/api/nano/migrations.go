package nano

import (
	"net/http"
	"sort"

	"github.com/kumo-cloud/kumo/internal/model"
)

// A Nano migration moves guests of one cell to another cell of the same
// pool, live. Each guest is a Kumo vm.migrate task; the migration is the
// group of them, kept like a batch.

const batchMigrate batchKind = "migrate"

func (s *Server) startMigration(r *http.Request) (reply, error) {
	var req struct {
		SourcePool string   `json:"source_pool"`
		SourceCell string   `json:"source_cell"`
		TargetPool string   `json:"target_pool"`
		TargetCell string   `json:"target_cell"`
		Instances  []string `json:"instances"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.SourcePool == "" || req.SourceCell == "" {
		return reply{}, model.Errorf(model.CodeInvalidArgument, "source_pool and source_cell are required")
	}
	pool, err := s.svc.GetPool(ctx(r), req.SourcePool)
	if err != nil {
		return reply{}, err
	}
	if req.TargetPool != "" && req.TargetPool != pool.Name {
		return reply{}, errNotImplemented("migrating to another pool (target_pool)")
	}
	cell, err := s.svc.GetHost(ctx(r), req.SourceCell)
	if err != nil {
		return reply{}, err
	}
	if cell.PoolID != pool.ID {
		return reply{}, model.Errorf(model.CodeInvalidArgument, "cell %s is not in pool %s", cell.Name, pool.Name)
	}
	if req.TargetCell != "" {
		target, err := s.svc.GetHost(ctx(r), req.TargetCell)
		if err != nil {
			return reply{}, err
		}
		if target.ID == cell.ID {
			return reply{}, model.Errorf(model.CodeInvalidArgument, "target_cell is the source cell %s", cell.Name)
		}
	}
	ids := req.Instances
	if len(ids) == 0 {
		// Every running guest of the cell.
		vms, err := s.svc.ListVMs(ctx(r))
		if err != nil {
			return reply{}, err
		}
		for _, vm := range vms {
			if vm.HostID == cell.ID && (vm.Status == model.PowerRunning || vm.Status == model.PowerPaused) {
				ids = append(ids, vm.ID)
			}
		}
		if len(ids) == 0 {
			return reply{}, model.Errorf(model.CodeConflict, "cell %s runs no guest to migrate", cell.Name)
		}
	}
	items := make([]batchItem, 0, len(ids))
	for _, id := range ids {
		vm, err := s.svc.GetVM(ctx(r), id)
		if err != nil {
			return reply{}, err
		}
		if vm.HostID != cell.ID {
			return reply{}, model.Errorf(model.CodeInvalidArgument, "guest %s is not on cell %s", vm.Name, cell.Name)
		}
		items = append(items, batchItem{name: vm.Name, guestID: vm.ID})
	}
	for i := range items {
		t, err := s.svc.MigrateVM(ctx(r), items[i].guestID, req.TargetCell)
		if err != nil {
			items[i].err = err.Error()
			continue
		}
		items[i].taskID = t.ID
	}
	id := s.batches.add(batchMigrate, items)
	return reply{http.StatusAccepted, []map[string]string{{"id": id}}}, nil
}

type migrationStatus struct {
	ID       string `json:"id,omitempty"`
	Finished bool   `json:"finished"`
	Progress int    `json:"progress,omitempty"`
	Error    string `json:"error,omitempty"`
}

// migrationStatus sums up a migration: finished when every guest's task
// is, with the errors of those that failed.
func (s *Server) migrationStatus(r *http.Request, id string, bt *batch) migrationStatus {
	out := migrationStatus{ID: id, Finished: true}
	total := 0
	for _, it := range bt.items {
		if it.taskID == "" {
			out.Error += it.name + ": " + it.err + "; "
			total += 100
			continue
		}
		t, err := s.svc.GetTask(ctx(r), it.taskID)
		switch {
		case err != nil:
			out.Error += it.name + ": " + err.Error() + "; "
			total += 100
		case t.State.Final():
			if t.State != model.TaskSucceeded {
				out.Error += it.name + ": " + t.Error + "; "
			}
			total += 100
		default:
			out.Finished = false
			total += t.Progress
		}
	}
	if !out.Finished {
		out.Progress = total / max(1, len(bt.items))
	}
	return out
}

func (s *Server) getMigration(r *http.Request) (reply, error) {
	id := r.PathValue("id")
	bt, err := s.batches.get(batchMigrate, id)
	if err != nil {
		return reply{}, err
	}
	st := s.migrationStatus(r, "", bt)
	if !st.Finished {
		return reply{http.StatusCreated, st}, nil
	}
	return ok(st)
}

func (s *Server) listMigrations(r *http.Request) (reply, error) {
	out := []migrationStatus{}
	for id, bt := range s.batches.all(batchMigrate) {
		out = append(out, s.migrationStatus(r, id, bt))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return ok(out)
}
