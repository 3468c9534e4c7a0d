package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/secretbox"
)

// openTestDBs returns one database per available engine: SQLite always,
// PostgreSQL when KUMO_TEST_POSTGRES holds a DSN (CI sets it).
func openTestDBs(t *testing.T) map[string]*DB {
	t.Helper()
	ctx := context.Background()
	dbs := map[string]*DB{}
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "kumo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	useTestSecrets(t, lite)
	dbs["sqlite"] = lite
	if dsn := os.Getenv("KUMO_TEST_POSTGRES"); dsn != "" {
		pg, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("postgres: %v", err)
		}
		// Each test starts from an empty schema.
		// The built-in admin role and group stay, as a migration made them.
		for _, stmt := range []string{"DELETE FROM zstack_resources", "DELETE FROM vm_run_intervals", "DELETE FROM operation_logs",
			"DELETE FROM iam_group_members", "DELETE FROM iam_user_roles", "DELETE FROM iam_group_roles WHERE group_id <> 'admin'",
			"DELETE FROM iam_groups WHERE id <> 'admin'", "DELETE FROM iam_roles WHERE id <> 'admin'", "DELETE FROM vm_shares",
			"DELETE FROM image_shares", "DELETE FROM quotas", "DELETE FROM bare_metals", "DELETE FROM lan_members", "DELETE FROM lans", "DELETE FROM address_allocations", "DELETE FROM address_ranges",
			"DELETE FROM address_pools", "DELETE FROM storage_pools", "DELETE FROM vm_security_policies",
			"DELETE FROM security_policy_groups", "DELETE FROM vm_snapshots", "DELETE FROM tasks", "DELETE FROM vms",
			"DELETE FROM images", "DELETE FROM join_tokens", "DELETE FROM hosts", "DELETE FROM pools", "DELETE FROM sessions",
			"DELETE FROM users", "DELETE FROM tenants WHERE id <> 'default'", "DELETE FROM dbc_sessions", "DELETE FROM dbc_nonces", "DELETE FROM ldap_servers"} {
			if _, err := pg.sql.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { pg.Close() })
		useTestSecrets(t, pg)
		dbs["postgres"] = pg
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI must test PostgreSQL too: KUMO_TEST_POSTGRES is not set")
	}
	return dbs
}

// useTestSecrets gives db a new secrets key.
func useTestSecrets(t *testing.T, db *DB) *secretbox.Box {
	t.Helper()
	box, _, err := secretbox.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UseSecrets(context.Background(), box); err != nil {
		t.Fatal(err)
	}
	return box
}

func TestPoolsAndConflicts(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Microsecond)
			p := model.Pool{ID: "p1", Name: "alpha", CreatedAt: now}
			if err := db.CreatePool(ctx, p); err != nil {
				t.Fatal(err)
			}
			if err := db.CreatePool(ctx, model.Pool{ID: "p2", Name: "alpha", CreatedAt: now}); !errors.Is(err, ErrConflict) {
				t.Fatalf("duplicate name: got %v, want ErrConflict", err)
			}
			got, err := db.GetPool(ctx, "alpha")
			if err != nil || got.ID != "p1" || !got.CreatedAt.Equal(now) {
				t.Fatalf("GetPool by name = %+v, %v", got, err)
			}
			if _, err := db.GetPool(ctx, "missing"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("missing pool: got %v", err)
			}
			if err := db.DeletePool(ctx, "missing"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("delete missing: got %v", err)
			}
		})
	}
}

func TestTransactionRollsBack(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			boom := errors.New("boom")
			err := db.InTx(ctx, func(q Queries) error {
				if err := q.CreatePool(ctx, model.Pool{ID: "p1", Name: "a", CreatedAt: time.Now()}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("InTx = %v", err)
			}
			if _, err := db.GetPool(ctx, "p1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("pool survived a rolled back transaction: %v", err)
			}
		})
	}
}

func TestTasksFilterAndAllocations(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			for i, st := range []model.TaskState{model.TaskQueued, model.TaskRunning, model.TaskSucceeded} {
				tk := model.Task{ID: string(rune('a' + i)), Kind: "k", TargetID: "vm1", State: st, CreatedAt: now.Add(time.Duration(i) * time.Second)}
				if err := db.CreateTask(ctx, tk); err != nil {
					t.Fatal(err)
				}
			}
			active, err := db.ListTasks(ctx, TaskFilter{States: []model.TaskState{model.TaskQueued, model.TaskRunning}})
			if err != nil || len(active) != 2 || active[0].ID != "b" {
				t.Fatalf("active tasks = %+v, %v", active, err)
			}
			if err := db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: "p", State: model.HostOnline, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			for i, mem := range []int{256, 512} {
				vm := model.VM{ID: string(rune('x' + i)), Name: string(rune('x' + i)), PoolID: "p", HostID: "h", Cores: 2, MemoryMiB: mem,
					CloneMode: model.CloneCOW, PowerState: model.PowerStopped, Status: model.PowerStopped, CreatedAt: now, UpdatedAt: now}
				if err := db.CreateVM(ctx, vm); err != nil {
					t.Fatal(err)
				}
			}
			alloc, err := db.HostAllocations(ctx)
			if err != nil || alloc["h"].MemoryMiB != 768 || alloc["h"].Cores != 4 || alloc["h"].VMs != 2 {
				t.Fatalf("allocations = %+v, %v", alloc, err)
			}
			off, err := db.MarkHostsOffline(ctx, now.Add(time.Minute).UnixMicro())
			if err != nil || len(off) != 1 {
				t.Fatalf("MarkHostsOffline = %v, %v", off, err)
			}
		})
	}
}

// TestObservationsKeepOrder checks that an older observation (lower seq)
// cannot overwrite a newer one, whatever order they arrive in.
func TestObservationsKeepOrder(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", CreatedAt: now})
			db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: "p", State: model.HostOnline, CreatedAt: now})
			vm := model.VM{ID: "v", Name: "v", PoolID: "p", HostID: "h", Cores: 1, MemoryMiB: 64, CloneMode: model.CloneCOW,
				PowerState: model.PowerRunning, Status: model.PowerRunning, CreatedAt: now, UpdatedAt: now}
			if err := db.CreateVM(ctx, vm); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				status  model.PowerState
				seq     int64
				applied bool
			}{
				{model.PowerPaused, 10, true},
				{model.PowerRunning, 9, false}, // read before the pause, arrived after it
				{model.PowerRunning, 10, false},
				{model.PowerRunning, 11, true},
			}
			for i, st := range steps {
				applied, err := db.RecordVMObservation(ctx, "v", "h", st.status, "tcg", st.seq, now.UnixMicro())
				if err != nil || applied != st.applied {
					t.Fatalf("step %d: applied %v, %v; want %v", i, applied, err, st.applied)
				}
			}
			got, _ := db.GetVM(ctx, "v")
			if got.Status != model.PowerRunning || got.Accel != "tcg" {
				t.Fatalf("final: %s %s", got.Status, got.Accel)
			}

			// Moved to another host: the old host's late word is dropped,
			// and the new host's first observation counts though its
			// sequence numbers are lower.
			db.CreateHost(ctx, model.Host{ID: "h2", Name: "h2", PoolID: "p", State: model.HostOnline, CreatedAt: now})
			if err := db.MoveVM(ctx, "v", "h2", now.UnixMicro()); err != nil {
				t.Fatal(err)
			}
			if applied, err := db.RecordVMObservation(ctx, "v", "h", model.PowerPaused, "", 100, now.UnixMicro()); applied || err != nil {
				t.Fatalf("old host's observation after the move: applied %v, %v", applied, err)
			}
			if applied, err := db.RecordVMObservation(ctx, "v", "h2", model.PowerRunning, "", 1, now.UnixMicro()); !applied || err != nil {
				t.Fatalf("new host's first observation: applied %v, %v", applied, err)
			}
			if got, _ := db.GetVM(ctx, "v"); got.HostID != "h2" || got.Status != model.PowerRunning {
				t.Fatalf("after the move: %+v", got)
			}
		})
	}
}
