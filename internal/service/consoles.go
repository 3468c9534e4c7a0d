package service

import (
	"context"
	"net"

	"github.com/kumo-cloud/kumo/internal/model"
)

// AuthorizeConsole checks that the caller may open the console of a VM
// and that there is one to open (its QEMU runs), before any dialect hands
// out a console token. Consoles are for admins and the VM's owner.
func (s *Service) AuthorizeConsole(ctx context.Context, vmIDOrName string) (model.VM, error) {
	vm, err := s.GetVM(ctx, vmIDOrName)
	if err != nil {
		return vm, err
	}
	if requireAdmin(ctx) != nil && requesterOf(ctx) != vm.Owner {
		return vm, model.Errorf(model.CodePermissionDenied, "user %s may not open the console of VM %s", requesterOf(ctx), vm.Name)
	}
	if vm.Status != model.PowerRunning && vm.Status != model.PowerPaused {
		return vm, model.Errorf(model.CodeConflict, "VM %s is %s: its console exists only while it runs", vm.Name, vm.Status)
	}
	return vm, nil
}

// DialConsole opens a byte stream to the VM's VNC server through its
// host's agent (the VNC socket is a file on that host). The caller has
// been authorised already, typically by a console token issued after
// AuthorizeConsole.
func (s *Service) DialConsole(ctx context.Context, vmID string) (net.Conn, error) {
	vm, err := s.GetVM(ctx, vmID)
	if err != nil {
		return nil, err
	}
	agent, err := s.agent(ctx, vm.HostID)
	if err != nil {
		return nil, err
	}
	return agent.DialVNC(ctx, vm.ID)
}
