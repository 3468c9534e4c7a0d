package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestPlatformCLI drives the platform's nouns through the kumo command
// line: tables show names, -o json gives the API objects, refusals exit
// non-zero with the server's reason.
func TestPlatformCLI(t *testing.T) {
	k := startKumo(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("KUMO_PASSWORD", adminPassword)
	run := func(args ...string) string {
		t.Helper()
		code, out, errOut := kumoCLI(t, args...)
		if code != 0 {
			t.Fatalf("kumo %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	fails := func(want string, args ...string) {
		t.Helper()
		code, out, errOut := kumoCLI(t, args...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("kumo %s: exit %d, want a failure saying %q\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
	}
	run("login", "--server", k.c.BaseURL, "--user", "admin")
	hosts := k.waitHosts(1)

	run("network", "create", "clinet1", "--cidr", "192.168.90.0/24", "--host", hosts[0].Name, "--display-name", "CLI net")
	if out := run("network", "list"); !strings.Contains(out, "clinet1") || !strings.Contains(out, hosts[0].Name) || !strings.Contains(out, "CLI net") {
		t.Errorf("network list:\n%s", out)
	}
	var n api.Network
	if err := json.Unmarshal([]byte(run("network", "set", "clinet1", "--vlan", "12", "-o", "json")), &n); err != nil || n.VlanID != 12 {
		t.Errorf("network set: %+v %v", n, err)
	}
	fails("already", "network", "create", "clinet1", "--cidr", "192.168.91.0/24", "--host", hosts[0].Name)
	run("network", "delete", "clinet1")
	fails("not found", "network", "show", "clinet1")

	run("address-pool", "create", "cliap", "--gateway", "10.60.0.1", "--dns", "10.60.0.1")
	run("address-pool", "range", "add", "cliap", "10.60.0.10", "10.60.0.19")
	if out := run("address-pool", "show", "cliap"); !strings.Contains(out, "10 addresses") || !strings.Contains(out, "10.60.0.19") {
		t.Errorf("address-pool show:\n%s", out)
	}
	run("address-pool", "range", "remove", "cliap", "10.60.0.10")
	run("address-pool", "delete", "cliap")

	run("storage-pool", "create", "clisp")
	if out := run("storage-pool", "list"); !strings.Contains(out, "clisp") || !strings.Contains(out, "data directory") {
		t.Errorf("storage-pool list:\n%s", out)
	}
	fails("system directory", "storage-pool", "set", "clisp", "--target", "/etc/x")
	run("storage-pool", "delete", "clisp")

	run("template", "create", "clitpl", "--disk-bus", "sata")
	var tp api.Template
	if err := json.Unmarshal([]byte(run("template", "set", "clitpl", "--nic-model", "e1000", "-o", "json")), &tp); err != nil ||
		tp.DiskBus != "sata" || tp.NetworkModel != "e1000" {
		t.Errorf("template set keeps what it is not told: %+v %v", tp, err)
	}
	run("template", "delete", "clitpl")

	run("security-group", "create", "clisg", "--default-action", "reject")
	run("security-group", "rule", "add", "clisg", "--action", "reject", "--protocol", "tcp", "--port", "22")
	if out := run("security-group", "show", "clisg"); !strings.Contains(out, "clisg") || !strings.Contains(out, "tcp") || !strings.Contains(out, "22") {
		t.Errorf("security-group show:\n%s", out)
	}
	fails("rule 3 not found", "security-group", "rule", "remove", "clisg", "3")
	run("security-group", "delete", "clisg")

	img := k.uploadGuest("guest")
	k.createVM(api.VMsPost{Name: "cli-vm", Image: img.ID, MemoryMiB: 128})
	run("vm", "security-policy", "rule", "add", "cli-vm", "--action", "reject", "--protocol", "udp")
	if out := run("vm", "security-policy", "show", "cli-vm"); !strings.Contains(out, "Default action: reject") || !strings.Contains(out, "udp") {
		t.Errorf("vm security-policy show:\n%s", out)
	}
	fails("cannot be enforced", "vm", "security-policy", "default", "cli-vm", "accept")

	run("role", "create", "clirole", "--allow", "vm:read,vm:start")
	run("group", "create", "cligroup", "--role", "clirole")
	run("user", "create", "cliuser", "--password", "cliuser-passw0rd", "--group", "cligroup", "--mail", "cli@example.com")
	if out := run("user", "show", "cliuser"); !strings.Contains(out, "cligroup") || !strings.Contains(out, "cli@example.com") {
		t.Errorf("user show:\n%s", out)
	}
	if out := run("group", "show", "cligroup"); !strings.Contains(out, "clirole") || !strings.Contains(out, "cliuser") {
		t.Errorf("group show:\n%s", out)
	}
	if out := run("role", "list"); !strings.Contains(out, "allow vm:read,vm:start") {
		t.Errorf("role list:\n%s", out)
	}
	run("user", "passwd", "cliuser", "--password", "cliuser-passw0rd-2")
	fails("still has 1 members", "group", "delete", "cligroup")
	run("group", "member", "remove", "cligroup", "cliuser")
	run("group", "delete", "cligroup")
	run("role", "delete", "clirole")
	run("user", "delete", "cliuser")
	fails("not found", "user", "show", "cliuser")
}
