package service

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

// newTestServices returns a service on SQLite and, when
// KUMO_TEST_POSTGRES is set (always in CI), one on PostgreSQL in a
// schema of its own, so the same test runs on both engines.
func newTestServices(t *testing.T) map[string]*Service {
	t.Helper()
	out := map[string]*Service{"sqlite": newTestService(t, Config{})}
	dsn := os.Getenv("KUMO_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must test PostgreSQL too: KUMO_TEST_POSTGRES is not set")
		}
		return out
	}
	schema := fmt.Sprintf("svc_%s_%d", strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())), os.Getpid())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`) })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := store.Open(context.Background(), dsn+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir}, db, storage.NewQemuImg(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	out["postgres"] = s
	return out
}

// quotaFixture is an account tenant with a ready image and a host big
// enough for every VM the test makes, and the account's admin logged in.
func quotaFixture(t *testing.T, s *Service) (account context.Context, tenant model.Tenant, img model.Image) {
	t.Helper()
	admin := adminCtx()
	tenant, _, err := s.CreateTenant(admin, CreateTenantRequest{Name: "acme", AdminPassword: "acme-password"})
	if err != nil {
		t.Fatal(err)
	}
	pool := mustPool(t, s, model.DefaultPoolName)
	if err := s.db.CreateHost(admin, model.Host{ID: "h", Name: "h", PoolID: pool.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, Enabled: true,
		MemoryBytes: 1 << 40, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	account = loginAs(t, s, "acme", "acme-password")
	img = model.Image{ID: newID(), Name: "base", Format: model.FormatQCOW2, State: model.ImageReady, VirtualSize: 1 << 20,
		Owner: "acme", TenantID: tenant.ID, Tags: []string{}, CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateImage(admin, img); err != nil {
		t.Fatal(err)
	}
	return account, tenant, img
}

// TestQuotaConcurrentCreates makes 20 VMs at once against a quota of 5:
// exactly 5 are accepted, on SQLite and on PostgreSQL, because the check
// and the insert share a transaction that locks the tenant.
func TestQuotaConcurrentCreates(t *testing.T) {
	for name, s := range newTestServices(t) {
		t.Run(name, func(t *testing.T) {
			account, tenant, img := quotaFixture(t, s)
			if _, err := s.SetQuota(adminCtx(), tenant.Name, model.QuotaVMCount, 5); err != nil {
				t.Fatal(err)
			}
			// No agent runs here: with the engine stopped the create tasks
			// stay queued, so no failed create removes a VM meanwhile.
			s.tasks.Close()
			const tries = 20
			var wg sync.WaitGroup
			errs := make([]error, tries)
			for i := range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, errs[i] = s.CreateVM(account, CreateVMRequest{Name: fmt.Sprintf("vm%02d", i), Image: img.ID, MemoryMiB: 64})
				}()
			}
			wg.Wait()
			made, refused := 0, 0
			for i, err := range errs {
				switch {
				case err == nil:
					made++
				case model.IsCode(err, model.CodeQuotaExceeded):
					refused++
				default:
					t.Errorf("create %d: %v", i, err)
				}
			}
			if made != 5 || refused != tries-5 {
				t.Fatalf("%d creates accepted and %d refused, want 5 and %d", made, refused, tries-5)
			}
		})
	}
}

// TestQuotaKinds checks each quota a create or resize meets, and that an
// admin of the platform is bound by none.
func TestQuotaKinds(t *testing.T) {
	s := newTestService(t, Config{})
	account, tenant, img := quotaFixture(t, s)
	s.tasks.Close() // keep the VMs: no agent runs their create tasks
	admin := adminCtx()
	for name, v := range map[string]int64{model.QuotaVMCores: 3, model.QuotaVMMemory: 512 << 20, model.QuotaDiskBytes: 3 << 20} {
		if _, err := s.SetQuota(admin, tenant.ID, name, v); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := s.CreateVM(account, CreateVMRequest{Name: "big", Image: img.ID, Cores: 4, MemoryMiB: 64})
	wantCodeText(t, "cores over the quota", err, model.CodeQuotaExceeded, model.QuotaVMCores)
	_, _, err = s.CreateVM(account, CreateVMRequest{Name: "fat", Image: img.ID, MemoryMiB: 1024})
	wantCodeText(t, "memory over the quota", err, model.CodeQuotaExceeded, model.QuotaVMMemory)
	_, _, err = s.CreateVM(account, CreateVMRequest{Name: "wide", Image: img.ID, MemoryMiB: 64, DiskBytes: 4 << 20})
	wantCodeText(t, "disk over the quota", err, model.CodeQuotaExceeded, model.QuotaDiskBytes)
	vm, _, err := s.CreateVM(account, CreateVMRequest{Name: "fits", Image: img.ID, Cores: 2, MemoryMiB: 256})
	if err != nil {
		t.Fatal(err)
	}
	// A resize is checked like a create; a smaller size always passes.
	if err := s.db.SetVMStatus(admin, vm.ID, model.PowerStopped, now().UnixMicro()); err != nil {
		t.Fatal(err)
	}
	_, err = s.UpdateVM(account, vm.ID, UpdateVMRequest{Cores: ptr(4)})
	wantCodeText(t, "resize over the quota", err, model.CodeQuotaExceeded, model.QuotaVMCores)
	if _, err := s.UpdateVM(account, vm.ID, UpdateVMRequest{Cores: ptr(1)}); err != nil {
		t.Fatalf("shrinking: %v", err)
	}
	_, err = s.AddVMDataDisk(account, vm.ID, 4<<20, "")
	wantCodeText(t, "data disk over the quota", err, model.CodeQuotaExceeded, model.QuotaDiskBytes)
	usages, err := s.QuotaUsages(account, tenant.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range usages {
		if u.Name == model.QuotaVMCores && (u.Used != 1 || u.Limit != 3) {
			t.Errorf("cores usage = %+v", u)
		}
		if u.Name == model.QuotaVMCount && (u.Used != 1 || u.Limit != model.DefaultAccountQuotas[model.QuotaVMCount]) {
			t.Errorf("count usage = %+v", u)
		}
	}
	// Only the platform's admins set quotas; the tenant reads its own.
	_, err = s.SetQuota(account, tenant.ID, model.QuotaVMCount, 100)
	wantCode(t, "a tenant raising its quota", err, model.CodePermissionDenied)
	_, err = s.SetQuota(admin, tenant.ID, "coffee.cups", 1)
	wantCode(t, "an unknown quota", err, model.CodeInvalidArgument)
	// Lifting a quota removes the limit.
	if _, err := s.SetQuota(admin, tenant.ID, model.QuotaVMCores, -1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateVM(account, CreateVMRequest{Name: "many", Image: img.ID, Cores: 8, MemoryMiB: 64}); err != nil {
		t.Fatalf("after lifting the cores quota: %v", err)
	}
}
