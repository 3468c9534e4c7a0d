package cloudtower

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// vmChange is the body of the calls that change VMs: a where selecting
// them and the change's data.
type vmChange struct {
	Where map[string]any  `json:"where"`
	Data  json.RawMessage `json:"data"`
}

// hostData is the data of /start-vm and /migrate-vm.
type hostData struct {
	HostID string `json:"host_id"`
}

// noData reports whether a change's data is absent, null or {}.
func noData(raw json.RawMessage) bool {
	t := strings.Join(strings.Fields(string(raw)), "")
	return t == "" || t == "null" || t == "{}"
}

func decodeData(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := decodeStrict(raw, v); err != nil {
		if me, ok := err.(*model.Error); ok && me.Field != "" {
			me.Field, me.Message = "data."+me.Field, "data."+me.Message
		}
		return err
	}
	return nil
}

// changeVMs runs one change on every VM the where selects. Every VM is
// checked by check before any task is submitted, so a batch that
// cannot work as a whole changes nothing.
func (s *Server) changeVMs(r *http.Request, body []byte, data any,
	check func(ctx context.Context, v model.VM) error,
	submit func(ctx context.Context, v model.VM) (model.Task, error)) (any, error) {
	var c vmChange
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	if data != nil {
		if err := decodeData(c.Data, data); err != nil {
			return nil, err
		}
	} else if !noData(c.Data) {
		return nil, model.FieldError("data", "this operation takes no data")
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	vms, err := s.selectVMs(ctx, inv, c.Where)
	if err != nil {
		return nil, err
	}
	for _, v := range vms {
		if check != nil {
			if err := check(ctx, v); err != nil {
				return nil, err
			}
		}
	}
	out := make(batch[vm], 0, len(vms))
	for _, v := range vms {
		t, err := submit(ctx, v)
		if err != nil {
			return nil, err
		}
		data, err := s.vmAfter(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, withTask[vm]{taskOf(t), data})
	}
	return out, nil
}

// powerCheck refuses at once what the service would refuse for one VM
// of a batch, before any VM of the batch is touched.
func powerCheck(action string) func(ctx context.Context, v model.VM) error {
	needs := map[string]model.PowerState{service.ActionPause: model.PowerRunning, service.ActionResume: model.PowerPaused,
		service.ActionReboot: model.PowerRunning}
	return func(ctx context.Context, v model.VM) error {
		if v.Status == model.PowerCreating {
			return model.Errorf(model.CodeConflict, "VM %s is still being created", v.Name)
		}
		if want, ok := needs[action]; ok && v.Status != want {
			return model.Errorf(model.CodeConflict, "cannot %s VM %s: it is %s, not %s", action, v.Name, vmStatus(v.Status), vmStatus(want))
		}
		return nil
	}
}

// power is a power operation without data: poweroff-vm (pull the
// plug), shutdown-vm (ACPI), restart-vm, suspend-vm, resume-vm.
func (s *Server) power(action string) func(r *http.Request, body []byte) (any, error) {
	return func(r *http.Request, body []byte) (any, error) {
		return s.changeVMs(r, body, nil, powerCheck(action), func(ctx context.Context, v model.VM) (model.Task, error) {
			return s.svc.ChangeVMState(ctx, v.ID, service.ChangeVMStateRequest{Action: action})
		})
	}
}

// startVM is /start-vm. Kumo starts a VM on the host it is placed on;
// a host_id naming another host is refused (migrate it once it runs).
func (s *Server) startVM(r *http.Request, body []byte) (any, error) {
	var d hostData
	check := powerCheck(service.ActionStart)
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if d.HostID != "" {
			h, err := s.svc.GetHost(ctx, d.HostID)
			if err != nil {
				return err
			}
			if h.ID != v.HostID {
				return errRefused("host_id: Kumo starts a VM on the host it is placed on; move a running VM with /migrate-vm")
			}
		}
		return check(ctx, v)
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		return s.svc.ChangeVMState(ctx, v.ID, service.ChangeVMStateRequest{Action: service.ActionStart})
	})
}

// migrateVM is /migrate-vm: live migration to data.host_id, or to the
// host Kumo picks.
func (s *Server) migrateVM(r *http.Request, body []byte) (any, error) {
	var d hostData
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if d.HostID != "" {
			if _, err := s.svc.GetHost(ctx, d.HostID); err != nil {
				return err
			}
		}
		if v.Status != model.PowerRunning && v.Status != model.PowerPaused {
			return model.Errorf(model.CodeConflict, "VM %s is %s: only a running VM migrates live", v.Name, vmStatus(v.Status))
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		return s.svc.MigrateVM(ctx, v.ID, d.HostID)
	})
}

// deleteVM is /delete-vm; its data is the ids of the deleted VMs.
func (s *Server) deleteVM(r *http.Request, body []byte) (any, error) {
	var c struct {
		vmChange
		// Effect is the SDK's VmDeleteParams effect. Kumo keeps a VM's
		// snapshots inside its disk, so they go with it.
		Effect *struct {
			IncludeSnapshots *bool `json:"include_snapshots"`
		} `json:"effect"`
	}
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	if !noData(c.Data) {
		return nil, model.FieldError("data", "this operation takes no data")
	}
	if c.Effect != nil && c.Effect.IncludeSnapshots != nil && !*c.Effect.IncludeSnapshots {
		return nil, errRefused("effect.include_snapshots false: Kumo keeps a VM's snapshots in its disk, so deleting the VM deletes them")
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	vms, err := s.selectVMs(ctx, inv, c.Where)
	if err != nil {
		return nil, err
	}
	out := make(batch[deleted], 0, len(vms))
	for _, v := range vms {
		t, err := s.svc.DeleteVM(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, withTask[deleted]{taskOf(t), deleted{v.ID}})
	}
	return out, nil
}

// basicInfo is the data of /update-vm-basic-info.
type basicInfo struct {
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Vcpu        *int     `json:"vcpu"`
	CPUCores    *int     `json:"cpu_cores"`
	CPUSockets  *int     `json:"cpu_sockets"`
	Memory      *float64 `json:"memory"`
	HA          *bool    `json:"ha"`
	GuestOSType *string  `json:"guest_os_type"`
}

// updateVMBasicInfo is /update-vm-basic-info. The guide's example puts
// data inside where; that slip is accepted as if data were beside it.
// Kumo changes a VM's record at once (cores and memory of a stopped VM,
// taking effect at its next start), so there is no task: task_id is
// null.
func (s *Server) updateVMBasicInfo(r *http.Request, body []byte) (any, error) {
	var c vmChange
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	if inner, ok := c.Where["data"]; ok && len(c.Data) == 0 {
		raw, _ := json.Marshal(inner)
		c.Data = raw
		delete(c.Where, "data")
	}
	var d basicInfo
	if len(c.Data) == 0 || string(c.Data) == "null" {
		return nil, model.FieldError("data", "is required")
	}
	if err := decodeData(c.Data, &d); err != nil {
		return nil, err
	}
	req := service.UpdateVMRequest{Name: d.Name, Description: d.Description}
	if d.Vcpu != nil {
		n, err := cores(d.Vcpu, d.CPUCores, d.CPUSockets, false)
		if err != nil {
			return nil, err
		}
		req.Cores = &n
	} else if d.CPUCores != nil || d.CPUSockets != nil {
		return nil, model.FieldError("data.vcpu", "is required with cpu_cores and cpu_sockets")
	}
	if d.Memory != nil {
		mib, err := memoryMiB("data.memory", *d.Memory)
		if err != nil {
			return nil, err
		}
		req.MemoryMiB = &mib
	}
	if d.HA != nil && *d.HA {
		return nil, errRefused("ha: Kumo restarts VMs elsewhere by their pool's failover setting, not per VM")
	}
	if d.GuestOSType != nil {
		switch *d.GuestOSType {
		case "LINUX", "WINDOWS", "UNKNOWN":
		default:
			return nil, model.FieldError("data.guest_os_type", "%q: use LINUX, WINDOWS or UNKNOWN", *d.GuestOSType)
		}
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	vms, err := s.selectVMs(ctx, inv, c.Where)
	if err != nil {
		return nil, err
	}
	if req.Name != nil && len(vms) > 1 {
		return nil, model.FieldError("data.name", "cannot give %d VMs one name", len(vms))
	}
	if req.Cores != nil || req.MemoryMiB != nil {
		for _, v := range vms {
			if v.Status != model.PowerStopped || v.PowerState != model.PowerStopped {
				return nil, model.Errorf(model.CodeConflict, "VM %s must be stopped to change vcpu or memory (it is %s)", v.Name, vmStatus(v.Status))
			}
		}
	}
	return s.changeEach(ctx, vms, func(id string) error {
		_, err := s.svc.UpdateVM(ctx, id, req)
		return err
	})
}
