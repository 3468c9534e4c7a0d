package service

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func adminCtx() context.Context {
	return WithPrincipal(context.Background(), Principal{Name: "admin", Role: model.RoleAdmin, TenantID: model.DefaultTenantID, TenantKind: model.TenantPlatform})
}

// userCtx is a plain user of the platform's tenant whose roles allow
// the menus given.
func userCtx(name string, menus ...string) context.Context {
	p := Principal{Name: name, Role: model.RoleUser, TenantID: model.DefaultTenantID, TenantKind: model.TenantPlatform, Menu: menus}
	if len(menus) > 0 {
		p.statements = []model.Statement{{Effect: model.Allow, Actions: menus}}
	}
	return WithPrincipal(context.Background(), p)
}

// wantCode fails unless err has the code and, if given, mentions text.
func wantCodeText(t *testing.T, what string, err error, code model.ErrorCode, text string) {
	t.Helper()
	if model.CodeOf(err) != code || (err != nil && !strings.Contains(err.Error(), text)) {
		t.Fatalf("%s: got %v (%s), want %s mentioning %q", what, err, model.CodeOf(err), code, text)
	}
}

func TestStoragePoolRules(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := adminCtx()
	_, err := s.CreateStoragePool(ctx, "nfs1", StoragePoolSettings{Type: "nfs", Host: "nfs.example", Target: "/export"})
	wantCodeText(t, "nfs", err, model.CodeInvalidArgument, `the only type is "local"`)
	_, err = s.CreateStoragePool(ctx, "ceph1", StoragePoolSettings{Type: "ceph"})
	wantCodeText(t, "ceph", err, model.CodeInvalidArgument, "not supported")
	_, err = s.CreateStoragePool(ctx, "rel", StoragePoolSettings{Type: "local", Target: "disks"})
	wantCodeText(t, "relative target", err, model.CodeInvalidArgument, "absolute")
	_, err = s.CreateStoragePool(ctx, "sys", StoragePoolSettings{Type: "local", Target: "/srv/../proc/x"})
	wantCodeText(t, "system target", err, model.CodeInvalidArgument, "system directory")
	_, err = s.CreateStoragePool(ctx, "remote", StoragePoolSettings{Type: "local", Host: "other.example"})
	wantCodeText(t, "local with a host", err, model.CodeInvalidArgument, "host")
	_, err = s.CreateStoragePool(userCtx("bob"), "mine", StoragePoolSettings{})
	wantCodeText(t, "non-admin", err, model.CodePermissionDenied, "storage_pool:create")

	sp, err := s.CreateStoragePool(ctx, "fast", StoragePoolSettings{Target: "/srv/fast/"})
	if err != nil || sp.Type != model.StorageLocal || sp.Target != "/srv/fast" {
		t.Fatalf("local pool = %+v, %v", sp, err)
	}
	_, err = s.CreateStoragePool(ctx, "fast", StoragePoolSettings{})
	wantCodeText(t, "duplicate", err, model.CodeConflict, "already exists")

	// A compute pool may name an existing storage pool only.
	_, err = s.CreatePool(ctx, "p1", PoolSettings{Enabled: true, StoragePool: "nope"})
	wantCodeText(t, "unknown storage pool", err, model.CodeInvalidArgument, "does not exist")
	if _, err := s.CreatePool(ctx, "p1", PoolSettings{Enabled: true, StoragePool: "fast"}); err != nil {
		t.Fatal(err)
	}
	if dir, err := s.storageDirOf(ctx, mustPool(t, s, "p1").ID); err != nil || dir != "/srv/fast" {
		t.Fatalf("storage dir of p1 = %q, %v", dir, err)
	}
	wantCodeText(t, "deleting a storage pool in use", s.DeleteStoragePool(ctx, "fast"), model.CodeConflict, "p1")
	if _, err := s.UpdateStoragePool(ctx, "fast", StoragePoolSettings{Target: "/srv/faster"}); err != nil {
		t.Fatalf("updating an empty storage pool: %v", err)
	}
	// With a VM in the compute pool, neither the storage pool nor the
	// compute pool's choice of it may change.
	p1 := mustPool(t, s, "p1")
	if err := s.db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: p1.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	vm := model.VM{ID: "v", Name: "v", PoolID: p1.ID, HostID: "h", Cores: 1, MemoryMiB: 64, CloneMode: model.CloneCOW,
		PowerState: model.PowerStopped, Status: model.PowerStopped, CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateVM(ctx, vm); err != nil {
		t.Fatal(err)
	}
	_, err = s.UpdateStoragePool(ctx, "fast", StoragePoolSettings{Target: "/srv/elsewhere"})
	wantCodeText(t, "updating a storage pool with VMs", err, model.CodeConflict, "1 VMs")
	_, err = s.UpdatePool(ctx, "p1", PoolSettings{Enabled: true})
	wantCodeText(t, "a compute pool with VMs leaving its storage pool", err, model.CodeConflict, "while it has VMs")
	if err := s.db.DeleteVM(ctx, "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.db.DeleteHost(ctx, "h"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePool(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStoragePool(ctx, "fast"); err != nil {
		t.Fatal(err)
	}
	wantCodeText(t, "deleted", s.DeleteStoragePool(ctx, "fast"), model.CodeNotFound, "fast")
}

func mustPool(t *testing.T, s *Service, name string) model.Pool {
	t.Helper()
	p, err := s.GetPool(adminCtx(), name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAddressPoolRules(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := adminCtx()
	_, err := s.CreateAddressPool(ctx, "a", AddressPoolSettings{Gateway: "10.2.0.1", Mode: "external"})
	wantCodeText(t, "external mode", err, model.CodeInvalidArgument, "one NAT interface")
	_, err = s.CreateAddressPool(ctx, "a", AddressPoolSettings{})
	wantCodeText(t, "no gateway", err, model.CodeInvalidArgument, "gateway")
	_, err = s.CreateAddressPool(ctx, "a", AddressPoolSettings{Gateway: "10.2.0.1", DNS: []string{"dns.example"}})
	wantCodeText(t, "bad dns", err, model.CodeInvalidArgument, "dns")
	_, err = s.CreateAddressPool(ctx, "a", AddressPoolSettings{Gateway: "10.2.0.1", Provider: "static"})
	wantCodeText(t, "bad provider", err, model.CodeInvalidArgument, "provider")
	p, err := s.CreateAddressPool(ctx, "a", AddressPoolSettings{Gateway: "10.2.0.1"})
	if err != nil || p.Provider != model.ProviderDHCP || p.Mode != model.RangeInternal {
		t.Fatalf("defaults: %+v, %v", p, err)
	}

	for _, c := range []struct {
		what, typ, start, end, mask string
		code                        model.ErrorCode
		text                        string
	}{
		{"end before start", "", "10.2.0.20", "10.2.0.10", "255.255.255.0", model.CodeInvalidArgument, "before"},
		{"two networks", "", "10.2.0.10", "10.2.1.10", "255.255.255.0", model.CodeInvalidArgument, "not in the start's network"},
		{"gateway inside", "", "10.2.0.1", "10.2.0.10", "255.255.255.0", model.CodeInvalidArgument, "inside range"},
		{"gateway outside", "", "10.3.0.10", "10.3.0.20", "255.255.255.0", model.CodeInvalidArgument, "outside"},
		{"broadcast", "", "10.2.0.200", "10.2.0.255", "255.255.255.0", model.CodeInvalidArgument, "broadcast"},
		{"bad mask", "", "10.2.0.10", "10.2.0.20", "255.0.255.0", model.CodeInvalidArgument, "netmask"},
		{"not IPv4", "", "fe80::1", "10.2.0.20", "255.255.255.0", model.CodeInvalidArgument, "IPv4"},
		{"external", "external", "10.2.0.10", "10.2.0.20", "255.255.255.0", model.CodeInvalidArgument, "only internal"},
	} {
		_, err := s.AddAddressRange(ctx, "a", c.typ, c.start, c.end, c.mask)
		wantCodeText(t, c.what, err, c.code, c.text)
	}
	if _, err := s.AddAddressRange(ctx, "a", "internal", "10.2.0.10", "10.2.0.20", "255.255.255.0"); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddAddressRange(ctx, "a", "", "10.2.0.20", "10.2.0.30", "255.255.255.0")
	wantCodeText(t, "overlap", err, model.CodeConflict, "overlaps")
	if _, err := s.CreateAddressPool(ctx, "b", AddressPoolSettings{Gateway: "10.2.0.254"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddAddressRange(ctx, "b", "", "10.2.0.5", "10.2.0.10", "255.255.255.0")
	wantCodeText(t, "overlap across pools", err, model.CodeConflict, "overlaps")
	_, err = s.UpdateAddressPool(ctx, "a", AddressPoolSettings{Gateway: "10.9.0.1"})
	wantCodeText(t, "gateway out of the ranges' network", err, model.CodeInvalidArgument, "outside")

	u, err := s.AddressPoolUsage(ctx, "a")
	if err != nil || u.Addresses != 11 || len(u.Allocations) != 0 {
		t.Fatalf("usage = %+v, %v", u, err)
	}
	if _, err := s.CreatePool(ctx, "p1", PoolSettings{Enabled: true, AddressPool: "a"}); err != nil {
		t.Fatal(err)
	}
	wantCodeText(t, "delete in use", s.DeleteAddressPool(ctx, "a"), model.CodeConflict, "p1")
	_, err = s.CreatePool(ctx, "p2", PoolSettings{Enabled: true, AddressPool: "zzz"})
	wantCodeText(t, "unknown address pool", err, model.CodeInvalidArgument, "does not exist")
	if err := s.DeletePool(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAddressPool(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	wantCodeText(t, "range of a deleted pool", s.RemoveAddressRange(ctx, "10.2.0.10"), model.CodeNotFound, "10.2.0.10")
}

func TestUserNetAvoidsGuestAndGateway(t *testing.T) {
	for _, c := range []struct {
		n                   model.GuestNetwork
		network, dns, start string
	}{
		{model.GuestNetwork{Address: "10.2.0.10", Prefix: 24, Gateway: "10.2.0.1"}, "10.2.0.0/24", "10.2.0.2", "10.2.0.10"},
		{model.GuestNetwork{Address: "10.2.0.1", Prefix: 24, Gateway: "10.2.0.2"}, "10.2.0.0/24", "10.2.0.3", "10.2.0.1"},
		{model.GuestNetwork{Address: "192.168.7.2", Prefix: 30, Gateway: "192.168.7.1"}, "192.168.7.0/30", "192.168.7.3", "192.168.7.2"},
	} {
		un := userNetFor(c.n)
		if un == nil || un.Network != c.network || un.DNS != c.dns || un.DHCPStart != c.start || un.Gateway != c.n.Gateway {
			t.Errorf("userNetFor(%+v) = %+v", c.n, un)
		}
	}
}

func TestRuleEdits(t *testing.T) {
	r := func(port int) model.SecurityRule {
		return model.SecurityRule{Action: model.ActionReject, Protocol: "tcp", ToPort: port}
	}
	ports := func(rules []model.SecurityRule) []int {
		var out []int
		for _, x := range rules {
			out = append(out, x.ToPort)
		}
		return out
	}
	base := []model.SecurityRule{r(1), r(2), r(3)}
	for _, c := range []struct {
		edit RuleEdit
		want []int
		code model.ErrorCode
	}{
		{RuleEdit{Op: RuleAdd, Rule: r(4)}, []int{1, 2, 3, 4}, ""},
		{RuleEdit{Op: RuleModify, Index: 1, Rule: r(9)}, []int{1, 9, 3}, ""},
		{RuleEdit{Op: RuleRemove, Index: 0}, []int{2, 3}, ""},
		{RuleEdit{Op: RuleMove, Index: 2, Up: true}, []int{1, 3, 2}, ""},
		{RuleEdit{Op: RuleMove, Index: 0}, []int{2, 1, 3}, ""},
		{RuleEdit{Op: RuleMove, Index: 0, Up: true}, nil, model.CodeConflict},
		{RuleEdit{Op: RuleMove, Index: 2}, nil, model.CodeConflict},
		{RuleEdit{Op: RuleRemove, Index: 3}, nil, model.CodeNotFound},
		{RuleEdit{Op: RuleModify, Index: -1, Rule: r(1)}, nil, model.CodeNotFound},
		{RuleEdit{Op: RuleAdd, Rule: model.SecurityRule{Action: "drop"}}, nil, model.CodeInvalidArgument},
		{RuleEdit{Op: RuleAdd, Rule: model.SecurityRule{Protocol: "icmp", ToPort: 7}}, nil, model.CodeInvalidArgument},
		{RuleEdit{Op: RuleAdd, Rule: model.SecurityRule{Protocol: "tcp", ToPort: 70000}}, nil, model.CodeInvalidArgument},
		{RuleEdit{Op: RuleAdd, Rule: model.SecurityRule{FromAddress: "somewhere"}}, nil, model.CodeInvalidArgument},
	} {
		got, err := applyRuleEdit(base, c.edit)
		if c.code != "" {
			if model.CodeOf(err) != c.code {
				t.Errorf("%+v: error %v, want %s", c.edit, err, c.code)
			}
			continue
		}
		if err != nil || fmt.Sprint(ports(got)) != fmt.Sprint(c.want) {
			t.Errorf("%+v: %v, %v; want %v", c.edit, ports(got), err, c.want)
		}
	}
	if fmt.Sprint(ports(base)) != fmt.Sprint([]int{1, 2, 3}) {
		t.Fatalf("an edit changed its input: %v", ports(base))
	}
}

// guestFixture stores a pool, host and VM directly, as a create would.
func guestFixture(t *testing.T, s *Service) model.VM {
	t.Helper()
	ctx := context.Background()
	pool := mustPool(t, s, model.DefaultPoolName)
	if err := s.db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: pool.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	vm := model.VM{ID: "11111111-2222-3333-4444-555555555555", Name: "g", PoolID: pool.ID, HostID: "h", Cores: 1, MemoryMiB: 64,
		CloneMode: model.CloneCOW, PowerState: model.PowerStopped, Status: model.PowerStopped, CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateVM(ctx, vm); err != nil {
		t.Fatal(err)
	}
	return vm
}

func TestGuestSecurityPolicyOnNAT(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := adminCtx()
	vm := guestFixture(t, s)
	p, err := s.GetSecurityPolicy(ctx, vm.ID)
	if err != nil || p.DefaultAction != model.ActionReject || len(p.Rules) != 0 {
		t.Fatalf("policy of a NAT guest = %+v, %v", p, err)
	}
	wantCodeText(t, "accept default", s.SetSecurityDefaultAction(ctx, vm.ID, "accept"), model.CodeConflict, "user-mode NAT")
	wantCodeText(t, "bad default", s.SetSecurityDefaultAction(ctx, vm.ID, "drop"), model.CodeInvalidArgument, "action")
	wantCodeText(t, "unknown guest", s.SetSecurityDefaultAction(ctx, "nope", "reject"), model.CodeNotFound, "nope")
	if err := s.EditSecurityRules(ctx, vm.ID, RuleEdit{Op: RuleAdd, Rule: model.SecurityRule{Action: "reject", Protocol: "tcp", ToPort: 22}}); err != nil {
		t.Fatal(err)
	}
	err = s.EditSecurityRules(ctx, vm.ID, RuleEdit{Op: RuleAdd, Rule: model.SecurityRule{Action: "accept", Protocol: "tcp", ToPort: 80}})
	wantCodeText(t, "accept rule", err, model.CodeConflict, "cannot be enforced")
	p, _ = s.GetSecurityPolicy(ctx, vm.ID)
	if len(p.Rules) != 1 || p.Rules[0].ToPort != 22 || p.Rules[0].Action != model.ActionReject {
		t.Fatalf("a refused edit was stored, or the accepted one lost: %+v", p)
	}
}

func TestSecurityPolicyGroups(t *testing.T) {
	s := newTestService(t, Config{})
	admin, alice, bob := adminCtx(), userCtx("alice", model.MenuSecurityPolicy), userCtx("bob", model.MenuSecurityPolicy)
	_, err := s.CreateSecurityPolicyGroup(alice, SecurityPolicyGroupSettings{Name: "x", Owner: "bob"})
	wantCodeText(t, "group for another user", err, model.CodePermissionDenied, "bob")
	_, err = s.CreateSecurityPolicyGroup(alice, SecurityPolicyGroupSettings{Name: "x", DefaultAction: "drop"})
	wantCodeText(t, "bad default action", err, model.CodeInvalidArgument, "default_action")
	private, err := s.CreateSecurityPolicyGroup(alice, SecurityPolicyGroupSettings{Name: "alice-web", Enabled: true})
	if err != nil || private.Owner != "alice" || private.DefaultAction != model.ActionAccept {
		t.Fatalf("create = %+v, %v", private, err)
	}
	shared, err := s.CreateSecurityPolicyGroup(admin, SecurityPolicyGroupSettings{Name: "shared", Global: true, Enabled: true, DefaultAction: "reject", Group: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateSecurityPolicyGroup(admin, SecurityPolicyGroupSettings{Name: "shared"})
	wantCodeText(t, "duplicate name", err, model.CodeConflict, "shared")

	if _, err := s.GetSecurityPolicyGroup(bob, private.ID); model.CodeOf(err) != model.CodeNotFound {
		t.Fatalf("bob sees alice's private group: %v", err)
	}
	found, _ := s.SearchSecurityPolicyGroups(bob, SecurityPolicyGroupFilter{})
	if len(found) != 1 || found[0].ID != shared.ID {
		t.Fatalf("bob's search: %+v", found)
	}
	found, _ = s.SearchSecurityPolicyGroups(admin, SecurityPolicyGroupFilter{Owner: "alice"})
	if len(found) != 1 || found[0].ID != private.ID {
		t.Fatalf("search by owner: %+v", found)
	}
	found, _ = s.SearchSecurityPolicyGroups(admin, SecurityPolicyGroupFilter{GlobalOnly: true, Group: "ops"})
	if len(found) != 1 || found[0].ID != shared.ID {
		t.Fatalf("search global in ops: %+v", found)
	}

	// Alice's group is hidden from bob; the global one he may only use.
	wantCodeText(t, "bob edits alice's group", s.EditSecurityPolicyGroupRules(bob, private.ID, RuleEdit{Op: RuleAdd}), model.CodeNotFound, private.ID)
	wantCodeText(t, "bob edits the global group", s.EditSecurityPolicyGroupRules(bob, shared.ID, RuleEdit{Op: RuleAdd}), model.CodePermissionDenied, "to use")
	for _, port := range []int{22, 80, 443} {
		if err := s.EditSecurityPolicyGroupRules(alice, private.ID, RuleEdit{Op: RuleAdd, Rule: model.SecurityRule{Protocol: "tcp", ToPort: port}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EditSecurityPolicyGroupRules(alice, private.ID, RuleEdit{Op: RuleMove, Index: 2, Up: true}); err != nil {
		t.Fatal(err)
	}
	g, _ := s.GetSecurityPolicyGroup(alice, private.ID)
	if len(g.Rules) != 3 || g.Rules[1].ToPort != 443 || g.Rules[2].ToPort != 80 || g.Rules[0].Action != model.ActionAccept {
		t.Fatalf("rules: %+v", g.Rules)
	}
	// A guest made with an accepting group would need enforcement NAT
	// cannot give.
	_, err = s.policyFromGroup(alice, private.ID)
	wantCodeText(t, "accepting group on a NAT guest", err, model.CodeConflict, "user-mode NAT")
	if p, err := s.policyFromGroup(admin, shared.ID); err != nil || p.DefaultAction != model.ActionReject {
		t.Fatalf("reject group: %+v, %v", p, err)
	}
	if err := s.UpdateSecurityPolicyGroup(alice, private.ID, SecurityPolicyGroupSettings{Name: "alice-web2", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	g, _ = s.GetSecurityPolicyGroup(alice, private.ID)
	if g.Name != "alice-web2" || g.Enabled || len(g.Rules) != 3 || !g.UpdatedAt.After(g.CreatedAt.Add(-time.Second)) {
		t.Fatalf("after update: %+v", g)
	}
	wantCodeText(t, "bob deletes", s.DeleteSecurityPolicyGroup(bob, private.ID), model.CodeNotFound, "")
	if err := s.DeleteSecurityPolicyGroup(alice, private.ID); err != nil {
		t.Fatal(err)
	}
	wantCodeText(t, "deleted group", s.DeleteSecurityPolicyGroup(alice, private.ID), model.CodeNotFound, "")
}
