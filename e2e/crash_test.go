package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// The crash tests run `kumo server` as a real process, so they can kill
// it with SIGKILL at the moments that matter and look at what is left:
// rows, directories, QEMU processes and tasks.

var kumoBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kumo-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "kumo")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/kumo-cloud/kumo/cmd/kumo").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// serverProcess is one `kumo server` process and the flags it runs with.
type serverProcess struct {
	t       *testing.T
	dataDir string
	args    []string
	api     string
	log     string
	cmd     *exec.Cmd
	exited  chan error
	c       *client.Client
}

// freePort returns a loopback address no one listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// newServerProcess prepares a server on dataDir (and database, if not
// empty) with loopback listeners of its own; start runs it.
func newServerProcess(t *testing.T, dataDir, database string) *serverProcess {
	t.Helper()
	requireQEMU(t)
	bin, err := kumoBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{t: t, dataDir: dataDir, api: freeAddr(t), log: filepath.Join(t.TempDir(), "server.log")}
	p.args = []string{bin, "server", "--data-dir", dataDir, "--listen", p.api, "--cluster-listen", freeAddr(t),
		"--nano-listen", "", "--cloudtower-listen", "", "--zstack-listen", "", "--dbc-listen", "",
		"--accel", "tcg", "--admin-password", adminPassword, "--heartbeat-interval", "300ms", "--host-offline-after", "2s"}
	if database != "" {
		p.args = append(p.args, "--database", database)
	}
	t.Cleanup(func() {
		p.kill()
		killVMs(dataDir)
		if t.Failed() {
			if raw, err := os.ReadFile(p.log); err == nil {
				t.Logf("log of the server on %s:\n%s", dataDir, tail(string(raw), 6000))
			}
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// run starts the process and returns at once.
func (p *serverProcess) run() {
	p.t.Helper()
	logf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(p.args[0], p.args[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	logf.Close()
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait() }()
}

// start runs the process and waits until the admin can log in and the
// local agent's host is online.
func (p *serverProcess) start() {
	p.t.Helper()
	p.run()
	p.c = client.New("http://"+p.api, "")
	eventually(p.t, 90*time.Second, "the server to answer", func() (bool, string) {
		select {
		case err := <-p.exited:
			p.exited <- err
			p.t.Fatalf("kumo server exited at start: %v", err)
		default:
		}
		_, err := p.c.Login(context.Background(), "admin", adminPassword)
		return err == nil, fmt.Sprint(err)
	})
	eventually(p.t, 30*time.Second, "the local host online", func() (bool, string) {
		var id struct {
			HostID string `json:"host_id"`
		}
		raw, err := os.ReadFile(filepath.Join(p.dataDir, "agent.json"))
		if err != nil || json.Unmarshal(raw, &id) != nil {
			return false, "no agent identity yet"
		}
		h, err := p.c.Host(context.Background(), id.HostID)
		return err == nil && h.State == "online", fmt.Sprint(h.State, err)
	})
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would.
func (p *serverProcess) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.t.Errorf("kumo server did not die after SIGKILL")
	}
	p.cmd = nil
}

// stop ends the process with SIGTERM and waits for a clean exit.
func (p *serverProcess) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Errorf("kumo server stopped with %v", err)
		}
	case <-time.After(40 * time.Second):
		p.t.Errorf("kumo server did not stop within 40s of SIGTERM")
	}
	p.cmd = nil
}

// bigImage makes a qcow2 image of size bytes, most of it written, so a
// full clone of it takes a while.
func bigImage(t *testing.T, size string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", path, size).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img create: %v %s", err, out)
	}
	if out, err := exec.Command("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 "+size, path).CombinedOutput(); err != nil {
		t.Fatalf("qemu-io write: %v %s", err, out)
	}
	return path
}

func temporariesUnder(dir string) []string {
	var found []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() && (strings.HasSuffix(path, ".tmp") || strings.Contains(info.Name(), ".part-")) {
			found = append(found, path)
		}
		return nil
	})
	return found
}

// TestCrashDuringCreates kills the controller (SIGKILL) while VM creates
// it answered 202 for are in flight, one of them in the middle of a full
// clone, and restarts it: every VM is still there and gets made, the
// started ones run, no temporary file is left, and the directory of a VM
// that no longer exists is swept while those of existing VMs are kept.
func TestCrashDuringCreates(t *testing.T) {
	guest := guestDir(t)
	dataDir := t.TempDir()
	p := newServerProcess(t, dataDir, "")
	p.start()
	ctx := ctxT(t)
	upload := func(name, path string) api.Image {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, _ := f.Stat()
		img, err := p.c.UploadImage(ctx, name, "", f, fi.Size())
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		return img
	}
	small := upload("guest", filepath.Join(guest, "kumo-test-guest.qcow2"))
	big := upload("big", bigImage(t, "384M"))

	// A VM made before the crash, stopped: its directory must survive.
	before, err := p.c.CreateVM(ctx, api.VMsPost{Name: "before", Image: small.ID, MemoryMiB: 64})
	if err != nil {
		t.Fatal(err)
	}
	if done, err := p.c.WaitTask(ctx, before.Task.ID, nil); err != nil || done.State != "succeeded" {
		t.Fatalf("create before the crash: %+v %v", done, err)
	}

	reqs := []api.VMsPost{
		{Name: "full-1", Image: big.ID, MemoryMiB: 64, CloneMode: "full"},
		{Name: "full-2", Image: big.ID, MemoryMiB: 64, CloneMode: "full"},
		{Name: "cow-1", Image: small.ID, MemoryMiB: 64, Start: true},
		{Name: "cow-2", Image: small.ID, MemoryMiB: 64, Start: true},
	}
	var accepted []api.VMCreated
	for _, r := range reqs {
		created, err := p.c.CreateVM(ctx, r)
		if err != nil {
			t.Fatalf("create %s: %v", r.Name, err)
		}
		accepted = append(accepted, created)
	}
	// Kill it in the middle of a full clone, if one shows up in time;
	// in any case while the creates are queued or running.
	deadline := time.Now().Add(20 * time.Second)
	for len(temporariesUnder(filepath.Join(dataDir, "vms"))) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	tmpsAtCrash := temporariesUnder(filepath.Join(dataDir, "vms"))
	p.kill()
	t.Logf("killed with temporaries %v", tmpsAtCrash)
	// Down for longer than the offline timeout, as a real restart is:
	// the restarted controller first sees its host as offline.
	time.Sleep(3 * time.Second)

	// A directory no VM claims, as a create undone after a crash leaves.
	orphan := filepath.Join(dataDir, "vms", uuid.NewString())
	if err := os.MkdirAll(orphan, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(orphan, "config.json"), []byte(`{}`), 0o600)
	os.WriteFile(filepath.Join(orphan, ".root.qcow2.123.tmp"), make([]byte, 1<<20), 0o600)

	p.start()
	for _, a := range accepted {
		done, err := p.c.WaitTask(ctx, a.Task.ID, nil)
		if err != nil {
			t.Fatalf("wait for the create of %s: %v", a.VM.Name, err)
		}
		if done.State != "succeeded" {
			t.Errorf("create of %s after the crash: %s: %s", a.VM.Name, done.State, done.Error)
		}
		vm, err := p.c.VM(ctx, a.VM.ID)
		if err != nil {
			t.Errorf("VM %s answered 202 before the crash is gone: %v", a.VM.Name, err)
			continue
		}
		if _, err := os.Stat(filepath.Join(dataDir, "vms", vm.ID, "root.qcow2")); err != nil {
			t.Errorf("VM %s has no disk: %v", vm.Name, err)
		}
	}
	for _, a := range accepted[2:] {
		eventually(t, 30*time.Second, a.VM.Name+" running", func() (bool, string) {
			vm, err := p.c.VM(ctx, a.VM.ID)
			return err == nil && vm.Status == "running" && pidAlive(filepath.Join(dataDir, "vms", a.VM.ID, "qemu.pid")) > 0, vm.Status
		})
	}
	eventually(t, 30*time.Second, "the orphan directory swept", func() (bool, string) {
		_, err := os.Stat(orphan)
		return errors.Is(err, os.ErrNotExist), fmt.Sprint(err)
	})
	if _, err := os.Stat(filepath.Join(dataDir, "vms", before.VM.ID, "root.qcow2")); err != nil {
		t.Errorf("the sweep removed the disk of an existing VM: %v", err)
	}
	if left := temporariesUnder(filepath.Join(dataDir, "vms")); len(left) > 0 {
		t.Errorf("temporary files left after the restart: %v", left)
	}
	logText, _ := os.ReadFile(p.log)
	if !strings.Contains(string(logText), "removed the directory of a VM that no longer exists") ||
		!strings.Contains(string(logText), filepath.Base(orphan)) {
		t.Errorf("the sweep of %s was not reported in the log", filepath.Base(orphan))
	}
	vms, err := p.c.VMs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vms) != len(accepted)+1 {
		t.Errorf("%d VMs after the restart, want %d", len(vms), len(accepted)+1)
	}
}

// postgresSchema makes a schema of its own in the test PostgreSQL and
// returns a DSN that uses it; outside CI a missing database skips.
func postgresSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("KUMO_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must test PostgreSQL too: KUMO_TEST_POSTGRES is not set")
		}
		t.Skip("KUMO_TEST_POSTGRES not set")
	}
	schema := fmt.Sprintf("e2e_%s_%d", strings.ToLower(t.Name()), os.Getpid())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	for _, q := range []string{`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`, `CREATE SCHEMA ` + schema} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`) })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// TestSecondControllerRefused points a second `kumo server` at the
// database of a running one: it refuses to start, saying why, and so
// resumes none of the first one's tasks; neither while the first runs
// nor right after the first was killed (its lease has not expired). The
// first, restarted on its own data dir, takes its lease back at once and
// still has all its VMs; once it stopped cleanly, the second may start.
func TestSecondControllerRefused(t *testing.T) {
	guest := guestDir(t)
	dsn := postgresSchema(t)
	first := newServerProcess(t, t.TempDir(), dsn)
	first.start()
	ctx := ctxT(t)
	f, err := os.Open(filepath.Join(guest, "kumo-test-guest.qcow2"))
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	img, err := first.c.UploadImage(ctx, "guest", "", f, fi.Size())
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		created, err := first.c.CreateVM(ctx, api.VMsPost{Name: fmt.Sprint("vm", i), Image: img.ID, MemoryMiB: 64, Start: i < 2})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, created.VM.ID)
	}
	// The last create is still in flight when the second one tries.

	refused := func(why string) {
		t.Helper()
		second := newServerProcess(t, t.TempDir(), dsn)
		second.run()
		select {
		case err := <-second.exited:
			second.cmd = nil
			if err == nil {
				t.Fatalf("%s: the second server exited 0", why)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: the second server is still running after 60s", why)
		}
		raw, _ := os.ReadFile(second.log)
		if !strings.Contains(string(raw), "in use by another control plane") || !strings.Contains(string(raw), first.dataDir) {
			t.Fatalf("%s: the second server did not say who holds the database:\n%s", why, tail(string(raw), 3000))
		}
	}
	refused("while the first runs")

	for _, id := range ids {
		vm, err := first.c.VM(ctx, id)
		if err != nil {
			t.Fatalf("VM %s lost after the second server tried: %v", id, err)
		}
		_ = vm
	}
	first.kill()
	refused("right after the first was killed")

	first.start()
	tasks, err := first.c.Tasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if task.Kind != "vm.create" {
			continue
		}
		done, err := first.c.WaitTask(ctx, task.ID, nil)
		if err != nil || done.State != "succeeded" {
			t.Errorf("create %s: %+v %v", task.TargetID, done, err)
		}
	}
	for i, id := range ids {
		vm, err := first.c.VM(ctx, id)
		if err != nil {
			t.Fatalf("VM %s lost: %v", id, err)
		}
		if i < 2 {
			eventually(t, 30*time.Second, vm.Name+" running", func() (bool, string) {
				vm, err := first.c.VM(ctx, id)
				return err == nil && vm.Status == "running", vm.Status
			})
		}
	}
	first.stop()
	second := newServerProcess(t, t.TempDir(), dsn)
	second.args = append(second.args, "--host-name", "second")
	second.start()
	second.stop()
}
