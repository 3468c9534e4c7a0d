package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/diskspace/diskspacetest"
	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// TestFullDisk runs a real server whose data dir (database, images, VM
// disks) is a real 96 MiB tmpfs, fills it, and checks through /v1 and
// Nano that a full-clone create, an upload and a snapshot are refused
// with insufficient_capacity and no host path, that reads and logins
// still answer, that nothing half-made is left, and that after space is
// freed the same requests work.
func TestFullDisk(t *testing.T) {
	dir := diskspacetest.Tmpfs(t, 96)
	k := startKumo(t, withDataDir(dir))
	ctx := ctxT(t)
	img := k.uploadGuest("guest")
	base := k.createVM(api.VMsPost{Name: "base", Image: img.ID, MemoryMiB: 64})
	n := k.nano(t)
	n.login()
	// Registering a Nano disk image stores a row, which a full disk
	// refuses: register it first, to upload its file onto the full disk.
	var created struct{ ID string }
	n.must(202, "POST", "/disk_images/", map[string]any{"name": "nano-disk"}, &created)

	filler := diskspacetest.Fill(t, dir)
	waitDiskFree(t, k, func(free int64) bool { return free < 1<<20 })
	vmsBefore, imagesBefore := k.listVMs(), k.listImages()

	// Nothing said may name the data dir or a temporary file.
	noPath := func(what, msg string) {
		t.Helper()
		for _, leak := range []string{dir, "/tmp", ".tmp", "qemu-img"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: message %q contains %q", what, msg, leak)
			}
		}
	}
	wantCapacity := func(what string, err error) {
		t.Helper()
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Code != "insufficient_capacity" || ce.Status != http.StatusConflict {
			t.Errorf("%s on a full disk: %v, want 409 insufficient_capacity", what, err)
			return
		}
		noPath(what, ce.Message)
	}
	wantNanoCapacity := func(what string, r nanoReply) {
		t.Helper()
		if r.Status != http.StatusConflict || r.ErrorCode != http.StatusConflict || !strings.Contains(r.Message, "free space") {
			t.Errorf("Nano %s on a full disk: HTTP %d, error_code %d: %s; want 409 about free space", what, r.Status, r.ErrorCode, r.Message)
		}
		noPath("Nano "+what, r.Message)
	}

	// Full-clone creates.
	_, err := k.c.CreateVM(ctx, api.VMsPost{Name: "full", Image: img.ID, MemoryMiB: 64, CloneMode: "full"})
	wantCapacity("full-clone create", err)
	// Nano's creates are overlays, which need only the margin: not there.
	wantNanoCapacity("create", n.call("POST", "/guests/", map[string]any{
		"name": "nano-vm", "owner": "admin", "group": "admin", "pool": "default", "cores": 1, "memory": 64 << 20,
		"disks": []int64{0}, "from_image": img.ID,
	}))

	// Uploads: with a length, and through Nano's multipart form.
	guest, _ := os.ReadFile(filepath.Join(guestDir(t), "kumo-test-guest.qcow2"))
	_, err = k.c.UploadImage(ctx, "second", "", bytes.NewReader(guest), int64(len(guest)))
	wantCapacity("upload", err)
	wantNanoCapacity("upload", nanoUpload(n, created.ID, guest))

	// Snapshots.
	status, e := k.rawCall(t, "POST", "/v1/vms/"+base.ID+"/snapshots", k.c.Token, `{"name":"snap1"}`)
	wantCapacity("snapshot", &client.Error{Status: status, ErrorDetail: e.Error})
	wantNanoCapacity("snapshot", n.call("POST", "/instances/"+base.ID+"/snapshots/", map[string]string{"name": "snap2"}))

	// Reads and logins still answer.
	if _, err := k.c.Login(ctx, "admin", adminPassword); err != nil {
		t.Errorf("/v1 login on a full disk: %v", err)
	}
	n2 := k.nano(t)
	n2.login()
	n2.must(200, "GET", "/guests/"+base.ID, nil, nil)
	if _, err := k.c.VM(ctx, base.ID); err != nil {
		t.Errorf("read a VM on a full disk: %v", err)
	}

	// Nothing half-made: the same rows, and no files beside the base VM's
	// and the image's.
	if got := k.listVMs(); !slices.Equal(got, vmsBefore) {
		t.Errorf("VMs on a full disk: %v, before %v", got, vmsBefore)
	}
	if got := k.listImages(); !slices.Equal(got, imagesBefore) {
		t.Errorf("images on a full disk: %v, before %v", got, imagesBefore)
	}
	if got := dirNames(t, filepath.Join(dir, "vms")); !slices.Equal(got, []string{base.ID}) {
		t.Errorf("VM directories: %v, want only %s", got, base.ID)
	}
	if got := dirNames(t, filepath.Join(dir, "images")); !slices.Equal(got, []string{img.ID}) {
		t.Errorf("image files: %v, want only %s", got, img.ID)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Space freed: the same requests work.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitDiskFree(t, k, func(free int64) bool { return free > 48<<20 })
	k.createVM(api.VMsPost{Name: "full", Image: img.ID, MemoryMiB: 64, CloneMode: "full"})
	var snap api.Task
	if status, e := k.rawCallInto(t, "POST", "/v1/vms/"+base.ID+"/snapshots", `{"name":"snap1"}`, &snap); status != http.StatusAccepted {
		t.Fatalf("snapshot after freeing space: HTTP %d %+v", status, e)
	}
	k.mustTask(snap)
	if r := nanoUpload(n, created.ID, guest); r.Status != 200 {
		t.Fatalf("Nano upload after freeing space: HTTP %d: %s", r.Status, r.Message)
	}
}

// waitDiskFree waits until the local host's heartbeat reports free
// space that satisfies ok.
func waitDiskFree(t *testing.T, k *kumo, ok func(int64) bool) {
	t.Helper()
	eventually(t, 10*time.Second, "the host's free disk space reported", func() (bool, string) {
		hosts, err := k.c.Hosts(context.Background())
		if err != nil || len(hosts) != 1 {
			return false, fmt.Sprint(hosts, err)
		}
		return ok(hosts[0].DiskFreeBytes), fmt.Sprint(hosts[0].DiskFreeBytes)
	})
}

func nanoUpload(n *nanoClient, id string, content []byte) nanoReply {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("image", "disk.qcow2")
	fw.Write(content)
	mw.Close()
	return n.send("POST", "/disk_image_files/"+id, mw.FormDataContentType(), &buf)
}

func (k *kumo) listVMs() []string {
	k.t.Helper()
	vms, err := k.c.VMs(ctxT(k.t))
	if err != nil {
		k.t.Fatalf("list VMs: %v", err)
	}
	var names []string
	for _, v := range vms {
		names = append(names, v.Name)
	}
	slices.Sort(names)
	return names
}

func (k *kumo) listImages() []string {
	k.t.Helper()
	imgs, err := k.c.Images(ctxT(k.t))
	if err != nil {
		k.t.Fatalf("list images: %v", err)
	}
	var names []string
	for _, i := range imgs {
		names = append(names, i.Name)
	}
	slices.Sort(names)
	return names
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// rawCallInto calls /v1 as the logged-in admin and decodes a 2xx reply
// into out.
func (k *kumo) rawCallInto(t *testing.T, method, path, body string, out any) (int, api.Error) {
	t.Helper()
	req, _ := http.NewRequest(method, k.c.BaseURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+k.c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e api.Error
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %s: %v", method, path, raw, err)
		}
	} else {
		json.Unmarshal(raw, &e)
	}
	return resp.StatusCode, e
}

// TestOversizedVMs asks for VMs no host can hold, or sizes beyond any
// limit, through /v1 and Nano: each is refused at once, naming the
// field, before any VM or task exists.
func TestOversizedVMs(t *testing.T) {
	k := startKumo(t)
	img := k.uploadFile("tiny", tinyImage(t))
	for _, tc := range []struct {
		body   string
		status int
		code   string
		field  string
	}{
		{`{"name":"a","image":"tiny","disk_bytes":9000000000000000000}`, 400, "invalid_argument", "disk_bytes"},
		{`{"name":"a","image":"tiny","disk_bytes":65970697666560}`, 409, "insufficient_capacity", "disk_bytes"}, // 60 TiB
		{`{"name":"a","image":"tiny","cores":200}`, 409, "insufficient_capacity", "cores"},
		{`{"name":"a","image":"tiny","memory_mib":1073741824}`, 400, "invalid_argument", "memory_mib"},
		{`{"name":"a","image":"tiny","memory_mib":1048576}`, 409, "insufficient_capacity", "memory_mib"},
	} {
		status, e := k.rawCall(t, "POST", "/v1/vms", k.c.Token, tc.body)
		if status != tc.status || e.Error.Code != tc.code || e.Error.Field != tc.field {
			t.Errorf("POST /v1/vms %s: HTTP %d %+v, want %d %s on %s", tc.body, status, e.Error, tc.status, tc.code, tc.field)
		}
	}
	n := k.nano(t)
	n.login()
	for _, tc := range []struct {
		disk, memory int64
		status       int
		word         string
	}{
		{9e18, 64 << 20, 400, "disk_bytes"},
		{0, 1 << 40, 409, "memory"},
	} {
		r := n.call("POST", "/guests/", map[string]any{"name": "nano-big", "owner": "admin", "group": "admin", "pool": "default",
			"cores": 1, "memory": tc.memory, "disks": []int64{tc.disk}, "from_image": img.ID})
		if r.Status != tc.status || !strings.Contains(r.Message, tc.word) {
			t.Errorf("Nano guest with disk %d, memory %d: HTTP %d %s, want %d naming %s", tc.disk, tc.memory, r.Status, r.Message, tc.status, tc.word)
		}
	}
	if vms := k.listVMs(); len(vms) != 0 {
		t.Fatalf("refused creates left VMs %v", vms)
	}
	var tasks []api.Task
	if status, e := k.rawCallInto(t, "GET", "/v1/tasks", "", &tasks); status != 200 || len(tasks) != 0 {
		t.Fatalf("refused creates left tasks: HTTP %d %+v %v", status, e, tasks)
	}
}
