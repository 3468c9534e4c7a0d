package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestQEMUCrashIsNotAShutdown kills QEMU processes under the agent, as
// the OOM killer would, and shuts a guest down cleanly: the killed VMs
// are "crashed" with the reason and an operation log entry, the one with
// the restart policy is started again (twice, the second time after a
// longer backoff), the other stays down with its desired state stopped,
// and the clean shutdown is "stopped" with no crash.
func TestQEMUCrashIsNotAShutdown(t *testing.T) {
	k := startKumo(t)
	k.uploadGuest("guest")
	restarts := k.createVM(api.VMsPost{Name: "restarts", Image: "guest", MemoryMiB: 128, Start: true, OnCrash: "restart"})
	stays := k.createVM(api.VMsPost{Name: "stays", Image: "guest", MemoryMiB: 128, Start: true})
	clean := k.createVM(api.VMsPost{Name: "clean", Image: "guest", MemoryMiB: 128, Start: true})
	if restarts.OnCrash != "restart" || stays.OnCrash != "" {
		t.Fatalf("on_crash: %q %q", restarts.OnCrash, stays.OnCrash)
	}
	for _, vm := range []api.VM{restarts, stays, clean} {
		k.waitSerial(vm, "KUMO-GUEST-READY", 1)
	}

	kill := func(vm api.VM) int {
		t.Helper()
		pid := k.qemuPID(vm)
		if pid == 0 {
			t.Fatalf("%s has no QEMU", vm.Name)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return pid
	}
	waitCrashed := func(vm api.VM) api.VM {
		t.Helper()
		var got api.VM
		eventually(t, 20*time.Second, vm.Name+" crashed", func() (bool, string) {
			var err error
			got, err = k.c.VM(ctxT(t), vm.ID)
			return err == nil && got.Status == "crashed", got.Status
		})
		if !strings.Contains(got.CrashReason, "signal 9") || got.CrashedAt == nil {
			t.Errorf("%s: crash reason %q at %v, want the signal", vm.Name, got.CrashReason, got.CrashedAt)
		}
		return got
	}

	kill(stays)
	got := waitCrashed(stays)
	if got.PowerState != "stopped" {
		t.Errorf("a crashed VM without the restart policy should be meant stopped, is %s", got.PowerState)
	}

	for round := 1; round <= 2; round++ {
		old := kill(restarts)
		waitCrashed(restarts)
		eventually(t, 30*time.Second, "restarts running again", func() (bool, string) {
			vm, err := k.c.VM(ctxT(t), restarts.ID)
			pid := k.qemuPID(restarts)
			return err == nil && vm.Status == "running" && pid != 0 && pid != old, vm.Status
		})
		k.waitSerial(restarts, "KUMO-GUEST-READY", round+1)
	}

	k.action(clean, "stop")
	got, err := k.c.VM(ctxT(t), clean.ID)
	if err != nil || got.Status != "stopped" || got.CrashReason != "" {
		t.Errorf("a clean shutdown: %+v %v", got, err)
	}

	// Meanwhile "stays" was never started again.
	if pid := k.qemuPID(stays); pid != 0 {
		t.Errorf("the VM without the restart policy runs again (pid %d)", pid)
	}
	// The crashes are in the audit log, as /v1 shows it.
	logs, err := k.c.AuditLog(ctxT(t), api.AuditLogFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	crashes := map[string]int{}
	for _, l := range logs {
		for _, name := range []string{"restarts", "stays", "clean"} {
			if strings.Contains(l.Content, "VM "+name+" crashed") {
				crashes[name]++
			}
		}
	}
	if crashes["restarts"] != 2 || crashes["stays"] != 1 || crashes["clean"] != 0 {
		t.Errorf("crashes in the operation log: %v, want restarts 2, stays 1, clean 0", crashes)
	}
}
