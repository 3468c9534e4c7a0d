package store

import (
	"context"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// TestSnapshotTree builds a small snapshot tree and checks that current
// moves with creates, reverts and deletes, and that deleting a snapshot
// hands its children to its parent.
func TestSnapshotTree(t *testing.T) {
	ctx := context.Background()
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			vm := testVM(t, db, "snap-vm")
			mk := func(name, parent string) {
				t.Helper()
				if err := db.CreateSnapshot(ctx, model.Snapshot{VMID: vm, Name: name, Parent: parent, CreatedAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			mk("a", "")
			mk("b", "a")
			mk("c", "b")
			if err := db.SetCurrentSnapshot(ctx, vm, "a"); err != nil {
				t.Fatal(err)
			}
			mk("d", "a")
			if err := db.CreateSnapshot(ctx, model.Snapshot{VMID: vm, Name: "d", CreatedAt: time.Now()}); err == nil {
				t.Fatal("a second snapshot d was stored")
			}
			if err := db.DeleteSnapshot(ctx, vm, "b"); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteSnapshot(ctx, vm, "d"); err != nil {
				t.Fatal(err)
			}
			list, err := db.ListSnapshots(ctx, vm)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]model.Snapshot{}
			for _, s := range list {
				got[s.Name] = s
			}
			if len(got) != 2 || got["c"].Parent != "a" || !got["a"].Current || got["c"].Current {
				t.Fatalf("tree: %+v", list)
			}
			if err := db.DeleteSnapshot(ctx, vm, "d"); err != ErrNotFound {
				t.Fatalf("delete of a deleted snapshot: %v", err)
			}
		})
	}
}

// testVM stores a pool, a host and a VM, and returns the VM's id.
func testVM(t *testing.T, db *DB, id string) string {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", CreatedAt: now})
	db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: "p", State: model.HostOnline, CreatedAt: now})
	vm := model.VM{ID: id, Name: id, PoolID: "p", HostID: "h", Cores: 1, MemoryMiB: 64, CloneMode: model.CloneCOW,
		PowerState: model.PowerStopped, Status: model.PowerStopped, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateVM(ctx, vm); err != nil {
		t.Fatal(err)
	}
	return id
}
