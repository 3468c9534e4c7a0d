package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/guestagent"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// guestExec runs a shell command in a guest through its qemu-guest-agent,
// as a user logged in to it would, and returns its exit code and output.
func (k *kumo) guestExec(vm api.VM, script string) (int, string) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ga, err := guestagent.Dial(ctx, filepath.Join(k.vmDir(vm), "qga.sock"))
	if err != nil {
		k.t.Fatalf("guest agent of %s: %v", vm.ID, err)
	}
	defer ga.Close()
	var started struct{ PID int }
	if err := ga.Execute(ctx, "guest-exec", map[string]any{"path": "/bin/sh", "arg": []string{"-c", script}, "capture-output": true}, &started); err != nil {
		k.t.Fatalf("guest-exec in %s: %v", vm.ID, err)
	}
	for {
		var st struct {
			Exited   bool
			ExitCode int    `json:"exitcode"`
			Out      string `json:"out-data"`
			Err      string `json:"err-data"`
		}
		if err := ga.Execute(ctx, "guest-exec-status", map[string]int{"pid": started.PID}, &st); err != nil {
			k.t.Fatalf("guest-exec-status in %s: %v", vm.ID, err)
		}
		if st.Exited {
			out, _ := base64.StdEncoding.DecodeString(st.Out)
			errOut, _ := base64.StdEncoding.DecodeString(st.Err)
			return st.ExitCode, string(out) + string(errOut)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDBCLAN puts two guests on one LAN and a third on another LAN of
// the same addresses: the first two reach each other's web server over
// the LAN, the third reaches neither.
func TestDBCLAN(t *testing.T) {
	k := startKumo(t)
	k.uploadPublicGuest("guest")
	d := k.dbc(t)
	node := dbcNode(t, d)
	d.login(node)

	for _, name := range []string{"lanred1", "lanblue2"} {
		var l struct {
			Name string `json:"network_name"`
			CIDR string `json:"ip_cidr"`
		}
		d.must("/lan/create", []string{node}, map[string]string{"network_name": name, "ip_cidr": "192.168.66.0/24"}, &l)
		if l.Name != name || l.CIDR != "192.168.66.0/24" {
			t.Errorf("created network: %+v", l)
		}
	}
	if r := d.call("/lan/create", []string{node}, map[string]string{"network_name": "lanred1", "ip_cidr": "10.0.0.0/24"}); r.Status != 409 {
		t.Errorf("second network of a name: HTTP %d %s", r.Status, r.text())
	}
	other := k.dbc(t)
	other.login(node)
	if r := other.call("/tasks/start", []string{node}, map[string]any{"image_name": "guest", "cpu_cores": 1, "mem_size": 0.25, "network_name": "lanred1"}); r.Status != 404 {
		t.Errorf("another wallet's network: HTTP %d %s", r.Status, r.text())
	}

	type member struct {
		vm  api.VM
		lan string
		ip  string
	}
	var vms []member
	for _, lan := range []string{"lanred1", "lanred1", "lanblue2"} {
		var created struct {
			TaskID string `json:"task_id"`
			LANIP  string `json:"lan_ip"`
			Net    string `json:"network_name"`
		}
		create := map[string]any{"image_name": "guest", "cpu_cores": "1", "mem_size": "0.25", "network_name": lan}
		if lan == "lanred1" {
			// The red guests share a multicast segment too, a third NIC.
			create["multicast"] = []string{"230.0.0.1:5558"}
		}
		d.must("/tasks/start", []string{node}, create, &created)
		if created.Net != lan || !strings.HasPrefix(created.LANIP, "192.168.66.") {
			t.Fatalf("task on %s: %+v", lan, created)
		}
		vms = append(vms, member{api.VM{ID: created.TaskID}, lan, created.LANIP})
	}
	// Addresses are per LAN: the first of each is .2.
	if vms[0].ip != "192.168.66.2/24" || vms[1].ip != "192.168.66.3/24" || vms[2].ip != "192.168.66.2/24" {
		t.Errorf("LAN addresses: %s %s %s", vms[0].ip, vms[1].ip, vms[2].ip)
	}
	for _, m := range vms {
		k.waitSerial(m.vm, "KUMO-GUEST-READY", 1)
		if code, out := k.guestExec(m.vm, "ip addr add "+m.ip+" dev eth1 && ip link set eth1 up"); code != 0 {
			t.Fatalf("configure eth1 of %s: exit %d: %s", m.vm.ID, code, out)
		}
	}
	// The guest's static busybox wget crashes; nc speaks HTTP well enough.
	fetch := `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 192.168.66.3 80`
	var page string
	eventually(t, 30*time.Second, "red guest reaches the other red guest", func() (bool, string) {
		_, out := k.guestExec(vms[0].vm, fetch)
		page = out
		return strings.Contains(out, "kumo-guest"), out
	})
	if !strings.Contains(page, vms[1].vm.ID) {
		t.Errorf("page over the LAN: %q, want the second guest's (%s)", page, vms[1].vm.ID)
	}
	// Over the multicast segment (eth2) the red guests reach each other.
	for i, m := range vms[:2] {
		if code, out := k.guestExec(m.vm, fmt.Sprintf("ip addr add 10.77.0.%d/24 dev eth2 && ip link set eth2 up", i+1)); code != 0 {
			t.Fatalf("configure eth2 of %s: exit %d: %s", m.vm.ID, code, out)
		}
	}
	eventually(t, 30*time.Second, "red guest pings the other over the multicast segment", func() (bool, string) {
		code, out := k.guestExec(vms[0].vm, "ping -c 1 -W 2 10.77.0.2")
		return code == 0, out
	})
	if _, out := k.guestExec(vms[2].vm, fetch); strings.Contains(out, "kumo-guest") {
		t.Errorf("blue guest reached a red guest: %q", out)
	}
	if code, out := k.guestExec(vms[2].vm, "ping -c 1 -W 2 192.168.66.3"); code == 0 {
		t.Errorf("blue guest pings a red guest: %q", out)
	}

	if r := d.call("/lan/delete/lanblue2", []string{node}, map[string]any{}); r.Status != 409 {
		t.Errorf("deleting a network in use: HTTP %d %s", r.Status, r.text())
	}
	if r := other.call("/lan/delete/lanblue2", []string{node}, map[string]any{}); r.Status != 404 {
		t.Errorf("deleting another wallet's network: HTTP %d %s", r.Status, r.text())
	}
	var op struct {
		OperationID string `json:"operation_id"`
	}
	d.must("/tasks/delete/"+vms[2].vm.ID, []string{node}, map[string]any{}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	d.must("/lan/delete/lanblue2", []string{node}, map[string]any{}, nil)
	if r := d.call("/lan/delete/lanblue2", []string{node}, map[string]any{}); r.Status != 404 {
		t.Errorf("deleted network: HTTP %d", r.Status)
	}
}
