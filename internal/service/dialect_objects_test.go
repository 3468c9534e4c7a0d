package service

import (
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestDialectSettingsBillingAndOwnerChange(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := adminCtx()
	type agent struct{ Name string }
	if err := s.PutZStackObject(ctx, "consoleAgent", "p1", now(), agent{"proxy"}); err != nil {
		t.Fatal(err)
	}
	var got agent
	if err := s.GetZStackObject(ctx, "consoleAgent", "p1", &got); err != nil || got.Name != "proxy" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if list, err := s.ListZStackObjects(ctx, "consoleAgent"); err != nil || len(list) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}
	wantCodeText(t, "deleting a missing object", s.DeleteZStackObject(ctx, "consoleAgent", "p2"), model.CodeNotFound, "p2")

	// A VM observed running gets an interval that closes when it stops,
	// and its spending follows the prices over that time.
	if _, err := s.CreatePool(ctx, "p1", PoolSettings{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	p1 := mustPool(t, s, "p1")
	if err := s.db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: p1.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	vm := model.VM{ID: "v", Name: "v", PoolID: p1.ID, HostID: "h", Cores: 2, MemoryMiB: 64, CloneMode: model.CloneCOW,
		PowerState: model.PowerRunning, Status: model.PowerRunning, Owner: "admin", CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateVM(ctx, vm); err != nil {
		t.Fatal(err)
	}
	start := now()
	if _, err := s.CreatePrice(ctx, model.Price{Resource: "cpu", TimeUnit: "s", Price: 10, EffectiveAt: start.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreatePrice(ctx, model.Price{Resource: "cpu", TimeUnit: "fortnight", Price: 1})
	wantCode(t, "a bad time unit", err, model.CodeInvalidArgument)
	if err := s.recordVMRuns(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.db.SetVMStatus(ctx, "v", model.PowerStopped, now().UnixMicro()); err != nil {
		t.Fatal(err)
	}
	if err := s.recordVMRuns(ctx); err != nil {
		t.Fatal(err)
	}
	runs, err := s.db.ListRunIntervals(ctx)
	if err != nil || len(runs) != 1 || runs[0].Stopped.IsZero() || runs[0].Stopped.Sub(runs[0].Started) < 50*time.Millisecond {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
	sp, err := s.Spending(ctx, SpendingRequest{Tenant: model.DefaultTenantID, Start: start.Add(-time.Minute)})
	ran := runs[0].Stopped.Sub(runs[0].Started).Seconds()
	if err != nil || sp.Total < 2*10*ran*0.99 || sp.Total > 2*10*ran*1.01 {
		t.Fatalf("spending of 2 cores at 10/s for %.3f s = %+v, %v", ran, sp, err)
	}
	if sp, _ := s.Spending(ctx, SpendingRequest{Tenant: model.DefaultTenantID, Owner: "nobody", Start: start.Add(-time.Minute)}); sp.Total != 0 {
		t.Fatalf("spending of a user without VMs: %+v", sp)
	}

	// Owner changes are for admins; the VM moves to the owner's tenant.
	if _, err := s.CreateUser(ctx, CreateUserRequest{Name: "carol", Password: "carol-password"}); err != nil {
		t.Fatal(err)
	}
	user := loginAs(t, s, "carol", "carol-password")
	if _, err := s.ChangeVMOwner(user, "v", "carol"); !model.IsCode(err, model.CodePermissionDenied) {
		t.Fatalf("user changing an owner: %v", err)
	}
	if moved, err := s.ChangeVMOwner(ctx, "v", "carol"); err != nil || moved.Owner != "carol" {
		t.Fatalf("owner change = %+v, %v", moved, err)
	}
	if _, err := s.ChangeVMOwner(ctx, "v", "nobody"); !model.IsCode(err, model.CodeNotFound) {
		t.Fatalf("owner change to a missing user: %v", err)
	}
	token, _, err := s.Login(ctx, "carol", "carol-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, CreateUserRequest{Name: "dave", Password: "dave-password"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(user, "dave", "new-password-1"); !model.IsCode(err, model.CodePermissionDenied) {
		t.Fatalf("user resetting another's password: %v", err)
	}
	if err := s.SetPassword(ctx, "carol", "new-password-1"); err != nil {
		t.Fatal(err)
	}
	// The reset ends carol's sessions; the new password works.
	if _, _, err := s.Authenticate(ctx, token); err == nil {
		t.Fatal("session survived a password reset")
	}
	if _, _, err := s.Login(ctx, "carol", "new-password-1"); err != nil {
		t.Fatal(err)
	}
}
