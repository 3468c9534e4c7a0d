package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
)

// TestNetworkConfigReachesTheTestGuest feeds the seed's network-config to
// the test guest's seed reader (scripts/guest/kumo-seed), which must find
// the address, gateway and resolvers in it.
func TestNetworkConfigReachesTheTestGuest(t *testing.T) {
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skip("no awk")
	}
	cfg := hostlink.VMConfig{ID: "vm1", Name: "web", NICs: []hypervisor.NIC{{MAC: "52:54:00:aa:bb:cc"}},
		Network: &model.GuestNetwork{Address: "172.30.5.10", Prefix: 24, Gateway: "172.30.5.1", DNS: []string{"172.30.5.2", "8.8.8.8"}}}
	nc := networkConfig(cfg)
	for _, want := range []string{"version: 2", `macaddress: "52:54:00:aa:bb:cc"`, "- 172.30.5.10/24", "gateway4: 172.30.5.1", "addresses: [172.30.5.2, 8.8.8.8]"} {
		if !strings.Contains(nc, want) {
			t.Errorf("network-config lacks %q:\n%s", want, nc)
		}
	}
	dir := t.TempDir()
	files := map[string]string{"meta-data": "instance-id: vm1\nlocal-hostname: web\n", "user-data": userData(cfg), "network-config": nc}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("awk", "-f", "../../scripts/guest/kumo-seed",
		filepath.Join(dir, "meta-data"), filepath.Join(dir, "user-data"), filepath.Join(dir, "network-config")).CombinedOutput()
	if err != nil {
		t.Fatalf("kumo-seed: %v: %s", err, out)
	}
	for _, want := range []string{"iid='vm1'", "name='web'", "net_address='172.30.5.10/24'", "net_gateway='172.30.5.1'", "net_dns='172.30.5.2 8.8.8.8'"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kumo-seed output lacks %s:\n%s", want, out)
		}
	}
	if ud := userData(cfg); !strings.HasPrefix(ud, "#cloud-config\nhostname: web\n") || strings.Contains(ud, "password") {
		t.Errorf("user-data without cloud-init settings:\n%s", ud)
	}
}

func TestStoragePoolDiskLink(t *testing.T) {
	a := &Agent{vmDir: t.TempDir()}
	pool := t.TempDir()
	cfg := hostlink.VMConfig{ID: "vm1", StorageDir: pool}
	if err := os.MkdirAll(a.dir("vm1"), 0o700); err != nil {
		t.Fatal(err)
	}
	disk, err := a.linkStorage(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if disk != filepath.Join(pool, "vm1", "root.qcow2") {
		t.Fatalf("disk at %s", disk)
	}
	if err := os.WriteFile(disk, []byte("qcow2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(a.rootDisk("vm1")); err != nil || string(b) != "qcow2" {
		t.Fatalf("root disk path does not lead to the pool's file: %q %v", b, err)
	}
	if err := a.removeStorage("vm1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(pool, "vm1")); !os.IsNotExist(err) {
		t.Fatalf("the VM's directory in the pool survived: %v", err)
	}
	if _, err := a.linkStorage(hostlink.VMConfig{ID: "vm2", StorageDir: "relative"}); err == nil {
		t.Fatal("a relative storage directory was accepted")
	}
	// A VM whose disk is in its own directory has nothing elsewhere.
	if err := a.removeStorage("vm3"); err != nil {
		t.Fatal(err)
	}
}
