package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestNanoNetwork gives the default compute pool an address pool and
// checks that a guest created through Nano gets a free address from it,
// shows it in the API, really configures it (the test guest prints it on
// its serial console), and frees it when deleted; that addresses are not
// handed out twice and run out cleanly; and that an address pool in use
// cannot be deleted. The guests' disks go to a local storage pool's
// directory. It also checks a cell's storage figures and the security
// policy a NAT guest can and cannot have.
func TestNanoNetwork(t *testing.T) {
	k := startKumo(t)
	img := k.uploadGuest("guest")
	hosts := k.waitHosts(1)
	n := k.nano(t)
	n.login()

	// Storage: local directories only.
	if r := n.call("POST", "/storage_pools/nfs1", map[string]string{"type": "nfs", "host": "nfs.example", "target": "/export"}); r.Status != 400 ||
		!strings.Contains(r.Message, `"local"`) {
		t.Fatalf("nfs storage pool: HTTP %d %s", r.Status, r.Message)
	}
	disks := t.TempDir()
	n.must(200, "POST", "/storage_pools/local-disks", map[string]string{"type": "local", "target": disks}, nil)
	var sp struct{ Type, Host, Target string }
	n.must(200, "GET", "/storage_pools/local-disks", nil, &sp)
	if sp.Type != "local" || sp.Target != disks {
		t.Fatalf("storage pool: %+v", sp)
	}
	cellStorages := "/compute_cell_status/default/" + hosts[0].Name + "/storages/"
	var cs struct {
		Mode       string
		System     []string
		Data       []string
		TotalBytes int64 `json:"total_bytes"`
		FreeBytes  int64 `json:"free_bytes"`
	}
	n.must(200, "GET", cellStorages, nil, &cs)
	if vms := filepath.Join(k.dataDir, "vms"); cs.Mode != "local" || len(cs.System) != 1 || cs.System[0] != vms || cs.Data[0] != vms ||
		cs.TotalBytes <= 0 || cs.FreeBytes <= 0 || cs.FreeBytes > cs.TotalBytes {
		t.Fatalf("cell storages: %+v", cs)
	}
	n.must(200, "PUT", cellStorages, map[string]string{"default": cs.System[0]}, nil)
	if r := n.call("PUT", cellStorages, map[string]string{"default": "/var/lib/libvirt/images/"}); r.Status != 409 {
		t.Fatalf("moving a cell's storage: HTTP %d %s", r.Status, r.Message)
	}

	n.must(200, "POST", "/address_pools/testnet", map[string]any{
		"gateway": "172.30.5.1", "dns": []string{"172.30.5.1"}, "provider": "cloudinit", "mode": "internal"}, nil)
	// Two addresses: the second guest takes the last one.
	n.must(200, "POST", "/address_pools/ranges/172.30.5.10?pool=testnet", map[string]string{"end": "172.30.5.11", "netmask": "255.255.255.0"}, nil)
	if r := n.call("POST", "/address_pools/ranges/172.30.5.11?pool=testnet", map[string]string{"end": "172.30.5.20", "netmask": "255.255.255.0"}); r.Status != 409 {
		t.Fatalf("overlapping range: HTTP %d %s", r.Status, r.Message)
	}
	var ranges []struct{ Start, End, Netmask string }
	n.must(200, "GET", "/address_pools/testnet/internal/ranges/", nil, &ranges)
	if len(ranges) != 1 || ranges[0].Start != "172.30.5.10" || ranges[0].End != "172.30.5.11" {
		t.Fatalf("ranges: %+v", ranges)
	}
	n.must(200, "PUT", "/compute_pools/default", map[string]any{"network": "testnet", "storage": "local-disks"}, nil)
	if r := n.call("DELETE", "/address_pools/testnet", nil); r.Status != 409 {
		t.Fatalf("deleting an address pool in use: HTTP %d %s", r.Status, r.Message)
	}
	if r := n.call("DELETE", "/storage_pools/local-disks", nil); r.Status != 409 {
		t.Fatalf("deleting a storage pool in use: HTTP %d %s", r.Status, r.Message)
	}

	create := func(name string) nanoReply {
		return n.call("POST", "/guests/", map[string]any{
			"name": name, "owner": "admin", "group": "admin", "pool": "default", "cores": 1, "memory": 256 << 20,
			"disks": []int64{0}, "from_image": img.ID, "modules": []string{"qemu"}})
	}
	type guestAddress struct {
		Internal struct {
			NetworkAddress   string `json:"network_address"`
			AllocatedAddress string `json:"allocated_address"`
		}
	}
	waitCreated := func(id string) guestAddress {
		eventually(t, 60*time.Second, "guest "+id+" created", func() (bool, string) {
			r := n.call("GET", "/guests/"+id, nil)
			return r.Status == 200, string(r.Data)
		})
		var g guestAddress
		n.must(200, "GET", "/guests/"+id, nil, &g)
		return g
	}
	var first, second struct{ ID string }
	r := create("net-one")
	if r.Status != 202 {
		t.Fatalf("create: HTTP %d %s", r.Status, r.Message)
	}
	mustData(t, r, &first)
	if g := waitCreated(first.ID); g.Internal.AllocatedAddress != "172.30.5.10" || g.Internal.NetworkAddress != "172.30.5.10" {
		t.Fatalf("first guest's addresses: %+v", g)
	}
	firstDisk := filepath.Join(disks, first.ID, "root.qcow2")
	if _, err := os.Stat(firstDisk); err != nil {
		t.Fatalf("the disk is not in the storage pool: %v", err)
	}
	mustData(t, create("net-two"), &second)
	if g := waitCreated(second.ID); g.Internal.AllocatedAddress != "172.30.5.11" {
		t.Fatalf("second guest's addresses: %+v", g)
	}
	var search struct {
		Result []guestAddress
		Total  int
	}
	n.must(200, "POST", "/search/guests/", map[string]any{"limit": 10, "keyword": "net-one"}, &search)
	if search.Total != 1 || search.Result[0].Internal.AllocatedAddress != "172.30.5.10" {
		t.Fatalf("guest search: %+v", search)
	}
	var instances []guestAddress
	n.must(200, "GET", "/instance_status/default/", nil, &instances)
	if len(instances) != 2 || instances[0].Internal.AllocatedAddress == instances[1].Internal.AllocatedAddress {
		t.Fatalf("instance status: %+v", instances)
	}
	if r := create("net-three"); r.Status != 409 || !strings.Contains(r.Message, "no free address") {
		t.Fatalf("create with the pool exhausted: HTTP %d %s", r.Status, r.Message)
	}
	type allocated struct{ Address, Instance string }
	var pool struct {
		Gateway   string
		Ranges    []struct{ Start string }
		Allocated []allocated
	}
	n.must(200, "GET", "/address_pools/testnet", nil, &pool)
	if pool.Gateway != "172.30.5.1" || len(pool.Allocated) != 2 || pool.Allocated[0] != (allocated{"172.30.5.10", first.ID}) {
		t.Fatalf("address pool: %+v", pool)
	}
	var summary []struct {
		Name                 string
		Addresses, Allocated int
	}
	n.must(200, "GET", "/address_pools/", nil, &summary)
	if len(summary) != 1 || summary[0].Addresses != 2 || summary[0].Allocated != 2 {
		t.Fatalf("address pools: %+v", summary)
	}

	// The guest configures the address from its seed.
	n.must(200, "POST", "/instances/"+first.ID, map[string]any{}, nil)
	vm := api.VM{ID: first.ID}
	k.waitSerial(vm, "KUMO-GUEST-NETWORK static 172.30.5.10/24 gateway=172.30.5.1", 1)
	k.waitSerial(vm, "KUMO-GUEST-IP 172.30.5.10", 1)

	// Security policy: NAT lets nothing in, so that is what the guest
	// reports; reject rules are kept, accepting anything is refused.
	var policy struct {
		DefaultAction string `json:"default_action"`
		Rules         []struct {
			Action   string
			Protocol string
			ToPort   int `json:"to_port"`
		}
	}
	n.must(200, "GET", "/guests/"+first.ID+"/security_policy/", nil, &policy)
	if policy.DefaultAction != "reject" || len(policy.Rules) != 0 {
		t.Fatalf("policy of a NAT guest: %+v", policy)
	}
	if r := n.call("PUT", "/guests/"+first.ID+"/security_policy/default_action", map[string]string{"action": "accept"}); r.Status != 409 ||
		!strings.Contains(r.Message, "user-mode NAT") {
		t.Fatalf("accept default on a NAT guest: HTTP %d %s", r.Status, r.Message)
	}
	n.must(200, "POST", "/guests/"+first.ID+"/security_policy/rules/", map[string]any{"action": "reject", "protocol": "tcp", "to_port": 22}, nil)
	n.must(200, "POST", "/guests/"+first.ID+"/security_policy/rules/", map[string]any{"action": "reject", "protocol": "udp", "to_port": 53}, nil)
	n.must(200, "PUT", "/guests/security_policy/rules/1/order?guest="+first.ID, map[string]string{"direction": "up"}, nil)
	n.must(200, "GET", "/guests/"+first.ID+"/security_policy/", nil, &policy)
	if len(policy.Rules) != 2 || policy.Rules[0].ToPort != 53 || policy.Rules[1].Protocol != "tcp" {
		t.Fatalf("rules after the move: %+v", policy)
	}
	if r := n.call("PUT", "/guests/security_policy/rules/0?guest="+first.ID, map[string]any{"action": "accept", "protocol": "tcp", "to_port": 80}); r.Status != 409 {
		t.Fatalf("accept rule on a NAT guest: HTTP %d %s", r.Status, r.Message)
	}
	n.must(200, "DELETE", "/guests/security_policy/rules/0?guest="+first.ID, nil, nil)

	// Deleting a guest frees its address for the next one.
	n.must(200, "DELETE", "/guests/"+first.ID, map[string]bool{"force": true}, nil)
	eventually(t, 60*time.Second, "guest deleted", func() (bool, string) {
		r := n.call("GET", "/guests/"+first.ID, nil)
		return r.Status == 404, r.Message
	})
	if _, err := os.Stat(filepath.Dir(firstDisk)); !os.IsNotExist(err) {
		t.Fatalf("the deleted guest's disk directory is still in the storage pool: %v", err)
	}
	n.must(200, "GET", "/address_pools/testnet", nil, &pool)
	if len(pool.Allocated) != 1 || pool.Allocated[0].Address != "172.30.5.11" {
		t.Fatalf("allocations after the delete: %+v", pool.Allocated)
	}
	var third struct{ ID string }
	mustData(t, create("net-three"), &third)
	if g := waitCreated(third.ID); g.Internal.AllocatedAddress != "172.30.5.10" {
		t.Fatalf("the freed address was not handed out again: %+v", g)
	}

	for _, id := range []string{second.ID, third.ID} {
		n.must(200, "DELETE", "/guests/"+id, map[string]bool{"force": true}, nil)
	}
	n.must(200, "PUT", "/compute_pools/default", map[string]any{"network": "", "storage": ""}, nil)
	n.must(200, "DELETE", "/address_pools/testnet", nil, nil)
	n.must(200, "DELETE", "/storage_pools/local-disks", nil, nil)
}

func mustData(t *testing.T, r nanoReply, out any) {
	t.Helper()
	if r.Status >= 300 {
		t.Fatalf("HTTP %d: %s", r.Status, r.Message)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("data %s: %v", r.Data, err)
	}
}
