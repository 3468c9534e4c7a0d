package service

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
)

// VMSerialLog returns an excerpt of what the VM's guest wrote to its
// serial console, read by the agent of its host.
func (s *Service) VMSerialLog(ctx context.Context, idOrName string, req hostlink.SerialRequest) (hostlink.SerialLog, error) {
	if req.Lines < 0 {
		return hostlink.SerialLog{}, model.FieldError("lines", "must not be negative")
	}
	vm, err := s.reachVM(ctx, idOrName, model.PermVMConsole)
	if err != nil {
		return hostlink.SerialLog{}, err
	}
	agent, err := s.agent(ctx, vm.HostID)
	if err != nil {
		return hostlink.SerialLog{}, err
	}
	return agent.SerialLog(ctx, vm.ID, req)
}
