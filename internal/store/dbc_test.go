package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestDBCSessionsAndNonces(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := model.DBCSession{ID: "sess-1", Wallet: "5Wallet", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
			if err := db.CreateDBCSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			got, err := db.GetDBCSession(ctx, "sess-1")
			if err != nil || got != s {
				t.Fatalf("GetDBCSession = %+v, %v; want %+v", got, err, s)
			}
			if _, err := db.GetDBCSession(ctx, "other"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown session: %v, want ErrNotFound", err)
			}
			if err := db.UseDBCNonce(ctx, "5Wallet", "n1", 1); err != nil {
				t.Fatal(err)
			}
			if err := db.UseDBCNonce(ctx, "5Wallet", "n1", 2); !errors.Is(err, ErrConflict) {
				t.Errorf("reused nonce: %v, want ErrConflict", err)
			}
			if err := db.UseDBCNonce(ctx, "5Other", "n1", 2); err != nil {
				t.Errorf("same nonce of another wallet: %v", err)
			}
		})
	}
}

// TestVMPortForwardsAndDataDisks round-trips the VM fields DBC added,
// and a host's GPU count.
func TestVMPortForwardsAndDataDisks(t *testing.T) {
	ctx := context.Background()
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			id := testVM(t, db, "dbc-vm")
			vm, err := db.GetVM(ctx, id)
			if err != nil || vm.PortForwards != nil || vm.DataDisks != nil {
				t.Fatalf("new VM: %+v, %v", vm, err)
			}
			vm.PortForwards = []model.PortForward{{Protocol: "tcp", HostPort: 2222, GuestPort: 22}}
			vm.DataDisks = []model.DataDisk{{Name: "vdb", SizeBytes: 1 << 30, MountDir: "/data"}}
			vm.NetworkFilters = []string{"out,all,all,0.0.0.0/0,drop"}
			vm.Multicast = []string{"230.0.0.1:5558"}
			if err := db.UpdateVM(ctx, vm); err != nil {
				t.Fatal(err)
			}
			got, err := db.GetVM(ctx, id)
			if err != nil || !reflect.DeepEqual(got.PortForwards, vm.PortForwards) || !reflect.DeepEqual(got.DataDisks, vm.DataDisks) ||
				!reflect.DeepEqual(got.NetworkFilters, vm.NetworkFilters) || !reflect.DeepEqual(got.Multicast, vm.Multicast) {
				t.Errorf("after update: %+v %+v, %v", got.PortForwards, got.DataDisks, err)
			}
			h, _ := db.GetHost(ctx, "h")
			h.GPUs = 3
			if err := db.UpdateHostHeartbeat(ctx, h); err != nil {
				t.Fatal(err)
			}
			if h, _ = db.GetHost(ctx, "h"); h.GPUs != 3 {
				t.Errorf("host GPUs %d, want 3", h.GPUs)
			}
		})
	}
}
