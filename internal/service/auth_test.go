package service

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

func newTestService(t *testing.T, cfg Config) *Service {
	t.Helper()
	cfg.DataDir = t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(cfg.DataDir, "kumo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := New(cfg, db, storage.NewQemuImg(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestPasswordHash(t *testing.T) {
	h1, _ := HashPassword("hunter22")
	h2, _ := HashPassword("hunter22")
	if h1 == h2 {
		t.Fatal("hashes are not salted")
	}
	if !CheckPassword(h1, "hunter22") || CheckPassword(h1, "hunter23") || CheckPassword("garbage", "hunter22") {
		t.Fatal("CheckPassword is wrong")
	}
}

func TestFirstAdminAndSessionExpiry(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t, Config{SessionTTL: 300 * time.Millisecond})
	created, pw, err := s.EnsureAdmin(ctx, "admin", "")
	if err != nil || !created || len(pw) < 12 {
		t.Fatalf("first admin: %v %q %v", created, pw, err)
	}
	if again, _, _ := s.EnsureAdmin(ctx, "admin", ""); again {
		t.Fatal("a second admin was created on the next start")
	}
	token, _, err := s.Login(ctx, "admin", pw)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := s.Authenticate(ctx, token)
	if err != nil || p.Role != model.RoleAdmin {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	if _, _, err := s.Login(ctx, "admin", "wrong"); !model.IsCode(err, model.CodeUnauthenticated) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, _, err := s.Login(ctx, "nobody", pw); !model.IsCode(err, model.CodeUnauthenticated) {
		t.Fatalf("unknown user: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	if _, _, err := s.Authenticate(ctx, token); !model.IsCode(err, model.CodeUnauthenticated) {
		t.Fatalf("expired session accepted: %v", err)
	}
	// Users may not do admin work.
	admin := WithPrincipal(ctx, Principal{Name: "admin", Role: model.RoleAdmin})
	if _, err := s.CreateUser(admin, CreateUserRequest{Name: "bob", Password: "bobs-password"}); err != nil {
		t.Fatal(err)
	}
	bob := WithPrincipal(ctx, Principal{Name: "bob", Role: model.RoleUser})
	if _, err := s.CreatePool(bob, "mine", PoolSettings{}); !model.IsCode(err, model.CodePermissionDenied) {
		t.Fatalf("user created a pool: %v", err)
	}
	if _, err := s.CreateUser(admin, CreateUserRequest{Name: "bob", Password: "bobs-password"}); !model.IsCode(err, model.CodeConflict) {
		t.Fatalf("duplicate user: %v", err)
	}
}

func TestPlacement(t *testing.T) {
	ctx := adminCtx()
	s := newTestService(t, Config{})
	pool, _ := s.GetPool(ctx, model.DefaultPoolName)
	now := time.Now()
	for _, h := range []model.Host{
		{ID: "small", Name: "small", PoolID: pool.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, Enabled: true, MemoryBytes: 1 << 30, CreatedAt: now},
		{ID: "big", Name: "big", PoolID: pool.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, Enabled: true, MemoryBytes: 4 << 30, CreatedAt: now},
		{ID: "gone", Name: "gone", PoolID: pool.ID, State: model.HostOffline, Enabled: true, MemoryBytes: 64 << 30, CreatedAt: now},
		{ID: "disabled", Name: "disabled", PoolID: pool.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, Enabled: false, MemoryBytes: 64 << 30, CreatedAt: now},
	} {
		if err := s.db.CreateHost(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		mib  int
		want string
		code model.ErrorCode
	}{
		{512, "big", ""},
		{4096, "big", ""},
		{4097, "", model.CodeInsufficientCapacity},
	}
	for _, tc := range tests {
		h, err := s.placeVM(ctx, s.db.Queries, pool, vmDemand{MemoryMiB: tc.mib, Cores: 1})
		if tc.code != "" {
			if !model.IsCode(err, tc.code) {
				t.Errorf("place %d MiB: %v, want %s", tc.mib, err, tc.code)
			}
			continue
		}
		if err != nil || h.ID != tc.want {
			t.Errorf("place %d MiB on %s, %v; want %s", tc.mib, h.ID, err, tc.want)
		}
	}
}

// heardUntilTestEnds is the last heartbeat of the hosts tests make by
// hand: a day ahead, so the heartbeat watcher never marks them offline
// however slowly the test machine runs.
var heardUntilTestEnds = time.Now().Add(24 * time.Hour)
