package service

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// Snapshots live inside the VM's qcow2 disk on its host; the store keeps
// what Nano shows about them (description, tree, current one). Every
// change is a task on the VM, so it is ordered with the VM's power
// changes: a revert cannot race a start.

// Task kinds of snapshot operations.
const (
	kindSnapshotCreate = "vm.snapshot.create"
	kindSnapshotRevert = "vm.snapshot.revert"
	kindSnapshotDelete = "vm.snapshot.delete"
)

type snapshotParams struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func (s *Service) registerSnapshotTasks() {
	// Not resumable: a create interrupted between the host and the
	// store would be taken twice; it fails as interrupted instead.
	s.tasks.Register(kindSnapshotCreate, task.Kind{Handler: s.snapshotHandler(s.createSnapshotTask)})
	s.tasks.Register(kindSnapshotRevert, task.Kind{Resumable: true, Handler: s.snapshotHandler(s.revertSnapshotTask)})
	s.tasks.Register(kindSnapshotDelete, task.Kind{Resumable: true, Handler: s.snapshotHandler(s.deleteSnapshotTask)})
}

func (s *Service) snapshotHandler(op func(ctx context.Context, vm model.VM, agent hostlink.Agent, p snapshotParams) (any, error)) task.Handler {
	return func(ctx context.Context, run *task.Run) (any, error) {
		var p snapshotParams
		if err := run.Params(&p); err != nil {
			return nil, err
		}
		vm, err := s.GetVM(ctx, run.Task.TargetID)
		if err != nil {
			return nil, err
		}
		agent, err := s.agent(ctx, vm.HostID)
		if err != nil {
			return nil, err
		}
		return op(ctx, vm, agent, p)
	}
}

// validSnapshotName is validName, minus names of digits alone, which
// qemu-img would read as a snapshot's number.
func validSnapshotName(field, name string) error {
	if err := validName(field, name); err != nil {
		return err
	}
	if strings.Trim(name, "0123456789") == "" {
		return model.FieldError(field, "%q: a snapshot name must not be digits alone", name)
	}
	return nil
}

// ListSnapshots returns a VM's snapshots, oldest first.
func (s *Service) ListSnapshots(ctx context.Context, vmIDOrName string) ([]model.Snapshot, error) {
	vm, err := s.GetVM(ctx, vmIDOrName)
	if err != nil {
		return nil, err
	}
	return s.db.ListSnapshots(ctx, vm.ID)
}

// GetSnapshot returns one snapshot of a VM.
func (s *Service) GetSnapshot(ctx context.Context, vmIDOrName, name string) (model.Snapshot, error) {
	vm, err := s.GetVM(ctx, vmIDOrName)
	if err != nil {
		return model.Snapshot{}, err
	}
	sn, err := s.db.GetSnapshot(ctx, vm.ID, name)
	return sn, notFound(err, "snapshot", name)
}

// CreateSnapshot starts a task that snapshots the VM: live, RAM included,
// if it runs; its disk if it is stopped.
func (s *Service) CreateSnapshot(ctx context.Context, vmIDOrName, name, description string) (model.Task, error) {
	if err := validSnapshotName("name", name); err != nil {
		return model.Task{}, err
	}
	vm, err := s.snapshotVM(ctx, vmIDOrName)
	if err != nil {
		return model.Task{}, err
	}
	if _, err := s.db.GetSnapshot(ctx, vm.ID, name); err == nil {
		return model.Task{}, model.Errorf(model.CodeConflict, "VM %s already has a snapshot %q", vm.Name, name)
	}
	// The host checks again before it writes, with what the disk holds
	// (a live snapshot saves RAM into it); this refuses at once when the
	// host's disk is already full.
	if err := s.hostDiskRoom(ctx, vm.HostID, "", "snapshot "+name+" of VM "+vm.Name, 0, 0); err != nil {
		return model.Task{}, err
	}
	return s.tasks.Submit(ctx, task.Spec{Kind: kindSnapshotCreate, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx),
		Params: snapshotParams{Name: name, Description: description}})
}

// RevertSnapshot starts a task that reverts the stopped VM's disk to a
// snapshot. A running VM is refused: stop it first.
func (s *Service) RevertSnapshot(ctx context.Context, vmIDOrName, name string) (model.Task, error) {
	if name == "" {
		return model.Task{}, model.FieldError("target", "is required")
	}
	vm, err := s.snapshotVM(ctx, vmIDOrName)
	if err != nil {
		return model.Task{}, err
	}
	if _, err := s.db.GetSnapshot(ctx, vm.ID, name); err != nil {
		return model.Task{}, notFound(err, "snapshot", name)
	}
	if vm.Status != model.PowerStopped || vm.PowerState != model.PowerStopped {
		return model.Task{}, model.Errorf(model.CodeConflict, "VM %s is %s: stop the guest first to revert it to snapshot %s", vm.Name, vm.Status, name)
	}
	return s.tasks.Submit(ctx, task.Spec{Kind: kindSnapshotRevert, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx),
		Params: snapshotParams{Name: name}})
}

// DeleteSnapshot starts a task that removes a snapshot from the VM's disk
// and from the tree.
func (s *Service) DeleteSnapshot(ctx context.Context, vmIDOrName, name string) (model.Task, error) {
	vm, err := s.snapshotVM(ctx, vmIDOrName)
	if err != nil {
		return model.Task{}, err
	}
	if _, err := s.db.GetSnapshot(ctx, vm.ID, name); err != nil {
		return model.Task{}, notFound(err, "snapshot", name)
	}
	return s.tasks.Submit(ctx, task.Spec{Kind: kindSnapshotDelete, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx),
		Params: snapshotParams{Name: name}})
}

// snapshotVM returns a VM whose disk exists on its host.
func (s *Service) snapshotVM(ctx context.Context, vmIDOrName string) (model.VM, error) {
	vm, err := s.reachVM(ctx, vmIDOrName, model.PermVMSnapshot)
	if err != nil {
		return vm, err
	}
	if vm.Status == model.PowerCreating {
		return vm, model.Errorf(model.CodeConflict, "VM %s is still being created", vm.Name)
	}
	return vm, nil
}

func (s *Service) createSnapshotTask(ctx context.Context, vm model.VM, agent hostlink.Agent, p snapshotParams) (any, error) {
	if _, err := s.db.GetSnapshot(ctx, vm.ID, p.Name); err == nil {
		return nil, model.Errorf(model.CodeConflict, "VM %s already has a snapshot %q", vm.Name, p.Name)
	}
	res, err := agent.CreateSnapshot(ctx, vm.ID, p.Name)
	if err != nil {
		return nil, err
	}
	parent := ""
	list, err := s.db.ListSnapshots(ctx, vm.ID)
	if err == nil {
		for _, sn := range list {
			if sn.Current {
				parent = sn.Name
			}
		}
		sn := model.Snapshot{VMID: vm.ID, Name: p.Name, Description: p.Description, Parent: parent, Running: res.Running, CreatedAt: now()}
		err = s.db.InTx(ctx, func(q store.Queries) error { return q.CreateSnapshot(ctx, sn) })
		if err == nil {
			return sn, nil
		}
	}
	// The store did not take it: take it off the disk too, so no
	// snapshot exists that Kumo does not know of.
	if derr := agent.DeleteSnapshot(context.WithoutCancel(ctx), vm.ID, p.Name); derr != nil {
		s.log.Warn("remove snapshot after failed create", "vm", vm.ID, "snapshot", p.Name, "err", derr)
	}
	return nil, conflict(err, "VM %s already has a snapshot %q", vm.Name, p.Name)
}

func (s *Service) revertSnapshotTask(ctx context.Context, vm model.VM, agent hostlink.Agent, p snapshotParams) (any, error) {
	if vm.PowerState != model.PowerStopped {
		return nil, model.Errorf(model.CodeConflict, "VM %s is to be %s: stop the guest first to revert it", vm.Name, vm.PowerState)
	}
	if err := agent.RevertSnapshot(ctx, vm.ID, p.Name); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(q store.Queries) error { return q.SetCurrentSnapshot(ctx, vm.ID, p.Name) })
	return nil, notFound(err, "snapshot", p.Name)
}

func (s *Service) deleteSnapshotTask(ctx context.Context, vm model.VM, agent hostlink.Agent, p snapshotParams) (any, error) {
	if err := agent.DeleteSnapshot(ctx, vm.ID, p.Name); err != nil && !model.IsCode(err, model.CodeNotFound) {
		return nil, err
	}
	err := s.db.InTx(ctx, func(q store.Queries) error { return q.DeleteSnapshot(ctx, vm.ID, p.Name) })
	if model.IsCode(notFound(err, "snapshot", p.Name), model.CodeNotFound) {
		return nil, nil // deleted by an earlier run of this task
	}
	return nil, err
}
