package service

import (
	"context"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/task"
)

// Task kinds of VM operations.
const (
	kindVMCreate   = "vm.create"
	kindVMStart    = "vm.start"
	kindVMStop     = "vm.stop"
	kindVMPowerOff = "vm.poweroff"
	kindVMReboot   = "vm.reboot"
	kindVMPause    = "vm.pause"
	kindVMResume   = "vm.resume"
	kindVMDelete   = "vm.delete"
)

type vmTaskParams struct {
	Start     bool  `json:"start,omitempty"`
	Force     bool  `json:"force,omitempty"`
	TimeoutMS int64 `json:"timeout_ms,omitempty"`
	// Media is the media image a start boots from.
	Media *hostlink.ImageRef `json:"media,omitempty"`
	// CloneOf is the VM whose disk a create copies (CreateVMRequest).
	CloneOf string `json:"clone_of,omitempty"`
}

// vmHandler adapts a VM operation to a task handler: it loads the VM and
// its agent first. Every VM operation drives the host towards a desired
// state, so all of them are safe to run again after a controller restart.
func (s *Service) vmHandler(op func(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, p vmTaskParams) (any, error)) task.Kind {
	return task.Kind{Resumable: true, Handler: func(ctx context.Context, run *task.Run) (any, error) {
		var p vmTaskParams
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
		return op(ctx, run, vm, agent, p)
	}}
}

func (s *Service) registerTasks() {
	s.tasks.Register(kindGroup, task.Kind{Resumable: true, Handler: s.runGroup})
	s.tasks.Register(kindVMCreate, task.Kind{Resumable: true, Handler: s.createVMTask})
	s.tasks.Register(kindVMStart, s.vmHandler(s.startVM))
	s.tasks.Register(kindVMStop, s.vmHandler(s.stopVM))
	s.tasks.Register(kindVMPowerOff, s.vmHandler(func(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, p vmTaskParams) (any, error) {
		return s.applyAction(ctx, vm, agent, model.PowerStopped, hostlink.ActionPowerOff)
	}))
	s.tasks.Register(kindVMReboot, s.vmHandler(func(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, p vmTaskParams) (any, error) {
		if err := s.requireObserved(ctx, vm, agent, hypervisor.StateRunning, "reboot"); err != nil {
			return nil, err
		}
		return s.applyAction(ctx, vm, agent, model.PowerRunning, hostlink.ActionReboot)
	}))
	s.tasks.Register(kindVMPause, s.vmHandler(func(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, p vmTaskParams) (any, error) {
		if err := s.requireObserved(ctx, vm, agent, hypervisor.StateRunning, "pause"); err != nil {
			return nil, err
		}
		return s.applyAction(ctx, vm, agent, model.PowerPaused, hostlink.ActionPause)
	}))
	s.tasks.Register(kindVMResume, s.vmHandler(func(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, p vmTaskParams) (any, error) {
		if err := s.requireObserved(ctx, vm, agent, hypervisor.StatePaused, "resume"); err != nil {
			return nil, err
		}
		return s.applyAction(ctx, vm, agent, model.PowerRunning, hostlink.ActionResume)
	}))
	s.tasks.Register(kindVMDelete, task.Kind{Resumable: true, Handler: s.deleteVMTask})
	s.registerGuestTasks()
	s.registerMigrateTask()
	s.registerSnapshotTasks()
}

// createVMTask makes the VM's disk on its host and starts it if asked.
//
// On failure it removes only what the create made, and only when the
// failure is the create's own: an agent that could not be reached (after
// the wait in agent) made nothing and may come back, so the VM is kept,
// still "creating", for a start (which provisions it) or a delete; a VM
// that an earlier run of this task already provisioned is a VM the user
// has, so a resumed run that fails leaves it too.
func (s *Service) createVMTask(ctx context.Context, run *task.Run) (result any, err error) {
	var p vmTaskParams
	if err := run.Params(&p); err != nil {
		return nil, err
	}
	vm, err := s.GetVM(ctx, run.Task.TargetID)
	if err != nil {
		return nil, err
	}
	madeByThisRun := vm.Status == model.PowerCreating
	var agent hostlink.Agent
	defer func() {
		if err == nil || ctx.Err() != nil && s.tasks.Closing() {
			return // success, or the controller stops: the task resumes later
		}
		// A clone is not kept: a later start would provision it from
		// the image, not from the disk it copies.
		if !madeByThisRun || model.IsCode(err, model.CodeUnavailable) && p.CloneOf == "" {
			s.log.Warn("create failed; the VM is kept", "vm", vm.ID, "provisioned_before", !madeByThisRun, "err", err)
			return
		}
		cleanup := context.WithoutCancel(ctx)
		if agent != nil {
			if derr := agent.DeleteVM(cleanup, vm.ID); derr != nil {
				s.log.Warn("clean up after failed create", "vm", vm.ID, "err", derr)
			}
		}
		if derr := s.db.DeleteVM(cleanup, vm.ID); derr != nil {
			s.log.Warn("remove VM after failed create", "vm", vm.ID, "err", derr)
		}
	}()
	agent, err = s.agent(ctx, vm.HostID)
	if err != nil {
		return nil, err
	}
	cfg, err := s.vmConfig(ctx, vm)
	if err != nil {
		return nil, err
	}
	cfg.CloneOf = p.CloneOf
	run.Progress(10)
	st, err := agent.ProvisionVM(ctx, cfg)
	if err != nil {
		return nil, err
	}
	run.Progress(60)
	if err := s.observe(ctx, vm, st); err != nil {
		return nil, err
	}
	if p.Start {
		if st, err = agent.StartVM(ctx, cfg); err != nil {
			return nil, err
		}
		vm, _ = s.GetVM(ctx, vm.ID)
		if err := s.observe(ctx, vm, st); err != nil {
			return nil, err
		}
	}
	return s.GetVM(ctx, vm.ID)
}

func (s *Service) startVM(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, p vmTaskParams) (any, error) {
	if err := s.db.SetVMPowerState(ctx, vm.ID, model.PowerRunning, now().UnixMicro()); err != nil {
		return nil, notFound(err, "VM", vm.ID)
	}
	cfg, err := s.vmConfig(ctx, vm)
	if err != nil {
		return nil, err
	}
	cfg.Media = p.Media
	if vm.Status == model.PowerCreating {
		// Its create failed before the host made anything (the host was
		// unreachable): make the disk now. Provisioning is idempotent.
		if _, err := agent.ProvisionVM(ctx, cfg); err != nil {
			return nil, err
		}
	}
	st, err := agent.StartVM(ctx, cfg)
	if err != nil {
		return nil, err
	}
	vm.PowerState = model.PowerRunning
	if err := s.observe(ctx, vm, st); err != nil {
		return nil, err
	}
	return s.GetVM(ctx, vm.ID)
}

// stopVM asks the guest to power off and waits for it. If the guest does
// not stop in time the VM is powered off when forced, else the task fails
// and the VM keeps running.
func (s *Service) stopVM(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, p vmTaskParams) (any, error) {
	timeout := s.cfg.StopTimeout
	if p.TimeoutMS > 0 {
		timeout = time.Duration(p.TimeoutMS) * time.Millisecond
	}
	if err := s.db.SetVMPowerState(ctx, vm.ID, model.PowerStopped, now().UnixMicro()); err != nil {
		return nil, notFound(err, "VM", vm.ID)
	}
	// If the guest does not stop (timeout, cancel, error), the VM keeps
	// the desired state it had: nothing changed.
	previous := vm.PowerState
	stopped := false
	defer func() {
		if !stopped {
			s.db.SetVMPowerState(context.WithoutCancel(ctx), vm.ID, previous, now().UnixMicro())
		}
	}()
	vm.PowerState = model.PowerStopped
	st, err := agent.ChangeVMState(ctx, vm.ID, hostlink.ActionShutdown)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for !isStopped(st.State) {
		if time.Now().After(deadline) {
			if p.Force {
				stopped = true
				return s.applyAction(ctx, vm, agent, model.PowerStopped, hostlink.ActionPowerOff)
			}
			return nil, model.Errorf(model.CodeUnavailable, "guest of VM %s did not power off within %s; use force or poweroff", vm.Name, timeout)
		}
		run.Progress(int(100 * time.Since(deadline.Add(-timeout)) / timeout))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if st, err = agent.VMStatus(ctx, vm.ID); err != nil {
			return nil, err
		}
	}
	stopped = true
	if st.State == hypervisor.StateShutdown {
		// QEMU stays up after an ACPI power-off if told to; clear it.
		return s.applyAction(ctx, vm, agent, model.PowerStopped, hostlink.ActionPowerOff)
	}
	if err := s.observe(ctx, vm, st); err != nil {
		return nil, err
	}
	return s.GetVM(ctx, vm.ID)
}

func isStopped(st hypervisor.PowerState) bool {
	return st == hypervisor.StateStopped || st == hypervisor.StateShutdown
}

// applyAction records the desired state, has the agent apply the action
// and records what it observed afterwards.
func (s *Service) applyAction(ctx context.Context, vm model.VM, agent hostlink.Agent, desired model.PowerState, action string) (any, error) {
	if err := s.db.SetVMPowerState(ctx, vm.ID, desired, now().UnixMicro()); err != nil {
		return nil, notFound(err, "VM", vm.ID)
	}
	vm.PowerState = desired
	st, err := agent.ChangeVMState(ctx, vm.ID, action)
	if err != nil {
		return nil, err
	}
	if err := s.observe(ctx, vm, st); err != nil {
		return nil, err
	}
	return s.GetVM(ctx, vm.ID)
}

// requireObserved fails with a conflict unless the VM is in state st on
// its host right now.
func (s *Service) requireObserved(ctx context.Context, vm model.VM, agent hostlink.Agent, want hypervisor.PowerState, action string) error {
	st, err := agent.VMStatus(ctx, vm.ID)
	if err != nil {
		return err
	}
	if st.State != want {
		return model.Errorf(model.CodeConflict, "cannot %s VM %s: it is %s, not %s", action, vm.Name, observedPower(st.State), observedPower(want))
	}
	return nil
}

// deleteVMTask powers the VM off, removes its files from its host and then
// its record. A VM whose host is gone for good cannot be deleted this way;
// the host must come back (or be removed) first.
func (s *Service) deleteVMTask(ctx context.Context, run *task.Run) (any, error) {
	vm, err := s.GetVM(ctx, run.Task.TargetID)
	if model.IsCode(err, model.CodeNotFound) {
		return nil, nil // deleted by an earlier run of this task
	}
	if err != nil {
		return nil, err
	}
	agent, err := s.agent(ctx, vm.HostID)
	if err != nil {
		return nil, err
	}
	if err := agent.DeleteVM(ctx, vm.ID); err != nil {
		return nil, err
	}
	run.Progress(80)
	if err := s.db.DeleteVM(ctx, vm.ID); err != nil {
		return nil, notFound(err, "VM", vm.ID)
	}
	return nil, nil
}
