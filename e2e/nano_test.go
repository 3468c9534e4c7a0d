package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// nanoClient speaks the Nano dialect.
type nanoClient struct {
	t       *testing.T
	base    string
	session string
}

type nanoReply struct {
	// Status is the outcome: the HTTP status of a success, the
	// error_code of a failure, which comes with HTTP 200 (nanoOutcome).
	Status    int
	ErrorCode int             `json:"error_code"`
	Message   string          `json:"message"`
	Data      json.RawMessage `json:"data"`
}

func (k *kumo) nano(t *testing.T) *nanoClient {
	return &nanoClient{t: t, base: "http://" + k.srv.NanoAddr() + "/api/v1"}
}

func (n *nanoClient) send(method, path, contentType string, body io.Reader) nanoReply {
	n.t.Helper()
	req, _ := http.NewRequest(method, n.base+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if n.session != "" {
		req.Header.Set("Nano-Session", n.session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r nanoReply
	if err := json.Unmarshal(raw, &r); err != nil {
		n.t.Fatalf("%s %s: reply is not the Nano envelope: %s", method, path, raw)
	}
	r.Status = nanoOutcome(n.t, resp.StatusCode, raw)
	return r
}

// nanoOutcome is what a Nano reply says. Nano's FrontEnd answers every
// failure with HTTP 200 and a non-zero error_code, which Kumo sets to the
// status the failure has in its other APIs; a success has error_code 0
// and HTTP 200, 201 or 202. So the outcome is the error_code of a
// failure, the HTTP status of a success. A failure with another HTTP
// status or without a message, or a success with an error status, fails
// the test.
func nanoOutcome(t testing.TB, status int, raw []byte) int {
	t.Helper()
	var r struct {
		ErrorCode *int   `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.ErrorCode == nil {
		t.Fatalf("HTTP %d: not the Nano envelope: %.300s", status, raw)
	}
	switch {
	case *r.ErrorCode != 0 && status != http.StatusOK:
		t.Fatalf("HTTP %d with error_code %d: Nano answers failures with HTTP 200: %.300s", status, *r.ErrorCode, raw)
	case *r.ErrorCode != 0 && (*r.ErrorCode < 300 || r.Message == ""):
		t.Fatalf("error_code %d with message %q: a failure has a code of 300 or more and a message", *r.ErrorCode, r.Message)
	case *r.ErrorCode != 0:
		return *r.ErrorCode
	case status >= 300:
		t.Fatalf("HTTP %d with error_code 0: %.300s", status, raw)
	}
	return status
}

func (n *nanoClient) call(method, path string, body any) nanoReply {
	n.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	return n.send(method, path, "application/json", rd)
}

// must calls and fails the test unless the status is want; it decodes
// data into out if out is not nil.
func (n *nanoClient) must(want int, method, path string, body, out any) {
	n.t.Helper()
	r := n.call(method, path, body)
	if r.Status != want {
		n.t.Fatalf("%s %s: HTTP %d (error_code %d: %s), want %d", method, path, r.Status, r.ErrorCode, r.Message, want)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			n.t.Fatalf("%s %s: data %s: %v", method, path, r.Data, err)
		}
	}
}

func (n *nanoClient) login() {
	var s struct {
		Session string   `json:"session"`
		Timeout int      `json:"timeout"`
		Group   string   `json:"group"`
		Menu    []string `json:"menu"`
	}
	n.must(200, "POST", "/sessions/", map[string]string{"user": "admin", "password": adminPassword, "nonce": "42"}, &s)
	if s.Session == "" || s.Timeout <= 0 || s.Group != "admin" || len(s.Menu) == 0 {
		n.t.Fatalf("session: %+v", s)
	}
	n.session = s.Session
}

// TestNanoGuestLifecycle walks the Nano portal's main path: log in, upload
// a disk image, create a guest with cloud-init, start it, and see the seed
// reach the real guest.
func TestNanoGuestLifecycle(t *testing.T) {
	dir := guestDir(t)
	k := startKumo(t)
	n := k.nano(t)

	if r := n.call("GET", "/compute_pools/", nil); r.Status != 401 || r.ErrorCode != 401 {
		t.Fatalf("no session: %d %d", r.Status, r.ErrorCode)
	}
	n.login()
	var sess struct{ User, Group string }
	n.must(200, "GET", "/sessions/"+n.session, nil, &sess)
	n.must(200, "PUT", "/sessions/"+n.session, nil, nil)
	if r := n.call("GET", "/sessions/someone-else", nil); r.Status != 403 {
		t.Fatalf("reading another session: %d", r.Status)
	}

	var pools []struct {
		Name    string
		Enabled bool
		Cells   int
	}
	n.must(200, "GET", "/compute_pools/", nil, &pools)
	if len(pools) != 1 || pools[0].Name != "default" || !pools[0].Enabled || pools[0].Cells != 1 {
		t.Fatalf("compute pools: %+v", pools)
	}

	// Disk image: register, then upload the file with its checksum.
	var created struct{ ID string }
	n.must(202, "POST", "/disk_images/", map[string]any{"name": "guest-disk", "description": "test guest", "tags": []string{"linux", "tiny"}}, &created)
	var pending struct {
		Created bool
	}
	n.must(202, "GET", "/disk_images/"+created.ID, nil, &pending)
	if pending.Created {
		t.Fatal("image reported created before its upload")
	}
	content, err := os.ReadFile(filepath.Join(dir, "kumo-test-guest.qcow2"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	upload := func(checksum string) nanoReply {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("checksum", checksum)
		fw, _ := mw.CreateFormFile("image", "guest.qcow2")
		fw.Write(content)
		mw.Close()
		return n.send("POST", "/disk_image_files/"+created.ID, mw.FormDataContentType(), &buf)
	}
	if r := upload(strings.Repeat("0", 64)); r.Status != 400 {
		t.Fatalf("upload with a wrong checksum: %d %s", r.Status, r.Message)
	}
	if r := upload(hex.EncodeToString(sum[:])); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Message)
	}
	var img struct {
		Created bool
		Size    int64
		Tags    []string
	}
	n.must(200, "GET", "/disk_images/"+created.ID, nil, &img)
	if !img.Created || img.Size == 0 || len(img.Tags) != 2 {
		t.Fatalf("disk image: %+v", img)
	}
	var found []struct{ ID string }
	n.must(200, "GET", "/disk_image_search/?tags=tiny", nil, &found)
	if len(found) != 1 || found[0].ID != created.ID {
		t.Fatalf("disk image search: %+v", found)
	}

	var tmpl struct{ ID string }
	n.must(200, "POST", "/templates/", map[string]string{"name": "tiny-linux", "operating_system": "linux", "disk": "virtio", "network": "virtio"}, &tmpl)

	// Guest with cloud-init.
	var guest struct{ ID string }
	n.must(202, "POST", "/guests/", map[string]any{
		"name": "nano-vm", "owner": "admin", "group": "admin", "pool": "default", "cores": 1, "memory": 256 << 20,
		"disks": []int64{0}, "auto_start": false, "from_image": created.ID, "template": tmpl.ID,
		"modules": []string{"qemu", "cloud-init"}, "cloud_init": map[string]any{"admin_secret": "s3cret-pass", "root_enabled": true},
	}, &guest)
	eventually(t, 60*time.Second, "guest created", func() (bool, string) {
		r := n.call("GET", "/guests/"+guest.ID, nil)
		return r.Status == 200, string(r.Data)
	})
	var auth struct{ User, Password string }
	n.must(200, "GET", "/guests/"+guest.ID+"/auth", nil, &auth)
	if auth.User != "root" || auth.Password != "s3cret-pass" {
		t.Fatalf("guest auth: %+v", auth)
	}

	n.must(200, "POST", "/instances/"+guest.ID, map[string]any{}, nil)
	vm := api.VM{ID: guest.ID}
	k.waitSerial(vm, "KUMO-GUEST-SEED instance-id="+guest.ID+" hostname=nano-vm", 1)
	var inst struct {
		Running bool
		Cell    string
		Memory  int64
	}
	n.must(200, "GET", "/instances/"+guest.ID, nil, &inst)
	if !inst.Running || inst.Memory != 256<<20 || inst.Cell == "" {
		t.Fatalf("instance: %+v", inst)
	}

	var zone struct {
		Pools     [2]int
		Cells     [2]int
		Instances [4]int
		MaxCPU    int   `json:"max_cpu"`
		MaxMemory int64 `json:"max_memory"`
	}
	n.must(200, "GET", "/compute_zone_status/", nil, &zone)
	if zone.Cells != [2]int{0, 1} || zone.Instances[1] != 1 || zone.MaxCPU == 0 || zone.MaxMemory == 0 {
		t.Fatalf("zone status: %+v", zone)
	}
	// Memory in bytes, as the document's schema says: the one host's.
	if hosts, err := k.c.Hosts(ctxT(t)); err != nil || len(hosts) != 1 || zone.MaxMemory != hosts[0].MemoryBytes {
		t.Errorf("zone max_memory %d, want the host's %v bytes (%v)", zone.MaxMemory, hosts, err)
	}
	var search struct {
		Result []struct{ ID string }
		Total  int
	}
	n.must(200, "POST", "/search/guests/", map[string]any{"limit": 10, "offset": 0, "keyword": "nano"}, &search)
	if search.Total != 1 || search.Result[0].ID != guest.ID {
		t.Fatalf("guest search: %+v", search)
	}
	var inPool []struct{ ID string }
	n.must(200, "GET", "/guest_search/?pool=default&status=1", nil, &inPool)
	if len(inPool) != 1 {
		t.Fatalf("guest_search: %+v", inPool)
	}

	// Refusals: changes a running guest cannot take, deleting it unforced.
	if r := n.call("PUT", "/guests/"+guest.ID+"/cores", map[string]any{"cores": 2, "immediate": false}); r.Status != 409 {
		t.Fatalf("cores of a running guest: %d %s", r.Status, r.Message)
	}
	if r := n.call("DELETE", "/guests/"+guest.ID, map[string]bool{"force": false}); r.Status != 409 {
		t.Fatalf("unforced delete of a running guest: %d", r.Status)
	}
	n.must(200, "DELETE", "/instances/"+guest.ID, map[string]bool{"reboot": false, "force": true}, nil)
	if k.qemuPID(vm) != 0 {
		t.Fatal("QEMU still running after a forced stop")
	}
	k.waitStatus(vm, "stopped")
	n.must(200, "PUT", "/guests/"+guest.ID+"/cores", map[string]any{"cores": 2}, nil)
	n.must(200, "PUT", "/guests/"+guest.ID+"/name/", map[string]any{"name": "renamed"}, nil)
	var g struct {
		Name  string
		Cores int
	}
	n.must(200, "GET", "/guests/"+guest.ID, nil, &g)
	if g.Cores != 2 || g.Name != "renamed" {
		t.Fatalf("after changes: %+v", g)
	}
	n.must(200, "DELETE", "/guests/"+guest.ID, map[string]bool{"force": false}, nil)
	if r := n.call("GET", "/guests/"+guest.ID, nil); r.Status != 404 || r.ErrorCode != 404 {
		t.Fatalf("deleted guest: %d %d", r.Status, r.ErrorCode)
	}
}

// TestNanoErrors checks the dialect's error envelope on bad input and on
// features Kumo does not have yet.
func TestNanoErrors(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	n := k.nano(t)
	if r := n.call("POST", "/sessions/", map[string]string{"user": "admin", "password": "wrong"}); r.Status != 401 || r.Message == "" {
		t.Fatalf("bad login: %+v", r)
	}
	n.login()
	tests := []struct {
		method, path string
		body         string
		status       int
	}{
		{"POST", "/compute_pools/p2", `{"storage": 1}`, 400},
		{"POST", "/compute_pools/p2", `{"colour": "red"}`, 400},
		{"POST", "/compute_pools/p2", `{"storage": "ceph"}`, 400},
		{"GET", "/compute_pools/nope", ``, 404},
		{"POST", "/guests/", `{"name": "x", "from_image": "nope", "memory": 268435456}`, 404},
		{"POST", "/guests/", `{"name": "x", "from_image": "nope", "memory": 12345}`, 400},
		{"POST", "/guests/", `{"name": "x"}`, 501},
		{"POST", "/migrations/", `{}`, 400},
		{"GET", "/no/such/thing", ``, 404},
		{"DELETE", "/compute_pools/default", ``, 200},
	}
	for _, tc := range tests {
		r := n.send(tc.method, tc.path, "application/json", strings.NewReader(tc.body))
		if r.Status != tc.status || (tc.status >= 300 && (r.ErrorCode != tc.status || r.Message == "")) {
			t.Errorf("%s %s %s: outcome %d error_code %d %q, want %d", tc.method, tc.path, tc.body, r.Status, r.ErrorCode, r.Message, tc.status)
		}
	}
	// Array-wrapped bodies, as the document shows them, are accepted.
	if r := n.call("POST", "/compute_pools/p3", []map[string]any{{"failover": false}}); r.Status != 200 {
		t.Fatalf("array-wrapped create: %d %s", r.Status, r.Message)
	}
	n.session = ""
	if r := n.call("GET", "/migrations/", nil); r.Status != 401 {
		t.Fatalf("unimplemented endpoint without a session: %d", r.Status)
	}
}
