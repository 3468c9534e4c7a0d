package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestLikePattern(t *testing.T) {
	for glob, want := range map[string]string{
		"web":    "%web%",
		"Web-*":  "web-%",
		"db-?":   "db-_",
		"50%_x":  `%50\%\_x%`,
		`a\b*`:   `a\\b%`,
		"*cache": "%cache",
	} {
		if got := LikePattern(glob); got != want {
			t.Errorf("LikePattern(%q) = %q, want %q", glob, got, want)
		}
	}
}

// TestListVMsFiltered runs the list query of GET /v1/vms on both engines:
// name patterns (with LIKE's own characters taken literally), statuses,
// hosts and owners, every sort key both ways, pages and counts.
func TestListVMsFiltered(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().Truncate(time.Microsecond)
			if err := db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{"h1", "h2"} {
				if err := db.CreateHost(ctx, model.Host{ID: h, Name: h, PoolID: "p", State: model.HostOnline, CreatedAt: now}); err != nil {
					t.Fatal(err)
				}
			}
			// 12 VMs: web-00..web-05 on h1 (running, by pam), db-06..db-11 on h2 (stopped).
			for i := range 12 {
				vm := model.VM{ID: fmt.Sprintf("id-%02d", 11-i), PoolID: "p", HostID: "h1", Cores: 1 + i%3, MemoryMiB: 128 * (i + 1),
					CloneMode: model.CloneCOW, PowerState: model.PowerRunning, Status: model.PowerRunning, Owner: "pam",
					CreatedAt: now.Add(time.Duration(i) * time.Second), UpdatedAt: now}
				vm.Name = fmt.Sprintf("web-%02d", i)
				if i >= 6 {
					vm.Name, vm.HostID, vm.Status, vm.PowerState, vm.Owner = fmt.Sprintf("db-%02d", i), "h2", model.PowerStopped, model.PowerStopped, "sam"
				}
				if err := db.CreateVM(ctx, vm); err != nil {
					t.Fatal(err)
				}
			}
			names := func(f VMFilter) ([]string, int) {
				t.Helper()
				vms, err := db.ListVMsFiltered(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				n, err := db.CountVMsFiltered(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				out := []string{}
				for _, v := range vms {
					out = append(out, v.Name)
				}
				return out, n
			}
			check := func(what string, f VMFilter, want string, wantTotal int) {
				t.Helper()
				got, total := names(f)
				if fmt.Sprint(got) != want || total != wantTotal {
					t.Errorf("%s: %v (total %d), want %s (total %d)", what, got, total, want, wantTotal)
				}
			}
			check("page 2 of 5 by name", VMFilter{Limit: 5, Offset: 5}, "[db-11 web-00 web-01 web-02 web-03]", 12)
			check("offset without limit", VMFilter{Offset: 10}, "[web-04 web-05]", 12)
			check("glob", VMFilter{NameLike: LikePattern("WEB-0?"), Limit: 3}, "[web-00 web-01 web-02]", 6)
			check("substring", VMFilter{NameLike: LikePattern("1")}, "[db-10 db-11 web-01]", 3)
			check("LIKE characters are literal", VMFilter{NameLike: LikePattern("web_0%")}, "[]", 0)
			check("status", VMFilter{Statuses: []string{"stopped", "paused"}, Limit: 2}, "[db-06 db-07]", 6)
			check("host and owner", VMFilter{HostID: "h1", Owner: "pam", OrderBy: "created_at", Desc: true, Limit: 2}, "[web-05 web-04]", 6)
			check("owner of the other host", VMFilter{HostID: "h1", Owner: "sam"}, "[]", 0)
			check("memory descending", VMFilter{OrderBy: "memory_mib", Desc: true, Limit: 3}, "[db-11 db-10 db-09]", 12)
			// Ties go by id: cores 1 are web-00, web-03, db-06, db-09 (ids 11, 08, 05, 02).
			check("ties by id", VMFilter{OrderBy: "cores", Limit: 4}, "[db-09 db-06 web-03 web-00]", 12)
			check("an unknown sort column is name", VMFilter{OrderBy: "name; DROP TABLE vms", Limit: 1}, "[db-06]", 12)
			for key := range vmSortColumns {
				for _, desc := range []bool{false, true} {
					if got, _ := names(VMFilter{OrderBy: key, Desc: desc}); len(got) != 12 {
						t.Errorf("sort %s desc=%v: %d VMs", key, desc, len(got))
					}
				}
			}
		})
	}
}
