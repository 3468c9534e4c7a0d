package e2e

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/cli"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// kumoCLI runs the kumo command line in-process and returns its exit
// code, stdout and stderr.
func kumoCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestCLI drives a VM's life through the kumo command line.
func TestCLI(t *testing.T) {
	dir := guestDir(t)
	k := startKumo(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("KUMO_PASSWORD", adminPassword)
	server := k.c.BaseURL

	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errOut := kumoCLI(t, args...)
		if code != 0 {
			t.Fatalf("kumo %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	mustRun("login", "--server", server, "--user", "admin")

	var img api.Image
	code, out, errOut := kumoCLI(t, "image", "upload", filepath.Join(dir, "kumo-test-guest.qcow2"), "--name", "guest")
	if code != 0 || !strings.Contains(errOut, "upload 50%") || !strings.Contains(errOut, "upload 100%") {
		t.Fatalf("image upload: exit %d, progress %q, out %q", code, errOut, out)
	}
	if err := json.Unmarshal([]byte(mustRun("image", "show", "guest", "-o", "json")), &img); err != nil {
		t.Fatal(err)
	}
	if img.Name != "guest" || img.Format != "qcow2" {
		t.Fatalf("uploaded image: %+v", img)
	}
	if out := mustRun("image", "list"); !strings.Contains(out, "guest") || !strings.Contains(out, "qcow2") {
		t.Fatalf("image list:\n%s", out)
	}

	code, out, errOut = kumoCLI(t, "vm", "create", "web", "--image", "guest", "--memory", "128M", "--start")
	if code != 0 {
		t.Fatalf("vm create: %d %s %s", code, out, errOut)
	}
	// stderr is not a terminal here: a plain line per step, no bar.
	if !strings.Contains(errOut, "vm.create succeeded 100%\n") || strings.Contains(errOut, "\r") {
		t.Errorf("progress on stderr is not a line per step: %q", errOut)
	}
	if !strings.Contains(out, "web") || !strings.Contains(out, "running") {
		t.Fatalf("vm create output:\n%s", out)
	}

	var vms []api.VM
	if err := json.Unmarshal([]byte(mustRun("vm", "list", "-o", "json")), &vms); err != nil || len(vms) != 1 || vms[0].Status != "running" {
		t.Fatalf("vm list -o json: %+v %v", vms, err)
	}
	k.waitSerial(vms[0], "KUMO-GUEST-READY", 1)
	// The serial console from a script: a command in, its answer out.
	var conOut, conErr bytes.Buffer
	if code := cli.ExecuteWithInput([]string{"vm", "console", "web", "--linger", "5s"},
		strings.NewReader("echo KUMO-CLI-$((20+22))-END\n"), &conOut, &conErr); code != 0 || !strings.Contains(conOut.String(), "KUMO-CLI-42-END") {
		t.Fatalf("vm console: exit %d, out %q, err %q", code, lastBytes(conOut.String(), 300), conErr.String())
	}
	if out := mustRun("vm", "show", "web"); !strings.Contains(out, "Memory:") || !strings.Contains(out, "128 MiB") ||
		!regexp.MustCompile(`Image:\s+guest\n`).MatchString(out) || !regexp.MustCompile(`Pool:\s+default\n`).MatchString(out) {
		t.Fatalf("vm show (names, not ids):\n%s", out)
	}
	// Shell completion asks the server for names.
	if out := mustRun("__complete", "vm", "start", "w"); !strings.HasPrefix(out, "web\n") {
		t.Errorf("completion of VM names:\n%s", out)
	}
	if out := mustRun("__complete", "vm", "create", "x", "--image", "g"); !strings.HasPrefix(out, "guest\n") {
		t.Errorf("completion of --image:\n%s", out)
	}
	if out := mustRun("vm", "list", "-o", "yaml"); !strings.Contains(out, "- accel:") || !strings.Contains(out, "  name: web\n") ||
		!strings.Contains(out, "  image_name: guest\n") {
		t.Fatalf("vm list -o yaml:\n%s", out)
	}
	mustRun("vm", "stop", "web")
	if k.qemuPID(vms[0]) != 0 {
		t.Fatal("QEMU still running after kumo vm stop")
	}
	if out := mustRun("host", "list"); !strings.Contains(out, "online") {
		t.Fatalf("host list:\n%s", out)
	}
	var tasks []api.Task
	if err := json.Unmarshal([]byte(mustRun("task", "list", "-o", "json")), &tasks); err != nil || len(tasks) < 2 {
		t.Fatalf("task list: %d tasks, %v", len(tasks), err)
	}
	// A stopped VM's devices.
	if out := mustRun("vm", "disk", "add", "web", "--size", "64M", "--mount-dir", "/data"); !strings.Contains(out, "vdb") || !strings.Contains(out, "64.0 MiB") {
		t.Fatalf("vm disk add:\n%s", out)
	}
	mustRun("vm", "disk", "resize", "web", "vdb", "--size", "96M")
	var disks []api.Disk
	if err := json.Unmarshal([]byte(mustRun("vm", "disk", "list", "web", "-o", "json")), &disks); err != nil || len(disks) != 2 || disks[1].SizeBytes != 96<<20 {
		t.Fatalf("vm disk list -o json: %+v %v", disks, err)
	}
	mustRun("vm", "disk", "remove", "web", "vdb")
	mustRun("vm", "port-forward", "add", "web", "5353/udp", "53")
	if out := mustRun("vm", "port-forward", "list", "web"); !strings.Contains(out, "udp") || !strings.Contains(out, "5353") {
		t.Fatalf("vm port-forward list:\n%s", out)
	}
	mustRun("vm", "port-forward", "remove", "web", "5353/udp")
	mustRun("vm", "snapshot", "create", "web", "snap1", "--description", "from the CLI")
	if out := mustRun("vm", "snapshot", "list", "web"); !strings.Contains(out, "snap1") || !strings.Contains(out, "from the CLI") {
		t.Fatalf("vm snapshot list:\n%s", out)
	}
	mustRun("vm", "snapshot", "revert", "web", "snap1")
	mustRun("vm", "snapshot", "delete", "web", "snap1")
	if out := mustRun("vm", "nic", "list", "web"); !strings.Contains(out, "nat") || !strings.Contains(out, "10.0.2.15") {
		t.Fatalf("vm nic list:\n%s", out)
	}
	if code, _, errOut := kumoCLI(t, "vm", "cdrom", "show", "web"); code == 0 || !strings.Contains(errOut, "not running") {
		t.Fatalf("cdrom of a stopped VM: exit %d, %q", code, errOut)
	}
	mustRun("vm", "delete", "web")

	code, _, errOut = kumoCLI(t, "vm", "show", "web")
	if code == 0 || !strings.Contains(errOut, "not found") {
		t.Fatalf("show of a deleted VM: exit %d, %q", code, errOut)
	}
	code, _, errOut = kumoCLI(t, "vm", "create", "x", "--image", "guest", "--memory", "lots")
	if code == 0 || !strings.Contains(errOut, "--memory") {
		t.Fatalf("bad --memory: exit %d, %q", code, errOut)
	}
	mustRun("logout")
	if code, _, errOut = kumoCLI(t, "vm", "list"); code == 0 || !strings.Contains(errOut, "unauthenticated") {
		t.Fatalf("vm list after logout: exit %d, %q", code, errOut)
	}
}
