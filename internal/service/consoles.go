package service

import (
	"context"
	"net"

	"github.com/kumo-cloud/kumo/internal/model"
)

// AuthorizeConsole checks that the caller may open the console of a VM
// and that there is one to open (its QEMU runs), before any dialect hands
// out a console token (needs vm:console on the VM).
func (s *Service) AuthorizeConsole(ctx context.Context, vmIDOrName string) (model.VM, error) {
	vm, err := s.reachVM(ctx, vmIDOrName, model.PermVMConsole)
	if err != nil {
		return vm, err
	}
	if vm.Status != model.PowerRunning && vm.Status != model.PowerPaused {
		return vm, model.Errorf(model.CodeConflict, "VM %s is %s: its console exists only while it runs", vm.Name, vm.Status)
	}
	return vm, nil
}

// DialConsole opens a byte stream to a console of the VM (its VNC server
// or its serial port) through its host's agent (the sockets are files on
// that host). The caller has
// been authorised already, typically by a console token issued after
// AuthorizeConsole.
func (s *Service) DialConsole(ctx context.Context, vmID string, kind model.ConsoleKind) (net.Conn, error) {
	vm, err := s.db.GetVM(ctx, vmID)
	if err != nil {
		return nil, notFound(err, "VM", vmID)
	}
	agent, err := s.agent(ctx, vm.HostID)
	if err != nil {
		return nil, err
	}
	return agent.DialConsole(ctx, vm.ID, kind)
}
