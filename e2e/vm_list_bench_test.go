package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// BenchmarkListVMs10k measures GET /v1/vms pages through the whole HTTP
// stack of a real server whose SQLite database holds 10,000 VMs (rows
// only: no QEMU runs), as an admin (the page is cut in SQL) and with a
// filter:
//
//	go test -run '^$' -bench ListVMs10k -benchtime 300x ./e2e/
func BenchmarkListVMs10k(b *testing.B) {
	k := startKumo(b, withoutLocalAgent)
	ctx := context.Background()
	// A second handle on the server's database, for the rows.
	db, err := store.Open(ctx, filepath.Join(k.dataDir, "kumo.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	pool, err := db.GetPool(ctx, model.DefaultPoolName)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	// The VMs' host: offline, as no agent runs.
	host := model.Host{ID: uuid.NewString(), Name: "bench-host", PoolID: pool.ID, State: model.HostOffline, CreatedAt: now}
	if err := db.CreateHost(ctx, host); err != nil {
		b.Fatal(err)
	}
	err = db.InTx(ctx, func(q store.Queries) error {
		for i := range 10_000 {
			st := model.PowerStopped
			if i%4 == 0 {
				st = model.PowerRunning
			}
			vm := model.VM{ID: uuid.NewString(), Name: fmt.Sprintf("vm-%05d", i), PoolID: pool.ID, HostID: host.ID, Cores: 1 + i%8,
				MemoryMiB: 256 * (1 + i%16), CloneMode: model.CloneCOW, PowerState: st, Status: st,
				CreatedAt: now.Add(time.Duration(i) * time.Millisecond), UpdatedAt: now}
			if err := q.CreateVM(ctx, vm); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, query string }{
		{"limit50", "limit=50"},
		{"limit50-offset9000", "limit=50&offset=9000"},
		{"filter-sort", "limit=50&filter=status=running+name=vm-01*&sort=-memory_mib"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, k.c.BaseURL+"/v1/vms?"+c.query, nil)
			req.Header.Set("Authorization", "Bearer "+k.c.Token)
			var ds []time.Duration
			var bytes int64
			for b.Loop() {
				start := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ds = append(ds, time.Since(start))
				if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Total-Count") == "" {
					b.Fatalf("HTTP %d, total %q", resp.StatusCode, resp.Header.Get("X-Total-Count"))
				}
				bytes = n
			}
			reportPercentiles(b, "list", ds)
			b.ReportMetric(float64(percentile(ds, 99).Microseconds())/1000, "list-p99-ms")
			b.ReportMetric(float64(bytes), "reply-bytes")
		})
	}
}
