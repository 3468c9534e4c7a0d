package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// refusedWith checks that err is an API refusal with the HTTP status (and,
// if field is not empty, naming that field).
func refusedWith(t *testing.T, what string, err error, status int, field string) {
	t.Helper()
	var ce *client.Error
	switch {
	case err == nil:
		t.Errorf("%s: succeeded, want HTTP %d", what, status)
	case !errors.As(err, &ce):
		t.Errorf("%s: %v, want HTTP %d", what, err, status)
	case ce.Status != status:
		t.Errorf("%s: %v, want HTTP %d", what, err, status)
	case field != "" && ce.Field != field:
		t.Errorf("%s: field %q (%v), want %q", what, ce.Field, err, field)
	}
}

// tenantClient makes an account tenant and returns a client logged in as
// its admin.
func tenantClient(t *testing.T, k *kumo, name string) *client.Client {
	t.Helper()
	ctx := ctxT(t)
	if _, err := k.c.CreateTenant(ctx, api.TenantsPost{Name: name, Password: name + "-passw0rd"}); err != nil {
		t.Fatal(err)
	}
	c := client.New(k.c.BaseURL, "")
	if _, err := c.Login(ctx, name, name+"-passw0rd"); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPlatformObjectsOnV1 drives the platform's objects through /v1 and
// the client: networks, address pools, storage pools, templates, security
// groups and a VM's security policy; for each its creation, reading,
// change and deletion, the refusals of bad input (400), of what is not
// there (404) and of what conflicts (409), and a tenant kept out where
// the service keeps it out.
func TestPlatformObjectsOnV1(t *testing.T) {
	k := startKumo(t)
	ctx := ctxT(t)
	c := k.c
	acme := tenantClient(t, k, "acme")
	hosts, err := c.Hosts(ctx)
	if err != nil || len(hosts) == 0 {
		t.Fatalf("hosts: %v %v", hosts, err)
	}
	img := k.uploadGuest("guest")

	t.Run("networks", func(t *testing.T) {
		n, err := c.CreateNetwork(ctx, api.NetworksPost{Name: "backnet1", DisplayName: "back office", CIDR: "192.168.66.0/24", Host: hosts[0].Name})
		if err != nil {
			t.Fatal(err)
		}
		if n.Name != "backnet1" || n.Host != hosts[0].ID || n.Owner != "admin" || n.CIDR != "192.168.66.0/24" || n.DisplayName != "back office" {
			t.Errorf("created %+v", n)
		}
		_, err = c.CreateNetwork(ctx, api.NetworksPost{Name: "backnet1", CIDR: "192.168.67.0/24", Host: hosts[0].ID})
		refusedWith(t, "a second backnet1", err, http.StatusConflict, "")
		_, err = c.CreateNetwork(ctx, api.NetworksPost{Name: "x", CIDR: "192.168.67.0/24", Host: hosts[0].ID})
		refusedWith(t, "a short name", err, http.StatusBadRequest, "network_name")
		_, err = c.CreateNetwork(ctx, api.NetworksPost{Name: "backnet2", CIDR: "192.168.67.1/24", Host: hosts[0].ID})
		refusedWith(t, "a CIDR with host bits", err, http.StatusBadRequest, "ip_cidr")
		_, err = c.CreateNetwork(ctx, api.NetworksPost{Name: "backnet2", CIDR: "192.168.67.0/24", Host: "nohost"})
		refusedWith(t, "an unknown host", err, http.StatusNotFound, "")
		_, err = c.Network(ctx, "nosuch1")
		refusedWith(t, "an unknown network", err, http.StatusNotFound, "")

		vlan, display := 42, "front office"
		if n, err = c.UpdateNetwork(ctx, "backnet1", api.NetworkPatch{VlanID: &vlan, DisplayName: &display}); err != nil || n.VlanID != 42 || n.DisplayName != display {
			t.Errorf("update: %+v %v", n, err)
		}
		vlan = 5000
		_, err = c.UpdateNetwork(ctx, "backnet1", api.NetworkPatch{VlanID: &vlan})
		refusedWith(t, "VLAN 5000", err, http.StatusBadRequest, "vlan_id")
		if ns, err := c.Networks(ctx); err != nil || len(ns) != 1 || ns[0].VlanID != 42 {
			t.Errorf("list: %+v %v", ns, err)
		}

		vm := k.createVM(api.VMsPost{Name: "lan-vm", Image: img.ID, MemoryMiB: 128})
		ms, err := c.AddNetworkMember(ctx, "backnet1", "lan-vm")
		if err != nil || len(ms) != 1 || ms[0].VM != vm.ID || ms[0].VMName != "lan-vm" || ms[0].Address != "192.168.66.2" {
			t.Errorf("join: %+v %v", ms, err)
		}
		_, err = c.AddNetworkMember(ctx, "backnet1", "lan-vm")
		refusedWith(t, "joining twice", err, http.StatusConflict, "")
		refusedWith(t, "deleting a network with a VM", c.DeleteNetwork(ctx, "backnet1"), http.StatusConflict, "")

		// The tenant sees neither the network nor its members, and its
		// own network is its own.
		if ns, err := acme.Networks(ctx); err != nil || len(ns) != 0 {
			t.Errorf("acme's list: %+v %v", ns, err)
		}
		_, err = acme.Network(ctx, "backnet1")
		refusedWith(t, "acme reads admin's network", err, http.StatusNotFound, "")
		_, err = acme.NetworkMembers(ctx, "backnet1")
		refusedWith(t, "acme lists admin's network", err, http.StatusNotFound, "")
		refusedWith(t, "acme deletes admin's network", acme.DeleteNetwork(ctx, "backnet1"), http.StatusNotFound, "")
		an, err := acme.CreateNetwork(ctx, api.NetworksPost{Name: "acmenet", CIDR: "10.9.0.0/24", Host: hosts[0].ID})
		if err != nil || an.Owner != "acme" {
			t.Errorf("acme's network: %+v %v", an, err)
		}
		_, err = acme.AddNetworkMember(ctx, "acmenet", "lan-vm")
		refusedWith(t, "acme puts admin's VM on its network", err, http.StatusNotFound, "")

		refusedWith(t, "removing a VM that is not on it", c.RemoveNetworkMember(ctx, "acmenet", "lan-vm"), http.StatusNotFound, "")
		if err := c.RemoveNetworkMember(ctx, "backnet1", "lan-vm"); err != nil {
			t.Fatal(err)
		}
		if ms, err := c.NetworkMembers(ctx, "backnet1"); err != nil || len(ms) != 0 {
			t.Errorf("members after leaving: %+v %v", ms, err)
		}
		if err := c.DeleteNetwork(ctx, "backnet1"); err != nil {
			t.Fatal(err)
		}
		_, err = c.Network(ctx, "backnet1")
		refusedWith(t, "a deleted network", err, http.StatusNotFound, "")
		if err := acme.DeleteNetwork(ctx, "acmenet"); err != nil {
			t.Error(err)
		}
	})

	t.Run("address pools", func(t *testing.T) {
		p, err := c.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "office", Gateway: "10.10.0.1", DNS: []string{"10.10.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Provider != "dhcp" || p.Mode != "internal" || len(p.DNS) != 1 {
			t.Errorf("created %+v", p)
		}
		_, err = c.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "office", Gateway: "10.10.0.1"})
		refusedWith(t, "a second office", err, http.StatusConflict, "")
		_, err = c.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "bad", Gateway: "10.10.0"})
		refusedWith(t, "a bad gateway", err, http.StatusBadRequest, "gateway")
		_, err = c.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "bad", Gateway: "10.10.0.1", Mode: "external"})
		refusedWith(t, "external mode", err, http.StatusBadRequest, "mode")

		rg, err := c.AddAddressRange(ctx, "office", api.AddressRangesPost{Start: "10.10.0.10", End: "10.10.0.109", Netmask: "255.255.255.0"})
		if err != nil || rg.Pool != p.ID || rg.Type != "internal" {
			t.Fatalf("range: %+v %v", rg, err)
		}
		_, err = c.AddAddressRange(ctx, "office", api.AddressRangesPost{Start: "10.10.0.100", End: "10.10.0.120", Netmask: "255.255.255.0"})
		refusedWith(t, "an overlapping range", err, http.StatusConflict, "")
		_, err = c.AddAddressRange(ctx, "office", api.AddressRangesPost{Start: "10.10.0.120", End: "10.10.0.110", Netmask: "255.255.255.0"})
		refusedWith(t, "a range backwards", err, http.StatusBadRequest, "end")
		_, err = c.AddAddressRange(ctx, "nopool", api.AddressRangesPost{Start: "10.11.0.10", End: "10.11.0.20", Netmask: "255.255.255.0"})
		refusedWith(t, "a range of no pool", err, http.StatusNotFound, "")

		if got, err := c.AddressPool(ctx, "office"); err != nil || got.Addresses != 100 || len(got.Ranges) != 1 || got.Allocated != 0 {
			t.Errorf("pool: %+v %v", got, err)
		}
		if rs, err := c.AddressRanges(ctx, p.ID, ""); err != nil || len(rs) != 1 || rs[0].Start != "10.10.0.10" {
			t.Errorf("ranges: %+v %v", rs, err)
		}
		if got, err := c.AddressRange(ctx, "office", "10.10.0.10"); err != nil || got.End != "10.10.0.109" {
			t.Errorf("range: %+v %v", got, err)
		}
		other, err := c.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "lab", Gateway: "10.20.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.AddressRange(ctx, other.Name, "10.10.0.10")
		refusedWith(t, "office's range under lab", err, http.StatusNotFound, "")
		refusedWith(t, "removing office's range under lab", c.RemoveAddressRange(ctx, other.Name, "10.10.0.10"), http.StatusNotFound, "")

		if got, err := c.UpdateAddressPool(ctx, "office", api.AddressPoolsPost{Gateway: "10.10.0.1", DNS: []string{"1.1.1.1", "9.9.9.9"}, Provider: "cloudinit"}); err != nil ||
			len(got.DNS) != 2 || got.Provider != "cloudinit" || len(got.Ranges) != 1 {
			t.Errorf("update: %+v %v", got, err)
		}
		_, err = c.UpdateAddressPool(ctx, "office", api.AddressPoolsPost{Gateway: "10.30.0.1"})
		refusedWith(t, "a gateway outside the ranges", err, http.StatusBadRequest, "gateway")

		// Address pools are the platform's: a tenant may not see them.
		_, err = acme.AddressPools(ctx)
		refusedWith(t, "acme lists address pools", err, http.StatusForbidden, "")
		_, err = acme.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "mine", Gateway: "10.40.0.1"})
		refusedWith(t, "acme creates an address pool", err, http.StatusForbidden, "")

		if err := c.RemoveAddressRange(ctx, "office", "10.10.0.10"); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"office", "lab"} {
			if err := c.DeleteAddressPool(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		if ps, err := c.AddressPools(ctx); err != nil || len(ps) != 0 {
			t.Errorf("pools after deletes: %+v %v", ps, err)
		}
		_, err = c.AddressPool(ctx, "office")
		refusedWith(t, "a deleted pool", err, http.StatusNotFound, "")
	})

	t.Run("storage pools", func(t *testing.T) {
		dir := t.TempDir()
		p, err := c.CreateStoragePool(ctx, api.StoragePoolsPost{Name: "fast", Target: dir})
		if err != nil || p.Type != "local" || p.Target != dir {
			t.Fatalf("create: %+v %v", p, err)
		}
		_, err = c.CreateStoragePool(ctx, api.StoragePoolsPost{Name: "fast"})
		refusedWith(t, "a second fast", err, http.StatusConflict, "")
		_, err = c.CreateStoragePool(ctx, api.StoragePoolsPost{Name: "net", Type: "nfs"})
		refusedWith(t, "NFS", err, http.StatusBadRequest, "type")
		_, err = c.CreateStoragePool(ctx, api.StoragePoolsPost{Name: "sys", Target: "/etc/kumo"})
		refusedWith(t, "a system directory", err, http.StatusBadRequest, "target")
		if got, err := c.UpdateStoragePool(ctx, "fast", api.StoragePoolsPost{Target: dir + "/disks"}); err != nil || got.Target != dir+"/disks" {
			t.Errorf("update: %+v %v", got, err)
		}
		if got, err := c.StoragePool(ctx, p.ID); err != nil || got.Name != "fast" {
			t.Errorf("get: %+v %v", got, err)
		}
		if ps, err := c.StoragePools(ctx); err != nil || !slices.ContainsFunc(ps, func(s api.StoragePool) bool { return s.Name == "fast" }) {
			t.Errorf("list: %+v %v", ps, err)
		}
		_, err = acme.StoragePools(ctx)
		refusedWith(t, "acme lists storage pools", err, http.StatusForbidden, "")
		refusedWith(t, "acme deletes a storage pool", acme.DeleteStoragePool(ctx, "fast"), http.StatusForbidden, "")
		if err := c.DeleteStoragePool(ctx, "fast"); err != nil {
			t.Fatal(err)
		}
		_, err = c.StoragePool(ctx, "fast")
		refusedWith(t, "a deleted storage pool", err, http.StatusNotFound, "")
	})

	t.Run("templates", func(t *testing.T) {
		tp, err := c.CreateTemplate(ctx, api.TemplatesPost{Name: "linux-virtio", USB: "xhci"})
		if err != nil || tp.DiskBus != "virtio" || tp.Admin != "root" || tp.USB != "xhci" {
			t.Fatalf("create: %+v %v", tp, err)
		}
		_, err = c.CreateTemplate(ctx, api.TemplatesPost{Name: "linux-virtio"})
		refusedWith(t, "a second linux-virtio", err, http.StatusConflict, "")
		_, err = c.CreateTemplate(ctx, api.TemplatesPost{Name: "floppy", DiskBus: "floppy"})
		refusedWith(t, "a floppy bus", err, http.StatusBadRequest, "disk")
		if got, err := c.UpdateTemplate(ctx, "linux-virtio", api.TemplatesPost{Name: "linux-sata", DiskBus: "sata"}); err != nil || got.DiskBus != "sata" || got.ID != tp.ID || got.USB != "" {
			t.Errorf("update: %+v %v", got, err)
		}
		if got, err := c.Template(ctx, "linux-sata"); err != nil || got.DiskBus != "sata" {
			t.Errorf("get: %+v %v", got, err)
		}
		// A template in use stays.
		used := k.createVM(api.VMsPost{Name: "templated", Image: img.ID, MemoryMiB: 128, Template: "linux-sata"})
		refusedWith(t, "deleting a template in use", c.DeleteTemplate(ctx, "linux-sata"), http.StatusConflict, "")
		_, err = c.CreateVM(ctx, api.VMsPost{Name: "untemplated", Image: img.ID, MemoryMiB: 128, Template: "nosuch"})
		refusedWith(t, "a VM of no template", err, http.StatusNotFound, "")
		del, err := c.DeleteVM(ctx, used.ID)
		if err != nil {
			t.Fatal(err)
		}
		k.mustTask(del)
		// A tenant may read templates, not make them.
		if ts, err := acme.Templates(ctx); err != nil || len(ts) != 1 {
			t.Errorf("acme's list: %+v %v", ts, err)
		}
		_, err = acme.CreateTemplate(ctx, api.TemplatesPost{Name: "mine"})
		refusedWith(t, "acme creates a template", err, http.StatusForbidden, "")
		if err := c.DeleteTemplate(ctx, tp.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.Template(ctx, "linux-sata")
		refusedWith(t, "a deleted template", err, http.StatusNotFound, "")
	})

	t.Run("security groups", func(t *testing.T) {
		g, err := c.CreateSecurityGroup(ctx, api.SecurityGroupsPost{Name: "web", Description: "HTTP only", DefaultAction: "reject"})
		if err != nil || g.Owner != "admin" || len(g.Rules) != 0 || g.DefaultAction != "reject" || !g.Enabled {
			t.Fatalf("create: %+v %v", g, err)
		}
		_, err = c.CreateSecurityGroup(ctx, api.SecurityGroupsPost{Name: "web"})
		refusedWith(t, "a second web", err, http.StatusConflict, "")
		_, err = c.CreateSecurityGroup(ctx, api.SecurityGroupsPost{Name: "odd", DefaultAction: "drop"})
		refusedWith(t, "action drop", err, http.StatusBadRequest, "default_action")

		if g, err = c.AddSecurityGroupRule(ctx, "web", api.SecurityRule{Action: "accept", Protocol: "tcp", ToPort: 80}); err != nil || len(g.Rules) != 1 {
			t.Fatalf("add: %+v %v", g, err)
		}
		if g, err = c.AddSecurityGroupRule(ctx, g.ID, api.SecurityRule{Action: "reject", Protocol: "tcp", ToPort: 22, FromAddress: "10.0.0.0/8"}); err != nil || len(g.Rules) != 2 {
			t.Fatalf("add: %+v %v", g, err)
		}
		if g, err = c.MoveSecurityGroupRule(ctx, "web", 1, "up"); err != nil || g.Rules[0].ToPort != 22 {
			t.Errorf("move: %+v %v", g, err)
		}
		_, err = c.MoveSecurityGroupRule(ctx, "web", 0, "up")
		refusedWith(t, "moving the first rule up", err, http.StatusConflict, "")
		_, err = c.MoveSecurityGroupRule(ctx, "web", 0, "sideways")
		refusedWith(t, "moving sideways", err, http.StatusBadRequest, "direction")
		if g, err = c.UpdateSecurityGroupRule(ctx, "web", 1, api.SecurityRule{Action: "accept", Protocol: "tcp", ToPort: 443}); err != nil || g.Rules[1].ToPort != 443 {
			t.Errorf("modify: %+v %v", g, err)
		}
		_, err = c.UpdateSecurityGroupRule(ctx, "web", 1, api.SecurityRule{Protocol: "icmp", ToPort: 8})
		refusedWith(t, "an icmp port", err, http.StatusBadRequest, "to_port")
		_, err = c.DeleteSecurityGroupRule(ctx, "web", 7)
		refusedWith(t, "rule 7 of 2", err, http.StatusNotFound, "")
		if g, err = c.DeleteSecurityGroupRule(ctx, "web", 0); err != nil || len(g.Rules) != 1 || g.Rules[0].ToPort != 443 {
			t.Errorf("remove: %+v %v", g, err)
		}
		_, err = c.SecurityGroup(ctx, "nosuch")
		refusedWith(t, "an unknown group", err, http.StatusNotFound, "")

		// A tenant sees a group only when it is global.
		_, err = acme.SecurityGroup(ctx, "web")
		refusedWith(t, "acme reads admin's group", err, http.StatusNotFound, "")
		if gs, err := acme.SecurityGroups(ctx, api.SecurityGroupsFilter{}); err != nil || len(gs) != 0 {
			t.Errorf("acme's list: %+v %v", gs, err)
		}
		if g, err = c.UpdateSecurityGroup(ctx, "web", api.SecurityGroupsPost{Name: "web2", Enabled: new(false), Global: true, DefaultAction: "reject"}); err != nil ||
			!g.Global || g.Enabled || g.Name != "web2" || len(g.Rules) != 1 {
			t.Errorf("update: %+v %v", g, err)
		}
		if gs, err := acme.SecurityGroups(ctx, api.SecurityGroupsFilter{Global: true}); err != nil || len(gs) != 1 || gs[0].Name != "web2" {
			t.Errorf("acme's list of global groups: %+v %v", gs, err)
		}
		_, err = acme.AddSecurityGroupRule(ctx, "web2", api.SecurityRule{Action: "reject"})
		refusedWith(t, "acme changes admin's global group", err, http.StatusForbidden, "")
		refusedWith(t, "acme deletes admin's global group", acme.DeleteSecurityGroup(ctx, "web2"), http.StatusForbidden, "")
		if gs, err := c.SecurityGroups(ctx, api.SecurityGroupsFilter{Owner: "nobody"}); err != nil || len(gs) != 0 {
			t.Errorf("groups of nobody: %+v %v", gs, err)
		}
		if err := c.DeleteSecurityGroup(ctx, "web2"); err != nil {
			t.Fatal(err)
		}
		_, err = c.SecurityGroup(ctx, g.ID)
		refusedWith(t, "a deleted group", err, http.StatusNotFound, "")
	})

	t.Run("VM security policy", func(t *testing.T) {
		// A VM made with a group starts with a copy of its rules; a group
		// that lets traffic in cannot be enforced.
		if _, err := c.CreateSecurityGroup(ctx, api.SecurityGroupsPost{Name: "closed", DefaultAction: "reject"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AddSecurityGroupRule(ctx, "closed", api.SecurityRule{Action: "reject", Protocol: "tcp", ToPort: 3389}); err != nil {
			t.Fatal(err)
		}
		k.createVM(api.VMsPost{Name: "closed-vm", Image: img.ID, MemoryMiB: 128, SecurityGroup: "closed"})
		if p, err := c.SecurityPolicy(ctx, "closed-vm"); err != nil || len(p.Rules) != 1 || p.Rules[0].ToPort != 3389 {
			t.Errorf("policy from the group: %+v %v", p, err)
		}
		if _, err := c.CreateSecurityGroup(ctx, api.SecurityGroupsPost{Name: "open", DefaultAction: "accept"}); err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateVM(ctx, api.VMsPost{Name: "open-vm", Image: img.ID, MemoryMiB: 128, SecurityGroup: "open"})
		refusedWith(t, "a VM of an accepting group", err, http.StatusConflict, "")
		_, err = c.CreateVM(ctx, api.VMsPost{Name: "open-vm", Image: img.ID, MemoryMiB: 128, SecurityGroup: "nosuch"})
		refusedWith(t, "a VM of no group", err, http.StatusNotFound, "")

		k.createVM(api.VMsPost{Name: "guarded", Image: img.ID, MemoryMiB: 128})
		p, err := c.SecurityPolicy(ctx, "guarded")
		if err != nil || p.DefaultAction != "reject" || len(p.Rules) != 0 {
			t.Fatalf("policy: %+v %v", p, err)
		}
		// User-mode NAT lets nothing in, so a policy that would is refused.
		_, err = c.SetSecurityDefaultAction(ctx, "guarded", "accept")
		refusedWith(t, "default accept", err, http.StatusConflict, "")
		_, err = c.AddSecurityPolicyRule(ctx, "guarded", api.SecurityRule{Action: "accept", Protocol: "tcp", ToPort: 22})
		refusedWith(t, "an accept rule", err, http.StatusConflict, "")
		_, err = c.SetSecurityDefaultAction(ctx, "guarded", "maybe")
		refusedWith(t, "action maybe", err, http.StatusBadRequest, "action")
		if p, err = c.SetSecurityDefaultAction(ctx, "guarded", "reject"); err != nil || p.DefaultAction != "reject" {
			t.Errorf("default reject: %+v %v", p, err)
		}
		for _, port := range []int{22, 23} {
			if p, err = c.AddSecurityPolicyRule(ctx, "guarded", api.SecurityRule{Action: "reject", Protocol: "tcp", ToPort: port}); err != nil {
				t.Fatal(err)
			}
		}
		if p, err = c.MoveSecurityPolicyRule(ctx, "guarded", 1, "up"); err != nil || len(p.Rules) != 2 || p.Rules[0].ToPort != 23 {
			t.Errorf("move: %+v %v", p, err)
		}
		_, err = c.MoveSecurityPolicyRule(ctx, "guarded", 1, "down")
		refusedWith(t, "moving the last rule down", err, http.StatusConflict, "")
		if p, err = c.UpdateSecurityPolicyRule(ctx, "guarded", 0, api.SecurityRule{Action: "reject", Protocol: "udp", ToPort: 53}); err != nil || p.Rules[0].Protocol != "udp" {
			t.Errorf("modify: %+v %v", p, err)
		}
		_, err = c.UpdateSecurityPolicyRule(ctx, "guarded", 0, api.SecurityRule{Action: "reject", Protocol: "sctp"})
		refusedWith(t, "protocol sctp", err, http.StatusBadRequest, "protocol")
		_, err = c.DeleteSecurityPolicyRule(ctx, "guarded", 5)
		refusedWith(t, "rule 5 of 2", err, http.StatusNotFound, "")
		if p, err = c.DeleteSecurityPolicyRule(ctx, "guarded", 0); err != nil || len(p.Rules) != 1 || p.Rules[0].ToPort != 22 {
			t.Errorf("remove: %+v %v", p, err)
		}
		_, err = c.SecurityPolicy(ctx, "nosuchvm")
		refusedWith(t, "the policy of no VM", err, http.StatusNotFound, "")
		_, err = acme.SecurityPolicy(ctx, "guarded")
		refusedWith(t, "acme reads admin's VM's policy", err, http.StatusNotFound, "")
		_, err = acme.AddSecurityPolicyRule(ctx, "guarded", api.SecurityRule{Action: "reject"})
		refusedWith(t, "acme changes admin's VM's policy", err, http.StatusNotFound, "")
	})
}

// TestIAMOnV1 drives users, groups and roles through /v1: a role allows
// permissions, a group gives it to its members, a member can do what it
// allows and nothing else, can change its own profile and password, and
// a tenant manages only its own users.
func TestIAMOnV1(t *testing.T) {
	k := startKumo(t)
	ctx := ctxT(t)
	c := k.c
	acme := tenantClient(t, k, "acme")

	role, err := c.CreateRole(ctx, api.RolesPost{Name: "operator", Description: "sees and starts VMs",
		Statements: []api.Statement{{Effect: "allow", Actions: []string{"vm:read", "vm:start", "vm:stop"}}}})
	if err != nil || role.Tenant != "default" || len(role.Statements) != 1 {
		t.Fatalf("role: %+v %v", role, err)
	}
	_, err = c.CreateRole(ctx, api.RolesPost{Name: "operator"})
	refusedWith(t, "a second operator", err, http.StatusConflict, "")
	_, err = c.CreateRole(ctx, api.RolesPost{Name: "flyer", Statements: []api.Statement{{Effect: "allow", Actions: []string{"vm:fly"}}}})
	refusedWith(t, "vm:fly", err, http.StatusBadRequest, "statements")
	_, err = c.UpdateRole(ctx, "admin", api.RolePatch{Description: new("mine now")})
	refusedWith(t, "changing the built-in admin role", err, http.StatusConflict, "")
	if role, err = c.UpdateRole(ctx, "operator", api.RolePatch{Statements: &[]api.Statement{{Effect: "allow", Actions: []string{"vm:read", "vm:start"}}}}); err != nil ||
		len(role.Statements[0].Actions) != 2 {
		t.Errorf("update role: %+v %v", role, err)
	}
	if got, err := c.Role(ctx, role.ID); err != nil || got.Name != "operator" {
		t.Errorf("role by id: %+v %v", got, err)
	}

	g, err := c.CreateGroup(ctx, api.GroupsPost{Name: "ops", Display: "Operations", Roles: []string{"operator"}})
	if err != nil || !slices.Equal(g.Roles, []string{"operator"}) || len(g.Members) != 0 {
		t.Fatalf("group: %+v %v", g, err)
	}
	_, err = c.CreateGroup(ctx, api.GroupsPost{Name: "ops"})
	refusedWith(t, "a second ops", err, http.StatusConflict, "")
	_, err = c.CreateGroup(ctx, api.GroupsPost{Name: "ghosts", Roles: []string{"nosuchrole"}})
	refusedWith(t, "a group of no role", err, http.StatusNotFound, "")

	pam, err := c.CreateUser(ctx, api.UsersPost{Name: "pam", Password: "pams-passw0rd", Mail: "pam@example.com", Groups: []string{"ops"}})
	if err != nil || pam.Role != "user" || pam.Tenant != "default" || !slices.Equal(pam.Groups, []string{"ops"}) {
		t.Fatalf("user: %+v %v", pam, err)
	}
	_, err = c.CreateUser(ctx, api.UsersPost{Name: "pam", Password: "pams-passw0rd"})
	refusedWith(t, "a second pam", err, http.StatusConflict, "")
	_, err = c.CreateUser(ctx, api.UsersPost{Name: "bob", Password: "short"})
	refusedWith(t, "a short password", err, http.StatusBadRequest, "password")
	_, err = c.CreateUser(ctx, api.UsersPost{Name: "bob", Password: "bobs-passw0rd", Mail: "not a mail"})
	refusedWith(t, "a bad mail", err, http.StatusBadRequest, "mail")
	if _, err := c.CreateUser(ctx, api.UsersPost{Name: "bob", Password: "bobs-passw0rd"}); err != nil {
		t.Fatal(err)
	}
	if us, err := c.Users(ctx); err != nil || !slices.ContainsFunc(us, func(u api.User) bool { return u.Name == "pam" }) {
		t.Errorf("users: %+v %v", us, err)
	}

	// pam holds what ops's role allows, and manages only itself.
	pc := client.New(k.c.BaseURL, "")
	if _, err := pc.Login(ctx, "pam", "pams-passw0rd"); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.VMs(ctx); err != nil {
		t.Errorf("pam lists VMs: %v", err)
	}
	_, err = pc.Users(ctx)
	refusedWith(t, "pam lists users", err, http.StatusForbidden, "")
	_, err = pc.CreateUser(ctx, api.UsersPost{Name: "eve", Password: "eves-passw0rd"})
	refusedWith(t, "pam creates a user", err, http.StatusForbidden, "")
	_, err = pc.Roles(ctx, false)
	refusedWith(t, "pam lists roles", err, http.StatusForbidden, "")
	_, err = pc.CreateNetwork(ctx, api.NetworksPost{Name: "pamsnet1", CIDR: "10.1.0.0/24", Host: "x"})
	refusedWith(t, "pam creates a network", err, http.StatusForbidden, "")
	_, err = pc.User(ctx, "bob")
	refusedWith(t, "pam reads bob", err, http.StatusForbidden, "")
	nick := "Pam B."
	if me, err := pc.UpdateUser(ctx, "pam", api.UserPatch{Nick: &nick}); err != nil || me.Nick != nick || me.Mail != "pam@example.com" {
		t.Errorf("pam changes its nick: %+v %v", me, err)
	}
	refusedWith(t, "pam with a wrong old password", pc.SetUserPassword(ctx, "pam", api.PasswordPut{Password: "pams-new-passw0rd", OldPassword: "wrong-one"}),
		http.StatusBadRequest, "old")
	refusedWith(t, "pam sets bob's password", pc.SetUserPassword(ctx, "bob", api.PasswordPut{Password: "bobs-new-passw0rd"}), http.StatusForbidden, "")
	if err := pc.SetUserPassword(ctx, "pam", api.PasswordPut{Password: "pams-new-passw0rd", OldPassword: "pams-passw0rd"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.New(k.c.BaseURL, "").Login(ctx, "pam", "pams-new-passw0rd"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if _, err := client.New(k.c.BaseURL, "").Login(ctx, "pam", "pams-passw0rd"); err == nil {
		t.Error("the old password still logs in")
	}
	if err := c.SetUserPassword(ctx, "bob", api.PasswordPut{Password: "bobs-new-passw0rd"}); err != nil {
		t.Errorf("admin sets bob's password: %v", err)
	}

	// Members and role bindings.
	if err := c.AddGroupMember(ctx, "ops", "bob"); err != nil {
		t.Fatal(err)
	}
	refusedWith(t, "bob joins twice", c.AddGroupMember(ctx, "ops", "bob"), http.StatusConflict, "")
	refusedWith(t, "no user joins", c.AddGroupMember(ctx, "ops", "nobody"), http.StatusNotFound, "")
	if ms, err := c.GroupMembers(ctx, "ops"); err != nil || !slices.Equal(ms, []string{"bob", "pam"}) && !slices.Equal(ms, []string{"pam", "bob"}) {
		t.Errorf("members: %v %v", ms, err)
	}
	if err := c.RemoveGroupMember(ctx, "ops", "bob"); err != nil {
		t.Fatal(err)
	}
	refusedWith(t, "bob leaves twice", c.RemoveGroupMember(ctx, "ops", "bob"), http.StatusNotFound, "")
	if err := c.BindUserRole(ctx, "bob", "operator"); err != nil {
		t.Fatal(err)
	}
	if rs, err := c.UserRoles(ctx, "bob"); err != nil || len(rs) != 1 || rs[0].Name != "operator" {
		t.Errorf("bob's roles: %+v %v", rs, err)
	}
	if err := c.UnbindUserRole(ctx, "bob", "operator"); err != nil {
		t.Fatal(err)
	}
	refusedWith(t, "unbinding twice", c.UnbindUserRole(ctx, "bob", "operator"), http.StatusNotFound, "")

	name := "oncall"
	if g, err = c.UpdateGroup(ctx, "ops", api.GroupPatch{Name: &name, Roles: &[]string{}}); err != nil || g.Name != "oncall" || len(g.Roles) != 0 {
		t.Errorf("update group: %+v %v", g, err)
	}
	if g, err = c.UpdateGroup(ctx, g.ID, api.GroupPatch{Roles: &[]string{"operator"}}); err != nil || len(g.Roles) != 1 {
		t.Errorf("give the role back: %+v %v", g, err)
	}
	refusedWith(t, "deleting a held role", c.DeleteRole(ctx, "operator", false), http.StatusConflict, "")
	refusedWith(t, "deleting a group with members", c.DeleteGroup(ctx, "oncall", false), http.StatusConflict, "")
	refusedWith(t, "deleting the admin group", c.DeleteGroup(ctx, "admin", true), http.StatusConflict, "")

	// A tenant manages its own users only.
	if us, err := acme.Users(ctx); err != nil || len(us) != 1 || us[0].Name != "acme" {
		t.Errorf("acme's users: %+v %v", us, err)
	}
	_, err = acme.User(ctx, "pam")
	refusedWith(t, "acme reads pam", err, http.StatusNotFound, "")
	refusedWith(t, "acme deletes pam", acme.DeleteUser(ctx, "pam"), http.StatusNotFound, "")
	_, err = acme.Group(ctx, "oncall")
	refusedWith(t, "acme reads the platform's group", err, http.StatusNotFound, "")
	if u, err := acme.CreateUser(ctx, api.UsersPost{Name: "acme-ann", Password: "anns-passw0rd"}); err != nil || u.Tenant == "default" {
		t.Errorf("acme's user: %+v %v", u, err)
	}
	_, err = acme.CreateUser(ctx, api.UsersPost{Name: "acme-root", Password: "roots-passw0rd", Role: "admin"})
	refusedWith(t, "acme makes an admin", err, http.StatusForbidden, "")

	refusedWith(t, "admin deletes itself", c.DeleteUser(ctx, "admin"), http.StatusConflict, "")
	if err := c.DeleteGroup(ctx, "oncall", true); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRole(ctx, "operator", true); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"pam", "bob"} {
		if err := c.DeleteUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.User(ctx, "pam")
	refusedWith(t, "a deleted user", err, http.StatusNotFound, "")
	_, err = c.Group(ctx, "oncall")
	refusedWith(t, "a deleted group", err, http.StatusNotFound, "")
	_, err = c.Role(ctx, "operator")
	refusedWith(t, "a deleted role", err, http.StatusNotFound, "")
	if gs, err := c.Groups(ctx, true); err != nil || len(gs) == 0 {
		t.Errorf("groups of all tenants: %+v %v", gs, err)
	}
	if rs, err := c.Roles(ctx, true); err != nil || len(rs) == 0 {
		t.Errorf("roles of all tenants: %+v %v", rs, err)
	}
}

// TestNetworkGuestsOnV1: two stopped VMs joined to a network through /v1
// reach each other over it once started (their second NIC, at the
// addresses the network's members list gives), and a VM left off it
// does not reach them.
func TestNetworkGuestsOnV1(t *testing.T) {
	k := startKumo(t)
	ctx := ctxT(t)
	c := k.c
	img := k.uploadGuest("guest")
	hosts := k.waitHosts(1)
	if _, err := c.CreateNetwork(ctx, api.NetworksPost{Name: "v1lan01", CIDR: "192.168.77.0/24", Host: hosts[0].ID}); err != nil {
		t.Fatal(err)
	}
	var vms []api.VM
	for _, name := range []string{"lan-a", "lan-b", "lan-off"} {
		vms = append(vms, k.createVM(api.VMsPost{Name: name, Image: img.ID, MemoryMiB: 128}))
	}
	var members []api.NetworkMember
	for _, vm := range vms[:2] {
		ms, err := c.AddNetworkMember(ctx, "v1lan01", vm.Name)
		if err != nil {
			t.Fatal(err)
		}
		members = ms
	}
	addr := map[string]string{}
	for _, m := range members {
		addr[m.VM] = m.Address
	}
	if addr[vms[0].ID] != "192.168.77.2" || addr[vms[1].ID] != "192.168.77.3" {
		t.Fatalf("members: %+v", members)
	}
	addr[vms[2].ID] = "192.168.77.9" // on eth1, but on no network
	for _, vm := range vms {
		k.action(vm, "start")
	}
	for _, vm := range vms {
		k.waitSerial(vm, "KUMO-GUEST-READY", 1)
		script := "ip addr add " + addr[vm.ID] + "/24 dev eth1 && ip link set eth1 up"
		if vm.ID == vms[2].ID {
			// No second NIC: the VM is on no network.
			if code, out := k.guestExec(vm, "ip link show eth1"); code == 0 {
				t.Errorf("the VM on no network has eth1: %s", out)
			}
			continue
		}
		if code, out := k.guestExec(vm, script); code != 0 {
			t.Fatalf("configure eth1 of %s: exit %d: %s", vm.Name, code, out)
		}
	}
	// The guest's static busybox wget crashes; nc speaks HTTP well enough.
	fetch := `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 192.168.77.3 80`
	eventually(t, 30*time.Second, "lan-a reaches lan-b's web server over the network", func() (bool, string) {
		_, out := k.guestExec(vms[0], fetch)
		return strings.Contains(out, "kumo-guest"), out
	})
	if _, out := k.guestExec(vms[2], fetch); strings.Contains(out, "kumo-guest") {
		t.Errorf("lan-off reaches lan-b: %q", out)
	}
	// A running VM stays on its network until it is stopped.
	refusedWith(t, "taking a running VM off", c.RemoveNetworkMember(ctx, "v1lan01", "lan-a"), http.StatusConflict, "")
}

// eventStream reads a client's /v1/events into a channel until the test
// ends.
func eventStream(t *testing.T, c *client.Client) <-chan api.Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch := make(chan api.Event, 100)
	opened := make(chan struct{})
	go func() {
		close(opened)
		c.Events(ctx, func(ev api.Event) { ch <- ev })
	}()
	<-opened
	return ch
}

// nextEvent waits for an event that match accepts, failing the test
// after timeout; it returns the events passed over on the way.
func nextEvent(t *testing.T, ch <-chan api.Event, what string, match func(api.Event) bool) (api.Event, []api.Event) {
	t.Helper()
	var passed []api.Event
	deadline := time.After(60 * time.Second)
	for {
		select {
		case ev := <-ch:
			if match(ev) {
				return ev, passed
			}
			passed = append(passed, ev)
		case <-deadline:
			t.Fatalf("no event: %s (saw %+v)", what, passed)
		}
	}
}

// TestEventsOnV1: GET /v1/events streams each finished task and the VM
// state it leaves, to those who may see them only.
func TestEventsOnV1(t *testing.T) {
	k := startKumo(t)
	ctx := ctxT(t)
	img := k.uploadPublicGuest("guest")
	acme := tenantClient(t, k, "acme")
	refusedWith(t, "events without a session", client.New(k.c.BaseURL, "").Events(ctx, func(api.Event) {}), http.StatusUnauthorized, "")

	adminEvents := eventStream(t, k.c)
	acmeEvents := eventStream(t, acme)
	time.Sleep(200 * time.Millisecond) // both streams are open

	created, err := k.c.CreateVM(ctx, api.VMsPost{Name: "evented", Image: img.ID, MemoryMiB: 128, Start: true})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := nextEvent(t, adminEvents, "the admin's create task", func(ev api.Event) bool {
		return ev.Type == "task" && ev.Task.ID == created.Task.ID
	})
	if ev.Task.State != "succeeded" {
		t.Errorf("create task event: %+v", ev.Task)
	}
	vmEv, _ := nextEvent(t, adminEvents, "the VM after its create", func(ev api.Event) bool { return ev.Type == "vm" && ev.VM.ID == created.VM.ID })
	if vmEv.VM.Name != "evented" {
		t.Errorf("VM event: %+v", vmEv.VM)
	}

	// acme sees its own task, and nothing of the admin's before it.
	mine, err := acme.CreateVM(ctx, api.VMsPost{Name: "acme-vm", Image: img.ID, MemoryMiB: 128})
	if err != nil {
		t.Fatal(err)
	}
	_, passed := nextEvent(t, acmeEvents, "acme's create task", func(ev api.Event) bool { return ev.Type == "task" && ev.Task.ID == mine.Task.ID })
	for _, ev := range passed {
		if ev.Task != nil && ev.Task.TargetID == created.VM.ID || ev.VM != nil && ev.VM.ID == created.VM.ID {
			t.Errorf("acme saw the admin's VM: %+v", ev)
		}
	}
	// The admin sees every task, acme's too.
	nextEvent(t, adminEvents, "acme's create task, for the admin", func(ev api.Event) bool { return ev.Type == "task" && ev.Task.ID == mine.Task.ID })
}

// TestVisibilityOnV1: a group's visibility, set through /v1 by one
// member, lets the members see each other's VMs.
func TestVisibilityOnV1(t *testing.T) {
	k := startKumo(t)
	ctx := ctxT(t)
	c := k.c
	img := k.uploadPublicGuest("guest")
	if _, err := c.CreateRole(ctx, api.RolesPost{Name: "member", Statements: []api.Statement{{Effect: "allow",
		Actions: []string{"vm:read", "vm:create", "image:read", "pool:read", "visibility:update"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx, api.GroupsPost{Name: "team", Roles: []string{"member"}}); err != nil {
		t.Fatal(err)
	}
	login := func(name string, groups ...string) *client.Client {
		t.Helper()
		if _, err := c.CreateUser(ctx, api.UsersPost{Name: name, Password: name + "-passw0rd", Groups: groups}); err != nil {
			t.Fatal(err)
		}
		uc := client.New(k.c.BaseURL, "")
		if _, err := uc.Login(ctx, name, name+"-passw0rd"); err != nil {
			t.Fatal(err)
		}
		return uc
	}
	ann, ben, carl := login("ann", "team"), login("ben", "team"), login("carl")
	created, err := ben.CreateVM(ctx, api.VMsPost{Name: "bens-vm", Image: img.ID, MemoryMiB: 128})
	if err != nil {
		t.Fatal(err)
	}
	k.mustTask(created.Task)
	_, err = ann.VM(ctx, "bens-vm")
	refusedWith(t, "ann reads ben's VM before sharing", err, http.StatusNotFound, "")
	if v, err := ann.Visibility(ctx); err != nil || v.Instances {
		t.Errorf("visibility before: %+v %v", v, err)
	}
	if v, err := ann.SetVisibility(ctx, api.Visibility{Instances: true}); err != nil || !v.Instances {
		t.Fatalf("ann shares VMs: %+v %v", v, err)
	}
	if v, err := ben.Visibility(ctx); err != nil || !v.Instances {
		t.Errorf("ben's view of the group's visibility: %+v %v", v, err)
	}
	if vm, err := ann.VM(ctx, "bens-vm"); err != nil || vm.ID != created.VM.ID {
		t.Errorf("ann reads ben's VM after sharing: %+v %v", vm, err)
	}
	if g, err := c.Group(ctx, "team"); err != nil || !g.Visibility.Instances {
		t.Errorf("the group shows its visibility: %+v %v", g, err)
	}
	_, err = carl.SetVisibility(ctx, api.Visibility{Instances: true})
	refusedWith(t, "carl, without the permission, sets visibility", err, http.StatusForbidden, "")
	if err := c.BindUserRole(ctx, "carl", "member"); err != nil {
		t.Fatal(err)
	}
	_, err = carl.SetVisibility(ctx, api.Visibility{Instances: true})
	refusedWith(t, "carl, in no group, sets visibility", err, http.StatusConflict, "")
}

// TestPoolsGuestOnV1: a compute pool set, through /v1, to use a storage
// pool and an address pool puts its VMs' disks in the storage pool's
// directory and gives the guest the first free address of the range.
func TestPoolsGuestOnV1(t *testing.T) {
	k := startKumo(t)
	ctx := ctxT(t)
	c := k.c
	img := k.uploadGuest("guest")
	disks := t.TempDir()
	if _, err := c.CreateStoragePool(ctx, api.StoragePoolsPost{Name: "disks", Target: disks}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAddressPool(ctx, api.AddressPoolsPost{Name: "office", Gateway: "172.31.7.1", DNS: []string{"172.31.7.1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddAddressRange(ctx, "office", api.AddressRangesPost{Start: "172.31.7.10", End: "172.31.7.11", Netmask: "255.255.255.0"}); err != nil {
		t.Fatal(err)
	}
	nosuch := "nosuch"
	_, err := c.UpdatePool(ctx, "default", api.PoolPatch{AddressPool: &nosuch})
	refusedWith(t, "an address pool that does not exist", err, http.StatusBadRequest, "address_pool")
	storage, addresses := "disks", "office"
	p, err := c.UpdatePool(ctx, "default", api.PoolPatch{StoragePool: &storage, AddressPool: &addresses})
	if err != nil || p.StoragePool != "disks" || p.AddressPool != "office" {
		t.Fatalf("pool: %+v %v", p, err)
	}

	vm := k.createVM(api.VMsPost{Name: "addressed", Image: img.ID, MemoryMiB: 128})
	if _, err := os.Stat(filepath.Join(disks, vm.ID, "root.qcow2")); err != nil {
		t.Errorf("the disk is not in the storage pool: %v", err)
	}
	ap, err := c.AddressPool(ctx, "office")
	if err != nil || ap.Allocated != 1 || ap.Allocations[0].VM != vm.ID || ap.Allocations[0].Address != "172.31.7.10" {
		t.Fatalf("address pool: %+v %v", ap, err)
	}
	if rg, err := c.AddressRange(ctx, "office", "172.31.7.10"); err != nil || len(rg.Allocations) != 1 {
		t.Errorf("range: %+v %v", rg, err)
	}
	k.action(vm, "start")
	k.waitSerial(vm, "KUMO-GUEST-IP 172.31.7.10", 1)

	empty := ""
	_, err = c.UpdatePool(ctx, "default", api.PoolPatch{AddressPool: &empty})
	refusedWith(t, "changing the address pool of a pool with VMs", err, http.StatusConflict, "")
	refusedWith(t, "removing a range in use", c.RemoveAddressRange(ctx, "office", "172.31.7.10"), http.StatusConflict, "")
	_, err = c.UpdateStoragePool(ctx, "disks", api.StoragePoolsPost{Target: t.TempDir()})
	refusedWith(t, "moving a storage pool that holds disks", err, http.StatusConflict, "")
	refusedWith(t, "deleting a storage pool in use", c.DeleteStoragePool(ctx, "disks"), http.StatusConflict, "")

	del, err := c.DeleteVM(ctx, vm.ID)
	if err != nil {
		t.Fatal(err)
	}
	k.mustTask(del)
	if _, err := c.UpdatePool(ctx, "default", api.PoolPatch{AddressPool: &empty, StoragePool: &empty}); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveAddressRange(ctx, "office", "172.31.7.10"); err != nil {
		t.Errorf("removing the range once free: %v", err)
	}
}
