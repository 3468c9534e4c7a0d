package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

type batchLine struct {
	Name, ID, Status, Error string
	Progress                int
}

// waitBatch polls a batch until it answers 200 (all done), checking that
// it answers 202 only while some guest is pending.
func waitBatch(t *testing.T, n *nanoClient, path string) []batchLine {
	t.Helper()
	var lines []batchLine
	eventually(t, 90*time.Second, "batch "+path, func() (bool, string) {
		r := n.call("GET", path, nil)
		lines = nil
		if err := json.Unmarshal(r.Data, &lines); err != nil {
			t.Fatalf("batch status %s: %v", r.Data, err)
		}
		pending := false
		for _, l := range lines {
			pending = pending || strings.HasSuffix(l.Status, "ing")
		}
		if (r.Status == 202) != pending || (r.Status != 200 && r.Status != 202) {
			t.Fatalf("batch status HTTP %d with lines %+v", r.Status, lines)
		}
		return r.Status == 200, string(r.Data)
	})
	return lines
}

// TestNanoBatch creates three real guests in one batch, stops two of
// them through their guests' ACPI power button, and deletes all three.
func TestNanoBatch(t *testing.T) {
	k := startKumo(t)
	img := k.uploadGuest("guest")
	n := k.nano(t)
	n.login()

	if r := n.call("POST", "/batch/create_guest/", map[string]any{"name_prefix": "b", "count": 0, "from_image": img.ID}); r.Status != 400 {
		t.Fatalf("count 0: HTTP %d", r.Status)
	}
	if r := n.call("GET", "/batch/create_guest/no-such-batch", nil); r.Status != 404 {
		t.Fatalf("unknown batch: HTTP %d", r.Status)
	}
	var b struct{ ID string }
	n.must(202, "POST", "/batch/create_guest/", map[string]any{
		"name_rule": "order", "name_prefix": "batch", "count": 3, "pool": "default", "cores": 1,
		"memory": 128 << 20, "from_image": img.ID, "modules": []string{"qemu"},
	}, &b)
	created := waitBatch(t, n, "/batch/create_guest/"+b.ID)
	if len(created) != 3 {
		t.Fatalf("batch create: %+v", created)
	}
	for i, l := range created {
		if l.Status != "created" || l.Name != "batch_"+itoa(i+1) || l.ID == "" {
			t.Fatalf("batch create line %d: %+v", i, l)
		}
	}
	// A name taken already fails that guest only.
	n.must(202, "POST", "/batch/create_guest/", map[string]any{
		"name_prefix": "batch", "count": 1, "memory": 128 << 20, "from_image": img.ID,
	}, &b)
	if dup := waitBatch(t, n, "/batch/create_guest/"+b.ID); len(dup) != 1 || dup[0].Status != "fail" || dup[0].Error == "" {
		t.Fatalf("batch create of a taken name: %+v", dup)
	}

	for _, l := range created[:2] {
		n.must(200, "POST", "/instances/"+l.ID, map[string]any{}, nil)
		k.waitSerial(api.VM{ID: l.ID}, "KUMO-GUEST-READY", 1)
	}
	n.must(202, "POST", "/batch/stop_guest/", map[string]any{"guest": []string{created[0].ID, created[1].ID, "no-such-guest"}, "force": false}, &b)
	stopped := waitBatch(t, n, "/batch/stop_guest/"+b.ID)
	if len(stopped) != 3 || stopped[0].Status != "stopped" || stopped[1].Status != "stopped" || stopped[2].Status != "fail" {
		t.Fatalf("batch stop: %+v", stopped)
	}
	for _, l := range created[:2] {
		vm := api.VM{ID: l.ID}
		if !strings.Contains(k.serial(vm), "KUMO-GUEST-POWEROFF") || k.qemuPID(vm) != 0 {
			t.Errorf("guest %s was not stopped through its power button", l.Name)
		}
	}

	ids := []string{created[0].ID, created[1].ID, created[2].ID}
	n.must(202, "POST", "/batch/delete_guest/", map[string]any{"guest": ids, "force": false}, &b)
	for _, l := range waitBatch(t, n, "/batch/delete_guest/"+b.ID) {
		if l.Status != "deleted" {
			t.Errorf("batch delete: %+v", l)
		}
	}
	for _, id := range ids {
		if r := n.call("GET", "/guests/"+id, nil); r.Status != 404 {
			t.Errorf("guest %s after batch delete: HTTP %d", id, r.Status)
		}
	}
}
