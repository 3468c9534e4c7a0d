package nano

import (
	"net/http"
	"sort"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A Nano migration moves guests of one cell to another cell of the same
// pool, live. Each guest is a Kumo vm.migrate task; the migration is a
// parent task over them, like a batch.

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
		items = append(items, batchItem{Name: vm.Name, Object: vm.ID})
	}
	for i := range items {
		t, err := s.svc.MigrateVM(ctx(r), items[i].Object, req.TargetCell)
		if err != nil {
			items[i].Error = err.Error()
			continue
		}
		items[i].TaskID = t.ID
	}
	g, err := s.svc.SubmitGroup(ctx(r), service.GroupRequest{Kind: batchMigrate.groupKind(), Items: items})
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusAccepted, []map[string]string{{"id": g.ID}}}, nil
}

type migrationStatus struct {
	ID       string `json:"id,omitempty"`
	Finished bool   `json:"finished"`
	Progress int    `json:"progress,omitempty"`
	Error    string `json:"error,omitempty"`
}

// migrationStatus sums up a migration: finished when every guest's task
// is, with the errors of those that failed.
func (s *Server) migrationStatus(r *http.Request, id string, g service.Group) migrationStatus {
	out := migrationStatus{ID: id, Finished: true}
	total := 0
	for _, it := range g.Items {
		if it.TaskID == "" {
			out.Error += it.Name + ": " + it.Error + "; "
			total += 100
			continue
		}
		t, err := s.svc.GetTask(ctx(r), it.TaskID)
		switch {
		case err != nil:
			out.Error += it.Name + ": " + err.Error() + "; "
			total += 100
		case t.State.Final():
			if t.State != model.TaskSucceeded {
				out.Error += it.Name + ": " + t.Error + "; "
			}
			total += 100
		default:
			out.Finished = false
			total += t.Progress
		}
	}
	if !out.Finished {
		out.Progress = total / max(1, len(g.Items))
	}
	return out
}

func (s *Server) getMigration(r *http.Request) (reply, error) {
	id := r.PathValue("id")
	g, err := s.svc.GetGroup(ctx(r), id)
	if err == nil && g.Kind != batchMigrate.groupKind() {
		err = model.NotFound("migration", id)
	}
	if err != nil {
		return reply{}, err
	}
	st := s.migrationStatus(r, "", g)
	if !st.Finished {
		return reply{http.StatusCreated, st}, nil
	}
	return ok(st)
}

func (s *Server) listMigrations(r *http.Request) (reply, error) {
	out := []migrationStatus{}
	gs, err := s.svc.ListGroups(ctx(r), batchMigrate.groupKind(), 1000)
	if err != nil {
		return reply{}, err
	}
	for _, g := range gs {
		if st := s.migrationStatus(r, g.Task.ID, g); !st.Finished {
			out = append(out, st) // "all migrations in progress"
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return ok(out)
}
