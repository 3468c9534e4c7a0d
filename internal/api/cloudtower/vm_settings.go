package cloudtower

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Changes of a VM's settings beyond the guide: its guest password (set
// through the guest agent), its owner and its disk I/O limits.

// guestPassword is the data of /reset-vm-guest-os-password.
type guestPassword struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
}

// resetVMGuestOSPassword is /reset-vm-guest-os-password: sets a guest
// account's password through qemu-guest-agent in the running guest
// (service.SetGuestPassword); task_id is null, the password is set when
// the reply comes.
func (s *Server) resetVMGuestOSPassword(r *http.Request, body []byte) (any, error) {
	var d guestPassword
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if d.Username == nil || *d.Username == "" {
			return model.FieldError("data.username", "is required")
		}
		if d.Password == nil || *d.Password == "" {
			return model.FieldError("data.password", "is required")
		}
		if v.Status != model.PowerRunning {
			return model.Errorf(model.CodeConflict, "VM %s is %s: a password is set through its guest agent, which answers only while it runs", v.Name, vmStatus(v.Status))
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		_, err := s.svc.SetGuestPassword(ctx, v.ID, *d.Username, *d.Password)
		return model.Task{}, err
	})
}

// vmOwner is the data of /update-vm-owner.
type vmOwner struct {
	SearchFor string  `json:"search_for"`
	Value     *string `json:"value"`
}

// updateVMOwner is /update-vm-owner: gives VMs to a user, named by
// username or id (service.ChangeVMOwner: platform admins only); task_id
// is null.
func (s *Server) updateVMOwner(r *http.Request, body []byte) (any, error) {
	var d vmOwner
	var owner string
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if owner != "" {
			return nil
		}
		if d.Value == nil || *d.Value == "" {
			return model.FieldError("data.value", "is required: the new owner's username or id")
		}
		switch d.SearchFor {
		case "username":
			owner = *d.Value
		case "id":
			users, err := s.svc.ListUsers(ctx)
			if err != nil {
				return err
			}
			for _, u := range users {
				if u.ID == *d.Value {
					owner = u.Name
				}
			}
			if owner == "" {
				return model.NotFound("user", *d.Value)
			}
		default:
			return model.FieldError("data.search_for", "%q: use username or id", d.SearchFor)
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		_, err := s.svc.ChangeVMOwner(ctx, v.ID, owner)
		return model.Task{}, err
	})
}

// ioPolicy is the data of /update-vm-io-policy.
type ioPolicy struct {
	IOPolicy string           `json:"io_policy"`
	WholeVM  *ioLimits        `json:"whole_vm"`
	EachDisk []map[string]any `json:"each_disk"`
}

// ioLimits is the SDK's VmRestrictIoParamsData.
type ioLimits struct {
	MaxBandwidth       *float64 `json:"max_bandwidth"`
	MaxBandwidthUnit   string   `json:"max_bandwidth_unit"`
	MaxBandwidthPolicy string   `json:"max_bandwidth_policy"`
	MaxIOPS            *int64   `json:"max_iops"`
	MaxIOPSPolicy      string   `json:"max_iops_policy"`
}

// bpsUnits are the SDK's BPSUnit multipliers.
var bpsUnits = map[string]float64{"Bps": 1, "KBps": 1 << 10, "MBps": 1 << 20, "GBps": 1 << 30, "TBps": 1 << 40}

// updateVMIOPolicy is /update-vm-io-policy: Kumo's disk QoS of the
// whole VM (service.SetVMQoS; the same limit for reads and writes, as
// create-vm's io_policy), applied at once to a running VM. A limit left
// out is none. RESTRICT_EACH_DISK is refused; task_id is null.
func (s *Server) updateVMIOPolicy(r *http.Request, body []byte) (any, error) {
	var d ioPolicy
	var q model.QoS
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if d.IOPolicy == "RESTRICT_EACH_DISK" || len(d.EachDisk) > 0 {
			return errRefused("io_policy RESTRICT_EACH_DISK: Kumo limits a VM's disk I/O as a whole (RESTRICT_WHOLE_VM)")
		}
		if d.IOPolicy != "RESTRICT_WHOLE_VM" && d.IOPolicy != "" {
			return model.FieldError("data.io_policy", "%q: use RESTRICT_WHOLE_VM", d.IOPolicy)
		}
		q = model.QoS{}
		l := ioLimits{}
		if d.WholeVM != nil {
			l = *d.WholeVM
		}
		bw := l.MaxBandwidth
		if bw != nil && l.MaxBandwidthUnit != "" {
			m, ok := bpsUnits[l.MaxBandwidthUnit]
			if !ok {
				return model.FieldError("data.whole_vm.max_bandwidth_unit", "%q: use Bps, KBps, MBps, GBps or TBps", l.MaxBandwidthUnit)
			}
			b := *bw * m
			bw = &b
		}
		if err := qosOf(&q, "RESTRICT_WHOLE_VM", l.MaxIOPS, bw, l.MaxIOPSPolicy, l.MaxBandwidthPolicy); err != nil {
			if me, ok := err.(*model.Error); ok && me.Field != "" {
				me.Field = "data.whole_vm." + me.Field
			}
			return err
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		_, err := s.svc.SetVMQoS(ctx, v.ID, service.QoSPatch{Disk: &q})
		return model.Task{}, err
	})
}
