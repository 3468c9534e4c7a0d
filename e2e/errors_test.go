package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// rawCall sends body as-is and returns the status and decoded error.
func (k *kumo) rawCall(t *testing.T, method, path, token string, body string) (int, api.Error) {
	t.Helper()
	req, _ := http.NewRequest(method, k.c.BaseURL+path, bytes.NewBufferString(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e api.Error
	json.Unmarshal(raw, &e)
	return resp.StatusCode, e
}

// tinyImage makes a small valid qcow2 image without needing the guest.
func tinyImage(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tiny.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-f", "qcow2", path, "64M").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img create: %v: %s", err, out)
	}
	return path
}

// TestBadInput checks that bad requests get a clear 4xx error with a
// machine-readable code and leave nothing behind.
func TestBadInput(t *testing.T) {
	k := startKumo(t)
	k.uploadFile("tiny", tinyImage(t))
	k.createVM(api.VMsPost{Name: "taken", Image: "tiny", MemoryMiB: 64})
	tok := k.c.Token

	tests := []struct {
		name, method, path, token, body string
		status                          int
		code, field                     string
	}{
		{"unknown field", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny","colour":"red"}`, 400, "invalid_argument", "colour"},
		{"wrong type", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny","cores":"two"}`, 400, "invalid_argument", "cores"},
		{"not JSON", "POST", "/v1/vms", tok, `{"name":`, 400, "invalid_argument", ""},
		{"empty body", "POST", "/v1/vms", tok, ``, 400, "invalid_argument", ""},
		{"trailing data", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny"} {}`, 400, "invalid_argument", ""},
		{"missing image", "POST", "/v1/vms", tok, `{"name":"a","image":"no-such-image"}`, 404, "not_found", ""},
		{"no image given", "POST", "/v1/vms", tok, `{"name":"a"}`, 400, "invalid_argument", "image"},
		{"bad name", "POST", "/v1/vms", tok, `{"name":"bad name!","image":"tiny"}`, 400, "invalid_argument", "name"},
		{"too little memory", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny","memory_mib":1}`, 400, "invalid_argument", "memory_mib"},
		{"not enough memory on any host", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny","memory_mib":1048576}`, 409, "insufficient_capacity", "memory_mib"},
		{"duplicate name", "POST", "/v1/vms", tok, `{"name":"taken","image":"tiny","memory_mib":64}`, 409, "conflict", ""},
		{"disk smaller than image", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny","disk_bytes":1024}`, 400, "invalid_argument", "disk_bytes"},
		{"bad clone mode", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny","clone_mode":"magic"}`, 400, "invalid_argument", "clone_mode"},
		{"unknown pool", "POST", "/v1/vms", tok, `{"name":"a","image":"tiny","pool":"nowhere"}`, 404, "not_found", ""},
		{"no session", "GET", "/v1/vms", "", ``, 401, "unauthenticated", ""},
		{"bad session", "GET", "/v1/vms", "forged", ``, 401, "unauthenticated", ""},
		{"unknown VM", "GET", "/v1/vms/nope", tok, ``, 404, "not_found", ""},
		{"unknown action", "PUT", "/v1/vms/taken/state", tok, `{"action":"explode"}`, 400, "invalid_argument", "action"},
		{"pause a stopped VM", "PUT", "/v1/vms/taken/state", tok, `{"action":"pause"}`, 409, "conflict", ""},
		{"unknown endpoint", "GET", "/v1/nothing", tok, ``, 404, "not_found", ""},
		{"duplicate image", "POST", "/v1/images?name=tiny", tok, `x`, 409, "conflict", ""},
		{"garbage image", "POST", "/v1/images?name=junk&format=qcow2", tok, `this is not a disk image`, 400, "invalid_argument", ""},
		{"duplicate pool", "POST", "/v1/pools", tok, `{"name":"default"}`, 409, "conflict", ""},
		{"wrong password", "POST", "/v1/login", "", `{"username":"admin","password":"nope"}`, 401, "unauthenticated", ""},
		{"unknown task", "GET", "/v1/tasks/nope", tok, ``, 404, "not_found", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, e := k.rawCall(t, tc.method, tc.path, tc.token, tc.body)
			if status != tc.status || e.Error.Code != tc.code || e.Error.Field != tc.field {
				t.Fatalf("got %d %s (field %q): %s; want %d %s (field %q)",
					status, e.Error.Code, e.Error.Field, e.Error.Message, tc.status, tc.code, tc.field)
			}
			if e.Error.Message == "" {
				t.Fatal("error has no message")
			}
		})
	}

	// Nothing half-created: one VM, one directory, one image file.
	vms, err := k.c.VMs(context.Background())
	if err != nil || len(vms) != 1 {
		t.Fatalf("VMs after bad requests: %+v, %v", vms, err)
	}
	dirs, _ := os.ReadDir(filepath.Join(k.dataDir, "vms"))
	if len(dirs) != 1 {
		t.Fatalf("%d VM directories after bad requests, want 1", len(dirs))
	}
	files, _ := os.ReadDir(filepath.Join(k.dataDir, "images"))
	if len(files) != 1 {
		var names []string
		for _, f := range files {
			names = append(names, f.Name())
		}
		t.Fatalf("image files after bad uploads: %v, want only the one image", names)
	}
}

// TestSessions checks login, renew, logout and that tokens are random.
func TestSessions(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	ctx := context.Background()
	first, err := k.c.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other := *k.c
	s2, err := other.Login(ctx, "admin", adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Token == k.c.Token || len(s2.Token) < 32 {
		t.Fatalf("tokens are not random enough: %q vs %q", s2.Token, k.c.Token)
	}
	renewed, err := k.c.RenewSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !renewed.ExpiresAt.After(first.ExpiresAt) {
		t.Fatalf("renew did not extend the session: %s -> %s", first.ExpiresAt, renewed.ExpiresAt)
	}
	if err := k.c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = k.c.Session(ctx)
	requireAPIError(t, err, 401, "unauthenticated")
	if _, err := other.Session(ctx); err != nil {
		t.Fatalf("logging out one session ended another: %v", err)
	}
}

// TestOpenAPI checks that the OpenAPI document describes the routes.
func TestOpenAPI(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	resp, err := http.Get(k.c.BaseURL + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for path, method := range map[string]string{"/v1/vms": "post", "/v1/vms/{id}/state": "put", "/v1/tasks/{id}": "get", "/v1/login": "post", "/v1/images": "post"} {
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("OpenAPI document lacks %s %s", method, path)
		}
	}
	if doc.OpenAPI == "" {
		t.Error("no openapi version")
	}
}
