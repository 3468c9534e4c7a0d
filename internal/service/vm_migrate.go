package service

import (
	"context"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// Live migration moves a running VM to another host of its pool while
// the guest keeps running. The destination agent prepares the VM (disk,
// seed, QEMU waiting for state), the source agent sends memory and disk
// writes through QEMU, and only then does the store place the VM on the
// destination; the source's paused leftover is deleted last.

const kindVMMigrate = "vm.migrate"

type migrateParams struct {
	TargetHostID string `json:"target_host_id"`
}

// MigrateVM starts a task that moves a running VM live to targetHost (id
// or name), or to the host of its pool with the most free memory if
// targetHost is empty.
func (s *Service) MigrateVM(ctx context.Context, idOrName, targetHost string) (model.Task, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMMigrate)
	if err != nil {
		return model.Task{}, err
	}
	if vm.Status != model.PowerRunning && vm.Status != model.PowerPaused {
		return model.Task{}, model.Errorf(model.CodeConflict, "VM %s is %s: only a running VM migrates live", vm.Name, vm.Status)
	}
	if _, err := s.db.VMLANMember(ctx, vm.ID); err == nil {
		// A LAN is a segment of its host.
		return model.Task{}, model.Errorf(model.CodeConflict, "VM %s is on a LAN, which spans its host only", vm.Name)
	}
	if len(vm.Multicast) > 0 {
		return model.Task{}, model.Errorf(model.CodeConflict, "VM %s is on multicast segments, which span its host only", vm.Name)
	}
	if len(vm.DataDisks) > 0 {
		// The destination prepares the system disk only.
		return model.Task{}, model.Errorf(model.CodeConflict, "VM %s has data disks, which live migration does not carry yet", vm.Name)
	}
	var target model.Host
	err = s.db.InTx(ctx, func(q store.Queries) error {
		pool, err := q.GetPool(ctx, vm.PoolID)
		if err != nil {
			return notFound(err, "pool", vm.PoolID)
		}
		if targetHost == "" {
			if target, err = s.placeVM(ctx, q, pool, migrationDemand(vm), vm.HostID); err != nil {
				return err
			}
			// The forwarded host ports must be free on the destination.
			return portForwardsFree(ctx, q, target.ID, vm.ID, vm.PortForwards)
		}
		if target, err = q.GetHost(ctx, targetHost); err != nil {
			return notFound(err, "host", targetHost)
		}
		switch {
		case target.ID == vm.HostID:
			return model.Errorf(model.CodeConflict, "VM %s already runs on host %s", vm.Name, target.Name)
		case target.PoolID != vm.PoolID:
			return model.Errorf(model.CodeInvalidArgument, "host %s is not in pool %s of VM %s: VMs migrate within their pool", target.Name, pool.Name, vm.Name)
		case target.State != model.HostOnline || !target.Enabled:
			return model.Errorf(model.CodeUnavailable, "host %s takes no VMs now (it is %s, enabled %v)", target.Name, target.State, target.Enabled)
		}
		if err := portForwardsFree(ctx, q, target.ID, vm.ID, vm.PortForwards); err != nil {
			return err
		}
		return s.hostHasRoom(ctx, q, target.ID, vm.MemoryMiB)
	})
	if err != nil {
		return model.Task{}, err
	}
	return s.tasks.Submit(ctx, task.Spec{Kind: kindVMMigrate, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx),
		Params: migrateParams{TargetHostID: target.ID}})
}

func (s *Service) registerMigrateTask() {
	// Not resumable: after a controller restart the migration may have
	// finished or not, and only a person can tell which copy is current.
	s.tasks.Register(kindVMMigrate, task.Kind{Handler: func(ctx context.Context, run *task.Run) (any, error) {
		var p migrateParams
		if err := run.Params(&p); err != nil {
			return nil, err
		}
		vm, err := s.GetVM(ctx, run.Task.TargetID)
		if err != nil {
			return nil, err
		}
		return s.migrateVM(ctx, run, vm, p.TargetHostID)
	}})
}

func (s *Service) migrateVM(ctx context.Context, run *task.Run, vm model.VM, targetID string) (any, error) {
	src, err := s.agent(ctx, vm.HostID)
	if err != nil {
		return nil, err
	}
	dst, err := s.agent(ctx, targetID)
	if err != nil {
		return nil, err
	}
	cfg, err := s.vmConfig(ctx, vm)
	if err != nil {
		return nil, err
	}
	run.Progress(5)
	in, err := dst.PrepareIncoming(ctx, cfg)
	if err != nil {
		return nil, err
	}
	run.Progress(20)
	if _, err := src.MigrateVM(ctx, vm.ID, hypervisor.MigrateRequest{URI: in.URI, Incremental: in.Incremental}); err != nil {
		// The source still runs the VM; drop the destination's copy.
		if derr := dst.DeleteVM(context.WithoutCancel(ctx), vm.ID); derr != nil {
			s.log.Warn("remove the destination of a failed migration", "vm", vm.ID, "err", derr)
		}
		return nil, err
	}
	run.Progress(80)
	if err := s.db.MoveVM(ctx, vm.ID, targetID, now().UnixMicro()); err != nil {
		return nil, notFound(err, "VM", vm.ID)
	}
	vm.HostID = targetID
	// The destination resumes the guest once it has loaded the last state
	// (a paused guest stays paused).
	want := hypervisor.StateRunning
	if vm.Status == model.PowerPaused {
		want = hypervisor.StatePaused
	}
	st, err := dst.VMStatus(ctx, vm.ID)
	for deadline := time.Now().Add(30 * time.Second); err == nil && st.State != want && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		st, err = dst.VMStatus(ctx, vm.ID)
	}
	if err != nil {
		return nil, err
	}
	if err := s.observe(ctx, vm, st); err != nil {
		return nil, err
	}
	run.Progress(90)
	if err := src.DeleteVM(ctx, vm.ID); err != nil {
		// The guest runs on the destination; the source keeps a paused,
		// unused copy that a later delete clears.
		s.log.Warn("remove the source of a migrated VM", "vm", vm.ID, "err", err)
	}
	return s.GetVM(ctx, vm.ID)
}

// migrationDemand is what a VM asks of its destination: its memory and
// cores, and room for its disk (block migration writes the data a full
// copy holds; a COW overlay gets its image from the destination's cache).
func migrationDemand(vm model.VM) vmDemand {
	d := vmDemand{MemoryMiB: vm.MemoryMiB, Cores: vm.Cores, DiskBytes: vm.DiskBytes}
	if vm.CloneMode == model.CloneFull && !vm.BootMedia {
		d.DiskNow = vm.DiskBytes
	}
	return d
}
