package e2e

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/ipmi/ipmitest"
)

// TestDBCBareMetal adds a machine whose BMC is OpenIPMI's simulator,
// powers it on and off, sets its boot device, and deletes it.
func TestDBCBareMetal(t *testing.T) {
	sim := ipmitest.Start(t, "admin", "dbtu2017")
	k := startKumo(t)
	d := k.dbc(t)
	node := dbcNode(t, d)
	d.login(node)

	machine := map[string]string{"uuid": "3156995b-da18-4268-9734-f8d168e90a7d", "ip": "175.221.204.110", "os": "Ubuntu 20.04",
		"desc": "simulated", "ipmi_hostname": sim.Addr, "ipmi_username": "admin", "ipmi_password": "wrong-pass"}
	if r := d.call("/bare_metal/add", []string{node}, map[string]any{"bare_metal_nodes": []any{machine}}); r.Status != 503 {
		t.Errorf("add with a wrong IPMI password: HTTP %d %s, want 503", r.Status, r.text())
	}
	machine["ipmi_password"] = "dbtu2017"
	var added []struct {
		NodeID      string `json:"node_id"`
		PowerStatus string `json:"power_status"`
	}
	d.must("/bare_metal/add", []string{node}, map[string]any{"bare_metal_nodes": []any{machine}}, &added)
	if len(added) != 1 || len(added[0].NodeID) != 64 || added[0].PowerStatus != "off" {
		t.Fatalf("added: %+v", added)
	}
	id := added[0].NodeID
	if r := d.call("/bare_metal/add", []string{node}, map[string]any{"bare_metal_nodes": []any{machine}}); r.Status != 409 {
		t.Errorf("adding a machine twice: HTTP %d %s", r.Status, r.text())
	}
	var list []struct {
		NodeID string `json:"node_id"`
		UUID   string `json:"uuid"`
	}
	d.must("/bare_metal", []string{node}, map[string]any{}, &list)
	if len(list) != 1 || list[0].NodeID != id || list[0].UUID != machine["uuid"] {
		t.Errorf("list: %+v", list)
	}

	var power struct {
		PowerStatus string `json:"power_status"`
	}
	for _, c := range []struct{ command, status, machine string }{
		{"on", "on", "1"}, {"status", "on", "1"}, {"reset", "on", "1"}, {"off", "off", "0"},
	} {
		d.must("/bare_metal/power", []string{id}, map[string]string{"command": c.command}, &power)
		if power.PowerStatus != c.status || sim.Power() != c.machine {
			t.Errorf("power %s: status %s (want %s), machine power %s (want %s)", c.command, power.PowerStatus, c.status, sim.Power(), c.machine)
		}
	}
	if !sim.Reset() {
		t.Error("reset did not reach the machine")
	}
	if r := d.call("/bare_metal/power", []string{id}, map[string]string{"command": "explode"}); r.Status != 400 {
		t.Errorf("unknown power command: HTTP %d", r.Status)
	}
	d.must("/bare_metal/bootdev", []string{id}, map[string]string{"device": "pxe"}, nil)
	if sim.Boot() != "pxe" {
		t.Errorf("machine boots from %s, want pxe", sim.Boot())
	}
	d.must("/bare_metal/bootdev", []string{id}, map[string]string{"device": "cdrom"}, nil)
	if sim.Boot() != "cdrom" {
		t.Errorf("machine boots from %s, want cdrom", sim.Boot())
	}

	// The IPMI password is kept encrypted, and still opens the BMC after
	// a restart of the control plane.
	noSecretInDatabase(t, k, "dbtu2017")
	k.restart()
	d.base = "http://" + k.srv.DBCAddr() + "/api/v1"
	d.login(node)
	d.must("/bare_metal/power", []string{id}, map[string]string{"command": "status"}, &power)
	if power.PowerStatus != "off" {
		t.Errorf("power status after a restart: %s, want off", power.PowerStatus)
	}

	other := k.dbc(t)
	other.login(node)
	if r := other.call("/bare_metal/power", []string{id}, map[string]string{"command": "on"}); r.Status != 404 {
		t.Errorf("another wallet's machine: HTTP %d", r.Status)
	}
	if sim.Power() != "0" {
		t.Error("another wallet powered the machine on")
	}
	d.must("/bare_metal/delete", []string{node}, map[string]any{"bare_metal_node_ids": []string{id}}, nil)
	d.must("/bare_metal", []string{node}, map[string]any{}, &list)
	if len(list) != 0 {
		t.Errorf("list after delete: %+v", list)
	}
}
