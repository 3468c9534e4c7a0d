package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// portal sends requests the way Nano's web portal does (src/nano_api.js
// of project-nano/portal): a JSON body only when the call has one (axios
// drops an empty one), the session in Nano-Session, and a reply read as
// its callAxios reads it: error_code 0 or the message is shown.
type portal struct {
	*nanoClient
}

// ok makes a call the portal expects to succeed and returns the HTTP
// status (which the portal reads for guest creates and polls) after
// decoding data into out.
func (p portal) ok(method, path string, body, out any) int {
	p.t.Helper()
	r := p.portalCall(method, path, body)
	if r.ErrorCode != 0 {
		p.t.Fatalf("%s %s: the portal shows %q (error_code %d)", method, path, r.Message, r.ErrorCode)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			p.t.Fatalf("%s %s: data %s: %v", method, path, r.Data, err)
		}
	}
	return r.Status
}

func (p portal) portalCall(method, path string, body any) nanoReply {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	return p.send(method, path, "application/json", rd)
}

// upload is the portal's uploadBinary: a form with the file in field
// "image", nothing else.
func (p portal) upload(path, filename string, content []byte) nanoReply {
	p.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("image", filename)
	fw.Write(content)
	mw.Close()
	return p.send("POST", path, mw.FormDataContentType(), &buf)
}

type portalSystem struct {
	Ready     bool  `json:"ready"`
	MaxCores  int   `json:"max_cores"`
	MaxMemory int64 `json:"max_memory"`
	MaxDisk   int64 `json:"max_disk"`
}

// TestNanoPortal replays the calls Nano's web portal makes, in its order,
// with its paths and bodies, from the login page to deleting a guest, and
// reads each reply's fields as the portal reads them.
func TestNanoPortal(t *testing.T) {
	dir := guestDir(t)
	k := startKumo(t)
	p := portal{k.nano(t)}

	// The login page asks whether the system is ready (no session);
	// ready is what it reads, and without it redirects to the setup.
	var sys portalSystem
	p.ok("GET", "/system/", nil, &sys)
	if !sys.Ready {
		t.Fatalf("system status before login: %+v", sys)
	}
	// The setup page's POST is refused: Kumo made its first admin.
	if r := p.portalCall("POST", "/system/", map[string]any{"user": "root2", "password": "long-enough-password",
		"menu": []string{"dashboard"}}); r.ErrorCode == 0 || r.Message == "" {
		t.Fatalf("a second initialization: %+v", r)
	}

	// Login: loginUser, then the session the portal saves.
	var login struct {
		Session string   `json:"session"`
		Timeout int      `json:"timeout"`
		Menu    []string `json:"menu"`
		Address string   `json:"address"`
		Group   string   `json:"group"`
	}
	p.ok("POST", "/sessions/", map[string]string{"user": "admin", "password": adminPassword, "nonce": "Ab3dEf6hIj9kLm0p"}, &login)
	// The admin sees every page: the portal shows a page only when its
	// name (src/routes.js) is in the menu.
	pages := []string{"dashboard", "compute_pool", "address_pool", "storage_pool", "instance", "image", "media",
		"templates", "policies", "user", "log", "visibility"}
	if login.Session == "" || login.Timeout <= 0 || login.Group == "" || login.Address == "" || !reflect.DeepEqual(login.Menu, pages) {
		t.Fatalf("login: %+v, menu want %v", login, pages)
	}
	p.session = login.Session
	p.ok("PUT", "/sessions/"+p.session, nil, nil) // updateSession, with an empty body
	p.ok("POST", "/logs/", map[string]string{"content": login.Group + ".admin(" + login.Address + ") : login success"}, nil)

	// Dashboard.
	var zone struct {
		Pools [2]int `json:"pools"`
		Cells [2]int `json:"cells"`
	}
	p.ok("GET", "/compute_zone_status/", nil, &zone)
	if zone.Cells[1] != 1 {
		t.Fatalf("zone status: %+v", zone)
	}
	var poolStatus []struct{ Name string }
	p.ok("GET", "/compute_pool_status/", nil, &poolStatus)
	if len(poolStatus) != 1 || poolStatus[0].Name != "default" {
		t.Fatalf("pool status: %+v", poolStatus)
	}

	// Compute pools and their cells, at the portal's paths.
	var pools []struct {
		Name    string `json:"name"`
		Enabled bool   `json:"enabled"`
		Cells   int    `json:"cells"`
	}
	p.ok("GET", "/compute_pools/", nil, &pools)
	if len(pools) != 1 || pools[0].Name != "default" || pools[0].Cells != 1 {
		t.Fatalf("compute pools: %+v", pools)
	}
	var cells []struct {
		Name  string `json:"name"`
		Alive bool   `json:"alive"`
	}
	p.ok("GET", "/compute_pool_cells/default", nil, &cells)
	var cellStatus []struct {
		Name string `json:"name"`
	}
	p.ok("GET", "/compute_cell_status/default", nil, &cellStatus) // queryComputeCellStatus: no trailing slash
	if len(cells) != 1 || len(cellStatus) != 1 || cellStatus[0].Name != cells[0].Name {
		t.Fatalf("cells %+v, cell status %+v", cells, cellStatus)
	}
	var one struct {
		Name string `json:"name"`
	}
	p.ok("GET", "/compute_cell_status/default/"+cells[0].Name, nil, &one)
	if one.Name != cells[0].Name {
		t.Fatalf("cell status of %s: %+v", cells[0].Name, one)
	}
	if r := p.portalCall("GET", "/compute_cell_status/no-such-pool/"+cells[0].Name, nil); r.ErrorCode != 404 {
		t.Fatalf("a cell under a pool it is not in: %+v", r)
	}

	// Disk images: createDiskImage, then uploadDiskImage to
	// /disk_images/{id}/file/, and the list the create dialog reads.
	content, err := os.ReadFile(filepath.Join(dir, "kumo-test-guest.qcow2"))
	if err != nil {
		t.Fatal(err)
	}
	var image struct {
		ID string `json:"id"`
	}
	p.ok("POST", "/disk_images/", map[string]any{"name": "portal-disk", "description": "from the portal", "tags": []string{"linux"},
		"owner": "admin", "group": login.Group}, &image)
	if r := p.upload("/disk_images/"+image.ID+"/file/", "guest.qcow2", content); r.ErrorCode != 0 {
		t.Fatalf("upload to /disk_images/{id}/file/: %+v", r)
	}
	var diskImage struct {
		Created bool  `json:"created"`
		Size    int64 `json:"size"`
	}
	p.ok("GET", "/disk_images/"+image.ID, nil, &diskImage)
	if !diskImage.Created || diskImage.Size == 0 {
		t.Fatalf("disk image after its upload: %+v", diskImage)
	}
	// The download link, with a session, gives the file back; without
	// one (as the portal opens it) it is refused.
	if st, got, _ := p.download("/disk_images/" + image.ID + "/file/"); st != 200 || !bytes.Equal(got, content) {
		t.Fatalf("download: HTTP %d, %d bytes of %d", st, len(got), len(content))
	}
	anon := portal{k.nano(t)}
	if r := anon.portalCall("GET", "/disk_images/"+image.ID+"/file/", nil); r.ErrorCode != 401 {
		t.Fatalf("download without a session: %+v", r)
	}

	// The create-guest dialog: system limits, pools, images, templates,
	// global enabled security policy groups.
	var limits portalSystem
	anon.ok("GET", "/system/", nil, &limits) // nakeGetRequest: no session
	if limits.MaxCores < 1 || limits.MaxMemory < 1 || limits.MaxDisk < 5 {
		t.Fatalf("the create dialog's limits: %+v", limits)
	}
	p.ok("GET", "/compute_pools/", nil, nil)
	var images []struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	}
	p.ok("GET", "/disk_image_search/", nil, &images)
	if len(images) != 1 || images[0].ID != image.ID || images[0].Name != "portal-disk" {
		t.Fatalf("disk image search: %+v", images)
	}
	var templates []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	p.ok("GET", "/templates/", nil, &templates)
	template := ""
	if len(templates) > 0 {
		template = templates[0].ID // the dialog takes the first by default
	}
	var policies []struct{ ID, Name string }
	p.ok("GET", "/search/security_policy_groups/?enabled_only=true&global_only=true", nil, &policies)

	// createInstance with the dialog's defaults (a smaller memory), and
	// the poll of getInstanceConfig: 201 with progress, then 200.
	var created struct {
		ID string `json:"id"`
	}
	const GiB = 1 << 30
	status := p.ok("POST", "/guests/", map[string]any{
		"name": "portal-vm", "owner": "admin", "group": login.Group, "pool": "default", "cores": 1, "memory": 256 << 20,
		"disks": []int64{5 * GiB}, "auto_start": false, "from_image": image.ID, "template": template,
		"modules":    []string{"qemu", "cloud-init"},
		"cloud_init": map[string]string{"admin_name": "root", "admin_secret": "", "data_path": "/opt/data"},
		"qos":        map[string]any{"cpu_priority": "medium", "write_iops": 0, "read_iops": 0, "receive_speed": 0, "send_speed": 0},
	}, &created)
	if status != 202 || created.ID == "" {
		t.Fatalf("create: HTTP %d, %+v (the portal waits on 202 with the id)", status, created)
	}
	var config struct {
		Name    string  `json:"name"`
		Created bool    `json:"created"`
		Pool    string  `json:"pool"`
		Cores   int     `json:"cores"`
		Memory  int64   `json:"memory"`
		Disks   []int64 `json:"disks"`
	}
	eventually(t, 2*time.Minute, "the guest to be created", func() (bool, string) {
		var data struct {
			Progress *int   `json:"progress"`
			Name     string `json:"name"`
			Created  bool   `json:"created"`
		}
		switch st := p.ok("GET", "/guests/"+created.ID, nil, &data); st {
		case 201:
			if data.Progress == nil || *data.Progress < 0 || *data.Progress > 100 || data.Name != "portal-vm" || data.Created {
				t.Fatalf("201 while creating: %+v", data)
			}
			return false, "creating"
		case 200:
			return true, ""
		default:
			t.Fatalf("GET /guests/{id}: HTTP %d, the portal fails on it", st)
		}
		return false, ""
	})
	p.ok("GET", "/guests/"+created.ID, nil, &config)
	if config.Name != "portal-vm" || !config.Created || config.Pool != "default" || config.Cores != 1 || config.Memory != 256<<20 ||
		!reflect.DeepEqual(config.Disks, []int64{5 * GiB}) {
		t.Fatalf("guest config: %+v", config)
	}

	// The instance list, then start (startInstance posts an empty object).
	var list struct {
		Result []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Running bool   `json:"running"`
		} `json:"result"`
		Total int `json:"total"`
	}
	p.ok("POST", "/search/guests/", map[string]any{"limit": 20}, &list)
	if list.Total != 1 || len(list.Result) != 1 || list.Result[0].ID != created.ID || list.Result[0].Running {
		t.Fatalf("instance list: %+v", list)
	}
	p.ok("POST", "/instances/"+created.ID, map[string]any{}, nil)
	vm := api.VM{ID: created.ID}
	k.waitStatus(vm, "running")
	k.waitSerial(vm, "KUMO-GUEST-READY", 1) // booted, as a user sees it on the monitor
	var inst struct {
		Running bool `json:"running"`
	}
	if st := p.ok("GET", "/instances/"+created.ID, nil, &inst); st != 200 || !inst.Running {
		t.Fatalf("instance status: HTTP %d %+v", st, inst)
	}

	// The monitor: a channel's websocket carries VNC; resetting the
	// monitor secret revokes the channels not opened yet.
	var channel struct {
		ID       string `json:"id"`
		Password string `json:"password"`
	}
	p.ok("POST", "/monitor_channels/", map[string]string{"guest": created.ID}, &channel)
	wsBase := "ws://" + k.srv.NanoAddr() + "/api/v1/monitor_channels/"
	if banner, _, err := readBanner(ctxT(t), wsBase+channel.ID); err != nil || !strings.HasPrefix(banner, "RFB ") {
		t.Fatalf("monitor channel: %q %v", banner, err)
	}
	p.ok("POST", "/monitor_channels/", map[string]string{"guest": created.ID}, &channel)
	p.ok("PUT", "/guests/"+created.ID+"/monitor/secret", nil, nil) // resetMonitorSecret, with an empty body
	if banner, _, err := readBanner(ctxT(t), wsBase+channel.ID); err == nil {
		t.Fatalf("a channel opened after the secret was reset: %q", banner)
	}

	// The guest's security policy, at the portal's rule paths.
	type rule struct {
		Action   string `json:"action"`
		Protocol string `json:"protocol"`
		ToPort   int    `json:"to_port"`
	}
	var policy struct {
		DefaultAction string `json:"default_action"`
		Rules         []rule `json:"rules"`
	}
	p.ok("GET", "/guests/"+created.ID+"/security_policy/", nil, &policy)
	rules := "/guests/" + created.ID + "/security_policy/rules/"
	p.ok("POST", rules, rule{"reject", "tcp", 22}, nil)
	p.ok("POST", rules, rule{"reject", "udp", 53}, nil)
	p.ok("PUT", rules+"1/order", map[string]string{"direction": "up"}, nil) // moveUpGuestSecurityRule
	p.ok("PUT", rules+"1", rule{"reject", "tcp", 8080}, nil)                // modifyGuestSecurityRule
	p.ok("DELETE", rules+"0", nil, nil)                                     // removeGuestSecurityRule
	p.ok("GET", "/guests/"+created.ID+"/security_policy/", nil, &policy)
	if policy.DefaultAction != "reject" || !reflect.DeepEqual(policy.Rules, []rule{{"reject", "tcp", 8080}}) {
		t.Fatalf("security policy after the portal's edits: %+v", policy)
	}
	if r := p.portalCall("PUT", rules+"0", rule{"accept", "tcp", 22}); r.ErrorCode != 409 || r.Message == "" {
		t.Fatalf("an accept rule on a NAT guest: %+v", r)
	}

	// A snapshot, and the tree the snapshot page builds.
	p.ok("POST", "/instances/"+created.ID+"/snapshots/", map[string]string{"name": "first", "description": "from the portal"}, nil)
	var snapshots map[string]struct {
		IsRoot    bool   `json:"is_root"`
		IsCurrent bool   `json:"is_current"`
		Backing   string `json:"backing"`
	}
	p.ok("GET", "/instances/"+created.ID+"/snapshots/", nil, &snapshots)
	if s, found := snapshots["first"]; len(snapshots) != 1 || !found || !s.IsRoot || !s.IsCurrent {
		t.Fatalf("snapshots: %+v", snapshots)
	}

	// stopInstance: a graceful stop, the guest shut down by ACPI.
	p.ok("DELETE", "/instances/"+created.ID, map[string]bool{"reboot": false, "force": false}, nil)
	k.waitStatus(vm, "stopped")
	if !strings.Contains(k.serial(vm), "KUMO-GUEST-POWEROFF") {
		t.Fatal("the guest did not see the ACPI power button")
	}
	if st := p.ok("GET", "/instances/"+created.ID, nil, &inst); st != 200 || inst.Running {
		t.Fatalf("instance after the stop: HTTP %d %+v", st, inst)
	}

	// deleteInstance, and the guest is gone: error_code 404 with HTTP 200,
	// the message the portal shows.
	p.ok("DELETE", "/guests/"+created.ID, map[string]bool{"force": false}, nil)
	req, _ := http.NewRequest("GET", p.base+"/guests/"+created.ID, nil)
	req.Header.Set("Nano-Session", p.session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var gone nanoReply
	if json.Unmarshal(raw, &gone) != nil || resp.StatusCode != 200 || gone.ErrorCode != 404 || gone.Message == "" {
		t.Fatalf("the deleted guest: HTTP %d %s", resp.StatusCode, raw)
	}
}

// TestNanoGuestBuilding checks the reply of GET /guests/{id} while a
// guest is being made: 201 with its progress, name and created false,
// which the portal's create dialog polls, then 200 with the guest. The
// create is a full copy of a large image (Kumo's own API asks for one;
// Nano's creates are copy-on-write overlays, made at once), so the build
// lasts long enough to be seen.
func TestNanoGuestBuilding(t *testing.T) {
	k := startKumo(t)
	big := k.uploadFile("big", bigImage(t, "384M"))
	p := portal{k.nano(t)}
	p.login()
	vm, err := k.c.CreateVM(ctxT(t), api.VMsPost{Name: "building", Image: big.ID, MemoryMiB: 64, CloneMode: "full"})
	if err != nil {
		t.Fatal(err)
	}
	building, last := 0, -1
	eventually(t, 5*time.Minute, "the guest to be built", func() (bool, string) {
		var data struct {
			Progress *int   `json:"progress"`
			Name     string `json:"name"`
			Created  *bool  `json:"created"`
		}
		switch st := p.ok("GET", "/guests/"+vm.VM.ID, nil, &data); st {
		case 201:
			if data.Progress == nil || *data.Progress < last || *data.Progress > 100 || data.Name != "building" ||
				data.Created == nil || *data.Created {
				t.Fatalf("201 while building: progress %v (after %d), name %q, created %v", data.Progress, last, data.Name, data.Created)
			}
			building, last = building+1, *data.Progress
			return false, "building"
		case 200:
			if data.Created == nil || !*data.Created || data.Name != "building" {
				t.Fatalf("200 once built: %+v", data)
			}
			return true, ""
		default:
			t.Fatalf("GET /guests/{id}: HTTP %d", st)
		}
		return false, ""
	})
	if building == 0 {
		t.Fatal("no 201 was seen while the guest was being built")
	}
	t.Logf("%d replies of 201 while building, the last at progress %d", building, last)
	k.mustTask(vm.Task)
}

// nanoPortalSweep is the portal's paths beside the document's
// (docs/nano-endpoints.md), with the bodies the portal sends, for
// TestErrorSweep.
func nanoPortalSweep() []sweepEndpoint {
	rule := map[string]any{"action": "reject", "protocol": "tcp", "to_port": 22}
	eps := []sweepEndpoint{
		{method: "GET", path: "/api/v1/system/"},
		{method: "POST", path: "/api/v1/system/", example: map[string]any{"user": "admin", "password": "long-enough-password", "menu": []string{"dashboard"}}},
		{method: "GET", path: "/api/v1/compute_cell_status/{pool}/{cell}"},
		{method: "GET", path: "/api/v1/instance_status/{pool}/{cell}"},
		{method: "GET", path: "/api/v1/address_pools/{pool}/{type}/ranges/{start}"},
		{method: "POST", path: "/api/v1/address_pools/{pool}/{type}/ranges/{start}", example: map[string]any{"end": "10.0.0.9", "netmask": "255.255.255.0"}},
		{method: "DELETE", path: "/api/v1/address_pools/{pool}/{type}/ranges/{start}"},
		{method: "PUT", path: "/api/v1/guests/{id}/security_policy/rules/{index}", example: rule},
		{method: "PUT", path: "/api/v1/guests/{id}/security_policy/rules/{index}/order", example: map[string]any{"direction": "up"}},
		{method: "DELETE", path: "/api/v1/guests/{id}/security_policy/rules/{index}"},
		{method: "PUT", path: "/api/v1/guests/{id}/monitor/secret"},
		{method: "POST", path: "/api/v1/disk_images/{id}/file/"},
		{method: "GET", path: "/api/v1/disk_images/{id}/file/"},
		{method: "POST", path: "/api/v1/media_images/{id}/file/"},
		{method: "GET", path: "/api/v1/media_images/{id}/file/"},
		{method: "GET", path: "/api/v1/user_groups/{group_name}/members/"},
	}
	for i := range eps {
		eps[i].dialect = "nano"
	}
	return eps
}

// TestNanoPortalBodies sends every request body the portal builds
// (src/nano_api.js), with its fields, to its path: none is refused for
// its shape (an unknown field, a field of the wrong kind), whatever the
// call's outcome on the objects at hand.
func TestNanoPortalBodies(t *testing.T) {
	k := startKumo(t)
	k.uploadFile("tiny", tinyImage(t))
	p := portal{k.nano(t)}
	p.login()
	var guest, image, media, group struct {
		ID string `json:"id"`
	}
	p.ok("POST", "/guests/", map[string]any{"name": "bodies", "owner": "admin", "group": "admin", "pool": "default", "cores": 1,
		"memory": 64 << 20, "disks": []int64{1 << 30}, "auto_start": false, "from_image": "tiny", "template": ""}, &guest)
	eventually(t, time.Minute, "the guest to be created", func() (bool, string) {
		return p.ok("GET", "/guests/"+guest.ID, nil, nil) == 200, ""
	})
	var cells []struct {
		Name string `json:"name"`
	}
	p.ok("GET", "/compute_pool_cells/default", nil, &cells)
	cell := cells[0].Name
	var storages struct {
		System []string `json:"system"`
	}
	p.ok("GET", "/compute_cell_status/default/"+cell+"/storages/", nil, &storages)
	image.ID = "tiny"
	p.ok("POST", "/media_images/", map[string]any{"name": "cd", "description": "d", "tags": []string{"iso"}, "owner": "admin", "group": "admin"}, &media)
	p.ok("POST", "/security_policy_groups/", map[string]any{"name": "sg", "description": "d", "user": "admin", "group": "admin",
		"enabled": true, "global": false, "default_action": "reject"}, &group)
	g, rule := "/guests/"+guest.ID, map[string]any{"action": "reject", "protocol": "tcp", "to_port": 22}
	info := map[string]any{"name": "renamed", "description": "d", "tags": []string{"linux"}, "owner": "admin", "group": "admin"}
	calls := []struct {
		method, path string
		body         any
	}{
		{"POST", "/compute_pools/p2", map[string]any{"storage": "", "network": "", "failover": false}},
		{"PUT", "/compute_pools/p2", map[string]any{"storage": "", "network": "", "failover": false}},
		{"PUT", "/compute_pool_cells/default/" + cell, map[string]any{"enable": true}},
		{"PUT", "/compute_cell_status/default/" + cell + "/storages/", map[string]any{"default": firstOr(storages.System, "/")}},
		{"POST", "/storage_pools/s1", map[string]any{"type": "local", "host": "", "target": ""}},
		{"PUT", "/storage_pools/s1", map[string]any{"type": "local", "host": "", "target": ""}},
		{"POST", "/address_pools/a1", map[string]any{"gateway": "10.9.0.1", "provider": "dhcp", "dns": []string{"10.9.0.1"}}},
		{"PUT", "/address_pools/a1", map[string]any{"gateway": "10.9.0.1", "provider": "dhcp", "dns": []string{"10.9.0.1"}}},
		{"POST", "/address_pools/a1/internal/ranges/10.9.0.10", map[string]any{"end": "10.9.0.20", "netmask": "255.255.255.0"}},
		{"POST", "/search/guests/", map[string]any{"limit": 20, "offset": 20, "pool": "default", "cell": cell, "keyword": "b"}},
		{"PUT", g + "/name/", map[string]any{"name": "renamed"}},
		{"PUT", g + "/cores", map[string]any{"cores": 2}},
		{"PUT", g + "/memory", map[string]any{"memory": 128 << 20}},
		{"PUT", g + "/auto_start", map[string]any{"enable": true}},
		{"PUT", g + "/disks/resize/0", map[string]any{"size": 2 << 30}},
		{"PUT", g + "/disks/shrink/0", map[string]any{"immediate": false}},
		{"PUT", g + "/auth", map[string]any{"user": "root", "password": "long-enough-secret"}},
		{"PUT", g + "/qos/cpu", map[string]any{"priority": "high"}},
		{"PUT", g + "/qos/disk", map[string]any{"write_iops": 100, "read_iops": 100}},
		{"PUT", g + "/qos/network", map[string]any{"receive_speed": 0, "send_speed": 0}},
		{"PUT", g + "/system/", map[string]any{"from_image": image.ID}},
		{"PUT", g + "/security_policy/default_action", map[string]any{"action": "reject"}},
		{"POST", g + "/security_policy/rules/", rule},
		{"PUT", g + "/security_policy/rules/0", rule},
		{"PUT", g + "/security_policy/rules/0/order", map[string]any{"direction": "down"}},
		{"POST", "/instances/" + guest.ID + "/snapshots/", map[string]any{"name": "s1", "description": "d"}},
		{"PUT", "/instances/" + guest.ID + "/snapshots/", map[string]any{"target": "s1"}},
		{"POST", "/instances/" + guest.ID + "/media", map[string]any{"source": media.ID}},
		{"POST", "/instances/" + guest.ID, map[string]any{"from_media": true, "source": media.ID}},
		{"DELETE", "/instances/" + guest.ID, map[string]any{"reboot": true, "force": true}},
		{"POST", "/migrations/", map[string]any{"source_pool": "default", "source_cell": cell, "target_cell": cell, "instances": []string{guest.ID}}},
		{"POST", "/migrations/", map[string]any{"source_pool": "default", "source_cell": cell, "target_cell": cell}},
		{"PATCH", "/media_images/", map[string]any{"owner": "admin", "group": "admin"}},
		{"PUT", "/media_images/" + media.ID, info},
		{"PATCH", "/disk_images/", map[string]any{"owner": "admin", "group": "admin"}},
		{"POST", "/disk_images/", map[string]any{"name": "from-guest", "description": "d", "tags": []string{}, "owner": "admin", "group": "admin", "guest": guest.ID}},
		{"PUT", "/disk_images/" + image.ID, info},
		{"POST", "/batch/create_guest/", map[string]any{"name_rule": "order", "count": 1, "owner": "admin", "group": "admin", "pool": "default",
			"cores": 1, "memory": 64 << 20, "disks": []int64{1 << 30}, "auto_start": false, "from_image": image.ID, "template": "",
			"name_prefix": "batch", "modules": []string{"qemu"}, "qos": map[string]any{"cpu_priority": "medium", "write_iops": 0,
				"read_iops": 0, "receive_speed": 0, "send_speed": 0}}},
		{"POST", "/batch/stop_guest/", map[string]any{"guest": []string{guest.ID}}},
		{"POST", "/templates/", map[string]any{"name": "t1", "admin": "root", "operating_system": "linux", "disk": "scsi",
			"network": "virtio", "display": "vga", "control": "vnc", "usb": "", "tablet": ""}},
		{"PUT", "/security_policy_groups/" + group.ID, map[string]any{"name": "sg", "description": "d", "user": "admin", "group": "admin",
			"enabled": true, "global": false, "default_action": "reject"}},
		{"POST", "/security_policy_groups/" + group.ID + "/rules/", rule},
		{"PUT", "/security_policy_groups/" + group.ID + "/rules/0", rule},
		{"PUT", "/security_policy_groups/" + group.ID + "/rules/0/order", map[string]any{"direction": "up"}},
		{"POST", "/roles/r1", map[string]any{"menu": []string{"dashboard", "image", "media", "templates", "policies"}}},
		{"PUT", "/roles/r1", map[string]any{"menu": []string{"instance"}}},
		{"POST", "/user_groups/ug1", map[string]any{"display": "Group", "role": []string{"r1"}}},
		{"PUT", "/user_groups/ug1", map[string]any{"display": "Group", "role": []string{"r1"}}},
		{"POST", "/users/u1", map[string]any{"password": "long-enough-password", "nick": "U", "mail": "u@example.com"}},
		{"PUT", "/users/u1", map[string]any{"nick": "U1", "mail": "u1@example.com"}},
		{"POST", "/user_groups/ug1/members/u1", map[string]any{}},
		{"PUT", "/users/admin/password/", map[string]any{"old": "wrong-password", "new": "another-long-password"}},
		{"PUT", "/resource_visibilities/", map[string]any{"instance_visible": true, "disk_image_visible": true, "media_image_visible": true}},
		{"DELETE", "/logs/", map[string]any{"entries": []string{"no-such-entry"}}},
	}
	for _, c := range calls {
		r := p.portalCall(c.method, c.path, c.body)
		if r.ErrorCode == 400 && (strings.Contains(r.Message, "unknown field") || strings.Contains(r.Message, "expected ")) {
			t.Errorf("%s %s %v: the portal's body is refused: %s", c.method, c.path, c.body, r.Message)
		}
		if r.ErrorCode == 404 && strings.Contains(r.Message, "no such endpoint") {
			t.Errorf("%s %s: %s", c.method, c.path, r.Message)
		}
	}
}

func firstOr(list []string, or string) string {
	if len(list) > 0 {
		return list[0]
	}
	return or
}
