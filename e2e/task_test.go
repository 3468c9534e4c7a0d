package e2e

import (
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestStopTimeoutAndCancel uses a VM with an empty disk: no OS runs, so
// nothing answers the ACPI power button, and a graceful stop cannot work.
func TestStopTimeoutAndCancel(t *testing.T) {
	k := startKumo(t)
	k.uploadFile("empty", tinyImage(t))
	vm := k.createVM(api.VMsPost{Name: "deaf", Image: "empty", MemoryMiB: 64, Start: true})
	pid := k.qemuPID(vm)
	if pid == 0 {
		t.Fatal("no QEMU after start")
	}

	// A stop that times out fails and leaves the VM running and wanted so.
	st, err := k.c.ChangeVMState(ctxT(t), vm.ID, api.VMStatePut{Action: "stop", TimeoutSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	done, err := k.c.WaitTask(ctxT(t), st.ID, nil)
	if err != nil || done.State != "failed" || done.ErrorCode != "unavailable" {
		t.Fatalf("stop of a deaf guest: %+v %v", done, err)
	}
	if got, _ := k.c.VM(ctxT(t), vm.ID); got.PowerState != "running" || !processAlive(pid) {
		t.Fatalf("after a failed stop: wanted %s, alive %v", got.PowerState, processAlive(pid))
	}

	// A running task can be cancelled; the VM is left as it was.
	st, err = k.c.ChangeVMState(ctxT(t), vm.ID, api.VMStatePut{Action: "stop", TimeoutSeconds: 120})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "stop task running", func() (bool, string) {
		got, _ := k.c.Task(ctxT(t), st.ID)
		return got.State == "running", got.State
	})
	if _, err := k.c.CancelTask(ctxT(t), st.ID); err != nil {
		t.Fatal(err)
	}
	done, _ = k.c.WaitTask(ctxT(t), st.ID, nil)
	if done.State != "cancelled" {
		t.Fatalf("cancelled task ended %s", done.State)
	}
	if got, _ := k.c.VM(ctxT(t), vm.ID); got.PowerState != "running" || !processAlive(pid) {
		t.Fatalf("after a cancelled stop: wanted %s, alive %v", got.PowerState, processAlive(pid))
	}
	_, err = k.c.CancelTask(ctxT(t), st.ID)
	requireAPIError(t, err, 409, "conflict")

	// Forced, the stop powers the VM off after the timeout.
	st, err = k.c.ChangeVMState(ctxT(t), vm.ID, api.VMStatePut{Action: "stop", TimeoutSeconds: 1, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	k.mustTask(st)
	if processAlive(pid) {
		t.Fatal("forced stop left QEMU running")
	}
	k.waitStatus(vm, "stopped")
}
