package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// TestVMListPages: GET /v1/vms pages, filters and sorts on the server, says
// how many matched and where the next page is, refuses what it cannot do,
// and counts for a tenant only the VMs the tenant sees.
func TestVMListPages(t *testing.T) {
	k := startKumo(t)
	img := k.uploadPublicGuest("guest")
	for i := range 5 {
		k.createVM(api.VMsPost{Name: fmt.Sprintf("web-%d", i), Image: img.ID, MemoryMiB: 128 * (i + 1)})
	}
	k.createVM(api.VMsPost{Name: "db-1", Image: img.ID, MemoryMiB: 64})
	ctx := ctxT(t)
	if _, err := k.c.CreateTenant(ctx, api.TenantsPost{Name: "acme", Password: "acme-passw0rd"}); err != nil {
		t.Fatal(err)
	}
	acme := client.New(k.c.BaseURL, "")
	if _, err := acme.Login(ctx, "acme", "acme-passw0rd"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"acme-web", "acme-db"} {
		created, err := acme.CreateVM(ctx, api.VMsPost{Name: n, Image: img.ID, MemoryMiB: 64})
		if err != nil {
			t.Fatal(err)
		}
		k.mustTask(created.Task)
	}

	names := func(c *client.Client, f api.VMsFilter) (string, int) {
		t.Helper()
		vms, total, err := c.VMsPage(ctx, f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		var out []string
		for _, v := range vms {
			out = append(out, v.Name)
		}
		return strings.Join(out, " "), total
	}
	for _, tc := range []struct {
		f     api.VMsFilter
		want  string
		total int
	}{
		{api.VMsFilter{Limit: 3}, "acme-db acme-web db-1", 8},
		{api.VMsFilter{Limit: 3, Offset: 3}, "web-0 web-1 web-2", 8},
		{api.VMsFilter{Filter: "web-*", Sort: "-memory_mib", Limit: 2}, "web-4 web-3", 5},
		{api.VMsFilter{Filter: "name=*db* status=stopped", Sort: "-name"}, "db-1 acme-db", 2},
		{api.VMsFilter{Filter: "status=running"}, "", 0},
		{api.VMsFilter{Filter: "owner=acme"}, "acme-db acme-web", 2},
		{api.VMsFilter{Filter: "host=no-such-host"}, "", 0},
	} {
		if got, total := names(k.c, tc.f); got != tc.want || total != tc.total {
			t.Errorf("admin %+v: %q (total %d), want %q (total %d)", tc.f, got, total, tc.want, tc.total)
		}
	}
	// A tenant's totals and pages hold its own VMs only.
	if got, total := names(acme, api.VMsFilter{Limit: 1}); got != "acme-db" || total != 2 {
		t.Errorf("acme's first page: %q (total %d), want acme-db of 2", got, total)
	}
	if got, total := names(acme, api.VMsFilter{Filter: "web"}); got != "acme-web" || total != 1 {
		t.Errorf("acme's web VMs: %q (total %d)", got, total)
	}
	if all, err := k.c.VMs(ctx); err != nil || len(all) != 8 {
		t.Errorf("every page through the client: %d VMs, %v", len(all), err)
	}

	// The next page's link, and the default page size, on the wire.
	resp := k.getV1("/v1/vms?limit=3&filter=web")
	if link := resp.Header.Get("Link"); !strings.Contains(link, "offset=3") || !strings.Contains(link, `rel="next"`) ||
		resp.Header.Get(api.TotalCountHeader) != "6" {
		t.Errorf("headers: Link %q, total %q", link, resp.Header.Get(api.TotalCountHeader))
	}

	// Tasks page the same way, newest first.
	tasks, total, err := k.c.TasksPage(ctx, api.TasksFilter{Kind: "vm.create", Limit: 3})
	if err != nil || len(tasks) != 3 || total != 8 || !tasks[0].CreatedAt.After(tasks[2].CreatedAt) {
		t.Errorf("first page of vm.create tasks: %d of %d, %v", len(tasks), total, err)
	}
	rest, _, err := k.c.TasksPage(ctx, api.TasksFilter{Kind: "vm.create", Limit: 100, Offset: 3})
	if err != nil || len(rest) != 5 || rest[0].ID == tasks[2].ID {
		t.Errorf("the other vm.create tasks: %d, %v", len(rest), err)
	}
	if mine, total, err := acme.TasksPage(ctx, api.TasksFilter{Kind: "vm.create"}); err != nil || total != 2 || len(mine) != 2 {
		t.Errorf("acme's vm.create tasks: %d of %d, %v", len(mine), total, err)
	}
	if resp := k.getV1("/v1/tasks?limit=0"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /v1/tasks?limit=0: HTTP %d", resp.StatusCode)
	}

	for _, bad := range []string{"limit=0", "limit=5000", "offset=-1", "sort=colour", "filter=colour=red", "filter=name=", "filter=status=asleep"} {
		if resp := k.getV1("/v1/vms?" + bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /v1/vms?%s: HTTP %d, want 400", bad, resp.StatusCode)
		}
	}
}
