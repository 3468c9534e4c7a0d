package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// uploadMedia sends content as the multipart field "image" of POST
// /media_image_files/{id}, with a checksum field first if given.
func (n *nanoClient) uploadMedia(id, checksum string, content []byte) nanoReply {
	n.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if checksum != "" {
		mw.WriteField("checksum", checksum)
	}
	fw, _ := mw.CreateFormFile("image", "media.iso")
	fw.Write(content)
	mw.Close()
	return n.send("POST", "/media_image_files/"+id, mw.FormDataContentType(), &buf)
}

// download returns the raw body of a GET, which is not an envelope,
// and the outcome (nanoOutcome) of one that is.
func (n *nanoClient) download(path string) (int, []byte, string) {
	n.t.Helper()
	req, _ := http.NewRequest("GET", n.base+path, nil)
	req.Header.Set("Nano-Session", n.session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		n.t.Fatal(err)
	}
	status := resp.StatusCode
	if resp.Header.Get("Content-Type") == "application/json" {
		status = nanoOutcome(n.t, status, body) // a failure, with HTTP 200
	}
	return status, body, resp.Header.Get("Content-Type")
}

type nanoInstance struct {
	Running       bool
	MediaAttached bool   `json:"media_attached"`
	MediaSource   string `json:"media_source"`
}

// qemuIO runs qemu-io on a stopped VM's disk and returns the hex dump
// lines of its output (the rest has timings that change every run).
func qemuIO(t *testing.T, disk string, cmd string) string {
	t.Helper()
	out, err := exec.Command("qemu-io", "-f", "qcow2", "-c", cmd, disk).CombinedOutput()
	if err != nil {
		t.Fatalf("qemu-io -c %q %s: %v: %s", cmd, disk, err, out)
	}
	var dump []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "0000") {
			dump = append(dump, line)
		}
	}
	return strings.Join(dump, "\n")
}

// diskSnapshots lists the internal snapshots qemu-img sees in a disk.
func diskSnapshots(t *testing.T, disk string) []string {
	t.Helper()
	out, err := exec.Command("qemu-img", "info", "--output=json", "-U", disk).Output()
	if err != nil {
		t.Fatalf("qemu-img info %s: %v", disk, err)
	}
	var info struct {
		Snapshots []struct{ Name string }
	}
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range info.Snapshots {
		names = append(names, s.Name)
	}
	return names
}

// readBanner opens a monitor channel's websocket and reads the VNC
// server's first 12 bytes, the RFB version.
func readBanner(ctx context.Context, url string) (string, *http.Response, error) {
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
	if err != nil {
		return "", resp, err
	}
	defer ws.CloseNow()
	var got []byte
	for len(got) < 12 {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return string(got), resp, err
		}
		got = append(got, data...)
	}
	ws.Close(websocket.StatusNormalClosure, "")
	return string(got[:12]), resp, nil
}

// TestNanoMedia walks media images, media changes, start from media,
// snapshots and monitor channels through the Nano API, on real guests.
func TestNanoMedia(t *testing.T) {
	dir := guestDir(t)
	k := startKumo(t)
	n := k.nano(t)
	n.login()
	k.uploadGuest("guest")
	k.uploadFile("blank", tinyImage(t))

	// Media image: register, upload with checksum, read back.
	iso, err := os.ReadFile(filepath.Join(dir, "kumo-test-guest.iso"))
	if err != nil {
		t.Fatal(err)
	}
	var media struct{ ID string }
	n.must(200, "POST", "/media_images/", map[string]any{"name": "guest-iso", "description": "test guest ISO", "tags": []string{"linux", "live"}}, &media)
	var pending struct{ Created bool }
	n.must(200, "GET", "/media_images/"+media.ID, nil, &pending)
	if pending.Created {
		t.Fatal("media image reported created before its upload")
	}
	if r := n.call("GET", "/disk_images/"+media.ID, nil); r.Status != 404 {
		t.Fatalf("a media image seen as a disk image: %d", r.Status)
	}
	if st, _, _ := n.download("/media_image_files/" + media.ID); st != 409 {
		t.Fatalf("download before upload: HTTP %d, want 409", st)
	}
	qcow, err := os.ReadFile(filepath.Join(dir, "kumo-test-guest.qcow2"))
	if err != nil {
		t.Fatal(err)
	}
	if r := n.uploadMedia(media.ID, "", qcow); r.Status != 400 {
		t.Fatalf("a qcow2 uploaded as media: %d %s", r.Status, r.Message)
	}
	if r := n.uploadMedia(media.ID, strings.Repeat("0", 64), iso); r.Status != 400 {
		t.Fatalf("upload with a wrong checksum: %d %s", r.Status, r.Message)
	}
	sum := sha256.Sum256(iso)
	if r := n.uploadMedia(media.ID, hex.EncodeToString(sum[:]), iso); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Message)
	}
	var img struct {
		ID      string
		Created bool
		Size    int64
		Tags    []string
	}
	n.must(200, "GET", "/media_images/"+media.ID, nil, &img)
	if !img.Created || img.Size != int64(len(iso)) || len(img.Tags) != 2 {
		t.Fatalf("media image: %+v (ISO is %d bytes)", img, len(iso))
	}
	st, got, ctype := n.download("/media_image_files/" + media.ID)
	if st != 200 || ctype != "application/octet-stream" || !bytes.Equal(got, iso) {
		t.Fatalf("download: HTTP %d %s, %d bytes, equal %v", st, ctype, len(got), bytes.Equal(got, iso))
	}
	var found []struct{ ID string }
	n.must(200, "GET", "/media_image_search/?tags=live", nil, &found)
	if len(found) != 1 || found[0].ID != media.ID {
		t.Fatalf("media search: %+v", found)
	}
	n.must(200, "GET", "/media_image_search/?tags=windows", nil, &found)
	if len(found) != 0 {
		t.Fatalf("media search for a tag nobody has: %+v", found)
	}
	n.must(200, "PUT", "/media_images/"+media.ID, map[string]any{"name": "guest-live", "description": "renamed", "tags": []string{"live"}}, nil)
	var all []struct{ Name, Description string }
	n.must(200, "GET", "/media_images/", nil, &all)
	if len(all) != 1 || all[0].Name != "guest-live" || all[0].Description != "renamed" {
		t.Fatalf("media images: %+v (the disk images must not be listed)", all)
	}

	// Sync: an ISO dropped into <data>/media becomes a media image.
	drop := filepath.Join(k.dataDir, "media")
	os.MkdirAll(drop, 0o700)
	if err := os.WriteFile(filepath.Join(drop, "dropped.iso"), iso, 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(drop, "not-an-iso.iso"), []byte("hello"), 0o600)
	n.must(200, "PATCH", "/media_images/", map[string]string{"owner": "admin", "group": "ops"}, nil)
	var synced []struct{ ID, Name, Owner, Group string }
	n.must(200, "GET", "/media_images/", nil, &synced)
	if len(synced) != 2 || synced[0].Name != "dropped" || synced[0].Group != "ops" {
		t.Fatalf("after sync: %+v", synced)
	}
	if _, err := os.Stat(filepath.Join(drop, "not-an-iso.iso")); err != nil {
		t.Fatalf("a file that is no ISO was taken: %v", err)
	}
	n.must(200, "DELETE", "/media_images/"+synced[0].ID, nil, nil)

	// A running guest: media in, seen by QEMU, and out.
	vm := k.createVM(api.VMsPost{Name: "media-vm", Image: "guest", MemoryMiB: 256})
	if r := n.call("POST", "/instances/"+vm.ID+"/media", map[string]any{"source": media.ID}); r.Status != 409 {
		t.Fatalf("media into a stopped guest: %d %s", r.Status, r.Message)
	}
	n.must(200, "POST", "/instances/"+vm.ID, map[string]any{}, nil)
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)
	var inst nanoInstance
	n.must(200, "GET", "/instances/"+vm.ID, nil, &inst)
	if !inst.Running || inst.MediaAttached {
		t.Fatalf("running guest before insert: %+v", inst)
	}
	n.must(200, "POST", "/instances/"+vm.ID+"/media", map[string]any{"source": media.ID, "type": 0}, nil)
	n.must(200, "GET", "/instances/"+vm.ID, nil, &inst)
	if !inst.MediaAttached || inst.MediaSource != media.ID {
		t.Fatalf("after insert: %+v, want media %s", inst, media.ID)
	}
	guestImg, _ := k.c.Image(ctxT(t), "guest")
	for _, bad := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"source": "no-such-image"}, 404},
		{map[string]any{"source": guestImg.ID}, 400}, // a disk image
		{map[string]any{"source": media.ID, "type": 1}, 400},
		{map[string]any{}, 400},
	} {
		if r := n.call("POST", "/instances/"+vm.ID+"/media", bad.body); r.Status != bad.status {
			t.Errorf("insert %v: %d %s, want %d", bad.body, r.Status, r.Message, bad.status)
		}
	}
	n.must(200, "DELETE", "/instances/"+vm.ID+"/media", nil, nil)
	n.must(200, "GET", "/instances/"+vm.ID, nil, &inst)
	if inst.MediaAttached || inst.MediaSource != "" {
		t.Fatalf("after eject: %+v", inst)
	}
	n.must(200, "DELETE", "/instances/"+vm.ID+"/media", nil, nil) // empty already

	// Monitor channel: the guest's real VNC server, once.
	var ch struct {
		ID, Protocol, URL string
	}
	n.must(200, "POST", "/monitor_channels/", map[string]string{"guest": vm.ID}, &ch)
	if ch.ID == "" || ch.Protocol != "vnc" {
		t.Fatalf("monitor channel: %+v", ch)
	}
	wsBase := "ws://" + k.srv.NanoAddr()
	ctx := ctxT(t)
	banner, _, err := readBanner(ctx, wsBase+"/monitor_channels/"+ch.ID)
	if err != nil || !strings.HasPrefix(banner, "RFB 003.00") {
		t.Fatalf("monitor channel: banner %q, %v", banner, err)
	}
	if _, resp, err := readBanner(ctx, wsBase+"/monitor_channels/"+ch.ID); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("second use of a channel: %v, %+v; want HTTP 403", err, resp)
	}
	if _, resp, err := readBanner(ctx, wsBase+"/api/v1/monitor_channels/made-up"); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("a made-up channel: %v; want HTTP 403", err)
	}
	n.must(200, "POST", "/monitor_channels/", map[string]string{"guest": vm.ID}, &ch)
	if banner, _, err := readBanner(ctx, wsBase+"/api/v1"+ch.URL); err != nil || !strings.HasPrefix(banner, "RFB 003.00") {
		t.Fatalf("channel under /api/v1: banner %q, %v", banner, err)
	}

	// Snapshots: one live, then one of the stopped disk.
	n.must(200, "POST", "/instances/"+vm.ID+"/snapshots/", map[string]string{"name": "live1", "description": "while running"}, nil)
	var snap struct {
		Running     bool
		Description string
		CreateTime  string `json:"create_time"`
	}
	n.must(200, "GET", "/instances/"+vm.ID+"/snapshots/live1", nil, &snap)
	if !snap.Running || snap.Description != "while running" || snap.CreateTime == "" {
		t.Fatalf("live snapshot: %+v", snap)
	}
	if r := n.call("PUT", "/instances/"+vm.ID+"/snapshots/", map[string]string{"target": "live1"}); r.Status != 409 || !strings.Contains(r.Message, "stop the guest first") {
		t.Fatalf("revert of a running guest: %d %s", r.Status, r.Message)
	}
	n.must(200, "DELETE", "/instances/"+vm.ID, map[string]bool{"force": true}, nil)
	k.waitStatus(vm, "stopped")
	if r := n.call("POST", "/monitor_channels/", map[string]string{"guest": vm.ID}); r.Status != 409 {
		t.Fatalf("monitor channel of a stopped guest: %d %s", r.Status, r.Message)
	}

	disk := filepath.Join(k.vmDir(vm), "root.qcow2")
	before := qemuIO(t, disk, "read -v 0 512")
	n.must(200, "POST", "/instances/"+vm.ID+"/snapshots/", map[string]string{"name": "before", "description": "stopped"}, nil)
	n.must(200, "GET", "/instances/"+vm.ID+"/snapshots/before", nil, &snap)
	if snap.Running {
		t.Fatalf("snapshot of a stopped guest says running: %+v", snap)
	}
	for _, bad := range []struct {
		body   map[string]string
		status int
	}{
		{map[string]string{"name": "before"}, 409},
		{map[string]string{"name": "123"}, 400},
		{map[string]string{"name": "a b"}, 400},
		{map[string]string{}, 400},
	} {
		if r := n.call("POST", "/instances/"+vm.ID+"/snapshots/", bad.body); r.Status != bad.status {
			t.Errorf("create snapshot %v: %d %s, want %d", bad.body, r.Status, r.Message, bad.status)
		}
	}
	if names := diskSnapshots(t, disk); strings.Join(names, ",") != "live1,before" {
		t.Fatalf("qemu-img sees snapshots %v, want live1,before", names)
	}
	// Overwrite the boot sector, then revert: the disk must be as before.
	qemuIO(t, disk, "write -P 0xab 0 512")
	if after := qemuIO(t, disk, "read -v 0 512"); after == before {
		t.Fatal("the write did not change the disk")
	}
	n.must(200, "PUT", "/instances/"+vm.ID+"/snapshots/", map[string]string{"target": "before"}, nil)
	if after := qemuIO(t, disk, "read -v 0 512"); after != before {
		t.Fatalf("revert did not restore the boot sector:\n%s\nwant\n%s", after, before)
	}
	if r := n.call("PUT", "/instances/"+vm.ID+"/snapshots/", map[string]string{"target": "nope"}); r.Status != 404 {
		t.Fatalf("revert to an unknown snapshot: %d", r.Status)
	}
	type node struct {
		Backing   string
		IsRoot    bool `json:"is_root"`
		IsCurrent bool `json:"is_current"`
	}
	var tree map[string]node
	n.must(200, "GET", "/instances/"+vm.ID+"/snapshots/", nil, &tree)
	if len(tree) != 2 || !tree["live1"].IsRoot || tree["before"].Backing != "live1" || !tree["before"].IsCurrent || tree["live1"].IsCurrent {
		t.Fatalf("snapshot tree: %+v", tree)
	}
	n.must(200, "DELETE", "/instances/"+vm.ID+"/snapshots/live1", nil, nil)
	tree = nil // json.Unmarshal would merge into the old map
	n.must(200, "GET", "/instances/"+vm.ID+"/snapshots/", nil, &tree)
	if len(tree) != 1 || !tree["before"].IsRoot || !tree["before"].IsCurrent {
		t.Fatalf("snapshot tree after delete: %+v", tree)
	}
	if names := diskSnapshots(t, disk); strings.Join(names, ",") != "before" {
		t.Fatalf("qemu-img sees snapshots %v after delete, want before", names)
	}
	if r := n.call("DELETE", "/instances/"+vm.ID+"/snapshots/live1", nil); r.Status != 404 {
		t.Fatalf("delete of a deleted snapshot: %d", r.Status)
	}
	// The reverted disk still boots.
	n.must(200, "POST", "/instances/"+vm.ID, map[string]any{}, nil)
	k.waitSerial(vm, "KUMO-GUEST-READY", 2)
	n.must(200, "DELETE", "/instances/"+vm.ID, map[string]bool{"force": true}, nil)

	// Start from media: the guest's own disk is blank, so reaching
	// userspace means it booted from the ISO.
	blank := k.createVM(api.VMsPost{Name: "live-vm", Image: "blank", MemoryMiB: 256})
	for _, bad := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"from_media": true}, 400},
		{map[string]any{"from_media": true, "source": "no-such-image"}, 404},
		{map[string]any{"from_media": true, "source": guestImg.ID}, 400},
		{map[string]any{"source": media.ID}, 400},
	} {
		if r := n.call("POST", "/instances/"+blank.ID, bad.body); r.Status != bad.status {
			t.Errorf("start %v: %d %s, want %d", bad.body, r.Status, r.Message, bad.status)
		}
	}
	if k.qemuPID(blank) != 0 {
		t.Fatal("a refused start started QEMU")
	}
	n.must(200, "POST", "/instances/"+blank.ID, map[string]any{"from_media": true, "source": media.ID}, nil)
	k.waitSerial(blank, "KUMO-GUEST-READY", 1)
	if !strings.Contains(k.serial(blank), "KUMO-GUEST-DISK sr0 ") {
		t.Fatalf("the guest saw no CD-ROM with a medium:\n%s", k.serial(blank))
	}
	n.must(200, "GET", "/instances/"+blank.ID, nil, &inst)
	if !inst.MediaAttached || inst.MediaSource != media.ID {
		t.Fatalf("started from media: %+v", inst)
	}
	if r := n.call("POST", "/instances/"+blank.ID, map[string]any{"from_media": true, "source": media.ID}); r.Status != 409 {
		t.Fatalf("start from media of a running guest: %d %s", r.Status, r.Message)
	}
	n.must(200, "DELETE", "/instances/"+blank.ID, map[string]bool{"force": true}, nil)
	k.waitStatus(blank, "stopped")

	n.must(200, "DELETE", "/media_images/"+media.ID, nil, nil)
	if r := n.call("GET", "/media_images/"+media.ID, nil); r.Status != 404 {
		t.Fatalf("deleted media image: %d", r.Status)
	}
}

// TestNanoMediaRemoteAgent runs the guest on an agent with a data dir of
// its own, as on another machine: inserted media must be fetched to that
// host, and the monitor channel must reach a VNC socket that only exists
// there, through the agent's tunnel.
func TestNanoMediaRemoteAgent(t *testing.T) {
	dir := guestDir(t)
	k := startKumo(t, withoutLocalAgent)
	agentDir := newExtraAgent(t, k, "remote-media").dir
	k.waitHosts(1)

	n := k.nano(t)
	n.login()
	k.uploadGuest("guest")
	iso, err := os.ReadFile(filepath.Join(dir, "kumo-test-guest.iso"))
	if err != nil {
		t.Fatal(err)
	}
	var media struct{ ID string }
	n.must(200, "POST", "/media_images/", map[string]any{"name": "remote-iso"}, &media)
	if r := n.uploadMedia(media.ID, "", iso); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Message)
	}
	vm := k.createVM(api.VMsPost{Name: "remote-vm", Image: "guest", MemoryMiB: 128})
	n.must(200, "POST", "/instances/"+vm.ID, map[string]any{}, nil)
	vmDir := filepath.Join(agentDir, "vms", vm.ID)
	if _, err := os.Stat(vmDir); err != nil {
		t.Fatalf("the VM does not run on the remote agent: %v", err)
	}

	cached := filepath.Join(agentDir, "images", media.ID)
	if _, err := os.Stat(cached); err == nil {
		t.Fatal("the media image is on the agent before anyone asked for it")
	}
	n.must(200, "POST", "/instances/"+vm.ID+"/media", map[string]any{"source": media.ID}, nil)
	if got, err := os.ReadFile(cached); err != nil || !bytes.Equal(got, iso) {
		t.Fatalf("media image on the agent: %d bytes, %v; want the %d bytes uploaded", len(got), err, len(iso))
	}
	var inst nanoInstance
	n.must(200, "GET", "/instances/"+vm.ID, nil, &inst)
	if inst.MediaSource != media.ID {
		t.Fatalf("instance: %+v", inst)
	}

	var ch struct{ ID string }
	n.must(200, "POST", "/monitor_channels/", map[string]string{"guest": vm.ID}, &ch)
	banner, _, err := readBanner(ctxT(t), "ws://"+k.srv.NanoAddr()+"/monitor_channels/"+ch.ID)
	if err != nil || !strings.HasPrefix(banner, "RFB 003.00") {
		t.Fatalf("monitor channel through the remote agent: banner %q, %v", banner, err)
	}
	n.must(200, "DELETE", "/instances/"+vm.ID, map[string]bool{"force": true}, nil)
}
