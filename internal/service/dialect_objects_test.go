package service

import (
	"context"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestZStackObjectsAndRunIntervals(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := adminCtx()
	type policy struct{ Name string }
	if err := s.PutZStackObject(ctx, "policy", "p1", now(), policy{"deny-all"}); err != nil {
		t.Fatal(err)
	}
	var got policy
	if err := s.GetZStackObject(ctx, "policy", "p1", &got); err != nil || got.Name != "deny-all" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if list, err := s.ListZStackObjects(ctx, "policy"); err != nil || len(list) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}
	wantCodeText(t, "deleting a missing object", s.DeleteZStackObject(ctx, "policy", "p2"), model.CodeNotFound, "p2")

	// A VM observed running gets an interval that closes when it stops.
	if _, err := s.CreatePool(ctx, "p1", PoolSettings{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	p1 := mustPool(t, s, "p1")
	if err := s.db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: p1.ID, State: model.HostOnline, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	vm := model.VM{ID: "v", Name: "v", PoolID: p1.ID, HostID: "h", Cores: 1, MemoryMiB: 64, CloneMode: model.CloneCOW,
		PowerState: model.PowerRunning, Status: model.PowerRunning, Owner: "admin", CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateVM(ctx, vm); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordVMRuns(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if err := s.RecordVMRuns(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.db.SetVMStatus(ctx, "v", model.PowerStopped, now().UnixMicro()); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordVMRuns(ctx); err != nil {
		t.Fatal(err)
	}
	runs, err := s.VMRunIntervals(ctx)
	if err != nil || len(runs["v"]) != 1 || runs["v"][0].Stopped.IsZero() || runs["v"][0].Stopped.Sub(runs["v"][0].Started) < 10*time.Millisecond {
		t.Fatalf("runs = %+v, %v", runs, err)
	}

	// Owner change and password reset are for admins.
	if _, err := s.CreateUser(ctx, "carol", "carol-password", model.RoleUser); err != nil {
		t.Fatal(err)
	}
	user := WithPrincipal(context.Background(), Principal{Name: "carol", Role: model.RoleUser})
	if _, err := s.ChangeVMOwner(user, "v", "carol"); !model.IsCode(err, model.CodePermissionDenied) {
		t.Fatalf("user changing an owner: %v", err)
	}
	if moved, err := s.ChangeVMOwner(ctx, "v", "carol"); err != nil || moved.Owner != "carol" {
		t.Fatalf("owner change = %+v, %v", moved, err)
	}
	if _, err := s.ChangeVMOwner(ctx, "v", "nobody"); !model.IsCode(err, model.CodeNotFound) {
		t.Fatalf("owner change to a missing user: %v", err)
	}
	token, _, err := s.LoginVerified(context.Background(), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserPassword(user, "carol", "new-password-1"); !model.IsCode(err, model.CodePermissionDenied) {
		t.Fatalf("user resetting a password: %v", err)
	}
	if err := s.SetUserPassword(ctx, "carol", "new-password-1"); err != nil {
		t.Fatal(err)
	}
	// The reset ends carol's sessions; the new password works.
	if _, _, err := s.Authenticate(context.Background(), token); err == nil {
		t.Fatal("session survived a password reset")
	}
	if _, _, err := s.Login(context.Background(), "carol", "new-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LoginVerified(context.Background(), "nobody"); !model.IsCode(err, model.CodeNotFound) {
		t.Fatalf("verified login of a missing user: %v", err)
	}
}
