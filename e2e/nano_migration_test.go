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

// TestNanoMigration live-migrates a running guest between two agents on
// this machine: the guest keeps running and its tick counter goes on.
func TestNanoMigration(t *testing.T) {
	k := startKumo(t)
	k.waitHosts(1)
	second := newExtraAgent(t, k, "cell-2").dir
	hosts := k.waitHosts(2)
	dataDirOf := map[string]string{}
	for _, h := range hosts {
		dataDirOf[h.Name] = k.dataDir
		if h.Name == "cell-2" {
			dataDirOf[h.Name] = second
		}
	}
	img := k.uploadGuest("guest")
	n := k.nano(t)
	n.login()
	var g struct{ ID string }
	n.must(202, "POST", "/guests/", map[string]any{"name": "traveller", "memory": 128 << 20, "from_image": img.ID,
		"modules": []string{"cloud-init"}, "cloud_init": map[string]any{"admin_secret": "pw-123456"}}, &g)
	eventually(t, 60*time.Second, "guest created", func() (bool, string) {
		r := n.call("GET", "/guests/"+g.ID, nil)
		return r.Status == 200, string(r.Data)
	})
	n.must(200, "POST", "/instances/"+g.ID, map[string]any{}, nil)
	var before struct{ Cell string }
	n.must(200, "GET", "/guests/"+g.ID, nil, &before)
	target := ""
	for name := range dataDirOf {
		if name != before.Cell {
			target = name
		}
	}
	serialOn := func(cell string) string {
		b, _ := os.ReadFile(filepath.Join(dataDirOf[cell], "vms", g.ID, "serial.log"))
		return string(b)
	}
	eventually(t, 90*time.Second, "guest ticking", func() (bool, string) {
		return ticks(serialOn(before.Cell)) >= 2, lastLine(serialOn(before.Cell))
	})

	for _, tc := range []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"source_pool": "default", "source_cell": before.Cell, "target_cell": before.Cell, "instances": []string{g.ID}}, 400},
		{map[string]any{"source_pool": "default", "source_cell": before.Cell, "instances": []string{"no-such-guest"}}, 404},
		{map[string]any{"source_pool": "default", "source_cell": "no-such-cell"}, 404},
		{map[string]any{"source_pool": "default", "source_cell": before.Cell, "target_pool": "elsewhere"}, 501},
		{map[string]any{"source_pool": "default", "source_cell": target, "instances": []string{g.ID}}, 400},
	} {
		if r := n.call("POST", "/migrations/", tc.body); r.Status != tc.want {
			t.Errorf("migration %v: HTTP %d (%s), want %d", tc.body, r.Status, r.Message, tc.want)
		}
	}

	ticksBefore := ticks(serialOn(before.Cell))
	var started []struct{ ID string }
	n.must(202, "POST", "/migrations/", map[string]any{"source_pool": "default", "source_cell": before.Cell,
		"target_cell": target, "instances": []string{g.ID}}, &started)
	if len(started) != 1 || started[0].ID == "" {
		t.Fatalf("migration reply: %+v", started)
	}
	// GET /migrations/ lists the migrations in progress ("处理中"): this
	// one now (starting a QEMU on the target takes seconds), none once
	// it is over.
	var list []struct {
		ID       string
		Finished bool
	}
	n.must(200, "GET", "/migrations/", nil, &list)
	if len(list) != 1 || list[0].ID != started[0].ID || list[0].Finished {
		t.Errorf("migrations in progress: %+v", list)
	}
	var st struct {
		Finished bool
		Progress int
		Error    string
	}
	eventually(t, 120*time.Second, "migration finished", func() (bool, string) {
		r := n.call("GET", "/migrations/"+started[0].ID, nil)
		st.Finished, st.Error = false, ""
		if err := json.Unmarshal(r.Data, &st); err != nil {
			t.Fatal(err)
		}
		if (r.Status == 200) != st.Finished || (r.Status != 200 && r.Status != 201) {
			t.Fatalf("migration status HTTP %d: %+v", r.Status, st)
		}
		return st.Finished, string(r.Data)
	})
	if st.Error != "" {
		t.Fatalf("migration failed: %s", st.Error)
	}
	var after struct {
		Cell    string
		Running bool
	}
	n.must(200, "GET", "/guests/"+g.ID, nil, &after)
	if after.Cell != target || !after.Running {
		t.Fatalf("after migration the guest is %+v, want running on %s", after, target)
	}
	if _, err := os.Stat(filepath.Join(dataDirOf[before.Cell], "vms", g.ID)); !os.IsNotExist(err) {
		t.Errorf("the source cell still has the guest's files: %v", err)
	}
	eventually(t, 30*time.Second, "guest ticking on the target", func() (bool, string) {
		return ticks(serialOn(target)) > 0, lastLine(serialOn(target))
	})
	// The target's serial log starts at the migration: its first tick
	// must follow the ticks seen on the source, not start again at 1.
	out := serialOn(target)
	first := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "KUMO-GUEST-TICK ") {
			first = ticks(line)
			break
		}
	}
	if first <= ticksBefore || strings.Contains(out, "KUMO-GUEST-BOOTED") {
		t.Errorf("first tick on the target %d, %d seen on the source before; target log:\n%s", first, ticksBefore, out)
	}
	n.must(200, "GET", "/migrations/", nil, &list)
	if len(list) != 0 {
		t.Errorf("migrations in progress after it finished: %+v", list)
	}

	// And back through the native API, to the one other host.
	k.mustTask(mustMigrate(t, k, g.ID))
	n.must(200, "GET", "/guests/"+g.ID, nil, &after)
	if after.Cell != before.Cell || !after.Running {
		t.Fatalf("after migrating back the guest is %+v, want running on %s", after, before.Cell)
	}
	if _, err := k.c.MigrateVM(ctxT(t), g.ID, api.VMMigratePost{Host: before.Cell}); err == nil {
		t.Error("migrating a VM to the host it is on was accepted")
	}
	// The guest is managed on its new cell like any other.
	n.must(200, "DELETE", "/instances/"+g.ID, map[string]bool{"force": true}, nil)
	k.waitStatus(api.VM{ID: g.ID, Name: "traveller"}, "stopped")
	n.must(200, "DELETE", "/guests/"+g.ID, map[string]bool{"force": false}, nil)
	if _, err := os.Stat(filepath.Join(dataDirOf[before.Cell], "vms", g.ID)); !os.IsNotExist(err) {
		t.Errorf("the cell still has the deleted guest's files: %v", err)
	}
}

func mustMigrate(t *testing.T, k *kumo, id string) api.Task {
	t.Helper()
	task, err := k.c.MigrateVM(ctxT(t), id, api.VMMigratePost{})
	if err != nil {
		t.Fatal(err)
	}
	return task
}
