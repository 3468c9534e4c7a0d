package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// portForwardAddress is where forwarded host ports listen: all of the
// host's addresses, since a forward exists to let people outside the host
// reach the guest (DBC's ssh/rdp/custom port mappings).
const portForwardAddress = "0.0.0.0"

// validPortForwards checks a VM's forwards on their own: known protocols,
// ports in range, and no host port taken twice.
func validPortForwards(field string, fwds []model.PortForward) error {
	seen := map[string]bool{}
	for i, f := range fwds {
		if f.Protocol != "tcp" && f.Protocol != "udp" {
			return model.FieldError(fmt.Sprintf("%s[%d].protocol", field, i), "must be tcp or udp, not %q", f.Protocol)
		}
		for _, p := range []int{f.HostPort, f.GuestPort} {
			if p < 1 || p > 65535 {
				return model.FieldError(fmt.Sprintf("%s[%d]", field, i), "port %d is not between 1 and 65535", p)
			}
		}
		key := fmt.Sprintf("%s/%d", f.Protocol, f.HostPort)
		if seen[key] {
			return model.FieldError(field, "host port %s is forwarded twice", key)
		}
		seen[key] = true
	}
	return nil
}

// portForwardsFree fails if another VM on the host forwards one of the
// host ports: QEMU could not bind it, and the VM started second would
// fail only at its start.
func portForwardsFree(ctx context.Context, q store.Queries, hostID, vmID string, fwds []model.PortForward) error {
	if len(fwds) == 0 {
		return nil
	}
	vms, err := q.ListVMsOnHost(ctx, hostID)
	if err != nil {
		return internal(err, "list the host's VMs")
	}
	taken := map[string]string{}
	for _, vm := range vms {
		if vm.ID == vmID {
			continue
		}
		for _, f := range vm.PortForwards {
			taken[fmt.Sprintf("%s/%d", f.Protocol, f.HostPort)] = vm.Name
		}
	}
	for _, f := range fwds {
		if other, ok := taken[fmt.Sprintf("%s/%d", f.Protocol, f.HostPort)]; ok {
			return model.Errorf(model.CodeConflict, "host port %s/%d is already forwarded to VM %s", f.Protocol, f.HostPort, other)
		}
	}
	return nil
}

// hypervisorPortForwards is a VM's forwards as its NIC takes them.
func hypervisorPortForwards(fwds []model.PortForward) []hypervisor.PortForward {
	var out []hypervisor.PortForward
	for _, f := range fwds {
		out = append(out, hypervisor.PortForward{Protocol: f.Protocol, HostAddr: portForwardAddress, HostPort: f.HostPort, GuestPort: f.GuestPort})
	}
	return out
}

// AddVMPortForward adds a forward to a VM's (UpdateVM checks it against
// the others and the host's other VMs); it applies from the VM's next
// start. An empty protocol is tcp.
func (s *Service) AddVMPortForward(ctx context.Context, idOrName string, f model.PortForward) (model.PortForward, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return f, err
	}
	if f.Protocol == "" {
		f.Protocol = "tcp"
	}
	if f.Protocol != "tcp" && f.Protocol != "udp" {
		return f, model.FieldError("protocol", "must be tcp or udp, not %q", f.Protocol)
	}
	for _, p := range []struct {
		field string
		port  int
	}{{"host_port", f.HostPort}, {"guest_port", f.GuestPort}} {
		if p.port < 1 || p.port > 65535 {
			return f, model.FieldError(p.field, "port %d is not between 1 and 65535", p.port)
		}
	}
	for _, cur := range vm.PortForwards {
		if cur.Protocol == f.Protocol && cur.HostPort == f.HostPort {
			return f, model.Errorf(model.CodeConflict, "VM %s already forwards host port %s/%d (to guest port %d)", vm.Name, f.Protocol, f.HostPort, cur.GuestPort)
		}
	}
	fwds := append(slices.Clone(vm.PortForwards), f)
	_, err = s.UpdateVM(ctx, vm.ID, UpdateVMRequest{PortForwards: &fwds})
	return f, err
}

// RemoveVMPortForward removes the forward of a host port from a VM's; it
// is gone from the VM's next start.
func (s *Service) RemoveVMPortForward(ctx context.Context, idOrName, protocol string, hostPort int) error {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return err
	}
	fwds := slices.DeleteFunc(slices.Clone(vm.PortForwards), func(f model.PortForward) bool {
		return f.Protocol == protocol && f.HostPort == hostPort
	})
	if len(fwds) == len(vm.PortForwards) {
		return model.Errorf(model.CodeNotFound, "VM %s forwards no host port %s/%d", vm.Name, protocol, hostPort)
	}
	_, err = s.UpdateVM(ctx, vm.ID, UpdateVMRequest{PortForwards: &fwds})
	return err
}
