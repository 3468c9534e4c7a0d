package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestQuotaAcrossAPIs sets quotas through ZStack and checks that every
// other API's create meets them: the core checks them in the create's
// transaction, whichever API asks.
func TestQuotaAcrossAPIs(t *testing.T) {
	is := newImageServer(t)
	k := startKumo(t, withCloudTower, withZStack, func(c *server.Config) { c.DBCImageServers = map[string]string{"ID_1": is.URL} })
	base := k.uploadPublicGuest("base")
	m := newMatrix(t, k)
	zsAdmin := m.callers["admin"]
	acme, wallet := m.callers["acme"], m.callers["wallet"]
	setQuota := func(account, name string, value int) {
		t.Helper()
		st, raw := m.do("zstack", zsAdmin.token, "PUT", "/accounts/quotas/actions", map[string]any{"updateQuota": map[string]any{
			"identityUuid": m.zstackUUIDOf(account), "name": name, "value": value}})
		if st != 200 {
			t.Fatalf("UpdateQuota %s %s=%d: %d %s", account, name, value, st, raw)
		}
	}
	// refused reports whether an API's answer is a quota refusal.
	refused := func(apiName string, st int, raw []byte) bool {
		body := string(raw)
		switch apiName {
		case "zstack":
			return strings.Contains(body, "ID.1003")
		case "cloudtower":
			return strings.Contains(body, "QUOTA_EXCEEDED")
		}
		return st == 403 && strings.Contains(body, "quota")
	}
	createVia := func(c *matrixCaller, apiName string) (int, []byte) {
		t.Helper()
		var st int
		var raw []byte
		switch apiName {
		case "v1":
			st, raw = m.do("v1", c.token, "POST", "/v1/vms", api.VMsPost{Name: m.name("q"), Image: base.ID, MemoryMiB: 64})
		case "nano":
			st, raw = m.do("nano", c.token, "POST", "/guests/", map[string]any{"name": m.name("q"), "pool": "default", "cores": 1,
				"memory": 64 << 20, "disks": []int64{0}, "from_image": base.ID})
		case "cloudtower":
			st, raw = m.do("cloudtower", c.token, "POST", "/create-vm-from-template", []any{map[string]any{"template_id": base.ID,
				"name": m.name("q"), "is_full_copy": false, "cluster_id": m.cluster, "vcpu": 1, "cpu_cores": 1, "cpu_sockets": 1,
				"memory": 64 << 20, "status": "STOPPED"}})
		case "zstack":
			st, raw = m.do("zstack", c.token, "POST", "/vm-instances", map[string]any{"params": map[string]any{"name": m.name("q"),
				"imageUuid": zid(base.ID), "cpuNum": 1, "memorySize": 64 << 20, "strategy": "CreateStopped"}})
		case "dbc":
			r := c.dbc.call("/tasks/start", []string{m.node}, map[string]any{"image_name": "base", "desc": "quota",
				"operation_system": "linux", "bios_mode": "legacy", "ssh_port": fmt.Sprint(freePort(t)), "gpu_count": "0",
				"cpu_cores": "1", "mem_size": "0.0625", "disk_size": "1", "network_filters": []string{}})
			st, raw = r.Status, r.Message
		}
		return st, raw
	}

	// No VMs at all for acme and the wallet: every API refuses.
	setQuota("acme", "vm.totalNum", 0)
	setQuota(m.walletAccount(), "vm.totalNum", 0)
	for _, a := range []string{"v1", "nano", "cloudtower", "zstack"} {
		if st, raw := createVia(acme, a); !refused(a, st, raw) {
			t.Errorf("acme over its VM quota through %s: HTTP %d %s", a, st, raw)
		}
	}
	for _, a := range []string{"v1", "dbc"} {
		if st, raw := createVia(wallet, a); !refused(a, st, raw) {
			t.Errorf("the wallet over its VM quota through %s: HTTP %d %s", a, st, raw)
		}
	}
	// One VM: the first create passes, the next is refused elsewhere.
	setQuota("acme", "vm.totalNum", 1)
	if st, raw := createVia(acme, "cloudtower"); st != 200 {
		t.Fatalf("acme's one VM through CloudTower: HTTP %d %s", st, raw)
	}
	for _, a := range []string{"v1", "nano", "zstack"} {
		if st, raw := createVia(acme, a); !refused(a, st, raw) {
			t.Errorf("acme's second VM through %s: HTTP %d %s", a, st, raw)
		}
	}
	// Cores: a VM bigger than the core quota is refused, through /v1 too.
	setQuota("acme", "vm.totalNum", 10)
	setQuota("acme", "vm.cpuNum", 2)
	if st, raw := m.do("v1", acme.token, "POST", "/v1/vms", api.VMsPost{Name: m.name("big"), Image: base.ID, Cores: 2, MemoryMiB: 64}); !refused("v1", st, raw) {
		t.Errorf("acme over its core quota through /v1: HTTP %d %s", st, raw)
	}
	if st, raw := m.do("v1", acme.token, "GET", "/v1/tenants/acme/quotas", nil); st != 200 || !strings.Contains(string(raw), `"vm.cores"`) {
		t.Errorf("acme's quotas through /v1: HTTP %d %s", st, raw)
	}
}

// walletAccount is the ZStack account name of the matrix's wallet.
func (m *matrix) walletAccount() string { return "dbc:" + m.callers["wallet"].dbc.wallet }
