package qemu

import (
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// TestMediaInsertEject starts a VM without media, so it gets the empty
// CD-ROM drive, and changes discs in it while it runs; QEMU's query-block
// is the witness.
func TestMediaInsertEject(t *testing.T) {
	requireQEMU(t)
	iso, ok := testGuestFile(t, "kumo-test-guest.iso")
	if !ok {
		t.Skip("needs the test guest (scripts/build-test-guest.sh)")
	}
	dir := t.TempDir()
	cleanUpVM(t, dir)
	d := newTestDriver(t, Options{})
	if _, err := d.Start(t.Context(), dir, hypervisor.Spec{ID: "media-change", Cores: 1, MemoryMiB: 64}); err != nil {
		t.Fatal(err)
	}
	mustMedia := func(want string) {
		t.Helper()
		got, err := d.Media(t.Context(), dir)
		if err != nil || got != want {
			t.Fatalf("media: %q (%v), want %q", got, err, want)
		}
	}
	mustMedia("")
	if err := d.EjectMedia(t.Context(), dir); err != nil {
		t.Fatalf("eject of an empty drive: %v", err)
	}
	if err := d.InsertMedia(t.Context(), dir, iso); err != nil {
		t.Fatal(err)
	}
	mustMedia(iso)
	if err := d.InsertMedia(t.Context(), dir, "relative.iso"); err == nil {
		t.Fatal("a relative path was accepted")
	}
	if err := d.InsertMedia(t.Context(), dir, dir+"/no-such.iso"); err == nil {
		t.Fatal("a missing file was inserted")
	}
	if err := d.EjectMedia(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	mustMedia("")
	if err := d.PowerOff(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	if err := d.InsertMedia(t.Context(), dir, iso); err == nil {
		t.Fatal("insert into a stopped VM succeeded")
	}
}

// TestSaveSnapshotRunning saves two live snapshots of the running test
// guest, deletes one while it runs, and checks with qemu-img once it is
// stopped that the other is on the disk with its RAM.
func TestSaveSnapshotRunning(t *testing.T) {
	requireQEMU(t)
	disk, ok := testGuestFile(t, "kumo-test-guest.qcow2")
	if !ok {
		t.Skip("needs the test guest (scripts/build-test-guest.sh)")
	}
	dir := t.TempDir()
	cleanUpVM(t, dir)
	d := newTestDriver(t, Options{})
	_, err := d.Start(t.Context(), dir, hypervisor.Spec{ID: "live-snap", Cores: 1, MemoryMiB: 128,
		Disks: []hypervisor.Disk{{Path: disk, Format: "qcow2"}}})
	if err != nil {
		t.Fatal(err)
	}
	waitSerial(t, dir, "KUMO-GUEST-READY", 1, 120*time.Second)
	for _, name := range []string{"first", "second"} {
		if err := d.SaveSnapshot(t.Context(), dir, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.SaveSnapshot(t.Context(), dir, "bad name; quit"); err == nil {
		t.Fatal("a name with spaces reached HMP")
	}
	if err := d.DeleteSnapshot(t.Context(), dir, "second"); err != nil {
		t.Fatal(err)
	}
	// Like storage's SnapshotDelete, deleting what is not there is done.
	if err := d.DeleteSnapshot(t.Context(), dir, "never-made"); err != nil {
		t.Fatalf("deleting a snapshot that does not exist: %v", err)
	}
	mustState(t, d, dir, hypervisor.StateRunning)
	if err := d.PowerOff(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(context.Background(), "qemu-img", "info", "--output=json", disk).Output()
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Snapshots []struct {
			Name        string `json:"name"`
			VMStateSize int64  `json:"vm-state-size"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	if len(info.Snapshots) != 1 || info.Snapshots[0].Name != "first" || info.Snapshots[0].VMStateSize == 0 {
		t.Fatalf("snapshots on disk: %+v, want only \"first\" with RAM", info.Snapshots)
	}
}
