package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// These tests speak plain HTTP, making the calls the CloudTower Go SDK
// makes: POST /v2/api/<op> with a JSON body and `Authorization: <token>`,
// expecting only HTTP 200, 400, 404 or 500; so they see what the SDK
// hides (raw bodies, bad input it would not send). cloudtower_sdk_test.go
// drives the same API with the SDK itself
// (github.com/smartxworks/cloudtower-go-sdk/v2, a test-only dependency).

func withCloudTower(c *server.Config) { c.CloudTowerListen = "127.0.0.1:0" }

type towerClient struct {
	t     *testing.T
	base  string
	token string
}

func (k *kumo) tower(t *testing.T) *towerClient {
	addr := k.srv.CloudTowerAddr()
	if addr == "" {
		t.Fatal("the CloudTower API is off: start Kumo withCloudTower")
	}
	return &towerClient{t: t, base: "http://" + addr}
}

// towerError is the SDK's ErrorBody.
type towerError struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	OperationName string `json:"operationName"`
}

// send posts a raw body to /v2/api/<op> (or to path if it starts with a
// slash) and checks what every reply must be: one of the SDK's four
// statuses, JSON, and an ErrorBody with a code and message on failure.
func (c *towerClient) send(op string, body []byte) (int, []byte) {
	c.t.Helper()
	path := op
	if !strings.HasPrefix(op, "/") {
		path = "/v2/api/" + op
	}
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case 200, 400, 404, 500:
	default:
		c.t.Fatalf("%s: HTTP %d, which the SDK does not accept: %s", op, resp.StatusCode, raw)
	}
	if !json.Valid(raw) {
		c.t.Fatalf("%s: HTTP %d with a reply that is not JSON: %s", op, resp.StatusCode, raw)
	}
	if resp.StatusCode != 200 {
		var e towerError
		if json.Unmarshal(raw, &e) != nil || e.Code == "" || e.Message == "" {
			c.t.Fatalf("%s: HTTP %d without an ErrorBody: %s", op, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, raw
}

func (c *towerClient) call(op string, body any) (int, []byte) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	return c.send(op, b)
}

// must calls op and fails unless it answers 200; the reply goes into out.
func (c *towerClient) must(op string, body, out any) {
	c.t.Helper()
	st, raw := c.call(op, body)
	if st != 200 {
		c.t.Fatalf("%s %s: HTTP %d: %s", op, mustJSON(body), st, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s: reply %s: %v", op, raw, err)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (c *towerClient) login() {
	c.t.Helper()
	var r struct {
		TaskID *string `json:"task_id"`
		Data   struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	c.must("login", map[string]string{"username": "admin", "password": adminPassword, "source": "LOCAL"}, &r)
	if r.Data.Token == "" {
		c.t.Fatal("login gave no token")
	}
	c.token = r.Data.Token
}

type towerTask struct {
	ID           string  `json:"id"`
	Status       string  `json:"status"`
	ErrorMessage *string `json:"error_message"`
	Progress     float64 `json:"progress"`
}

// withTaskReply is one element of a change's reply.
type withTaskReply struct {
	TaskID *string         `json:"task_id"`
	Data   json.RawMessage `json:"data"`
}

// waitTask polls /get-tasks until the task ends; it fails the test
// unless the task SUCCESSED.
func (c *towerClient) waitTask(id *string) towerTask {
	c.t.Helper()
	if id == nil || *id == "" {
		c.t.Fatal("no task_id to wait for")
	}
	var last towerTask
	eventually(c.t, 120*time.Second, "task "+*id, func() (bool, string) {
		var ts []towerTask
		c.must("get-tasks", map[string]any{"where": map[string]any{"id": *id}}, &ts)
		if len(ts) != 1 {
			c.t.Fatalf("get-tasks where id %s: %d tasks", *id, len(ts))
		}
		last = ts[0]
		switch last.Status {
		case "PENDING", "EXECUTING":
			return false, last.Status
		case "SUCCESSED", "FAILED":
			return true, last.Status
		}
		c.t.Fatalf("task %s has status %q", *id, last.Status)
		return false, ""
	})
	if last.Status != "SUCCESSED" {
		msg := "(no error_message)"
		if last.ErrorMessage != nil {
			msg = *last.ErrorMessage
		}
		c.t.Fatalf("task %s %s: %s", *id, last.Status, msg)
	}
	return last
}

// change calls a mutating operation that must select exactly one
// resource and returns its task id and data.
func (c *towerClient) change(op string, body any, data any) *string {
	c.t.Helper()
	var rs []withTaskReply
	c.must(op, body, &rs)
	if len(rs) != 1 {
		c.t.Fatalf("%s: %d results, want 1", op, len(rs))
	}
	if data != nil {
		if err := json.Unmarshal(rs[0].Data, data); err != nil {
			c.t.Fatal(err)
		}
	}
	return rs[0].TaskID
}

type towerVM struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Vcpu      int    `json:"vcpu"`
	Memory    int64  `json:"memory"`
	Host      *struct{ ID, Name string }
	Cluster   *struct{ ID, Name string }
	Snapshots []struct{ ID, Name string }
}

func (c *towerClient) vm(id string) (towerVM, bool) {
	c.t.Helper()
	var vms []towerVM
	c.must("get-vms", map[string]any{"where": map[string]any{"id": id}}, &vms)
	if len(vms) > 1 {
		c.t.Fatalf("get-vms where id: %d VMs", len(vms))
	}
	if len(vms) == 0 {
		return towerVM{}, false
	}
	return vms[0], true
}

func byID(id string) map[string]any { return map[string]any{"where": map[string]any{"id": id}} }

// TestCloudTowerLifecycle walks a CloudTower script's main path with the
// real test guest: log in, find the cluster and the template, create a
// VM, start it (the guest boots), snapshot it, migrate it live to a
// second agent, and delete it, following every task through /get-tasks.
func TestCloudTowerLifecycle(t *testing.T) {
	k := startKumo(t, withCloudTower)
	c := k.tower(t)

	if st, raw := c.call("get-vms", map[string]any{}); st != 400 || !strings.Contains(string(raw), "UNAUTHENTICATED") {
		t.Fatalf("without a token: HTTP %d %s, want 400 UNAUTHENTICATED", st, raw)
	}
	if st, _ := c.call("login", map[string]string{"username": "admin", "password": "wrong", "source": "LOCAL"}); st != 400 {
		t.Fatalf("wrong password: HTTP %d, want 400", st)
	}
	c.login()

	img := k.uploadGuest("guest")
	var templates []struct{ ID, Name string }
	c.must("get-vm-templates", map[string]any{"where": map[string]any{"name": "guest"}}, &templates)
	if len(templates) != 1 || templates[0].ID != img.ID {
		t.Fatalf("get-vm-templates where name guest: %+v, want image %s", templates, img.ID)
	}
	var clusters []struct {
		ID    string
		Hosts []struct{ ID, Name string }
	}
	c.must("get-clusters", map[string]any{"where": map[string]any{"name": "default"}}, &clusters)
	if len(clusters) != 1 || len(clusters[0].Hosts) != 1 {
		t.Fatalf("get-clusters: %+v", clusters)
	}
	clusterID := clusters[0].ID

	// Refused before anything is made: no half-created VM may remain.
	bad := []map[string]any{
		{"template_id": img.ID, "name": "tower-vm", "is_full_copy": false, "cluster_id": clusterID, "memory": 1000},
		{"template_id": "no-such-template", "name": "tower-vm", "is_full_copy": false},
	}
	for i, want := range []int{400, 404} {
		if st, raw := c.call("create-vm-from-template", []any{bad[i]}); st != want {
			t.Errorf("create %v: HTTP %d %s, want %d", bad[i], st, raw, want)
		}
	}
	var none []towerVM
	c.must("get-vms", map[string]any{}, &none)
	if len(none) != 0 {
		t.Fatalf("failed creates left VMs: %+v", none)
	}

	var created towerVM
	task := c.change("create-vm-from-template", []any{map[string]any{"template_id": img.ID, "name": "tower-vm",
		"is_full_copy": false, "cluster_id": clusterID, "vcpu": 1, "cpu_cores": 1, "cpu_sockets": 1,
		"memory": 128 << 20, "status": "STOPPED"}}, &created)
	if created.ID == "" || created.Name != "tower-vm" || created.Memory != 128<<20 {
		t.Fatalf("created: %+v", created)
	}
	c.waitTask(task)
	vm, _ := c.vm(created.ID)
	if vm.Status != "STOPPED" || vm.Cluster == nil || vm.Cluster.ID != clusterID {
		t.Fatalf("after create: %+v", vm)
	}

	c.waitTask(c.change("start-vm", byID(vm.ID), nil))
	k.waitSerial(api.VM{ID: vm.ID}, "KUMO-GUEST-READY", 1)
	vm, _ = c.vm(vm.ID)
	if vm.Status != "RUNNING" || vm.Host == nil {
		t.Fatalf("after start: %+v", vm)
	}
	if st, _ := c.call("resume-vm", byID(vm.ID)); st != 400 {
		t.Errorf("resume a running VM: HTTP %d, want 400", st)
	}

	var snap struct {
		ID   string
		Name string
		VM   struct{ ID string }
	}
	c.waitTask(c.change("create-vm-snapshot", map[string]any{"data": []any{map[string]any{"vm_id": vm.ID,
		"name": "before move", "consistent_type": "CRASH_CONSISTENT"}}}, &snap))
	var snaps []struct{ ID, Name string }
	c.must("get-vm-snapshots", map[string]any{"where": map[string]any{"vm": map[string]any{"id": vm.ID}}}, &snaps)
	if len(snaps) != 1 || snaps[0].ID != snap.ID || snaps[0].Name != "before move" {
		t.Fatalf("get-vm-snapshots: %+v, want %+v", snaps, snap)
	}
	vm, _ = c.vm(vm.ID)
	if len(vm.Snapshots) != 1 || vm.Snapshots[0].Name != "before move" {
		t.Fatalf("get-vms snapshots: %+v", vm.Snapshots)
	}

	// A second agent on this machine, in the same cluster.
	second := newExtraAgent(t, k, "tower-host-2").dir
	k.waitHosts(2)
	var targets []struct{ ID, Name string }
	c.must("get-hosts", map[string]any{"where": map[string]any{"cluster": map[string]any{"id": clusterID},
		"id_not": vm.Host.ID}}, &targets)
	if len(targets) != 1 || targets[0].Name != "tower-host-2" {
		t.Fatalf("get-hosts other than %s: %+v", vm.Host.Name, targets)
	}
	if st, _ := c.call("migrate-vm", map[string]any{"where": map[string]any{"id": vm.ID},
		"data": map[string]any{"host_id": "no-such-host"}}); st != 404 {
		t.Errorf("migrate to an unknown host: HTTP %d, want 404", st)
	}
	c.waitTask(c.change("migrate-vm", map[string]any{"where": map[string]any{"id": vm.ID},
		"data": map[string]any{"host_id": targets[0].ID}}, nil))
	vm, _ = c.vm(vm.ID)
	if vm.Host == nil || vm.Host.ID != targets[0].ID || vm.Status != "RUNNING" {
		t.Fatalf("after migrate: %+v, want running on %s", vm, targets[0].ID)
	}
	eventually(t, 60*time.Second, "guest ticking on the second host", func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(second, "vms", vm.ID, "serial.log"))
		return ticks(string(b)) > 0, lastLine(string(b))
	})

	c.waitTask(c.change("poweroff-vm", byID(vm.ID), nil))
	if vm, _ = c.vm(vm.ID); vm.Status != "STOPPED" {
		t.Fatalf("after poweroff-vm: %s", vm.Status)
	}

	// The snapshot went with the VM.
	var removed struct{ ID string }
	c.waitTask(c.change("delete-vm-snapshot", byID(snap.ID), &removed))
	c.must("get-vm-snapshots", map[string]any{"where": map[string]any{"vm": map[string]any{"id": vm.ID}}}, &snaps)
	if removed.ID != snap.ID || len(snaps) != 0 {
		t.Fatalf("after delete-vm-snapshot %+v: %+v", removed, snaps)
	}

	var gone struct{ ID string }
	c.waitTask(c.change("delete-vm", byID(vm.ID), &gone))
	if gone.ID != vm.ID {
		t.Fatalf("delete-vm data: %+v", gone)
	}
	if _, ok := c.vm(vm.ID); ok {
		t.Fatal("the VM is still listed after delete-vm")
	}
	if st, _ := c.call("delete-vm", byID(vm.ID)); st != 404 {
		t.Errorf("delete a deleted VM: HTTP %d, want 404", st)
	}

	// The changes are in the user audit log, the refused ones as failed.
	var logs []struct{ Action, Status, Username string }
	c.must("get-user-audit-logs", map[string]any{"where": map[string]any{"action_starts_with": "migrate-vm"}}, &logs)
	statuses := map[string]int{}
	for _, l := range logs {
		if l.Username != "admin" {
			t.Errorf("audit log entry by %q", l.Username)
		}
		statuses[l.Status]++
	}
	if statuses["SUCCESSED"] != 1 || statuses["FAILED"] != 1 {
		t.Errorf("migrate-vm in the user audit log: %+v", logs)
	}
}
