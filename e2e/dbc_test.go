package e2e

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// dbcClient speaks the DBC client API as a renter's wallet.
type dbcClient struct {
	t      *testing.T
	base   string
	key    ed25519.PrivateKey
	wallet string
	nonces int
	// session and sessionSign are the credentials once issued.
	session, sessionSign string
}

type dbcReply struct {
	Status  int
	ErrCode int             `json:"errcode"`
	Message json.RawMessage `json:"message"`
}

// text is the message of a failure.
func (r dbcReply) text() string {
	var s string
	json.Unmarshal(r.Message, &s)
	return s
}

func (k *kumo) dbc(t *testing.T) *dbcClient {
	d := newDBCWallet(t)
	d.base = "http://" + k.srv.DBCAddr() + "/api/v1"
	return d
}

// newDBCWallet is a client of a new wallet, to be pointed at a server.
func newDBCWallet(t *testing.T) *dbcClient {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &dbcClient{t: t, key: priv, wallet: service.SS58Address(pub)}
}

func (d *dbcClient) sign(msg string) string {
	return hex.EncodeToString(ed25519.Sign(d.key, []byte(msg)))
}

// post sends a raw body.
func (d *dbcClient) post(path string, body []byte) dbcReply {
	d.t.Helper()
	resp, err := http.Post(d.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r dbcReply
	if err := json.Unmarshal(raw, &r); err != nil {
		d.t.Fatalf("POST %s: reply is not DBC's envelope: %s", path, raw)
	}
	r.Status = resp.StatusCode
	if (r.Status >= 300) != (r.ErrCode != 0) {
		d.t.Fatalf("POST %s: HTTP %d with errcode %d: the two must agree", path, r.Status, r.ErrCode)
	}
	return r
}

// call sends a body with the client's session credentials.
func (d *dbcClient) call(path string, nodes []string, additional any) dbcReply {
	d.t.Helper()
	body := map[string]any{"peer_nodes_list": nodes, "additional": additional}
	if d.session != "" {
		body["session_id"], body["session_id_sign"] = d.session, d.sessionSign
	}
	b, _ := json.Marshal(body)
	return d.post(path, b)
}

// walletBody is a body signed with a fresh nonce.
func (d *dbcClient) walletBody(nodes []string, additional any) map[string]any {
	d.nonces++
	nonce := fmt.Sprintf("nonce-%d-%d", time.Now().UnixNano(), d.nonces)
	return map[string]any{"peer_nodes_list": nodes, "additional": additional, "wallet": d.wallet, "nonce": nonce, "sign": d.sign(nonce)}
}

func (d *dbcClient) must(path string, nodes []string, additional, out any) {
	d.t.Helper()
	r := d.call(path, nodes, additional)
	if r.Status != 200 {
		d.t.Fatalf("POST %s: HTTP %d (errcode %d: %s), want 200", path, r.Status, r.ErrCode, r.text())
	}
	if out != nil {
		if err := json.Unmarshal(r.Message, out); err != nil {
			d.t.Fatalf("POST %s: message %s: %v", path, r.Message, err)
		}
	}
}

// login gets a session id with a wallet signature and signs it.
func (d *dbcClient) login(node string) {
	d.t.Helper()
	b, _ := json.Marshal(d.walletBody([]string{node}, map[string]any{}))
	r := d.post("/mining_nodes/session_id", b)
	var s struct {
		SessionID string `json:"session_id"`
	}
	if r.Status != 200 || json.Unmarshal(r.Message, &s) != nil || s.SessionID == "" {
		d.t.Fatalf("session_id: HTTP %d %s", r.Status, r.Message)
	}
	d.session, d.sessionSign = s.SessionID, d.sign(s.SessionID)
}

// dbcNode returns the node id of the local host.
func dbcNode(t *testing.T, d *dbcClient) string {
	var nodes []struct {
		NodeID string `json:"node_id"`
		GPU    struct {
			Num int `json:"num"`
		} `json:"gpu"`
	}
	d.must("/mining_nodes", nil, map[string]any{}, &nodes)
	if len(nodes) != 1 || len(nodes[0].NodeID) != 64 {
		t.Fatalf("mining nodes: %+v", nodes)
	}
	if want := hostGPUs(); nodes[0].GPU.Num != want {
		t.Errorf("node GPUs %d, want %d (PCI display controllers of this machine)", nodes[0].GPU.Num, want)
	}
	return nodes[0].NodeID
}

// hostGPUs counts this machine's VGA and 3D controllers, independently
// of the agent's code.
func hostGPUs() int {
	paths, _ := filepath.Glob("/sys/bus/pci/devices/*/class")
	n := 0
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		if c := strings.TrimSpace(string(b)); len(c) >= 6 && (c[:6] == "0x0300" || c[:6] == "0x0302") {
			n++
		}
	}
	return n
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDBCTaskLifecycle rents a real guest through the DBC API: a session
// proven by wallet signatures, a task created from the test image with
// port mappings, its serial log, a page served by the guest reached
// through the mapped host port, a password set through qemu-guest-agent,
// and its deletion.
func TestDBCTaskLifecycle(t *testing.T) {
	k := startKumo(t)
	k.uploadPublicGuest("guest")
	d := k.dbc(t)
	node := dbcNode(t, d)

	// Wallet credentials: a signed nonce works once, a wrong signature
	// never.
	body := d.walletBody([]string{node}, map[string]any{})
	b, _ := json.Marshal(body)
	if r := d.post("/mining_nodes/session_id", b); r.Status != 200 {
		t.Fatalf("session_id: HTTP %d %s", r.Status, r.text())
	}
	if r := d.post("/mining_nodes/session_id", b); r.Status != 401 || !strings.Contains(r.text(), "used before") {
		t.Errorf("replayed nonce: HTTP %d %s, want 401", r.Status, r.text())
	}
	body = d.walletBody([]string{node}, map[string]any{})
	body["sign"] = d.sign("something else")
	b, _ = json.Marshal(body)
	if r := d.post("/mining_nodes/session_id", b); r.Status != 401 {
		t.Errorf("wrong wallet signature: HTTP %d %s, want 401", r.Status, r.text())
	}
	d.login(node)
	good := d.sessionSign
	d.sessionSign = d.sign(d.session + "x")
	if r := d.call("/tasks", []string{node}, map[string]any{}); r.Status != 401 {
		t.Errorf("wrong session_id_sign: HTTP %d %s, want 401", r.Status, r.text())
	}
	d.sessionSign = good

	sshPort, webPort := freePort(t), freePort(t)
	create := map[string]any{
		"image_name": "guest", "desc": "dbc e2e", "operation_system": "linux", "bios_mode": "legacy",
		"ssh_port": strconv.Itoa(sshPort), "vnc_port": "5904", "custom_port": []string{fmt.Sprintf("tcp,%d:80", webPort)},
		"gpu_count": "0", "cpu_cores": "1", "mem_size": "0.25", "disk_size": "1", "network_filters": []string{},
	}
	if r := d.call("/tasks/start", []string{node}, create); r.Status != 501 || !strings.Contains(r.text(), "vnc_port") {
		t.Errorf("vnc_port: HTTP %d %s, want 501 naming vnc_port", r.Status, r.text())
	}
	delete(create, "vnc_port")
	// Filters that drop a forwarded port, or filter by address, cannot
	// be enforced on user-mode NAT; these can: forwarded ports in,
	// nothing out.
	for _, bad := range [][]string{{"in,tcp,22,0.0.0.0/0,accept", "in,all,all,0.0.0.0/0,drop"}, {"in,tcp,22,10.0.0.0/8,accept"}} {
		create["network_filters"] = bad
		if r := d.call("/tasks/start", []string{node}, create); r.Status != 400 || !strings.Contains(r.text(), "network_filters") {
			t.Errorf("network_filters %v: HTTP %d %s, want 400 naming network_filters", bad, r.Status, r.text())
		}
	}
	create["network_filters"] = []string{"in,tcp,22,0.0.0.0/0,accept", "in,tcp,80,0.0.0.0/0,accept", "in,all,all,0.0.0.0/0,drop", "out,all,all,0.0.0.0/0,drop"}
	var created struct {
		TaskID   string `json:"task_id"`
		Status   string `json:"status"`
		SSHPort  string `json:"ssh_port"`
		Password string `json:"login_password"`
	}
	d.must("/tasks/start", []string{node}, create, &created)
	if created.TaskID == "" || created.SSHPort != strconv.Itoa(sshPort) || created.Password == "" {
		t.Fatalf("created task: %+v", created)
	}
	id := created.TaskID
	eventually(t, 60*time.Second, "task running", func() (bool, string) {
		var got struct{ Status string }
		d.must("/tasks/"+id, []string{node}, map[string]any{}, &got)
		return got.Status == "running", got.Status
	})
	vm := api.VM{ID: id}
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)

	// Another wallet does not see the task.
	other := k.dbc(t)
	other.login(node)
	if r := other.call("/tasks/"+id, []string{node}, map[string]any{}); r.Status != 404 {
		t.Errorf("another wallet's task: HTTP %d, want 404", r.Status)
	}
	var list []struct {
		TaskID string `json:"task_id"`
	}
	d.must("/tasks", []string{node}, map[string]any{}, &list)
	if len(list) != 1 || list[0].TaskID != id {
		t.Errorf("task list: %+v", list)
	}

	// Logs come from the serial console, 1024 bytes at most.
	var head, tail string
	d.must("/tasks/logs/"+id+"?flag=head&line_num=1", []string{node}, map[string]any{}, &head)
	serial := k.serial(vm)
	firstLine, _, _ := strings.Cut(serial, "\n")
	if head != firstLine+"\n" && !(len(head) == 1024 && strings.HasPrefix(firstLine, head)) {
		t.Errorf("log head: %q, want the serial log's first line %q", head, firstLine)
	}
	d.must("/tasks/logs/"+id+"?flag=tail&line_num=3", []string{node}, map[string]any{}, &tail)
	if n := strings.Count(tail, "\n"); n != 3 || !strings.Contains(k.serial(vm), tail) {
		t.Errorf("log tail of 3 lines: %q", tail)
	}
	// The guest writes little before its ticks; lines written into the
	// log (QEMU appends to it) make it longer than the cap.
	f, err := os.OpenFile(filepath.Join(k.vmDir(vm), "serial.log"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		fmt.Fprintf(f, "KUMO-TEST-FILLER %03d\n", i)
	}
	f.Close()
	d.must("/tasks/logs/"+id+"?flag=head&line_num=100000", []string{node}, map[string]any{}, &head)
	if serial := k.serial(vm); len(head) != 1024 || head != serial[:1024] {
		t.Errorf("log head of all lines: %d bytes, want the log's first 1024", len(head))
	}
	d.must("/tasks/logs/"+id+"?flag=tail&line_num=100000", []string{node}, map[string]any{}, &tail)
	if len(tail) != 1024 || !strings.Contains(k.serial(vm), tail) {
		t.Errorf("log tail of all lines: %d bytes, want 1024 of the log", len(tail))
	}

	// The custom port mapping reaches the guest's web server.
	eventually(t, 30*time.Second, "guest page through the mapped port", func() (bool, string) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", webPort))
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200 && strings.Contains(string(page), "kumo-guest"), string(page)
	})

	// Nothing gets out: the guest cannot reach a listener on the host.
	hostLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hostLn.Close()
	accepted := make(chan struct{}, 4)
	go func() {
		for {
			c, err := hostLn.Accept()
			if err != nil {
				return
			}
			c.Close()
			accepted <- struct{}{}
		}
	}()
	reachHost := fmt.Sprintf("echo hi | nc -w 3 10.0.2.2 %d && echo reached", hostLn.Addr().(*net.TCPAddr).Port)
	if _, out := k.guestExec(vm, reachHost); strings.Contains(out, "reached") || len(accepted) > 0 {
		t.Errorf("the guest reached the host through filters that drop all outbound traffic: %q", out)
	}
	if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", k.qemuPID(vm))); !strings.Contains(string(cmdline), "restrict=on") {
		t.Errorf("QEMU's NAT is not restricted: %q", cmdline)
	}

	// The password goes through qemu-guest-agent to the guest's chpasswd.
	// The test guest has root only; an unknown user is the guest's error.
	if r := d.call("/tasks/passwd/"+id, []string{node}, map[string]string{"username": "dbc", "password": "vm123456"}); r.Status == 200 {
		t.Errorf("password of a user the guest lacks: HTTP 200")
	}
	d.must("/tasks/passwd/"+id, []string{node}, map[string]string{"username": "root", "password": "vm123456"}, nil)
	k.waitSerial(vm, "KUMO-GUEST-PASSWORD-SET root", 1)

	var disks []struct{ Disk, Size, Type string }
	d.must("/disk/list/"+id, []string{node}, map[string]any{}, &disks)
	if len(disks) != 1 || disks[0].Disk != "vda" || disks[0].Size != "1.0G" {
		t.Errorf("disks: %+v", disks)
	}

	// Data disks and snapshots change a stopped VM.
	if r := d.call("/disk/add/"+id, []string{node}, map[string]any{"size": 1}); r.Status != 409 {
		t.Errorf("data disk on a running VM: HTTP %d %s, want 409", r.Status, r.text())
	}
	var op struct {
		OperationID string `json:"operation_id"`
	}
	d.must("/tasks/poweroff/"+id, []string{node}, map[string]any{}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	eventually(t, 30*time.Second, "task closed", func() (bool, string) {
		var got struct{ Status string }
		d.must("/tasks/"+id, []string{node}, map[string]any{}, &got)
		return got.Status == "closed", got.Status
	})
	var added struct{ Disk, Size, Type string }
	d.must("/disk/add/"+id, []string{node}, map[string]any{"size": 1, "mount_dir": "/data"}, &added)
	if added.Disk != "vdb" || added.Size != "1.0G" || added.Type != "data" {
		t.Errorf("added disk: %+v", added)
	}
	d.must("/disk/resize/"+id, []string{node}, map[string]any{"disk": "vdb", "size": 2}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	d.must("/disk/list/"+id, []string{node}, map[string]any{}, &disks)
	if len(disks) != 2 || disks[1].Disk != "vdb" || disks[1].Size != "2.0G" {
		t.Errorf("disks after add and resize: %+v", disks)
	}
	d.must("/snapshot/create/"+id, []string{node}, map[string]any{"snapshot_name": "snap1", "desc": "before start"}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	var snaps []struct {
		Name string `json:"snapshot_name"`
		Desc string `json:"desc"`
	}
	d.must("/snapshot/list/"+id, []string{node}, map[string]any{}, &snaps)
	if len(snaps) != 1 || snaps[0].Name != "snap1" || snaps[0].Desc != "before start" {
		t.Errorf("snapshots: %+v", snaps)
	}
	d.must("/tasks/start/"+id, []string{node}, map[string]any{}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	k.waitSerial(vm, "KUMO-GUEST-READY", 2)
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", k.qemuPID(vm)))
	if !strings.Contains(string(cmdline), "data-vdb.qcow2") {
		t.Errorf("QEMU has no data disk: %q", cmdline)
	}
	d.must("/snapshot/delete/"+id+"/snap1", []string{node}, map[string]any{}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	if r := d.call("/snapshot/list/"+id+"/snap1", []string{node}, map[string]any{}); r.Status != 404 {
		t.Errorf("deleted snapshot: HTTP %d, want 404", r.Status)
	}

	// Restart, shut down, change the VM, and start it with its changes.
	d.must("/tasks/restart/"+id+"?force_reboot=true", []string{node}, map[string]any{}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	k.waitSerial(vm, "KUMO-GUEST-READY", 3)
	if r := d.call("/tasks/restart/"+id+"?force_reboot=maybe", []string{node}, map[string]any{}); r.Status != 400 {
		t.Errorf("force_reboot=maybe: HTTP %d", r.Status)
	}
	d.must("/tasks/shutdown/"+id, []string{node}, map[string]any{}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	if r := d.call("/tasks/passwd/"+id, []string{node}, map[string]string{"username": "root", "password": "vm123456"}); r.Status != 409 {
		t.Errorf("password of a stopped VM: HTTP %d %s, want 409", r.Status, r.text())
	}
	newWebPort := freePort(t)
	var modified struct {
		CPUCores   int      `json:"cpu_cores"`
		MemSize    string   `json:"mem_size"`
		SSHPort    string   `json:"ssh_port"`
		CustomPort []string `json:"custom_port"`
	}
	d.must("/tasks/modify/"+id, []string{node}, map[string]any{"new_cpu_cores": "2", "new_mem_size": "0.5",
		"new_custom_port": []string{fmt.Sprintf("tcp,%d:80", newWebPort)}, "new_network_filters": []string{}}, &modified)
	if modified.CPUCores != 2 || modified.MemSize != "0.5G" || modified.SSHPort != strconv.Itoa(sshPort) ||
		len(modified.CustomPort) != 1 || modified.CustomPort[0] != fmt.Sprintf("tcp,%d:80", newWebPort) {
		t.Errorf("modified task: %+v", modified)
	}
	d.must("/tasks/start/"+id, []string{node}, map[string]any{}, &op)
	k.mustTask(api.Task{ID: op.OperationID})
	k.waitSerial(vm, "KUMO-GUEST-READY", 4)
	eventually(t, 30*time.Second, "guest page through the new mapped port", func() (bool, string) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", newWebPort))
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})
	// Without filters the guest reaches out again.
	eventually(t, 30*time.Second, "the guest reaches the host", func() (bool, string) {
		_, out := k.guestExec(vm, reachHost)
		return strings.Contains(out, "reached"), out
	})
	if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", webPort)); err == nil {
		resp.Body.Close()
		t.Errorf("the old mapped port still answers")
	}
	cmdline, _ = os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", k.qemuPID(vm)))
	if !strings.Contains(string(cmdline), "-smp\x002\x00") || !strings.Contains(string(cmdline), "-m\x00512") {
		t.Errorf("QEMU does not have the new cores and memory: %q", cmdline)
	}

	var deleted struct{ Status string }
	d.must("/tasks/delete/"+id, []string{node}, map[string]any{}, &deleted)
	eventually(t, 60*time.Second, "task deleted", func() (bool, string) {
		r := d.call("/tasks/"+id, []string{node}, map[string]any{})
		return r.Status == 404, r.text()
	})
}
