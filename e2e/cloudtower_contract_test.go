package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// towerExample is one operation of the CloudTower guide with its example
// request, as extracted by scripts/spec/extract_cloudtower_examples.py.
type towerExample struct {
	Operation string
	Path      string
	Title     string
	Request   json.RawMessage
}

// guideID is the id the guide's examples use everywhere.
const guideID = "ckxzj98m594xh0758p70z1812"

// towerContract says what each operation answers: to the guide's
// example as written (its ids name nothing in Kumo), and whether it is
// a list (where selects, an unknown id gives []), a change (where
// selects, an unknown id is a 404), or refused (always 400).
var towerContract = map[string]struct {
	example int
	kind    string // list, change, create, refused, login, vnc
}{
	"login": {400, "login"}, "create-vm": {400, "create"}, "create-vm-from-template": {400, "create"},
	"start-vm": {404, "change"}, "poweroff-vm": {404, "change"}, "shutdown-vm": {404, "change"},
	"restart-vm": {404, "change"}, "suspend-vm": {404, "change"}, "resume-vm": {404, "change"},
	"migrate-vm": {404, "change"}, "delete-vm": {404, "change"}, "update-vm-basic-info": {404, "change"},
	"create-vm-snapshot": {404, "create"}, "delete-vm-snapshot": {404, "change"}, "get-vm-snapshots": {200, "list"},
	"get-vms": {200, "list"}, "add-vm-cd-rom": {404, "change"}, "remove-vm-cd-rom": {404, "change"},
	"get-elf-images": {200, "list"}, "create-vm-volume": {400, "refused"}, "get-vm-volumes": {200, "list"},
	"delete-vm-volume": {400, "refused"}, "add-vm-volume": {404, "change"}, "remove-vm-volume": {404, "change"},
	"get-hosts": {200, "list"}, "get-clusters": {200, "list"}, "get-vm-templates": {200, "list"},
	"create-vm-vlan": {404, "create"}, "delete-vm-vlan": {404, "change"}, "get-vlans": {200, "list"},
	"update-vm-vlan": {404, "change"}, "add-vm-nic": {404, "change"}, "remove-vm-nic": {404, "change"},
	"get-system-audit-logs": {200, "list"}, "get-user-audit-logs": {200, "list"}, "get-tasks": {200, "list"},
	"vnc": {404, "vnc"},
}

// TestCloudTowerContract runs every operation of the guide against a
// real server: without a token, with the guide's example, with the
// example's ids replaced by real ones (lists), with an unknown id, and
// with a malformed body. Only HTTP 200, 400, 404 and 500 may appear
// (the client checks each reply), and no reply here may be a 500.
func TestCloudTowerContract(t *testing.T) {
	raw, err := os.ReadFile("../internal/api/cloudtower/testdata/examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var eps []towerExample
	if err := json.Unmarshal(raw, &eps); err != nil {
		t.Fatal(err)
	}
	if len(eps) != 37 {
		t.Fatalf("%d operations in the examples, the guide has 37", len(eps))
	}
	k := startKumo(t, withCloudTower)
	k.uploadFile("tiny", tinyImage(t))
	vm := k.createVM(api.VMsPost{Name: "contract-vm", Image: "tiny", MemoryMiB: 64})
	c := k.tower(t)
	c.login()
	var clusters []struct{ ID string }
	c.must("get-clusters", map[string]any{}, &clusters)

	// Lists whose example, with the guide's id replaced by a real one,
	// must select something.
	realIDs := map[string]string{"get-vms": vm.ID, "get-elf-images": "", "get-vm-volumes": clusters[0].ID,
		"get-vm-templates": "", "get-hosts": ""}
	var tmpl []struct{ ID string }
	c.must("get-vm-templates", map[string]any{}, &tmpl)
	realIDs["get-vm-templates"] = tmpl[0].ID

	for _, ep := range eps {
		want, ok := towerContract[ep.Operation]
		if !ok {
			t.Errorf("operation %s has no contract", ep.Operation)
			continue
		}
		t.Run(ep.Operation, func(t *testing.T) {
			c.t = t
			path := ep.Operation
			if ep.Operation == "vnc" {
				path = "/api"
			}
			example := []byte(ep.Request)
			if len(ep.Request) == 0 || string(ep.Request) == "null" {
				example = []byte("{}")
			}

			if want.kind != "login" {
				anon := &towerClient{t: t, base: c.base}
				if st, raw := anon.send(path, example); st != 400 || !strings.Contains(string(raw), `"UNAUTHENTICATED"`) {
					t.Errorf("without a token: HTTP %d %s, want 400 UNAUTHENTICATED", st, raw)
				}
				bogus := &towerClient{t: t, base: c.base, token: "not-a-token"}
				if st, _ := bogus.send(path, example); st != 400 {
					t.Errorf("with a bad token: HTTP %d, want 400", st)
				}
			}

			st, raw := c.send(path, example)
			if st != want.example {
				t.Errorf("the guide's example: HTTP %d %s, want %d", st, raw, want.example)
			}
			if want.kind == "list" {
				var items []json.RawMessage
				if err := json.Unmarshal(raw, &items); err != nil {
					t.Errorf("a list answers a JSON array, not %s", raw)
				}
				if id, ok := realIDs[ep.Operation]; ok && id != "" {
					st, raw := c.send(path, []byte(strings.ReplaceAll(string(example), guideID, id)))
					if json.Unmarshal(raw, &items); st != 200 || len(items) == 0 {
						t.Errorf("the guide's example with id %s: HTTP %d %s, want a non-empty list", id, st, raw)
					}
				}
			}

			unknown := map[string]any{"where": map[string]any{"id": "no-such-id"}}
			switch want.kind {
			case "list":
				var items []json.RawMessage
				c.must(path, unknown, &items)
				if len(items) != 0 {
					t.Errorf("where id no-such-id selected %d items", len(items))
				}
			case "change":
				if ep.Operation == "update-vm-basic-info" { // data is checked first
					unknown["data"] = map[string]any{"description": "x"}
				}
				if st, raw := c.call(path, unknown); st != 404 {
					t.Errorf("unknown id: HTTP %d %s, want 404", st, raw)
				}
				unknown["where"] = map[string]any{"id_in": []string{vm.ID, "no-such-id"}}
				if st, _ := c.call(path, unknown); st != 404 {
					t.Errorf("id_in with an unknown id: HTTP %d, want 404", st)
				}
				if st, _ := c.call(path, map[string]any{"where": map[string]any{"nmae": "x"}}); st != 400 {
					t.Errorf("where with an unknown field: HTTP %d, want 400", st)
				}
				if st, _ := c.call(path, map[string]any{}); st != 400 {
					t.Errorf("no where: HTTP %d, want 400", st)
				}
				if st, _ := c.call(path, map[string]any{"where": map[string]any{}}); st != 400 {
					t.Errorf("an empty where: HTTP %d, want 400", st)
				}
			case "refused":
				if st, _ := c.call(path, unknown); st != 400 {
					t.Errorf("refused operation: HTTP %d, want 400", st)
				}
			case "vnc":
				if st, _ := c.call(path, map[string]any{"operationName": "vnc", "variables": map[string]any{
					"input": map[string]any{"vm": map[string]any{"id": "no-such-id"}}}}); st != 404 {
					t.Errorf("unknown VM: HTTP %d, want 404", st)
				}
			}
			if st, raw := c.send(path, []byte(`{"broken`)); st != 400 {
				t.Errorf("malformed body: HTTP %d %s, want 400", st, raw)
			}
		})
	}

	c.t = t
	if st, _ := c.call("no-such-operation", map[string]any{}); st != 404 {
		t.Errorf("unknown operation: HTTP %d, want 404", st)
	}
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		req, _ := http.NewRequest(method, c.base+"/v2/api/get-vms", nil)
		req.Header.Set("Authorization", c.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s /v2/api/get-vms: HTTP %d, want 404", method, resp.StatusCode)
		}
	}
	// A user without the instance permission may not see or touch VMs.
	admin, _, err := k.srv.Service().Authenticate(ctxT(t), c.token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.srv.Service().CreateUser(service.WithPrincipal(ctxT(t), admin), service.CreateUserRequest{Name: "plain", Password: "plain-password"}); err != nil {
		t.Fatal(err)
	}
	plain := &towerClient{t: t, base: c.base}
	var login struct{ Data struct{ Token string } }
	plain.must("login", map[string]string{"username": "plain", "password": "plain-password", "source": "LOCAL"}, &login)
	plain.token = login.Data.Token
	for _, op := range []string{"get-vms", "delete-vm"} {
		if st, raw := plain.call(op, byID(vm.ID)); st != 400 || !strings.Contains(string(raw), "PERMISSION_DENIED") {
			t.Errorf("%s without the instance permission: HTTP %d %s, want 400 PERMISSION_DENIED", op, st, raw)
		}
	}

	var tasks []towerTask
	c.must("get-tasks", map[string]any{"where": map[string]any{"id": "no-such-task"}}, &tasks)
	if len(tasks) != 0 {
		t.Errorf("get-tasks of an unknown id: %+v", tasks)
	}

	// The VM the contract ran against is still there and untouched: the
	// failed calls changed nothing.
	got, ok := c.vm(vm.ID)
	if !ok || got.Status != "STOPPED" {
		t.Errorf("contract-vm after the contract: %+v (listed %v)", got, ok)
	}
	var vms []towerVM
	c.must("get-vms", map[string]any{}, &vms)
	if len(vms) != 1 {
		t.Errorf("%d VMs after the contract, want 1", len(vms))
	}
}
