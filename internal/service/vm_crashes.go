package service

import (
	"context"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// A VM whose QEMU ended without the guest shutting down (killed, OOM,
// died) or whose guest panicked is observed "crashed", not stopped: its
// desired state does not follow, the crash goes into the operation log
// with its reason, and a VM whose on_crash policy says so (the default
// for auto_start VMs) is started again, after a delay that doubles with
// each crash in a row.

// crashStreakWindow is how long after a crash the next one counts as
// "in a row" for the backoff.
const crashStreakWindow = 10 * time.Minute

// maxCrashBackoff caps the delay before a restart.
const maxCrashBackoff = 5 * time.Minute

// crashBackoff is the delay before restarting a VM after its n-th crash
// in a row: 1 s, 2 s, 4 s ... up to maxCrashBackoff.
func crashBackoff(n int) time.Duration {
	if n <= 1 {
		return time.Second
	}
	if n > 20 {
		return maxCrashBackoff
	}
	return min(time.Second<<(n-1), maxCrashBackoff)
}

// observeCrash stores the observation that a VM crashed and, in the same
// transaction, the crash: its reason, the count in a row and, unless the
// VM's policy restarts it, a desired state of stopped. It logs the crash
// once, when it is first observed.
func (s *Service) observeCrash(ctx context.Context, vm model.VM, st hostlink.VMStatus) error {
	reason := st.Reason
	if reason == "" {
		reason = "unknown cause"
	}
	t := now()
	var first bool
	var then string
	err := s.db.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetVM(ctx, vm.ID)
		if err != nil {
			return err
		}
		applied, err := q.RecordVMObservation(ctx, vm.ID, vm.HostID, model.PowerCrashed, st.Accel, st.Seq, t.UnixMicro())
		if err != nil || !applied || cur.Status == model.PowerCrashed {
			return err
		}
		first = true
		if err := q.RecordVMCrash(ctx, vm.ID, reason, t.UnixMicro(), t.Add(-crashStreakWindow).UnixMicro()); err != nil {
			return err
		}
		then = "it stays crashed"
		if cur.RestartsOnCrash() && cur.PowerState == model.PowerRunning {
			then = "it will be restarted"
		} else if cur.PowerState != model.PowerStopped {
			// The crash is final: the VM is meant to be stopped now, so
			// a later start is a person's decision.
			return q.SetVMPowerState(ctx, vm.ID, model.PowerStopped, t.UnixMicro())
		}
		return nil
	})
	if err != nil || !first {
		return err
	}
	s.log.Warn("VM crashed", "vm", vm.Name, "host", vm.HostID, "reason", reason, "then", then)
	if err := s.RecordOperation(AsControlPlane(ctx), "host "+vm.HostID, "VM "+vm.Name+" crashed: "+reason+"; "+then); err != nil {
		s.log.Error("log VM crash", "vm", vm.ID, "err", err)
	}
	return nil
}

// restartCrashed starts the crashed VMs whose policy restarts them once
// their backoff has passed and nothing else is queued on them.
func (s *Service) restartCrashed(ctx context.Context) {
	vms, err := s.db.ListCrashedVMs(ctx)
	if err != nil {
		s.log.Error("list crashed VMs", "err", err)
		return
	}
	for _, vm := range vms {
		if !vm.RestartsOnCrash() || now().Before(vm.CrashedAt.Add(crashBackoff(vm.CrashCount))) {
			continue
		}
		active, err := s.db.ListTasks(ctx, store.TaskFilter{TargetID: vm.ID, States: []model.TaskState{model.TaskQueued, model.TaskRunning}, Limit: 1})
		if err != nil || len(active) > 0 {
			continue
		}
		s.log.Info("restarting crashed VM", "vm", vm.Name, "crashes_in_a_row", vm.CrashCount)
		if _, err := s.tasks.Submit(ctx, task.Spec{Kind: kindVMStart, TargetType: "vm", TargetID: vm.ID, Requester: "on-crash"}); err != nil {
			s.log.Error("restart crashed VM", "vm", vm.Name, "err", err)
		}
	}
}
