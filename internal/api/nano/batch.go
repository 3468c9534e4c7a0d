package nano

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Batch operations create, delete or stop many guests at once. Each guest
// gets its own Kumo task; a batch is a parent task over them
// (service.SubmitGroup), persisted with its items, so its status can be
// read after a controller restart and GET /v1/tasks shows it. While any
// guest is pending the status is 202, then 200.

const maxBatchCount = 100

type batchKind string

const (
	batchCreate batchKind = "create"
	batchDelete batchKind = "delete"
	batchStop   batchKind = "stop"
)

// groupKind is the parent task kind of a batch.
func (k batchKind) groupKind() string { return "nano.batch." + string(k) }

// batchItem is one guest of a batch: its task, or why it failed at once.
type batchItem = service.GroupItem

// submitBatch records a batch and answers its id.
func (s *Server) submitBatch(r *http.Request, kind batchKind, items []batchItem) (reply, error) {
	t, err := s.svc.SubmitGroup(ctx(r), service.GroupRequest{Kind: kind.groupKind(), Items: items})
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusAccepted, map[string]string{"id": t.ID}}, nil
}

// batchStatus is one guest's line in a batch status reply.
type batchStatus struct {
	Name     string `json:"name,omitempty"`
	ID       string `json:"id"`
	Progress int    `json:"progress,omitempty"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
}

// words of each kind of batch: pending, done.
var batchWords = map[batchKind][2]string{
	batchCreate: {"creating", "created"},
	batchDelete: {"deleting", "deleted"},
	batchStop:   {"stopping", "stopped"},
}

func (s *Server) batchStatus(r *http.Request, kind batchKind) (reply, error) {
	g, err := s.svc.GetGroup(ctx(r), r.PathValue("id"))
	if err == nil && g.Kind != kind.groupKind() {
		err = model.NotFound("batch "+string(kind)+" task", r.PathValue("id"))
	}
	if err != nil {
		return reply{}, err
	}
	words := batchWords[kind]
	out := make([]batchStatus, 0, len(g.Items))
	pending := false
	for _, it := range g.Items {
		st := batchStatus{Name: it.Name, ID: it.Object, Status: "fail", Error: it.Error}
		if it.TaskID != "" {
			t, err := s.svc.GetTask(ctx(r), it.TaskID)
			switch {
			case err != nil:
				st.Error = err.Error()
			case t.State == model.TaskSucceeded:
				st.Status, st.Error = words[1], ""
			case t.State.Final():
				st.Error = t.Error
				if st.Error == "" {
					st.Error = string(t.State)
				}
			default:
				pending = true
				st.Status, st.Progress, st.Error = words[0], t.Progress, ""
			}
		}
		out = append(out, st)
	}
	status := http.StatusOK
	if pending {
		status = http.StatusAccepted
	}
	return reply{status, out}, nil
}

func (s *Server) batchCreateStatus(r *http.Request) (reply, error) {
	return s.batchStatus(r, batchCreate)
}
func (s *Server) batchDeleteStatus(r *http.Request) (reply, error) {
	return s.batchStatus(r, batchDelete)
}
func (s *Server) batchStopStatus(r *http.Request) (reply, error) { return s.batchStatus(r, batchStop) }

// batchCreateGuests creates count guests named by name_rule: "order"
// (prefix_1, prefix_2, ...) or "MAC" (prefix_ and the guest's MAC).
func (s *Server) batchCreateGuests(r *http.Request) (reply, error) {
	var req struct {
		guestCreate
		NameRule   string `json:"name_rule"`
		NamePrefix string `json:"name_prefix"`
		Count      int    `json:"count"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Count < 1 || req.Count > maxBatchCount {
		return reply{}, model.FieldError("count", "must be 1 to %d, not %d", maxBatchCount, req.Count)
	}
	if req.NamePrefix == "" {
		return reply{}, model.FieldError("name_prefix", "is required")
	}
	switch req.NameRule {
	case "", "order", "MAC":
	case "address":
		return reply{}, errNotImplemented("naming batch guests by address (name_rule address)")
	default:
		return reply{}, model.FieldError("name_rule", "%q is not a naming rule: use order or MAC", req.NameRule)
	}
	if req.Name != "" {
		return reply{}, model.FieldError("name", "batch guests are named by name_rule and name_prefix")
	}
	items := make([]batchItem, 0, req.Count)
	for i := 1; i <= req.Count; i++ {
		one := req.guestCreate
		one.Name = req.NamePrefix + "_" + strconv.Itoa(i)
		create, err := one.request()
		if err != nil {
			return reply{}, err // the same for every guest: refuse the batch
		}
		vm, t, err := s.svc.CreateVM(ctx(r), create)
		if err != nil {
			items = append(items, batchItem{Name: one.Name, Error: err.Error()})
			continue
		}
		if req.NameRule == "MAC" {
			name := req.NamePrefix + "_" + strings.ReplaceAll(service.MACFor(vm.ID), ":", "")
			if _, err := s.svc.UpdateVM(ctx(r), vm.ID, service.UpdateVMRequest{Name: &name}); err == nil {
				one.Name = name
			}
		}
		items = append(items, batchItem{Name: one.Name, Object: vm.ID, TaskID: t.ID})
	}
	return s.submitBatch(r, batchCreate, items)
}

type batchGuests struct {
	Guest []string `json:"guest"`
	Force bool     `json:"force"`
}

func (req batchGuests) check() error {
	if len(req.Guest) == 0 || len(req.Guest) > maxBatchCount {
		return model.FieldError("guest", "must list 1 to %d guests", maxBatchCount)
	}
	return nil
}

func (s *Server) batchDeleteGuests(r *http.Request) (reply, error) {
	var req batchGuests
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if err := req.check(); err != nil {
		return reply{}, err
	}
	items := s.eachGuest(ctx(r), req.Guest, func(ctx context.Context, vm model.VM) (model.Task, error) {
		if !req.Force && (vm.Status == model.PowerRunning || vm.Status == model.PowerPaused) {
			return model.Task{}, model.Errorf(model.CodeConflict, "guest %s is running: stop it first or delete with force", vm.Name)
		}
		return s.svc.DeleteVM(ctx, vm.ID)
	})
	return s.submitBatch(r, batchDelete, items)
}

// batchStopGuests asks each guest to power off (ACPI), or powers it off at
// once with force.
func (s *Server) batchStopGuests(r *http.Request) (reply, error) {
	var req batchGuests
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if err := req.check(); err != nil {
		return reply{}, err
	}
	action := service.ActionStop
	if req.Force {
		action = service.ActionPowerOff
	}
	items := s.eachGuest(ctx(r), req.Guest, func(ctx context.Context, vm model.VM) (model.Task, error) {
		return s.svc.ChangeVMState(ctx, vm.ID, service.ChangeVMStateRequest{Action: action})
	})
	return s.submitBatch(r, batchStop, items)
}

// eachGuest starts op on each guest; a guest it cannot start on is a
// failed item, not a failed batch.
func (s *Server) eachGuest(ctx context.Context, ids []string, op func(context.Context, model.VM) (model.Task, error)) []batchItem {
	items := make([]batchItem, 0, len(ids))
	for _, id := range ids {
		it := batchItem{Object: id}
		vm, err := s.svc.GetVM(ctx, id)
		if err == nil {
			it.Name = vm.Name
			var t model.Task
			if t, err = op(ctx, vm); err == nil {
				it.TaskID = t.ID
			}
		}
		if err != nil {
			it.Error = err.Error()
		}
		items = append(items, it)
	}
	return items
}
