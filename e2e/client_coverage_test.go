package e2e

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// recorder is an http.RoundTripper that remembers the requests it sent.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// TestClientCoversEveryRoute drives pkg/client against a running server
// through every one of its methods and checks, against the server's own
// OpenAPI document, that every /v1 route was asked for by some method:
// a route without a client method fails the test. The answers are
// checked where the call can succeed here.
func TestClientCoversEveryRoute(t *testing.T) {
	k := startKumo(t)
	rec := &recorder{next: http.DefaultTransport}
	c := client.New(k.c.BaseURL, "")
	c.HTTP = &http.Client{Transport: rec}
	ctx := ctxT(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// refused calls must still be the server's answer to that route, not
	// "no such endpoint".
	refused := func(what string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		if e, ok := err.(*client.Error); !ok || strings.Contains(e.Message, "no such endpoint") {
			t.Errorf("%s: %v", what, err)
		}
	}

	_, err := c.Login(ctx, "admin", adminPassword)
	must("login", err)
	_, err = c.Session(ctx)
	must("session", err)
	_, err = c.RenewSession(ctx)
	must("renew", err)

	pool, err := c.CreatePool(ctx, api.PoolsPost{Name: "covpool"})
	must("create pool", err)
	_, err = c.Pool(ctx, pool.ID)
	must("pool", err)
	_, err = c.Pools(ctx)
	must("pools", err)
	must("delete pool", c.DeletePool(ctx, pool.ID))
	hosts, err := c.Hosts(ctx)
	must("hosts", err)
	_, err = c.Host(ctx, hosts[0].ID)
	must("host", err)
	refused("remove an online host", c.RemoveHost(ctx, hosts[0].ID))
	_, err = c.CreateJoinToken(ctx, api.JoinTokensPost{})
	must("join token", err)

	img := k.uploadGuest("guest")
	_, err = c.Images(ctx)
	must("images", err)
	_, err = c.Image(ctx, img.ID)
	must("image", err)
	tenant, err := c.CreateTenant(ctx, api.TenantsPost{Name: "covten", Password: "covten-passw0rd"})
	must("create tenant", err)
	must("share image", c.ShareImage(ctx, img.ID, api.SharesPost{Tenants: []string{tenant.ID}}))
	must("unshare image", c.UnshareImage(ctx, img.ID, api.SharesDelete{Tenants: []string{tenant.ID}}))

	created, err := c.CreateVM(ctx, api.VMsPost{Name: "cov1", Image: img.ID, MemoryMiB: 128})
	must("create VM", err)
	task, err := c.WaitTask(ctx, created.Task.ID, nil)
	must("wait", err)
	if task.State != "succeeded" {
		t.Fatalf("create: %+v", task)
	}
	_, err = c.Task(ctx, task.ID)
	must("task", err)
	_, err = c.Tasks(ctx)
	must("tasks", err)
	refused("cancel a finished task", func() error { _, err := c.CancelTask(ctx, task.ID); return err }())
	_, err = c.VM(ctx, "cov1")
	must("VM", err)
	if vms, err := c.VMs(ctx); err != nil || len(vms) != 1 {
		t.Fatalf("VMs: %v %v", vms, err)
	}
	cores := 2
	_, err = c.UpdateVM(ctx, "cov1", api.VMPatch{Cores: &cores})
	must("update VM", err)
	must("share VM", c.ShareVM(ctx, "cov1", api.SharesPost{Tenants: []string{tenant.ID}}))
	must("unshare VM", c.UnshareVM(ctx, "cov1", api.SharesDelete{Tenants: []string{tenant.ID}}))
	_, err = c.Snapshots(ctx, "cov1")
	must("snapshots", err)
	snap, err := c.CreateSnapshot(ctx, "cov1", api.SnapshotsPost{Name: "first"})
	must("snapshot", err)
	_, err = c.WaitTask(ctx, snap.ID, nil)
	must("wait snapshot", err)
	_, err = c.ConsoleTicket(ctx, "cov1", "vnc")
	refused("ticket of a stopped VM", err)
	_, err = c.Console(ctx, "cov1", "serial")
	refused("console of a stopped VM", err)
	st, err := c.ChangeVMState(ctx, "cov1", api.VMStatePut{Action: "start"})
	must("start", err)
	_, err = c.WaitTask(ctx, st.ID, nil)
	must("wait start", err)
	_, err = c.MigrateVM(ctx, "cov1", api.VMMigratePost{})
	refused("migrate with one host", err)
	_, err = c.VMUsage(ctx, "cov1")
	refused("usage before the first heartbeat", err)

	_, err = c.Tenants(ctx)
	must("tenants", err)
	_, err = c.Tenant(ctx, tenant.ID)
	must("tenant", err)
	_, err = c.Quotas(ctx, tenant.ID)
	must("quotas", err)
	_, err = c.SetQuota(ctx, tenant.ID, "vm.count", api.QuotaPut{Limit: 3})
	must("set quota", err)
	_, err = c.Spending(ctx, tenant.ID, time.Now().Add(-time.Hour), time.Time{}, "")
	must("spending", err)
	price, err := c.CreatePrice(ctx, api.PricesPost{Resource: "cpu", TimeUnit: "h", Price: 0.5})
	must("create price", err)
	_, err = c.Prices(ctx)
	must("prices", err)
	must("delete price", c.DeletePrice(ctx, price.ID))

	job, err := c.CreateScheduleJob(ctx, api.ScheduleJobsPost{Name: "covjob", VM: "cov1", Action: "snapshot"})
	must("create job", err)
	_, err = c.ScheduleJob(ctx, job.ID)
	must("job", err)
	_, err = c.ScheduleJobs(ctx)
	must("jobs", err)
	off := false
	_, err = c.UpdateScheduleJob(ctx, job.ID, api.ScheduleJobPatch{Enabled: &off})
	must("update job", err)
	trig, err := c.CreateScheduleTrigger(ctx, api.ScheduleTriggersPost{Name: "covtrig", Kind: "cron", Cron: "0 0 3 * * ?"})
	must("create trigger", err)
	_, err = c.ScheduleTrigger(ctx, trig.ID)
	must("trigger", err)
	_, err = c.ScheduleTriggers(ctx)
	must("triggers", err)
	must("link", c.LinkScheduleJob(ctx, trig.ID, job.ID))
	must("unlink", c.UnlinkScheduleJob(ctx, trig.ID, job.ID))
	must("delete trigger", c.DeleteScheduleTrigger(ctx, trig.ID))
	must("delete job", c.DeleteScheduleJob(ctx, job.ID))

	// A VM's devices (cov1 runs): what a running VM refuses is refused
	// by its route.
	if disks, err := c.VMDisks(ctx, "cov1"); err != nil || len(disks) != 1 || disks[0].Name != "vda" {
		t.Fatalf("disks: %+v %v", disks, err)
	}
	_, err = c.AddVMDisk(ctx, "cov1", api.DisksPost{SizeBytes: 1 << 30})
	refused("add a disk to a running VM", err)
	_, err = c.ResizeVMDisk(ctx, "cov1", "vda", 1<<30)
	refused("resize a running VM's disk", err)
	refused("remove the system disk", c.RemoveVMDisk(ctx, "cov1", "vda"))
	_, err = c.VMCDROM(ctx, "cov1")
	refused("CD-ROM of a VM still starting", err)
	_, err = c.InsertVMCDROM(ctx, "cov1", img.ID)
	refused("insert a disk image", err)
	refused("eject", c.EjectVMCDROM(ctx, "cov1"))
	_, err = c.Snapshot(ctx, "cov1", "first")
	must("snapshot first", err)
	_, err = c.RevertSnapshot(ctx, "cov1", "first")
	refused("revert a running VM", err)
	delSnap, err := c.DeleteSnapshot(ctx, "cov1", "first")
	must("delete snapshot", err)
	_, err = c.WaitTask(ctx, delSnap.ID, nil)
	must("wait delete snapshot", err)
	_, err = c.AddPortForward(ctx, "cov1", api.PortForwardsPost{HostPort: 40022, GuestPort: 22})
	must("add port forward", err)
	if fwds, err := c.PortForwards(ctx, "cov1"); err != nil || len(fwds) != 1 || fwds[0].Protocol != "tcp" {
		t.Fatalf("port forwards: %+v %v", fwds, err)
	}
	must("remove port forward", c.RemovePortForward(ctx, "cov1", "tcp", 40022))
	_, err = c.SetGuestPassword(ctx, "cov1", api.GuestPasswordPut{User: "root"})
	refused("password while the guest boots", err)
	_, err = c.GuestCredentials(ctx, "cov1")
	refused("credentials", err)
	if nics, err := c.VMNICs(ctx, "cov1"); err != nil || len(nics) != 1 || nics[0].Type != "nat" {
		t.Fatalf("NICs: %+v %v", nics, err)
	}
	_, err = c.JoinVMNetwork(ctx, "cov1", "no-such-lan")
	refused("join a running VM to a LAN", err)
	refused("leave a LAN it is not on", c.LeaveVMNetwork(ctx, "cov1", "no-such-lan"))

	// No directory runs here: these are refused, by their routes.
	_, err = c.CreateLDAPServer(ctx, api.LDAPServersPost{Name: "corp", URL: "ldap://127.0.0.1:1", Base: "dc=example,dc=com"})
	refused("LDAP server that does not answer", err)
	_, err = c.LDAPServers(ctx)
	must("LDAP servers", err)
	refused("delete an unknown LDAP server", c.DeleteLDAPServer(ctx, "none"))
	_, err = c.CreateLDAPBinding(ctx, api.LDAPBindingsPost{DN: "uid=ann,dc=example,dc=com", User: "admin"})
	refused("binding without a server", err)
	_, err = c.LDAPBindings(ctx)
	must("LDAP bindings", err)
	refused("delete an unknown binding", c.DeleteLDAPBinding(ctx, "none"))
	_, err = c.AuditLog(ctx, api.AuditLogFilter{Limit: 5})
	must("audit log", err)

	del, err := c.DeleteVM(ctx, "cov1")
	must("delete VM", err)
	_, err = c.WaitTask(ctx, del.ID, nil)
	must("wait delete", err)
	// An empty host evacuates at once, and comes out of maintenance.
	evac, err := c.EvacuateHost(ctx, hosts[0].ID)
	must("evacuate", err)
	if evac, err = c.WaitTask(ctx, evac.ID, nil); err != nil || evac.State != "succeeded" {
		t.Fatalf("evacuate an empty host: %+v %v", evac, err)
	}
	if h, err := c.SetHostMaintenance(ctx, hosts[0].ID, false); err != nil || h.Maintenance {
		t.Fatalf("maintenance off: %+v %v", h, err)
	}
	must("delete tenant", c.DeleteTenant(ctx, tenant.ID))
	img2 := k.uploadGuest("spare")
	must("delete image", c.DeleteImage(ctx, img2.ID))
	_, err = c.UploadImage(ctx, "tiny", "raw", strings.NewReader(strings.Repeat("\x00", 1<<20)), 1<<20)
	must("upload", err)
	ldapLogin := client.New(k.c.BaseURL, "")
	ldapLogin.HTTP = c.HTTP
	_, err = ldapLogin.LoginLDAP(ctx, api.LDAPLoginRequest{UID: "ann", Password: "x"})
	refused("LDAP login without a server", err)
	must("logout", c.Logout(ctx))

	// Which routes were asked for: the server's own document, as a mux.
	resp, err := http.Get(k.c.BaseURL + "/v1/openapi.json")
	must("openapi", err)
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	must("decode openapi", json.NewDecoder(resp.Body).Decode(&doc))
	mux := http.NewServeMux()
	routes := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			pattern := strings.ToUpper(method) + " " + path
			routes[pattern] = false
			mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
		}
	}
	for _, req := range rec.reqs {
		if _, pattern := mux.Handler(req); pattern != "" {
			routes[pattern] = true
		}
	}
	var missed []string
	for p, hit := range routes {
		if !hit {
			missed = append(missed, p)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("%d of %d routes have no client method (or the test does not call it):\n%s", len(missed), len(routes), strings.Join(missed, "\n"))
	}
	t.Logf("%d requests covered %d routes", len(rec.reqs), len(routes))
}
