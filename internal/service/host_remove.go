package service

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// RemoveHost takes a host out of the cluster (needs host:update), so that
// a machine can be retired and its pool deleted. Only an offline host
// that holds nothing may go: an online agent would go on heartbeating
// for a host that no longer exists, and its VMs' disks would be orphans.
// The removed machine's agent identity is then useless: to come back it
// must join again with a new token (after its data dir's identity is
// deleted).
func (s *Service) RemoveHost(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.PermHostUpdate); err != nil {
		return err
	}
	h, err := s.GetHost(ctx, idOrName)
	if err != nil {
		return err
	}
	if h.State == model.HostOnline {
		return model.Errorf(model.CodeConflict, "host %s is online: stop its agent first (a host is removed only once it is offline)", h.Name)
	}
	vms, err := s.db.ListVMsOnHost(ctx, h.ID)
	if err != nil {
		return err
	}
	if len(vms) > 0 {
		names := make([]string, 0, min(len(vms), 5))
		for _, vm := range vms[:min(len(vms), 5)] {
			names = append(names, vm.Name)
		}
		more := ""
		if len(vms) > 5 {
			more = ", ..."
		}
		return model.Errorf(model.CodeConflict, "host %s holds %d VMs (%s%s): migrate or delete them first", h.Name, len(vms), strings.Join(names, ", "), more)
	}
	lans, err := s.db.ListLANs(ctx)
	if err != nil {
		return err
	}
	for _, l := range lans {
		if l.HostID == h.ID {
			return model.Errorf(model.CodeConflict, "host %s holds the LAN %s: delete it first", h.Name, l.Name)
		}
	}
	if err := notFound(s.db.DeleteHost(ctx, h.ID), "host", idOrName); err != nil {
		return err
	}
	s.agentsMu.Lock()
	if a := s.agents[h.ID]; a != nil {
		a.client.Close()
		delete(s.agents, h.ID)
	}
	s.agentsMu.Unlock()
	s.disks.forget(h.ID)
	s.log.Info("host removed", "host", h.Name)
	if err := s.RecordOperation(ctx, "", "removed host "+h.Name); err != nil {
		s.log.Error("log host removal", "host", h.Name, "err", err)
	}
	return nil
}
