package service

import (
	"context"
	"fmt"

	"github.com/kumo-cloud/kumo/internal/model"
)

// kindHostEvacuate is the parent task kind of an evacuation.
const kindHostEvacuate = "host.evacuate"

// SetHostMaintenance puts a host into maintenance, where it takes no new
// VMs (placement and migrations pass it by) while its own VMs keep
// running, or takes it out again (needs host:update). Maintenance is the
// host's enabled flag, which the Nano API calls a disabled cell.
func (s *Service) SetHostMaintenance(ctx context.Context, host string, on bool) (model.Host, error) {
	if err := Authorize(ctx, model.PermHostUpdate); err != nil {
		return model.Host{}, err
	}
	h, err := s.GetHost(ctx, host)
	if err != nil {
		return h, err
	}
	if err := s.db.SetHostPool(ctx, h.ID, h.PoolID, !on); err != nil {
		return h, notFound(err, "host", host)
	}
	h.Enabled = !on
	return h, nil
}

// EvacuateHost puts a host into maintenance and moves its running VMs
// live to the other hosts of its pool (placement picks each one's), as
// one parent task over their migrations (needs host:update, and
// vm:migrate on each VM). A VM that cannot move is an item of the parent
// with the reason: a stopped VM stays, since its disk is on the host; so
// does a VM that live migration cannot carry (on a LAN, with data disks).
// With nothing to move the parent is over at once; if VMs had to move and
// none could, it fails, saying why.
func (s *Service) EvacuateHost(ctx context.Context, host string) (model.Task, error) {
	h, err := s.SetHostMaintenance(ctx, host, true)
	if err != nil {
		return model.Task{}, err
	}
	vms, err := s.db.ListVMsOnHost(ctx, h.ID)
	if err != nil {
		return model.Task{}, err
	}
	items := []GroupItem{}
	moving, stuck := 0, 0
	var firstErr error
	for _, vm := range vms {
		it := GroupItem{Name: vm.Name, Object: vm.ID}
		switch vm.Status {
		case model.PowerRunning, model.PowerPaused:
			t, err := s.MigrateVM(ctx, vm.ID, "")
			if err != nil {
				it.Error = model.PublicMessage(err)
				stuck++
				if firstErr == nil {
					firstErr = err
				}
			} else {
				it.TaskID = t.ID
				moving++
			}
		default:
			it.Error = fmt.Sprintf("VM %s is %s: it stays on the host, where its disk is", vm.Name, vm.Status)
		}
		items = append(items, it)
	}
	req := GroupRequest{Kind: kindHostEvacuate, Items: items}
	if moving == 0 && stuck > 0 {
		req.Failure = model.Errorf(model.CodeOf(firstErr), "no VM of host %s could move: %s", h.Name, model.PublicMessage(firstErr))
	}
	return s.SubmitGroup(ctx, req)
}
