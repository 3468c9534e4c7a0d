package service

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/diskspace/diskspacetest"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

// capacityFixture is a pool with one host of 2 CPUs, 4 GiB and a 100 GiB
// file system with 15 GiB free, and a ready image of 20 GiB virtual size.
func capacityFixture(t *testing.T, s *Service) (model.Pool, model.Image) {
	t.Helper()
	ctx := adminCtx()
	pool := mustPool(t, s, model.DefaultPoolName)
	if err := s.db.CreateHost(ctx, model.Host{ID: "h1", Name: "h1", PoolID: pool.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds,
		Enabled: true, CPUs: 2, MemoryBytes: 4 << 30, DiskBytes: 100 << 30, DiskFreeBytes: 15 << 30, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	img := model.Image{ID: newID(), Name: "base", Format: model.FormatQCOW2, State: model.ImageReady, SizeBytes: 1 << 30, VirtualSize: 20 << 30,
		Owner: "admin", TenantID: model.DefaultTenantID, Tags: []string{}, CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	return pool, img
}

// TestCreateVMSizesAgainstHosts: sizes no host can hold, or beyond any
// limit, are refused before anything is stored, naming the field.
func TestCreateVMSizesAgainstHosts(t *testing.T) {
	for name, s := range newTestServices(t) {
		t.Run(name, func(t *testing.T) {
			ctx := adminCtx()
			_, img := capacityFixture(t, s)
			tests := []struct {
				name  string
				req   CreateVMRequest
				code  model.ErrorCode
				field string
			}{
				{"disk of 9e18 bytes", CreateVMRequest{DiskBytes: 9e18}, model.CodeInvalidArgument, "disk_bytes"},
				{"disk of whole sectors beyond int64 sums", CreateVMRequest{DiskBytes: 1<<63 - 512}, model.CodeInvalidArgument, "disk_bytes"},
				{"disk not whole sectors", CreateVMRequest{DiskBytes: 20<<30 + 100}, model.CodeInvalidArgument, "disk_bytes"},
				{"disk larger than the host's file system", CreateVMRequest{DiskBytes: 1 << 40}, model.CodeInsufficientCapacity, "disk_bytes"},
				{"full copy larger than the free space", CreateVMRequest{CloneMode: model.CloneFull}, model.CodeInsufficientCapacity, "disk_bytes"},
				{"more cores than the host has", CreateVMRequest{Cores: 4}, model.CodeInsufficientCapacity, "cores"},
				{"more memory than the host has", CreateVMRequest{MemoryMiB: 8192}, model.CodeInsufficientCapacity, "memory_mib"},
				{"memory beyond any limit", CreateVMRequest{MemoryMiB: 1 << 40}, model.CodeInvalidArgument, "memory_mib"},
			}
			for i, tc := range tests {
				tc.req.Name, tc.req.Image = "vm-"+string(rune('a'+i)), img.ID
				_, _, err := s.CreateVM(ctx, tc.req)
				var me *model.Error
				if !model.IsCode(err, tc.code) || !asModelError(err, &me) || me.Field != tc.field {
					t.Errorf("%s: %v (code %s), want %s on field %s", tc.name, err, model.CodeOf(err), tc.code, tc.field)
				}
			}
			vms, _ := s.db.ListVMs(ctx)
			tasks, _ := s.db.ListTasks(ctx, store.TaskFilter{})
			if len(vms) != 0 || len(tasks) != 0 {
				t.Fatalf("refused creates left %d VMs and %d tasks", len(vms), len(tasks))
			}
		})
	}
}

// TestPlacementCountsDisksBeingMade: a full copy being made takes from
// the host's free space before its host reports it.
func TestPlacementCountsDisksBeingMade(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := adminCtx()
	pool, img := capacityFixture(t, s)
	full := vmDemand{MemoryMiB: 64, Cores: 1, DiskBytes: 10 << 30, DiskNow: 10 << 30}
	if _, err := s.placeVM(ctx, s.db.Queries, pool, full); err != nil {
		t.Fatalf("10 GiB full copy on a host with 15 GiB free: %v", err)
	}
	vm := model.VM{ID: newID(), Name: "making", PoolID: pool.ID, HostID: "h1", ImageID: img.ID, Cores: 1, MemoryMiB: 64, DiskBytes: 10 << 30,
		CloneMode: model.CloneFull, PowerState: model.PowerStopped, Status: model.PowerCreating, Owner: "admin", TenantID: model.DefaultTenantID,
		CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateVM(ctx, vm); err != nil {
		t.Fatal(err)
	}
	_, err := s.placeVM(ctx, s.db.Queries, pool, full)
	if !model.IsCode(err, model.CodeInsufficientCapacity) || !strings.Contains(err.Error(), "free space") {
		t.Fatalf("a second 10 GiB full copy while the first is made: %v", err)
	}
	if _, err := s.placeVM(ctx, s.db.Queries, pool, vmDemand{MemoryMiB: 64, Cores: 1, DiskBytes: 10 << 30}); err != nil {
		t.Fatalf("a COW clone beside it: %v", err)
	}
}

// fullDiskService is a service whose data dir (database, images) is a
// real 64 MiB tmpfs, with an admin.
func fullDiskService(t *testing.T) (*Service, string) {
	t.Helper()
	dir := diskspacetest.Tmpfs(t, 64)
	db, err := store.Open(context.Background(), filepath.Join(dir, "kumo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := New(Config{DataDir: dir}, db, storage.NewQemuImg(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, _, err := s.EnsureAdmin(context.Background(), "admin", "admin-password"); err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// TestUploadOnFullDisk: uploads that do not fit are refused with
// insufficient_capacity and leave no row and no file, whether their
// length is known up front or not; after space is freed they work.
func TestUploadOnFullDisk(t *testing.T) {
	s, dir := fullDiskService(t)
	ctx := adminCtx()
	// Known length larger than the free space: refused before reading.
	_, err := s.UploadImage(ctx, UploadImageRequest{Name: "big", SizeBytes: 100 << 20}, strings.NewReader("never read"))
	if !model.IsCode(err, model.CodeInsufficientCapacity) || strings.Contains(err.Error(), dir) {
		t.Fatalf("upload of 100 MiB announced into 64 MiB: %v", err)
	}
	// Unknown length: stopped when the reserve is reached.
	_, err = s.UploadImage(ctx, UploadImageRequest{Name: "stream"}, io.LimitReader(zeros{}, 100<<20))
	if !model.IsCode(err, model.CodeInsufficientCapacity) || strings.Contains(err.Error(), dir) {
		t.Fatalf("streamed upload of 100 MiB into 64 MiB: %v", err)
	}
	imgs, _ := s.db.ListImages(ctx)
	left, _ := os.ReadDir(filepath.Join(dir, "images"))
	if len(imgs) != 0 || len(left) != 0 {
		t.Fatalf("refused uploads left %d images and files %v", len(imgs), left)
	}
	// A full disk: even a small upload is refused, and logins still work.
	filler := diskspacetest.Fill(t, dir)
	raw := bytes.Repeat([]byte{0}, 1<<20)
	if _, err := s.UploadImage(ctx, UploadImageRequest{Name: "small", SizeBytes: int64(len(raw))}, bytes.NewReader(raw)); !model.IsCode(err, model.CodeInsufficientCapacity) {
		t.Fatalf("1 MiB upload on a full disk: %v", err)
	}
	os.Remove(filler)
	if img, err := s.UploadImage(ctx, UploadImageRequest{Name: "small", SizeBytes: int64(len(raw))}, bytes.NewReader(raw)); err != nil || img.State != model.ImageReady {
		t.Fatalf("1 MiB upload after freeing space: %+v, %v", img, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestLoginOnFullDisk: on a full data dir logins still open sessions
// (held in memory when the database cannot store them), which read,
// renew and log out; writes fail with insufficient_capacity.
func TestLoginOnFullDisk(t *testing.T) {
	s, dir := fullDiskService(t)
	ctx := context.Background()
	diskspacetest.Fill(t, dir)
	// Fill whatever room the database's files still had.
	for i := 0; i < 2000; i++ {
		if _, _, err := s.Login(ctx, "admin", "admin-password"); err != nil {
			t.Fatalf("login %d on a full disk: %v", i, err)
		}
		if len(s.held.byHash) > 0 {
			break
		}
	}
	if len(s.held.byHash) == 0 {
		t.Fatal("the database stored every session on a full disk: the test did not fill it")
	}
	token, _, err := s.Login(ctx, "admin", "admin-password")
	if err != nil {
		t.Fatalf("login on a full disk: %v", err)
	}
	p, _, err := s.Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("authenticate a session opened on a full disk: %v", err)
	}
	as := WithPrincipal(ctx, p)
	if _, err := s.ListVMs(as); err != nil {
		t.Fatalf("read on a full disk: %v", err)
	}
	if _, err := s.RenewSession(as); err != nil {
		t.Fatalf("renew on a full disk: %v", err)
	}
	_, _, err = s.CreateTenant(adminCtx(), CreateTenantRequest{Name: "acme", AdminPassword: "acme-password"})
	if !model.IsCode(err, model.CodeInsufficientCapacity) || strings.Contains(err.Error(), dir) {
		t.Fatalf("write on a full disk: %v", err)
	}
	if err := s.Logout(as); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if _, _, err := s.Authenticate(ctx, token); !model.IsCode(err, model.CodeUnauthenticated) {
		t.Fatalf("session after logout: %v", err)
	}
}
