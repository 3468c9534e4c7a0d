package qemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// helperDirEnv makes the test binary a short-lived agent: it starts a VM
// in the directory named and kills itself (see TestVMSurvivesAgentKill).
const helperDirEnv = "KUMO_QEMU_TEST_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperDirEnv); dir != "" {
		runHelperAgent(dir)
		return
	}
	os.Exit(m.Run())
}

func runHelperAgent(dir string) {
	d, err := New(Options{Accel: hypervisor.AccelTCG})
	if err == nil {
		var st hypervisor.Status
		st, err = d.Start(context.Background(), dir, hypervisor.Spec{ID: "orphan", Cores: 1, MemoryMiB: 64})
		fmt.Println(st.PID)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Die the hard way: no Close, no deferred anything.
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
}

// requireQEMU skips without QEMU, except in CI where QEMU is required.
func requireQEMU(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("qemu-system-x86_64 is required in CI: %v", err)
		}
		t.Skip("qemu-system-x86_64 not on PATH")
	}
}

func newTestDriver(t testing.TB, opts Options) *Driver {
	t.Helper()
	if opts.Accel == "" {
		opts.Accel = hypervisor.AccelTCG // /dev/kvm may be PVM-backed: see DetectAccel
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// cleanUpVM makes sure no process of dir outlives the test, whatever
// state the test left it in.
func cleanUpVM(t testing.TB, dir string) {
	t.Cleanup(func() {
		if d, err := New(Options{Accel: hypervisor.AccelTCG}); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			if err := d.PowerOff(ctx, dir); err != nil {
				t.Errorf("cleanup: power off %s: %v", dir, err)
			}
			cancel()
			d.Close()
		}
		for _, pid := range processesIn(dir) {
			t.Errorf("cleanup: process %d still runs in %s; killing it", pid, dir)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// processesIn lists live processes whose working directory is dir: every
// process the driver starts runs there.
func processesIn(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && cwd == dir && !isZombie(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// noProcessesIn fails the test if processes stay in dir after what. A
// killed process is gone at once on an idle machine, but a loaded one may
// take a moment to tear it down; one that lives on is a leak.
func noProcessesIn(t testing.TB, dir, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		pids := processesIn(dir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s left processes %v", what, pids)
		}
	}
}

// testGuestFile copies a file of the test guest (scripts/build-test-guest.sh)
// into a temporary directory, checked against SHA256SUMS so that a guest
// being rebuilt right now is not used half-written. ok is false if there
// is no usable guest.
func testGuestFile(t testing.TB, name string) (path string, ok bool) {
	t.Helper()
	src := filepath.Join("..", "..", "..", "build", "guest")
	sums, err := os.ReadFile(filepath.Join(src, "SHA256SUMS"))
	if err != nil {
		t.Logf("no test guest (%v): running without one", err)
		return noGuest(t)
	}
	var want string
	for line := range strings.Lines(string(sums)) {
		if f := strings.Fields(line); len(f) == 2 && f[1] == name {
			want = f[0]
		}
	}
	for try := 0; try < 3; try++ {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Logf("no test guest %s (%v): running without one", name, err)
			return noGuest(t)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) == want {
			path = filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			return path, true
		}
		time.Sleep(2 * time.Second) // being rebuilt?
	}
	t.Logf("test guest %s does not match SHA256SUMS: running without one", name)
	return noGuest(t)
}

// waitSerial waits until the serial log holds marker n times.
func waitSerial(t testing.TB, dir, marker string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		log, _ := os.ReadFile(SerialLogPath(dir))
		if bytes.Count(log, []byte(marker)) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("serial log has no %d× %s after %v:\n%s\nqemu.log: %s", n, marker, timeout, log, tailFile(filepath.Join(dir, qemuLogName), 2000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustState(t testing.TB, d *Driver, dir string, want hypervisor.PowerState) hypervisor.Status {
	t.Helper()
	st, err := d.Status(t.Context(), dir)
	if err != nil || st.State != want {
		t.Fatalf("status %+v, %v; want %s", st, err, want)
	}
	return st
}

// TestLifecycle walks a VM through its states. With the test guest it
// boots the guest disk; without, a disk-less VM does for the states.
func TestLifecycle(t *testing.T) {
	requireQEMU(t)
	ctx := t.Context()
	dir := t.TempDir()
	cleanUpVM(t, dir)
	d := newTestDriver(t, Options{})

	spec := hypervisor.Spec{ID: "life", Name: "life", Cores: 1, MemoryMiB: 256}
	disk, guest := testGuestFile(t, "kumo-test-guest.qcow2")
	if guest {
		spec.Disks = []hypervisor.Disk{{Path: disk, Format: "qcow2", IOPSLimit: 5000}}
	}
	began := time.Now()
	st, err := d.Start(ctx, dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %v", time.Since(began))
	if st.State != hypervisor.StateRunning || st.PID == 0 || st.Accel != hypervisor.AccelTCG || st.ID != "life" || st.Started.IsZero() {
		t.Fatalf("after start: %+v", st)
	}
	for _, name := range []string{qmpSocketName, vncSocketName, pidFileName, specFileName, runtimeFileName, serialLogName, qemuLogName} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("after start: %v", err)
		}
	}
	if st.VNCSocket != filepath.Join(dir, vncSocketName) {
		t.Errorf("VNC socket %s", st.VNCSocket)
	}
	if _, err := d.Start(ctx, dir, spec); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second start of a running VM: %v", err)
	}

	if guest {
		waitSerial(t, dir, "KUMO-GUEST-BOOTED", 1, 90*time.Second)
		t.Logf("guest booted %v after Start", time.Since(began))
		// The I/O limit reached QEMU's block layer.
		m, err := d.Monitor(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		var blocks []struct {
			Device   string
			Inserted struct{ IOPS int64 }
		}
		if err := m.Execute(ctx, "query-block", nil, &blocks); err != nil {
			t.Fatal(err)
		}
		if len(blocks) == 0 || blocks[0].Device != "drive-disk0" || blocks[0].Inserted.IOPS != 5000 {
			t.Fatalf("query-block = %+v", blocks)
		}
	}

	// Many observers at once share one QMP connection.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if st, err := d.Status(ctx, dir); err != nil || st.State != hypervisor.StateRunning {
				t.Errorf("concurrent status: %+v, %v", st, err)
			}
		})
	}
	wg.Wait()

	steps := []struct {
		name string
		do   func(context.Context, string) error
		want hypervisor.PowerState
	}{
		{"pause", d.Pause, hypervisor.StatePaused},
		{"pause again", d.Pause, hypervisor.StatePaused},
		{"resume", d.Resume, hypervisor.StateRunning},
		{"reboot", d.Reboot, hypervisor.StateRunning},
	}
	for _, s := range steps {
		if err := s.do(ctx, dir); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		mustState(t, d, dir, s.want)
	}
	if guest {
		waitSerial(t, dir, "KUMO-GUEST-BOOTED", 2, 90*time.Second)
	}

	// A restarted agent: a new driver re-attaches once the old lets go.
	d.Close()
	d2 := newTestDriver(t, Options{})
	st2 := mustState(t, d2, dir, hypervisor.StateRunning)
	if st2.PID != st.PID || !st2.Started.Equal(st.Started) || st2.ID != "life" || st2.Accel != hypervisor.AccelTCG {
		t.Fatalf("re-attached status %+v, started as %+v", st2, st)
	}

	began = time.Now()
	if err := d2.PowerOff(ctx, dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("PowerOff took %v", time.Since(began))
	mustState(t, d2, dir, hypervisor.StateStopped)
	for _, name := range []string{qmpSocketName, vncSocketName, pidFileName, runtimeFileName} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind after power-off: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, specFileName)); err != nil {
		t.Errorf("spec.json gone after power-off: %v", err)
	}
	noProcessesIn(t, dir, "power-off")

	// Stopping a stopped VM is fine; running it otherwise is not.
	if err := d2.PowerOff(ctx, dir); err != nil {
		t.Fatalf("power off of a stopped VM: %v", err)
	}
	if err := d2.Shutdown(ctx, dir); err != nil {
		t.Fatalf("shutdown of a stopped VM: %v", err)
	}
	for name, do := range map[string]func(context.Context, string) error{"pause": d2.Pause, "resume": d2.Resume, "reboot": d2.Reboot} {
		if err := do(ctx, dir); !errors.Is(err, ErrNotRunning) {
			t.Errorf("%s of a stopped VM: %v", name, err)
		}
	}
	if _, err := d2.Status(ctx, filepath.Join(dir, "missing")); !errors.Is(err, hypervisor.ErrNotFound) {
		t.Errorf("status of a missing directory: %v", err)
	}
}

// TestGuestServices boots the test guest with a NIC, a port forward and
// the guest agent channel, and shuts it down by the ACPI button.
func TestGuestServices(t *testing.T) {
	requireQEMU(t)
	disk, ok := testGuestFile(t, "kumo-test-guest.qcow2")
	if !ok {
		t.Skip("needs the test guest (scripts/build-test-guest.sh)")
	}
	ctx := t.Context()
	dir := t.TempDir()
	cleanUpVM(t, dir)
	d := newTestDriver(t, Options{})
	port := freePort(t)
	_, err := d.Start(ctx, dir, hypervisor.Spec{
		ID: "svc", Cores: 1, MemoryMiB: 256, GuestAgent: true,
		Disks: []hypervisor.Disk{{Path: disk, Format: "qcow2"}},
		NICs:  []hypervisor.NIC{{MAC: "52:54:00:12:34:56", PortForwards: []hypervisor.PortForward{{HostPort: port, GuestPort: 80}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitSerial(t, dir, "KUMO-GUEST-READY", 1, 120*time.Second)
	log, _ := os.ReadFile(SerialLogPath(dir))
	for _, want := range []string{"KUMO-GUEST-AGENT started", "KUMO-GUEST-IP 10.0.2.15"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("serial log lacks %q:\n%s", want, log)
		}
	}
	if _, err := os.Stat(Sockets(dir).GuestAgent); err != nil {
		t.Errorf("guest agent socket: %v", err)
	}
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/")
	if err != nil {
		t.Fatalf("guest web server through the port forward: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), "kumo-guest") {
		t.Errorf("guest web server answered %q", body)
	}

	// The password goes through qemu-guest-agent to the guest's chpasswd.
	if err := d.SetUserPassword(ctx, dir, "root", "s3cret-Pw"); err != nil {
		t.Fatalf("set password: %v", err)
	}
	waitSerial(t, dir, "KUMO-GUEST-PASSWORD-SET root", 1, 10*time.Second)
	checkQoS(t, d, dir)

	began := time.Now()
	if err := d.Shutdown(ctx, dir); err != nil {
		t.Fatal(err)
	}
	for {
		st, err := d.Status(ctx, dir)
		if err == nil && st.State == hypervisor.StateStopped {
			break
		}
		if time.Since(began) > 60*time.Second {
			t.Fatalf("guest still %s (%v) 60 s after the power button", st.State, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("guest powered off %v after Shutdown", time.Since(began))
	waitSerial(t, dir, "KUMO-GUEST-POWEROFF", 1, time.Second)
}

// checkQoS applies a low CPU priority and disk limits to a running VM and
// reads them back from the kernel and from QEMU.
func checkQoS(t *testing.T, d *Driver, dir string) {
	t.Helper()
	ctx := t.Context()
	want := hypervisor.DiskLimits{ReadBPS: 2 << 20, WriteBPS: 1 << 20, ReadIOPS: 300, WriteIOPS: 100}
	if err := d.SetQoS(ctx, dir, hypervisor.QoS{CPUPriority: hypervisor.CPUPriorityLow, Disk: want}); err != nil {
		t.Fatalf("set QoS: %v", err)
	}
	pid := livePID(dir)
	tasks, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if len(tasks) == 0 {
		t.Fatalf("no threads of QEMU %d", pid)
	}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		// getpriority returns 20 - nice for PRIO_PROCESS.
		prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
		if err == nil && 20-prio != 10 {
			t.Errorf("thread %d has nice %d, want 10", tid, 20-prio)
		}
	}
	var block []struct {
		Device   string `json:"device"`
		QDev     string `json:"qdev"`
		Inserted *struct {
			BPSRd  int64 `json:"bps_rd"`
			BPSWr  int64 `json:"bps_wr"`
			IOPSRd int64 `json:"iops_rd"`
			IOPSWr int64 `json:"iops_wr"`
		} `json:"inserted"`
	}
	if err := d.execute(ctx, dir, "query-block", nil, &block); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range block {
		if strings.Contains(b.QDev, "disk0") && b.Inserted != nil {
			found = true
			got := hypervisor.DiskLimits{ReadBPS: b.Inserted.BPSRd, WriteBPS: b.Inserted.BPSWr, ReadIOPS: b.Inserted.IOPSRd, WriteIOPS: b.Inserted.IOPSWr}
			if got != want {
				t.Errorf("QEMU reports limits %+v, want %+v", got, want)
			}
		}
	}
	if !found {
		t.Errorf("disk0 not in query-block: %+v", block)
	}
	if err := d.SetQoS(ctx, dir, hypervisor.QoS{CPUPriority: "urgent"}); err == nil {
		t.Error("an unknown CPU priority was accepted")
	}
}

// TestBootMedia boots the test guest's ISO as a CD-ROM.
func TestBootMedia(t *testing.T) {
	requireQEMU(t)
	iso, ok := testGuestFile(t, "kumo-test-guest.iso")
	if !ok {
		t.Skip("needs the test guest (scripts/build-test-guest.sh)")
	}
	dir := t.TempDir()
	cleanUpVM(t, dir)
	d := newTestDriver(t, Options{})
	blank := filepath.Join(t.TempDir(), "blank.raw")
	if err := os.WriteFile(blank, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := d.Start(t.Context(), dir, hypervisor.Spec{
		ID: "media", Cores: 1, MemoryMiB: 256, BootMedia: true,
		Disks: []hypervisor.Disk{{Path: blank, Format: "raw"}, {Path: iso, Format: "raw", Media: true, ReadOnly: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitSerial(t, dir, "KUMO-GUEST-BOOTED", 1, 120*time.Second)
	if err := d.PowerOff(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
}

// TestVMSurvivesAgentKill starts a VM from another process, kills that
// process with SIGKILL, and re-attaches.
func TestVMSurvivesAgentKill(t *testing.T) {
	requireQEMU(t)
	dir := t.TempDir()
	cleanUpVM(t, dir)
	agent := exec.Command(os.Args[0], "-test.run=^$")
	agent.Env = append(os.Environ(), helperDirEnv+"="+dir)
	var stderr bytes.Buffer
	agent.Stderr = &stderr
	out, err := agent.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper agent: %v, want killed; stderr: %s", err, stderr.Bytes())
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || pid == 0 {
		t.Fatalf("helper agent printed %q", out)
	}
	d := newTestDriver(t, Options{})
	st := mustState(t, d, dir, hypervisor.StateRunning)
	if st.PID != pid || st.ID != "orphan" {
		t.Fatalf("after the agent died: %+v, want pid %d", st, pid)
	}
	if err := d.PowerOff(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	mustState(t, d, dir, hypervisor.StateStopped)
}

// TestLongDirectory runs a VM whose directory is too deep for socket
// paths: the sockets go to a short directory, found again on re-attach.
func TestLongDirectory(t *testing.T) {
	requireQEMU(t)
	dir := filepath.Join(t.TempDir(), strings.Repeat("x", 60), strings.Repeat("y", 60))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cleanUpVM(t, dir)
	d := newTestDriver(t, Options{})
	st, err := d.Start(t.Context(), dir, hypervisor.Spec{ID: "deep", Cores: 1, MemoryMiB: 64, GuestAgent: true})
	if err != nil {
		t.Fatal(err)
	}
	socks := Sockets(dir)
	if strings.HasPrefix(socks.QMP, dir) || len(socks.QMP) > maxSocketPath || st.VNCSocket != socks.VNC {
		t.Fatalf("sockets %+v for %s (status %+v)", socks, dir, st)
	}
	for _, p := range []string{socks.QMP, socks.VNC, socks.GuestAgent} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("socket: %v", err)
		}
	}
	d.Close()
	d2 := newTestDriver(t, Options{})
	if st2 := mustState(t, d2, dir, hypervisor.StateRunning); st2.PID != st.PID {
		t.Fatalf("re-attached to pid %d, started %d", st2.PID, st.PID)
	}
	if err := d2.PowerOff(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(socks.QMP)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("short socket directory left behind: %v", err)
	}
}

// TestStartFailureLeavesNoProcess makes Start fail in several ways; each
// time the error must say why and no process may be left.
func TestStartFailureLeavesNoProcess(t *testing.T) {
	requireQEMU(t)
	qemu, _ := exec.LookPath("qemu-system-x86_64")
	for _, tc := range []struct {
		name    string
		script  string // the "QEMU binary"; empty for the real one
		disk    bool   // attach a disk that does not exist
		timeout time.Duration
		wantErr string
	}{
		{name: "bad option", script: "exec " + qemu + ` "$@" -no-such-option`, wantErr: "-no-such-option"},
		{name: "missing disk", disk: true, wantErr: "missing.qcow2"},
		{name: "binary fails", script: "echo 'cannot run today' >&2; exit 3", wantErr: "cannot run today"},
		{name: "monitor never answers", script: "sleep 300 & exec sleep 300", timeout: 2 * time.Second, wantErr: "did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cleanUpVM(t, dir)
			opts := Options{}
			if tc.script != "" {
				opts.Binary = filepath.Join(t.TempDir(), "qemu")
				if err := os.WriteFile(opts.Binary, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			d := newTestDriver(t, opts)
			spec := hypervisor.Spec{ID: "bad", MemoryMiB: 64}
			if tc.disk {
				spec.Disks = []hypervisor.Disk{{Path: filepath.Join(dir, "missing.qcow2"), Format: "qcow2"}}
			}
			ctx := t.Context()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			_, err := d.Start(ctx, dir, spec)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("start: %v; want an error containing %q", err, tc.wantErr)
			}
			t.Logf("error: %v", err)
			noProcessesIn(t, dir, "failed start")
			mustState(t, d, dir, hypervisor.StateStopped)
			if _, err := os.Stat(filepath.Join(dir, pidFileName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pidfile left behind: %v", err)
			}
		})
	}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// noGuest reports a missing or half-written test guest: outside CI the
// tests run without it, in CI (which builds it) that is a failure.
func noGuest(t testing.TB) (string, bool) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("the test guest is required in CI (scripts/build-test-guest.sh)")
	}
	return "", false
}
