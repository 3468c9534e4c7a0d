package zstack

import (
	"bufio"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/zstack-endpoints.md from the route table")

const tablePath = "../../../docs/zstack-endpoints.md"

// notes are the limits of endpoints that work, for the table.
var notes = map[string]string{
	"POST /billings/prices":                      "cpu, memory and rootvolume; datavolume and snapshot are refused (not billed separately in Kumo)",
	"PUT /accounts/{uuid}":                       "description and password; renaming is refused (Kumo user names are fixed)",
	"PUT /accounts/users/actions":                "description and password; renaming is refused",
	"POST /account/{accountUuid}/resources":      "VM instances; other resource types are refused",
	"PUT /accounts/quotas/actions":               "vm.totalNum, vm.num, vm.cpuNum, vm.memorySize, volume.capacity, image.num, image.size: the account's core quotas, enforced on every create through any Kumo API",
	"PUT /accounts/resources/actions":            "ShareResource and RevokeResourceSharing (the body names which); shared VMs and images show in the receiving accounts' queries, to use (a VM from a shared image), not to change",
	"PUT /consoles/agents":                       "the control plane is the only console proxy; nothing to reconnect",
	"GET /vm-instances/{uuid}/console-addresses": "a loopback TCP port proxying the VM's VNC",
	"POST /scheduler/jobs":                       "types startVm, stopVm, rebootVm, volumeSnapshot, vmSnapshot",
}

// extraNotes say what each route beyond the document does: the VM
// instances and images the document's examples use, and what the ZStack
// Go SDK (zstack-sdk-go v1.0.1) and terraform call on their way to a VM.
// Every such route needs one (or a pending reason).
var extraNotes = map[string]string{
	"POST /vm-instances": "CreateVmInstance: `instanceOfferingUuid` (one of GET /instance-offerings) or `cpuNum` and `memorySize` size the VM; given together they must agree, else 400. " +
		"`l3NetworkUuids`: the NAT network (every VM's first NIC) and at most one LAN (a second NIC; the VM goes to the LAN's host). " +
		"`zoneUuid`/`clusterUuid` pick the pool, `hostUuid` the host, `rootDiskSize` the system disk; `strategy` InstantStart or CreateStopped",
	"GET /vm-instances":                           "QueryVmInstance, with `vmNics`, `allVolumes`, `host` and `image` for cross-resource queries; `instanceOfferingUuid` is set when the VM's size is one of the catalogue",
	"GET /vm-instances/{uuid}":                    "QueryVmInstance",
	"DELETE /vm-instances/{uuid}":                 "DestroyVmInstance removes the VM and its disks at once: Kumo has no Destroyed state to recover from",
	"PUT /vm-instances/{uuid}/actions":            "startVmInstance, stopVmInstance (`type` grace, the default: ACPI shutdown, powered off if the guest has not stopped within the stop timeout, as ZStack does; `cold` powers off), rebootVmInstance, pauseVmInstance, resumeVmInstance, updateVmInstance, expungeVmInstance (the destroy already removed everything: succeeds for a VM the caller destroyed, destroys a VM that still exists); other actions are refused naming these",
	"GET /images":                                 "QueryImage",
	"GET /images/{uuid}":                          "QueryImage",
	"GET /vm-instances/nics":                      "QueryVmNic: the NAT NIC of every VM, and its LAN NIC if it joined one",
	"GET /vm-instances/{nics}/{uuid}":             "QueryVmNic of one NIC (`/vm-instances/nics/{uuid}`; no other first part)",
	"GET /zones":                                  "QueryZone: each compute pool is a zone",
	"GET /zones/{uuid}":                           "QueryZone",
	"GET /clusters":                               "QueryCluster: each compute pool is the one cluster of its zone (the cluster's uuid is the pool's id)",
	"GET /clusters/{uuid}":                        "QueryCluster",
	"GET /hosts":                                  "QueryHost: Kumo's hosts in their pool's zone and cluster; CPU capacity in cores, available is what VMs do not claim",
	"GET /hosts/{uuid}":                           "QueryHost",
	"GET /l3-networks":                            "QueryL3Network: the NAT network every VM's first NIC is on (10.0.2.0/24, gateway 10.0.2.2, or the address of its pool's address pool) and the LANs the caller sees",
	"GET /l3-networks/{uuid}":                     "QueryL3Network",
	"GET /instance-offerings":                     "QueryInstanceOffering: a fixed catalogue of sizes, 1C128M, 1C256M, 1C512M, 1C1G, 2C2G, 2C4G, 4C4G, 4C8G, 8C16G, 16C32G (Kumo sizes each VM by cores and memory)",
	"GET /instance-offerings/{uuid}":              "QueryInstanceOffering",
	"GET /volumes":                                "QueryVolume: each VM's root volume (its system disk) and data volumes (its data disks)",
	"GET /volumes/{uuid}":                         "QueryVolume",
	"POST /volumes/{volumeUuid}/volume-snapshots": "CreateVolumeSnapshot of a root volume: a Kumo snapshot of the VM (live, with RAM, when it runs); the name must be a Kumo snapshot name; data volumes are refused (a Kumo snapshot covers the VM)",
	"GET /volume-snapshots":                       "QueryVolumeSnapshot: the snapshots of the VMs the caller sees",
	"GET /volume-snapshots/{uuid}":                "QueryVolumeSnapshot",
	"DELETE /volume-snapshots/{uuid}":             "DeleteVolumeSnapshot",
	"PUT /volume-snapshots/{uuid}/actions":        "revertVolumeFromSnapshot (the VM stopped); other actions are refused",
	"DELETE /accounts/users/{userUuid}/policies/{policyUuid}": "DetachPolicyFromUser at ZStack's own path (the document lists it under the group's)",
	"GET /billings/prices/{uuid}":                             "QueryResourcePrice, plural like its neighbours (the document writes `billing`)",
}

// TestEndpointTable checks that every ZStack endpoint of the document is
// routed and that docs/zstack-endpoints.md says what the code does.
func TestEndpointTable(t *testing.T) {
	f, err := os.Open("testdata/endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	routes := map[string]route{}
	for _, r := range s.routes() {
		routes[r.method+" "+r.path] = r
	}
	routes["GET /api-jobs/{uuid}"] = route{method: "GET", path: "/api-jobs/{uuid}"}
	var b strings.Builder
	b.WriteString("# ZStack 2.3.1 API endpoints\n\n")
	b.WriteString("Generated by `go test ./internal/api/zstack -run TestEndpointTable -update` from the route table\n")
	b.WriteString("(`internal/api/zstack/routes.go`); the test fails when the two disagree.\n\n")
	b.WriteString("Options Kumo does not offer (named under status) are refused with HTTP 503 and `{\"error\": {\"code\": \"SYS.1010\", ...}}` naming what is missing.\n")
	b.WriteString("A query naming a field its resource does not have (in `q=`, `sort`, `fields` or `groupBy`) is refused with 400 and SYS.1007, as ZStack does.\n")
	b.WriteString("Error details name resources by the uuids clients use (32 hex digits), never Kumo's hyphenated ids.\n\n")
	b.WriteString("| method | path | name | status |\n|---|---|---|---|\n")
	sc := bufio.NewScanner(f)
	done, total := 0, 0
	documented := map[string]bool{"GET /api-jobs/{uuid}": true}
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		method, path, name := cols[1], strings.TrimPrefix(cols[2], Prefix), cols[3]
		documented[method+" "+path] = true
		total++
		r, ok := routes[method+" "+path]
		status := "done"
		switch {
		case !ok:
			t.Errorf("%s %s is not routed", method, path)
			status = "missing"
		case r.pending != "":
			status = "refused: " + r.pending
		default:
			done++
			if n := notes[method+" "+path]; n != "" {
				status += ": " + n
			}
		}
		// Every documented path must reach a handler, not the 404 fallback.
		req := httptest.NewRequest(method, Prefix+strings.NewReplacer("{", "", "}", "").Replace(path), nil)
		_, pattern := s.mux.Handler(req)
		if pattern == "/" {
			t.Errorf("%s %s falls through to the 404 handler", method, path)
		}
		b.WriteString("| " + method + " | `" + Prefix + path + "` | " + name + " | " + status + " |\n")
	}
	b.WriteString("\n" + itoa(done) + " of " + itoa(total) + " endpoints done.\n")
	b.WriteString("\n## Beyond the document\n\n")
	b.WriteString("VM instances and images, as the document's examples use them, and what the ZStack Go SDK\n")
	b.WriteString("(terraform-zstack-modules/zstack-sdk-go v1.0.1) and the terraform provider built on it call on the way\n")
	b.WriteString("to a VM and back (`e2e/zstack_sdk_test.go` drives them). Paths the document does not list are served\n")
	b.WriteString("before `{uuid}` routes: `GET /vm-instances/nics` is QueryVmNic, and `PUT /accounts/resources` or\n")
	b.WriteString("`DELETE /accounts/login` answer 405 naming the methods of that path, not an account named \"resources\".\n\n")
	b.WriteString("| method | path | API | status |\n|---|---|---|---|\n")
	for _, r := range s.routes() {
		key := r.method + " " + r.path
		if documented[key] {
			continue
		}
		status := "done: " + extraNotes[key]
		switch {
		case r.pending != "":
			status = "refused: " + r.pending
		case extraNotes[key] == "":
			t.Errorf("%s is routed beyond the document but has no note in extraNotes", key)
		}
		api := r.api
		if api == "" {
			api = "(named by the body)"
		}
		b.WriteString("| " + r.method + " | `" + Prefix + r.path + "` | " + api + " | " + status + " |\n")
	}
	if *update {
		if err := os.WriteFile(tablePath, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(tablePath)
	if err != nil || string(got) != b.String() {
		t.Errorf("%s is out of date; run go test ./internal/api/zstack -run TestEndpointTable -update", tablePath)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestErrorFormat checks the document's error shape and status codes.
func TestErrorFormat(t *testing.T) {
	s := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/zstack/v1/no-such-thing", nil))
	var out struct {
		Error errorCode `json:"error"`
	}
	if rec.Code != http.StatusNotFound || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.Error.Code == "" || out.Error.Details == "" {
		t.Fatalf("unknown URL: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("PATCH", "/zstack/v1/accounts", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, POST" {
		t.Fatalf("wrong method: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

func TestActionMatches(t *testing.T) {
	for _, tc := range []struct {
		action, api string
		want        bool
	}{
		{"instance:APIStartVmInstanceMsg", "StartVmInstance", true},
		{"org.zstack.header.vm.APIStartVmInstanceMsg", "StartVmInstance", true},
		{"instance:*", "CreateVmInstance", true},
		{"*", "CreateVmInstance", true},
		{"instance:APIStopVmInstanceMsg", "StartVmInstance", false},
		{"CreateVmInstance", "CreateVmInstance", true},
		{"APICreate*", "CreateVmInstance", true},
		{"APICreate*", "DeleteAccount", false},
	} {
		if got := actionMatches(tc.action, tc.api); got != tc.want {
			t.Errorf("actionMatches(%q, %q) = %v", tc.action, tc.api, got)
		}
	}
}

// TestLiteralPaths checks that a {uuid} route does not take a path the
// route table serves literally with other methods: the caller gets 405
// and the methods of that path, not an account named "login".
func TestLiteralPaths(t *testing.T) {
	s := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/zstack/v1/accounts/login", "PUT"},
		{"PUT", "/zstack/v1/accounts/resources", "GET"},
		{"GET", "/zstack/v1/accounts/login", "PUT"},
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		var out struct {
			Error errorCode `json:"error"`
		}
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.allow ||
			json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.Error.Code != "SYS.1007" {
			t.Errorf("%s %s: %d Allow=%q %s", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), rec.Body)
		}
	}
	// GET /vm-instances/nics is QueryVmNic, not the VM "nics".
	_, pattern := s.mux.Handler(httptest.NewRequest("GET", "/zstack/v1/vm-instances/nics", nil))
	if pattern != "GET /zstack/v1/vm-instances/nics" {
		t.Errorf("GET /vm-instances/nics is routed to %q", pattern)
	}
}
