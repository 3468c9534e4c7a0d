package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// TestVMLifecycle boots the test guest through the native API and checks
// every power action against what really happens in QEMU and the guest.
func TestVMLifecycle(t *testing.T) {
	guestDir(t)
	k := startKumo(t)
	k.uploadGuest("guest")
	vm := k.createVM(api.VMsPost{Name: "vm1", Image: "guest", MemoryMiB: 256, Start: true})
	if vm.Status != "running" || vm.PowerState != "running" {
		t.Fatalf("after create with start: status %s, wanted %s", vm.Status, vm.PowerState)
	}
	k.waitSerial(vm, "KUMO-GUEST-BOOTED", 1)
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)
	pid := k.qemuPID(vm)
	if pid == 0 {
		t.Fatal("no QEMU process after start")
	}

	t.Run("pause stops the guest's clock", func(t *testing.T) {
		k.action(vm, "pause")
		k.waitStatus(vm, "paused")
		before := ticks(k.serial(vm))
		time.Sleep(3 * time.Second)
		if after := ticks(k.serial(vm)); after != before {
			t.Fatalf("guest kept ticking while paused: %d -> %d", before, after)
		}
		k.action(vm, "resume")
		k.waitStatus(vm, "running")
		eventually(t, 20*time.Second, "ticks after resume", func() (bool, string) {
			n := ticks(k.serial(vm))
			return n > before, strconv.Itoa(n)
		})
	})

	t.Run("pause of a paused VM is refused", func(t *testing.T) {
		k.action(vm, "pause")
		_, err := k.c.ChangeVMState(ctxT(t), vm.ID, api.VMStatePut{Action: "pause"})
		requireAPIError(t, err, 409, "conflict")
		k.action(vm, "resume")
	})

	t.Run("reboot restarts the guest in the same process", func(t *testing.T) {
		k.action(vm, "reboot")
		k.waitSerial(vm, "KUMO-GUEST-BOOTED", 2)
		if got := k.qemuPID(vm); got != pid {
			t.Fatalf("reboot replaced the QEMU process: %d -> %d", pid, got)
		}
	})

	t.Run("stop shuts the guest down through ACPI", func(t *testing.T) {
		k.waitSerial(vm, "KUMO-GUEST-READY", 2)
		k.action(vm, "stop")
		if !strings.Contains(k.serial(vm), "KUMO-GUEST-POWEROFF") {
			t.Fatal("guest did not see the ACPI power button")
		}
		if k.qemuPID(vm) != 0 {
			t.Fatal("QEMU still running after stop")
		}
		got := k.waitStatus(vm, "stopped")
		if got.PowerState != "stopped" {
			t.Fatalf("wanted state %s after stop", got.PowerState)
		}
	})

	t.Run("resize while stopped, refused while running", func(t *testing.T) {
		cores, mem := 2, 384
		got, err := k.c.UpdateVM(ctxT(t), vm.ID, api.VMPatch{Cores: &cores, MemoryMiB: &mem})
		if err != nil {
			t.Fatal(err)
		}
		if got.Cores != 2 || got.MemoryMiB != 384 {
			t.Fatalf("after resize: %d cores, %d MiB", got.Cores, got.MemoryMiB)
		}
		k.action(vm, "start")
		k.waitSerial(vm, "KUMO-GUEST-BOOTED", 3)
		args := cmdline(t, k.qemuPID(vm))
		if !hasArgPrefix(args, "-m", "384") || !hasArgPrefix(args, "-smp", "2") {
			t.Fatalf("QEMU does not run with the new size: %q", args)
		}
		cores = 1
		_, err = k.c.UpdateVM(ctxT(t), vm.ID, api.VMPatch{Cores: &cores})
		requireAPIError(t, err, 409, "conflict")
	})

	t.Run("poweroff kills QEMU at once", func(t *testing.T) {
		poweroffs := strings.Count(k.serial(vm), "KUMO-GUEST-POWEROFF")
		k.action(vm, "poweroff")
		if k.qemuPID(vm) != 0 {
			t.Fatal("QEMU still running after poweroff")
		}
		if strings.Count(k.serial(vm), "KUMO-GUEST-POWEROFF") != poweroffs {
			t.Fatal("poweroff went through the guest; it must not")
		}
		k.waitStatus(vm, "stopped")
	})

	t.Run("delete removes the VM and its files", func(t *testing.T) {
		k.action(vm, "start")
		k.waitSerial(vm, "KUMO-GUEST-BOOTED", 4)
		pid := k.qemuPID(vm)
		dt, err := k.c.DeleteVM(ctxT(t), vm.ID)
		if err != nil {
			t.Fatal(err)
		}
		k.mustTask(dt)
		if processAlive(pid) {
			t.Fatalf("QEMU %d still running after delete", pid)
		}
		if _, err := os.Stat(k.vmDir(vm)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("VM directory left behind: %v", err)
		}
		_, err = k.c.VM(ctxT(t), vm.ID)
		requireAPIError(t, err, 404, "not_found")
	})
}

// TestControllerRestart checks that VMs keep running while the control
// plane and its agent restart, and that the new agent re-attaches.
func TestControllerRestart(t *testing.T) {
	guestDir(t)
	k := startKumo(t)
	k.uploadGuest("guest")
	vm := k.createVM(api.VMsPost{Name: "survivor", Image: "guest", MemoryMiB: 256, Start: true})
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)
	pid := k.qemuPID(vm)

	k.stop()
	if !processAlive(pid) {
		t.Fatal("the VM died with the controller")
	}
	restarted := time.Now()
	k.start()
	// Wait for a report from the restarted agent, so what follows checks
	// fresh observations rather than rows written before the restart.
	eventually(t, 20*time.Second, "a heartbeat after the restart", func() (bool, string) {
		h, err := k.c.Host(ctxT(t), vm.Host)
		return err == nil && h.LastHeartbeat.After(restarted), h.LastHeartbeat.String()
	})
	if got := k.qemuPID(vm); got != pid {
		t.Fatalf("QEMU pid changed across the restart: %d -> %d", pid, got)
	}
	got := k.waitStatus(vm, "running")
	if got.PowerState != "running" {
		t.Fatalf("wanted state after restart: %s", got.PowerState)
	}
	// The restarted agent drives the old process.
	k.action(vm, "pause")
	k.waitStatus(vm, "paused")
	k.action(vm, "poweroff")
	if processAlive(pid) {
		t.Fatal("poweroff after restart did not stop the old QEMU")
	}
}

// TestBootFromISO boots the guest from its ISO image as a CD-ROM.
func TestBootFromISO(t *testing.T) {
	dir := guestDir(t)
	k := startKumo(t)
	img := k.uploadFile("guest-iso", filepath.Join(dir, "kumo-test-guest.iso"))
	if img.Format != "iso" {
		t.Fatalf("ISO detected as %s", img.Format)
	}
	vm := k.createVM(api.VMsPost{Name: "from-cd", Image: "guest-iso", MemoryMiB: 256, DiskBytes: 64 << 20, Start: true})
	k.waitSerial(vm, "KUMO-GUEST-BOOTED", 1)
	k.waitSerial(vm, "KUMO-GUEST-DISK vda 67108864", 1)
}

// TestCloneModes checks that a COW disk is a thin overlay and a full clone
// an independent copy.
func TestCloneModes(t *testing.T) {
	guestDir(t)
	k := startKumo(t)
	img := k.uploadGuest("guest")
	cow := k.createVM(api.VMsPost{Name: "cow", Image: "guest"})
	full := k.createVM(api.VMsPost{Name: "full", Image: "guest", CloneMode: "full"})
	for _, tc := range []struct {
		vm          api.VM
		wantBacking bool
	}{{cow, true}, {full, false}} {
		out, err := exec.Command("qemu-img", "info", "-U", filepath.Join(k.vmDir(tc.vm), "root.qcow2")).CombinedOutput()
		if err != nil {
			t.Fatalf("qemu-img info: %v: %s", err, out)
		}
		if got := strings.Contains(string(out), "backing file:"); got != tc.wantBacking {
			t.Errorf("%s: backing file present = %v, want %v\n%s", tc.vm.Name, got, tc.wantBacking, out)
		}
	}
	fi, err := os.Stat(filepath.Join(k.vmDir(cow), "root.qcow2"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > img.SizeBytes/4 {
		t.Errorf("COW disk is %d bytes for a %d byte image: not thin", fi.Size(), img.SizeBytes)
	}
	// An image in use cannot be deleted.
	requireAPIError(t, k.c.DeleteImage(ctxT(t), "guest"), 409, "conflict")
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(st))
	return len(f) > 2 && f[2] != "Z"
}

func cmdline(t *testing.T, pid int) []string {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Fatalf("read QEMU command line: %v", err)
	}
	return strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
}

// hasArgPrefix reports whether flag is followed by a value starting with
// prefix (QEMU accepts "-m 384" and "-m size=384M" alike).
func hasArgPrefix(args []string, flag, prefix string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			v := strings.TrimPrefix(strings.TrimPrefix(args[i+1], "size="), "cpus=")
			if strings.HasPrefix(v, prefix) {
				return true
			}
		}
	}
	return false
}

func requireAPIError(t testing.TB, err error, status int, code string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want API error %d %s, got %v", status, code, err)
	}
	if ce.Status != status || ce.Code != code {
		t.Fatalf("want API error %d %s, got %d %s: %s", status, code, ce.Status, ce.Code, ce.Message)
	}
}
