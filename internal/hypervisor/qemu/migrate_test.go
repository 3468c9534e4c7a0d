package qemu

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// lastTick returns the highest KUMO-GUEST-TICK in a VM's serial log.
func lastTick(dir string) int {
	log, _ := os.ReadFile(SerialLogPath(dir))
	n := 0
	for _, m := range regexp.MustCompile(`KUMO-GUEST-TICK (\d+)`).FindAllSubmatch(log, -1) {
		if v, _ := strconv.Atoi(string(m[1])); v > n {
			n = v
		}
	}
	return n
}

// TestMigrate live-migrates the test guest between two directories, as
// two agents on one machine would: each has its own overlay on the same
// base image, and only the overlay is copied (incremental block
// migration). The guest's tick counter must go on where it was.
func TestMigrate(t *testing.T) {
	requireQEMU(t)
	base, ok := testGuestFile(t, "kumo-test-guest.qcow2")
	if !ok {
		t.Skip("needs the test guest (scripts/build-test-guest.sh)")
	}
	ctx := t.Context()
	var dirs [2]string
	var disks [2]string
	for i := range dirs {
		dirs[i] = t.TempDir()
		cleanUpVM(t, dirs[i])
		disks[i] = filepath.Join(dirs[i], "root.qcow2")
		if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", disks[i]).CombinedOutput(); err != nil {
			t.Fatalf("overlay: %v: %s", err, out)
		}
	}
	d := newTestDriver(t, Options{}) // after cleanUpVM: closed before it runs
	spec := func(i int) hypervisor.Spec {
		return hypervisor.Spec{ID: "mig", Cores: 1, MemoryMiB: 128, Disks: []hypervisor.Disk{{Path: disks[i], Format: "qcow2"}},
			NICs: []hypervisor.NIC{{MAC: "52:54:00:12:34:57"}}}
	}
	if _, err := d.Start(ctx, dirs[0], spec(0)); err != nil {
		t.Fatal(err)
	}
	waitSerial(t, dirs[0], "KUMO-GUEST-TICK 2", 1, 120*time.Second)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uri := "tcp:" + ln.Addr().String()
	ln.Close()
	in := spec(1)
	in.Incoming = uri
	st, err := d.Start(ctx, dirs[1], in)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != hypervisor.StatePaused {
		t.Fatalf("incoming VM is %s, want paused until its state arrives", st.State)
	}

	var calls, last atomic.Int64
	err = d.Migrate(ctx, dirs[0], hypervisor.MigrateRequest{URI: uri, Incremental: true}, func(p int) {
		calls.Add(1)
		last.Store(int64(p))
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() == 0 || last.Load() != 100 {
		t.Errorf("progress called %d times, last %d", calls.Load(), last.Load())
	}
	mustState(t, d, dirs[0], hypervisor.StatePaused) // postmigrate
	// The destination runs once it has loaded the last of the state.
	for deadline := time.Now().Add(10 * time.Second); ; {
		st, err := d.Status(ctx, dirs[1])
		if err == nil && st.State == hypervisor.StateRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("destination %+v (%v) after the migration", st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	before := lastTick(dirs[0])
	if err := d.PowerOff(ctx, dirs[0]); err != nil {
		t.Fatal(err)
	}
	// The destination's serial log starts empty: its first tick must
	// follow the source's last, not start from 1.
	deadline := time.Now().Add(30 * time.Second)
	for lastTick(dirs[1]) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(SerialLogPath(dirs[1]))
	if after := lastTick(dirs[1]); after <= before || bytes.Contains(log, []byte("KUMO-GUEST-BOOTED")) {
		t.Fatalf("after migration: tick %d (source stopped at %d); destination log:\n%s", after, before, log)
	}

	// A destination that is not listening fails the migration and the
	// source keeps running.
	if err := d.Migrate(ctx, dirs[1], hypervisor.MigrateRequest{URI: "tcp:127.0.0.1:1"}, nil); err == nil {
		t.Fatal("migration to a closed port succeeded")
	}
	mustState(t, d, dirs[1], hypervisor.StateRunning)
}
