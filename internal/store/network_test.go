package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// networkFixture makes a pool p, a host h and an address pool ap with one
// internal range 10.1.0.10-10.1.0.12 and one external range.
func networkFixture(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", Enabled: true, AddressPool: "ap", CreatedAt: now}))
	must(db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: "p", State: model.HostOnline, CreatedAt: now}))
	must(db.CreateAddressPool(ctx, model.AddressPool{ID: "ap-id", Name: "ap", Gateway: "10.1.0.1", DNS: []string{"10.1.0.2", "8.8.8.8"},
		Provider: model.ProviderCloudInit, Mode: "internal", CreatedAt: now}))
	must(db.CreateAddressRange(ctx, model.AddressRange{Start: "10.1.0.10", End: "10.1.0.12", Netmask: "255.255.255.0", PoolID: "ap-id",
		Type: model.RangeInternal, CreatedAt: now}))
	must(db.CreateAddressRange(ctx, model.AddressRange{Start: "10.1.0.2", End: "10.1.0.5", Netmask: "255.255.255.0", PoolID: "ap-id",
		Type: model.RangeExternal, CreatedAt: now}))
}

func networkVM(id string) model.VM {
	return model.VM{ID: id, Name: id, PoolID: "p", HostID: "h", Cores: 1, MemoryMiB: 64, CloneMode: model.CloneCOW,
		PowerState: model.PowerStopped, Status: model.PowerStopped, CreatedAt: time.Now(), UpdatedAt: time.Now()}
}

func TestAddressAllocation(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			networkFixture(t, db)
			ap, err := db.GetAddressPool(ctx, "ap")
			if err != nil || ap.ID != "ap-id" || len(ap.DNS) != 2 || ap.DNS[1] != "8.8.8.8" || ap.Provider != model.ProviderCloudInit {
				t.Fatalf("GetAddressPool = %+v, %v", ap, err)
			}
			rs, err := db.ListAddressRanges(ctx, "ap-id")
			if err != nil || len(rs) != 2 || rs[0].Start != "10.1.0.2" || rs[1].Start != "10.1.0.10" {
				t.Fatalf("ranges not in address order: %+v, %v", rs, err)
			}
			var got []string
			for i := 0; i < 3; i++ {
				id := fmt.Sprintf("vm%d", i)
				if err := db.CreateVM(ctx, networkVM(id)); err != nil {
					t.Fatal(err)
				}
				a, err := db.AllocateAddress(ctx, "ap-id", id, 1)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, a.Address)
			}
			// Only the internal range is handed out, lowest first.
			if fmt.Sprint(got) != "[10.1.0.10 10.1.0.11 10.1.0.12]" {
				t.Fatalf("allocated %v", got)
			}
			db.CreateVM(ctx, networkVM("vm3"))
			if _, err := db.AllocateAddress(ctx, "ap-id", "vm3", 1); !errors.Is(err, ErrExhausted) {
				t.Fatalf("fourth allocation: %v, want ErrExhausted", err)
			}
			if err := db.DeleteAddressRange(ctx, "10.1.0.10"); !errors.Is(err, ErrConflict) {
				t.Fatalf("deleting a range in use: %v", err)
			}
			if err := db.DeleteAddressPool(ctx, "ap-id"); !errors.Is(err, ErrConflict) {
				t.Fatalf("deleting a pool in use: %v", err)
			}
			// Deleting the VM releases its address, which is handed out again.
			if err := db.DeleteVM(ctx, "vm1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetVMAddress(ctx, "vm1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("address of a deleted VM: %v", err)
			}
			if a, err := db.AllocateAddress(ctx, "ap-id", "vm3", 1); err != nil || a.Address != "10.1.0.11" {
				t.Fatalf("reallocation = %+v, %v", a, err)
			}
			if a, err := db.GetVMAddress(ctx, "vm3"); err != nil || a.Address != "10.1.0.11" || a.RangeStart != "10.1.0.10" {
				t.Fatalf("GetVMAddress = %+v, %v", a, err)
			}
			users, err := db.AddressPoolUsers(ctx, "ap")
			if err != nil || fmt.Sprint(users) != "[p]" {
				t.Fatalf("AddressPoolUsers = %v, %v", users, err)
			}
			for _, id := range []string{"vm0", "vm2", "vm3"} {
				db.DeleteVM(ctx, id)
			}
			if err := db.DeleteAddressPool(ctx, "ap-id"); err != nil {
				t.Fatalf("deleting an unused pool: %v", err)
			}
			if rs, _ := db.ListAddressRanges(ctx, ""); len(rs) != 0 {
				t.Fatalf("ranges outlived their pool: %+v", rs)
			}
		})
	}
}

// TestConcurrentAddressAllocation allocates from many goroutines at once,
// each in its own transaction with its VM insert, as CreateVM does: no
// address may be handed out twice, and exactly the free ones are.
func TestConcurrentAddressAllocation(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			networkFixture(t, db)
			if err := db.CreateAddressRange(ctx, model.AddressRange{Start: "10.1.0.100", End: "10.1.0.104", Netmask: "255.255.255.0",
				PoolID: "ap-id", Type: model.RangeInternal}); err != nil {
				t.Fatal(err)
			}
			const workers = 12 // 8 free addresses
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[string]string{}
			exhausted := 0
			for i := 0; i < workers; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					id := fmt.Sprintf("c%d", i)
					var addr string
					err := db.InTx(ctx, func(q Queries) error {
						if err := q.CreateVM(ctx, networkVM(id)); err != nil {
							return err
						}
						a, err := q.AllocateAddress(ctx, "ap-id", id, 1)
						addr = a.Address
						return err
					})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case errors.Is(err, ErrExhausted):
						exhausted++
					case err != nil:
						t.Errorf("%s: %v", id, err)
					default:
						if other, dup := got[addr]; dup {
							t.Errorf("%s was given to %s and %s", addr, other, id)
						}
						got[addr] = id
					}
				}(i)
			}
			wg.Wait()
			if len(got) != 8 || exhausted != workers-8 {
				t.Fatalf("%d allocated, %d exhausted; want 8 and %d", len(got), exhausted, workers-8)
			}
			all, _ := db.ListAddressAllocations(ctx, "ap-id")
			if len(all) != 8 {
				t.Fatalf("%d allocations stored", len(all))
			}
		})
	}
}

func TestStoragePools(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sp := model.StoragePool{ID: "s1", Name: "fast", Type: model.StorageLocal, Target: "/srv/fast", CreatedAt: time.Now()}
			if err := db.CreateStoragePool(ctx, sp); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateStoragePool(ctx, model.StoragePool{ID: "s2", Name: "fast", Type: model.StorageLocal}); !errors.Is(err, ErrConflict) {
				t.Fatalf("duplicate name: %v", err)
			}
			sp.Target = "/srv/faster"
			if err := db.UpdateStoragePool(ctx, sp); err != nil {
				t.Fatal(err)
			}
			got, err := db.GetStoragePool(ctx, "fast")
			if err != nil || got.Target != "/srv/faster" || got.Type != model.StorageLocal {
				t.Fatalf("GetStoragePool = %+v, %v", got, err)
			}
			db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", StoragePool: "fast", CreatedAt: time.Now()})
			db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: "p", State: model.HostOnline, CreatedAt: time.Now()})
			db.CreateVM(ctx, networkVM("v"))
			pools, vms, err := db.StoragePoolUsers(ctx, "fast")
			if err != nil || fmt.Sprint(pools) != "[p]" || vms != 1 {
				t.Fatalf("StoragePoolUsers = %v %d %v", pools, vms, err)
			}
			if err := db.DeleteStoragePool(ctx, "s1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetStoragePool(ctx, "fast"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("deleted pool: %v", err)
			}
		})
	}
}

func TestSecurityPolicies(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := model.SecurityPolicyGroup{ID: "g1", Name: "web", Owner: "admin", Enabled: true, DefaultAction: model.ActionReject,
				Rules: []model.SecurityRule{{Action: model.ActionAccept, Protocol: "tcp", ToPort: 80}}}
			if err := db.CreateSecurityPolicyGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
			err := db.InTx(ctx, func(q Queries) error {
				cur, err := q.LockSecurityPolicyGroup(ctx, "g1")
				if err != nil {
					return err
				}
				cur.Rules = append(cur.Rules, model.SecurityRule{Action: model.ActionReject, Protocol: "udp", FromAddress: "10.0.0.9", ToPort: 53})
				return q.UpdateSecurityPolicyGroup(ctx, cur)
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.GetSecurityPolicyGroup(ctx, "g1")
			if err != nil || len(got.Rules) != 2 || got.Rules[1].FromAddress != "10.0.0.9" || got.Rules[0].ToPort != 80 {
				t.Fatalf("group = %+v, %v", got, err)
			}
			if _, err := db.LockSecurityPolicyGroup(ctx, "nope"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("unknown group: %v", err)
			}

			db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", CreatedAt: time.Now()})
			db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: "p", State: model.HostOnline, CreatedAt: time.Now()})
			db.CreateVM(ctx, networkVM("v"))
			if _, err := db.GetSecurityPolicy(ctx, "v"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("policy before any: %v", err)
			}
			for _, action := range []string{model.ActionAccept, model.ActionReject} { // insert, then update
				p := model.SecurityPolicy{VMID: "v", DefaultAction: action, Rules: got.Rules}
				if err := db.PutSecurityPolicy(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			p, err := db.GetSecurityPolicy(ctx, "v")
			if err != nil || p.DefaultAction != model.ActionReject || len(p.Rules) != 2 {
				t.Fatalf("policy = %+v, %v", p, err)
			}
			db.DeleteVM(ctx, "v")
			if _, err := db.GetSecurityPolicy(ctx, "v"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("policy outlived its VM: %v", err)
			}
		})
	}
}
