// Package e2e tests Kumo end to end through its public APIs: a real server
// with its real agent, real QEMU processes and the real test guest built
// by scripts/build-test-guest.sh.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

const adminPassword = "correct-horse-battery"

// guestDir returns the directory of the built test guest. Outside CI a
// missing guest skips the test; in CI it fails it.
func guestDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("KUMO_TEST_GUEST_DIR")
	if dir == "" {
		dir = filepath.Join("..", "build", "guest")
	}
	if _, err := os.Stat(filepath.Join(dir, "kumo-test-guest.qcow2")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test guest missing in %s (run scripts/build-test-guest.sh): %v", dir, err)
		}
		t.Skipf("test guest not built (run scripts/build-test-guest.sh): %v", err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// requireQEMU skips outside CI when QEMU is not installed.
func requireQEMU(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"qemu-system-x86_64", "qemu-img"} {
		if _, err := execLookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required: %v", bin, err)
			}
			t.Skipf("%s not installed", bin)
		}
	}
}

// kumo is one running control plane under test.
type kumo struct {
	t       testing.TB
	dataDir string
	cfg     server.Config
	srv     *server.Server
	cancel  context.CancelFunc
	done    chan error
	c       *client.Client
}

type option func(*server.Config)

func withoutLocalAgent(c *server.Config) { c.LocalAgent = false }

// withDataDir puts the server's data dir (database, images, VMs) in dir,
// for instance a small file system to fill.
func withDataDir(dir string) option { return func(c *server.Config) { c.DataDir = dir } }

// startKumo starts a server in a fresh data dir, logs in as admin and
// waits for the local agent's host to be online.
func startKumo(t testing.TB, opts ...option) *kumo {
	t.Helper()
	requireQEMU(t)
	k := &kumo{t: t, dataDir: t.TempDir()}
	k.cfg = server.Config{
		DataDir: k.dataDir, Listen: "127.0.0.1:0", ClusterListen: "127.0.0.1:0", NanoListen: "127.0.0.1:0", DBCListen: "127.0.0.1:0", LocalAgent: true,
		AdminPassword: adminPassword, Accel: hypervisor.AccelTCG,
		Service: service.Config{HeartbeatInterval: 300 * time.Millisecond, HostOfflineAfter: 2 * time.Second, StopTimeout: 30 * time.Second,
			// Contract tests probe bad credentials on every endpoint from
			// one address; the throttle is tested where it is asked for
			// (abuse_test.go sets its own limits).
			Logins: service.LoginThrottleConfig{
				PerName:    service.LoginLimits{FreeFailures: 1 << 20, LockoutFailures: 1 << 21},
				PerAddress: service.LoginLimits{FreeFailures: 1 << 20, LockoutFailures: 1 << 21},
			}},
		Logger: testLogger(t),
	}
	for _, o := range opts {
		o(&k.cfg)
	}
	k.dataDir = k.cfg.DataDir
	t.Cleanup(func() {
		k.stop()
		killVMs(k.dataDir)
	})
	k.start()
	if k.cfg.LocalAgent {
		k.waitHosts(1)
	}
	return k
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (k *kumo) start() {
	k.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, k.cfg)
	if err != nil {
		cancel()
		k.t.Fatalf("start server: %v", err)
	}
	k.srv, k.cancel, k.done = srv, cancel, make(chan error, 1)
	go func() { k.done <- srv.Run(ctx) }()
	k.c = client.New("http://"+srv.Addr(), "")
	if _, err := k.c.Login(context.Background(), "admin", adminPassword); err != nil {
		k.t.Fatalf("login: %v", err)
	}
}

// stop stops the server the way a SIGTERM would. VMs keep running.
func (k *kumo) stop() {
	if k.cancel == nil {
		return
	}
	k.cancel()
	k.cancel = nil
	select {
	case err := <-k.done:
		if err != nil {
			k.t.Errorf("server stopped with error: %v", err)
		}
	case <-time.After(30 * time.Second):
		k.t.Errorf("server did not stop within 30s")
	}
}

func (k *kumo) restart() {
	k.t.Helper()
	k.stop()
	k.start()
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s (last seen: %s)", timeout, what, last)
}

func (k *kumo) waitHosts(n int) []api.Host {
	var hosts []api.Host
	eventually(k.t, 30*time.Second, strconv.Itoa(n)+" online hosts", func() (bool, string) {
		var err error
		hosts, err = k.c.Hosts(context.Background())
		if err != nil {
			return false, err.Error()
		}
		online := 0
		for _, h := range hosts {
			if h.State == "online" && h.MemoryBytes > 0 {
				online++
			}
		}
		return online == n, strconv.Itoa(online)
	})
	return hosts
}

// uploadGuest uploads the test guest's disk image.
func (k *kumo) uploadGuest(name string) api.Image {
	k.t.Helper()
	return k.uploadFile(name, filepath.Join(guestDir(k.t), "kumo-test-guest.qcow2"))
}

// uploadPublicGuest uploads the test guest as the admin and shares it
// with every tenant, as a node's operator does with the images renters
// (DBC wallets, ZStack accounts) make VMs from.
func (k *kumo) uploadPublicGuest(name string) api.Image {
	k.t.Helper()
	img := k.uploadGuest(name)
	if err := k.c.ShareImage(ctxT(k.t), img.ID, api.SharesPost{Public: true}); err != nil {
		k.t.Fatalf("share %s: %v", name, err)
	}
	return img
}

func (k *kumo) uploadFile(name, path string) api.Image {
	k.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		k.t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	img, err := k.c.UploadImage(ctxT(k.t), name, "", f, fi.Size())
	if err != nil {
		k.t.Fatalf("upload %s: %v", path, err)
	}
	return img
}

// mustTask waits for a task and fails the test unless it succeeded.
func (k *kumo) mustTask(t api.Task) api.Task {
	k.t.Helper()
	done, err := k.c.WaitTask(ctxT(k.t), t.ID, nil)
	if err != nil {
		k.t.Fatalf("wait for task %s: %v", t.ID, err)
	}
	if done.State != "succeeded" {
		k.t.Fatalf("task %s (%s) %s: %s", done.ID, done.Kind, done.State, done.Error)
	}
	return done
}

func (k *kumo) createVM(req api.VMsPost) api.VM {
	k.t.Helper()
	created, err := k.c.CreateVM(ctxT(k.t), req)
	if err != nil {
		k.t.Fatalf("create VM %s: %v", req.Name, err)
	}
	k.mustTask(created.Task)
	vm, err := k.c.VM(ctxT(k.t), created.VM.ID)
	if err != nil {
		k.t.Fatal(err)
	}
	return vm
}

func (k *kumo) action(vm api.VM, action string) api.Task {
	k.t.Helper()
	t, err := k.c.ChangeVMState(ctxT(k.t), vm.ID, api.VMStatePut{Action: action})
	if err != nil {
		k.t.Fatalf("%s %s: %v", action, vm.Name, err)
	}
	return k.mustTask(t)
}

func (k *kumo) vmDir(vm api.VM) string { return filepath.Join(k.dataDir, "vms", vm.ID) }

// serial returns what the guest has written to its serial console.
func (k *kumo) serial(vm api.VM) string {
	b, _ := os.ReadFile(filepath.Join(k.vmDir(vm), "serial.log"))
	return string(b)
}

// waitSerial waits until the guest's serial console shows marker at least
// n times.
func (k *kumo) waitSerial(vm api.VM, marker string, n int) {
	k.t.Helper()
	eventually(k.t, 90*time.Second, "serial marker "+marker, func() (bool, string) {
		out := k.serial(vm)
		return strings.Count(out, marker) >= n, lastLine(out)
	})
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// ticks returns the highest KUMO-GUEST-TICK counter printed so far.
func ticks(serial string) int {
	n := 0
	for _, line := range strings.Split(serial, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "KUMO-GUEST-TICK "); ok {
			if v, err := strconv.Atoi(strings.TrimSpace(rest)); err == nil && v > n {
				n = v
			}
		}
	}
	return n
}

// qemuPID returns the pid of the VM's QEMU process, 0 if none is alive.
func (k *kumo) qemuPID(vm api.VM) int {
	return pidAlive(filepath.Join(k.vmDir(vm), "qemu.pid"))
}

func pidAlive(pidfile string) int {
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0
	}
	// A zombie is not a running VM.
	if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		if f := strings.Fields(string(st)); len(f) > 2 && f[2] == "Z" {
			return 0
		}
	}
	return pid
}

// killVMs kills every QEMU a test left running in dataDir.
func killVMs(dataDir string) {
	matches, _ := filepath.Glob(filepath.Join(dataDir, "vms", "*", "qemu.pid"))
	for _, pf := range matches {
		if pid := pidAlive(pf); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func (k *kumo) waitStatus(vm api.VM, status string) api.VM {
	k.t.Helper()
	var got api.VM
	eventually(k.t, 30*time.Second, vm.Name+" status "+status, func() (bool, string) {
		var err error
		got, err = k.c.VM(context.Background(), vm.ID)
		if err != nil {
			return false, err.Error()
		}
		return got.Status == status, got.Status
	})
	return got
}

// getV1 sends GET path to /v1 with the admin's session, for what the
// client does not show (headers, refusals of bad parameters); the body is
// read and closed.
func (k *kumo) getV1(path string) *http.Response {
	k.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, k.c.BaseURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+k.c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
