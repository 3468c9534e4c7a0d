package e2e

import (
	"context"
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

	// Platform objects (task B): every route of networks, address pools,
	// storage pools, templates, security groups and policies, users,
	// groups and roles.
	_, err = c.UpdatePool(ctx, "default", api.PoolPatch{Description: new("where cov1 runs")})
	must("update pool", err)
	covHosts, err := c.Hosts(ctx)
	must("hosts", err)
	_, err = c.CreateNetwork(ctx, api.NetworksPost{Name: "covnet1", CIDR: "192.168.70.0/24", Host: covHosts[0].ID})
	must("create network", err)
	_, err = c.Networks(ctx)
	must("networks", err)
	_, err = c.Network(ctx, "covnet1")
	must("network", err)
	vlan := 7
	_, err = c.UpdateNetwork(ctx, "covnet1", api.NetworkPatch{VlanID: &vlan})
	must("update network", err)
	_, err = c.NetworkMembers(ctx, "covnet1")
	must("network members", err)
	_, err = c.AddNetworkMember(ctx, "covnet1", "cov1")
	refused("join a running VM", err)
	refused("leave a network the VM is not on", c.RemoveNetworkMember(ctx, "covnet1", "cov1"))
	must("delete network", c.DeleteNetwork(ctx, "covnet1"))

	_, err = c.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "covap", Gateway: "10.50.0.1"})
	must("create address pool", err)
	_, err = c.AddressPools(ctx)
	must("address pools", err)
	_, err = c.UpdateAddressPool(ctx, "covap", api.AddressPoolsPost{Gateway: "10.50.0.1", DNS: []string{"10.50.0.1"}})
	must("update address pool", err)
	_, err = c.AddAddressRange(ctx, "covap", api.AddressRangesPost{Start: "10.50.0.10", End: "10.50.0.20", Netmask: "255.255.255.0"})
	must("add range", err)
	_, err = c.AddressRanges(ctx, "covap", "internal")
	must("ranges", err)
	_, err = c.AddressRange(ctx, "covap", "10.50.0.10")
	must("range", err)
	_, err = c.AddressPool(ctx, "covap")
	must("address pool", err)
	must("remove range", c.RemoveAddressRange(ctx, "covap", "10.50.0.10"))
	must("delete address pool", c.DeleteAddressPool(ctx, "covap"))

	_, err = c.CreateStoragePool(ctx, api.StoragePoolsPost{Name: "covsp"})
	must("create storage pool", err)
	_, err = c.StoragePools(ctx)
	must("storage pools", err)
	_, err = c.StoragePool(ctx, "covsp")
	must("storage pool", err)
	_, err = c.UpdateStoragePool(ctx, "covsp", api.StoragePoolsPost{Target: t.TempDir()})
	must("update storage pool", err)
	must("delete storage pool", c.DeleteStoragePool(ctx, "covsp"))

	_, err = c.CreateTemplate(ctx, api.TemplatesPost{Name: "covtpl"})
	must("create template", err)
	_, err = c.Templates(ctx)
	must("templates", err)
	_, err = c.Template(ctx, "covtpl")
	must("template", err)
	_, err = c.UpdateTemplate(ctx, "covtpl", api.TemplatesPost{Name: "covtpl", DiskBus: "sata"})
	must("update template", err)
	must("delete template", c.DeleteTemplate(ctx, "covtpl"))

	_, err = c.CreateSecurityGroup(ctx, api.SecurityGroupsPost{Name: "covsg", DefaultAction: "reject"})
	must("create security group", err)
	_, err = c.SecurityGroups(ctx, api.SecurityGroupsFilter{Enabled: true})
	must("security groups", err)
	_, err = c.SecurityGroup(ctx, "covsg")
	must("security group", err)
	_, err = c.UpdateSecurityGroup(ctx, "covsg", api.SecurityGroupsPost{Name: "covsg", Global: true, DefaultAction: "reject"})
	must("update security group", err)
	for range 2 {
		_, err = c.AddSecurityGroupRule(ctx, "covsg", api.SecurityRule{Action: "reject", Protocol: "tcp", ToPort: 22})
		must("add group rule", err)
	}
	_, err = c.UpdateSecurityGroupRule(ctx, "covsg", 0, api.SecurityRule{Action: "reject", Protocol: "udp"})
	must("modify group rule", err)
	_, err = c.MoveSecurityGroupRule(ctx, "covsg", 1, "up")
	must("move group rule", err)
	_, err = c.DeleteSecurityGroupRule(ctx, "covsg", 1)
	must("remove group rule", err)
	must("delete security group", c.DeleteSecurityGroup(ctx, "covsg"))
	_, err = c.SecurityPolicy(ctx, "cov1")
	must("security policy", err)
	_, err = c.SetSecurityDefaultAction(ctx, "cov1", "reject")
	must("default action", err)
	for range 2 {
		_, err = c.AddSecurityPolicyRule(ctx, "cov1", api.SecurityRule{Action: "reject", Protocol: "tcp", ToPort: 23})
		must("add policy rule", err)
	}
	_, err = c.UpdateSecurityPolicyRule(ctx, "cov1", 0, api.SecurityRule{Action: "reject", Protocol: "icmp"})
	must("modify policy rule", err)
	_, err = c.MoveSecurityPolicyRule(ctx, "cov1", 0, "down")
	must("move policy rule", err)
	_, err = c.DeleteSecurityPolicyRule(ctx, "cov1", 0)
	must("remove policy rule", err)

	_, err = c.CreateRole(ctx, api.RolesPost{Name: "covrole", Statements: []api.Statement{{Effect: "allow", Actions: []string{"vm:read"}}}})
	must("create role", err)
	_, err = c.Roles(ctx, false)
	must("roles", err)
	_, err = c.Role(ctx, "covrole")
	must("role", err)
	_, err = c.UpdateRole(ctx, "covrole", api.RolePatch{Description: new("reads VMs")})
	must("update role", err)
	_, err = c.CreateGroup(ctx, api.GroupsPost{Name: "covgroup", Roles: []string{"covrole"}})
	must("create group", err)
	_, err = c.Groups(ctx, false)
	must("groups", err)
	_, err = c.Group(ctx, "covgroup")
	must("group", err)
	_, err = c.UpdateGroup(ctx, "covgroup", api.GroupPatch{Display: new("Coverage")})
	must("update group", err)
	_, err = c.CreateUser(ctx, api.UsersPost{Name: "covuser", Password: "covuser-passw0rd"})
	must("create user", err)
	_, err = c.Users(ctx)
	must("users", err)
	_, err = c.User(ctx, "covuser")
	must("user", err)
	_, err = c.UpdateUser(ctx, "covuser", api.UserPatch{Nick: new("Cov")})
	must("update user", err)
	must("password", c.SetUserPassword(ctx, "covuser", api.PasswordPut{Password: "covuser-passw0rd-2"}))
	must("add member", c.AddGroupMember(ctx, "covgroup", "covuser"))
	_, err = c.GroupMembers(ctx, "covgroup")
	must("members", err)
	must("remove member", c.RemoveGroupMember(ctx, "covgroup", "covuser"))
	must("bind role", c.BindUserRole(ctx, "covuser", "covrole"))
	_, err = c.UserRoles(ctx, "covuser")
	must("user roles", err)
	must("unbind role", c.UnbindUserRole(ctx, "covuser", "covrole"))
	must("delete group", c.DeleteGroup(ctx, "covgroup", false))
	must("delete role", c.DeleteRole(ctx, "covrole", false))
	must("delete user", c.DeleteUser(ctx, "covuser"))
	_, err = c.Visibility(ctx)
	must("visibility", err)
	_, err = c.SetVisibility(ctx, api.Visibility{})
	must("set visibility", err)
	evCtx, evCancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if err := c.Events(evCtx, func(api.Event) {}); err != context.DeadlineExceeded {
		t.Errorf("events: %v", err)
	}
	evCancel()

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
