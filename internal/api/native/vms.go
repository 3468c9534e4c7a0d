package native

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmToAPI(v model.VM) api.VM {
	out := api.VM{ID: v.ID, Name: v.Name, Description: v.Description, Pool: v.PoolID, Host: v.HostID, Image: v.ImageID,
		Cores: v.Cores, MemoryMiB: v.MemoryMiB, DiskBytes: v.DiskBytes, CloneMode: string(v.CloneMode),
		PowerState: string(v.PowerState), Status: string(v.Status), Accel: v.Accel, OnCrash: v.OnCrash,
		CrashReason: v.CrashReason, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	if !v.CrashedAt.IsZero() {
		out.CrashedAt = &v.CrashedAt
	}
	return out
}

// vmsToAPI is vmToAPI with the names of the VMs' hosts, pools and
// images filled in.
func (s *Server) vmsToAPI(c context.Context, vms ...model.VM) ([]api.VM, error) {
	names, err := s.svc.VMReferenceNames(c, vms)
	if err != nil {
		return nil, err
	}
	out := make([]api.VM, 0, len(vms))
	for _, v := range vms {
		a := vmToAPI(v)
		a.HostName, a.PoolName, a.ImageName = names.Hosts[v.HostID], names.Pools[v.PoolID], names.Images[v.ImageID]
		out = append(out, a)
	}
	return out, nil
}

func (s *Server) listVMs(r *http.Request) (any, error) {
	q, err := vmListQueryOf(r.URL.Query())
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListVMsPage(ctx(r), q)
	if err != nil {
		return nil, err
	}
	out, err := s.vmsToAPI(ctx(r), page.VMs...)
	if err != nil {
		return nil, err
	}
	return listPage{items: out, total: page.Total, next: nextPage(r, q.Offset, len(out), page.Total)}, nil
}

// vmStatuses are the statuses a VM is observed in (api.VM.Status).
var vmStatuses = []model.PowerState{model.PowerRunning, model.PowerStopped, model.PowerPaused, model.PowerCreating,
	model.PowerCrashed, model.PowerLost, model.PowerUnknown}

// vmListQueryOf reads GET /v1/vms's parameters (api.VMsFilter).
func vmListQueryOf(v url.Values) (model.VMListQuery, error) {
	var q model.VMListQuery
	var err error
	if q.Limit, q.Offset, err = pageOf(v); err != nil {
		return q, err
	}
	q.Sort, q.Desc = strings.CutPrefix(v.Get("sort"), "-")
	for _, term := range strings.Fields(v.Get("filter")) {
		key, value, ok := strings.Cut(term, "=")
		if !ok {
			key, value = "name", term
		}
		if value == "" {
			return q, model.FieldError("filter", "filter term %q has no value", term)
		}
		switch key {
		case "name":
			q.Name = value
		case "status":
			for _, st := range strings.Split(value, ",") {
				if !slices.Contains(vmStatuses, model.PowerState(st)) {
					return q, model.FieldError("filter", "no VM is ever %q: statuses are %v", st, vmStatuses)
				}
				q.Statuses = append(q.Statuses, model.PowerState(st))
			}
		case "host":
			q.Host = value
		case "pool":
			q.Pool = value
		case "owner":
			q.Owner = value
		case "tenant":
			q.Tenant = value
		default:
			return q, model.FieldError("filter", "cannot filter VMs by %q: use name, status, host, pool, owner or tenant", key)
		}
	}
	return q, nil
}

func (s *Server) createVM(r *http.Request) (any, error) {
	var req api.VMsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.Cores < 0 {
		return nil, model.FieldError("cores", "must be positive")
	}
	if req.MemoryMiB < 0 {
		return nil, model.FieldError("memory_mib", "must be positive")
	}
	group := ""
	if req.SecurityGroup != "" {
		g, err := s.securityGroupNamed(r, req.SecurityGroup)
		if err != nil {
			return nil, err
		}
		group = g.ID
	}
	vm, t, err := s.svc.CreateVM(ctx(r), service.CreateVMRequest{
		Name: req.Name, Description: req.Description, Pool: req.Pool, Image: req.Image, Cores: req.Cores,
		MemoryMiB: req.MemoryMiB, DiskBytes: req.DiskBytes, CloneMode: model.CloneMode(req.CloneMode), Start: req.Start,
		OnCrash: req.OnCrash, Template: req.Template, SecurityPolicyGroup: group,
	})
	if err != nil {
		return nil, err
	}
	return api.VMCreated{VM: vmToAPI(vm), Task: taskToAPI(t)}, nil
}

func (s *Server) getVM(r *http.Request) (any, error) {
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out, err := s.vmsToAPI(ctx(r), vm)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (s *Server) patchVM(r *http.Request) (any, error) {
	var req api.VMPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	vm, err := s.svc.UpdateVM(ctx(r), r.PathValue("id"), service.UpdateVMRequest{
		Description: req.Description, Cores: req.Cores, MemoryMiB: req.MemoryMiB,
	})
	if err != nil {
		return nil, err
	}
	return vmToAPI(vm), nil
}

func (s *Server) putVMState(r *http.Request) (any, error) {
	var req api.VMStatePut
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	t, err := s.svc.ChangeVMState(ctx(r), r.PathValue("id"), service.ChangeVMStateRequest{
		Action: req.Action, Force: req.Force, Timeout: time.Duration(req.TimeoutSeconds) * time.Second,
	})
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}

func (s *Server) migrateVM(r *http.Request) (any, error) {
	var req api.VMMigratePost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	t, err := s.svc.MigrateVM(ctx(r), r.PathValue("id"), req.Host)
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}

func (s *Server) deleteVM(r *http.Request) (any, error) {
	t, err := s.svc.DeleteVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}
