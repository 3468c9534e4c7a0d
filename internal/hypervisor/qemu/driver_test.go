package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

func TestCommandLine(t *testing.T) {
	d := &Driver{accel: hypervisor.AccelTCG}
	dir := "/var/lib/kumo/vms/abc"
	args := strings.Join(d.commandLine(dir, hypervisor.Spec{
		ID: "abc", Cores: 2, MemoryMiB: 256, BootMedia: true, GuestAgent: true,
		Disks: []hypervisor.Disk{
			{Path: "/d/root,1.qcow2", Format: "qcow2", IOPSLimit: 100},
			{Path: "/d/media.iso", Format: "raw", Media: true},
		},
		NICs: []hypervisor.NIC{{MAC: "52:54:00:00:00:01", PortForwards: []hypervisor.PortForward{{HostPort: 2222, GuestPort: 22}}}},
	}), " ")
	for _, want := range []string{
		"-accel tcg", "-cpu max", "-smp 2", "-m 256", "-daemonize",
		"file=/d/root,,1.qcow2,format=qcow2", "throttling.iops-total=100",
		"virtio-blk-pci,drive=disk0,bootindex=2", "ide-cd,drive=disk1,bus=ide.0,bootindex=1",
		"hostfwd=tcp:127.0.0.1:2222-:22", "mac=52:54:00:00:00:01",
		"name=org.qemu.guest_agent.0", "path=" + dir + "/serial.log,append=on", "unix:" + dir + "/vnc.sock",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("command line lacks %q:\n%s", want, args)
		}
	}
}

func TestSocketPathStaysShort(t *testing.T) {
	long := "/" + strings.Repeat("d", 120)
	p := socketPath(long, "qmp.sock")
	if len(p) > 107 || p != socketPath(long, "qmp.sock") {
		t.Fatalf("socket path %q: too long or not stable", p)
	}
	if short := socketPath("/x", "qmp.sock"); short != "/x/qmp.sock" {
		t.Fatalf("short dir moved its socket: %s", short)
	}
}

func TestStateOf(t *testing.T) {
	for in, want := range map[string]hypervisor.PowerState{
		"running": hypervisor.StateRunning, "paused": hypervisor.StatePaused, "shutdown": hypervisor.StateShutdown,
		"guest-panicked": hypervisor.StateCrashed, "internal-error": hypervisor.StateCrashed, "bogus": hypervisor.StateUnknown,
	} {
		if got := stateOf(in); got != want {
			t.Errorf("stateOf(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDetectAccelOverride(t *testing.T) {
	t.Setenv("KUMO_ACCEL", "tcg")
	if a, why := DetectAccel(); a != hypervisor.AccelTCG || why == "" {
		t.Fatalf("KUMO_ACCEL=tcg gave %s (%s)", a, why)
	}
}

// TestLifecycleWithoutDisk starts a disk-less VM and walks its states in
// the real QEMU, including re-attaching from a second driver.
func TestLifecycleWithoutDisk(t *testing.T) {
	requireQEMU(t)
	ctx := context.Background()
	dir := t.TempDir()
	d, err := New(Options{Accel: hypervisor.AccelTCG})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.PowerOff(ctx, dir); d.Close() })
	st, err := d.Start(ctx, dir, hypervisor.Spec{ID: "t1", Name: "t1", Cores: 1, MemoryMiB: 64})
	if err != nil {
		t.Fatal(err)
	}
	if st.State != hypervisor.StateRunning || st.PID == 0 {
		t.Fatalf("after start: %+v", st)
	}
	if _, err := d.Start(ctx, dir, hypervisor.Spec{ID: "t1", MemoryMiB: 64}); err == nil {
		t.Fatal("a second start of a running VM succeeded")
	}
	steps := []struct {
		do   func(context.Context, string) error
		want hypervisor.PowerState
	}{
		{d.Pause, hypervisor.StatePaused},
		{d.Resume, hypervisor.StateRunning},
		{d.Reboot, hypervisor.StateRunning},
	}
	for i, s := range steps {
		if err := s.do(ctx, dir); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if st, _ := d.Status(ctx, dir); st.State != s.want {
			t.Fatalf("step %d: state %s, want %s", i, st.State, s.want)
		}
	}
	// A new driver (a restarted agent) re-attaches once the old one lets go.
	d.Close()
	d2, _ := New(Options{Accel: hypervisor.AccelTCG})
	defer d2.Close()
	if st2, err := d2.Status(ctx, dir); err != nil || st2.State != hypervisor.StateRunning || st2.PID != st.PID {
		t.Fatalf("re-attach: %+v %v (was pid %d)", st2, err, st.PID)
	}
	if err := d2.PowerOff(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if st, _ := d2.Status(ctx, dir); st.State != hypervisor.StateStopped {
		t.Fatalf("after poweroff: %s", st.State)
	}
	if err := d2.PowerOff(ctx, dir); err != nil {
		t.Fatalf("poweroff of a stopped VM: %v", err)
	}
	if err := d2.Pause(ctx, dir); err == nil {
		t.Fatal("pause of a stopped VM succeeded")
	}
	if _, err := filepath.Glob(filepath.Join(dir, "qemu.log")); err != nil {
		t.Fatal(err)
	}
}

func TestStartFailureLeavesNoProcess(t *testing.T) {
	requireQEMU(t)
	ctx := context.Background()
	dir := t.TempDir()
	d, _ := New(Options{Accel: hypervisor.AccelTCG})
	defer d.Close()
	_, err := d.Start(ctx, dir, hypervisor.Spec{ID: "bad", MemoryMiB: 64,
		Disks: []hypervisor.Disk{{Path: filepath.Join(dir, "missing.qcow2"), Format: "qcow2"}}})
	if err == nil || !strings.Contains(err.Error(), "missing.qcow2") {
		t.Fatalf("start with a missing disk: %v", err)
	}
	if st, _ := d.Status(ctx, dir); st.State != hypervisor.StateStopped {
		t.Fatalf("a failed start left a VM %s", st.State)
	}
}

func requireQEMU(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("qemu-system-x86_64 is required in CI")
		}
		t.Skip("qemu-system-x86_64 not installed")
	}
}
