package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestAuthorizationMatrix asks every API the same questions for the same
// callers and objects, and checks that they agree, and agree with what
// the core model says (docs/iam.md): one decision, made in the services.
//
// Callers: the platform's admin; pam, a platform user whose Nano role
// holds the instance and disk_image menus; nop, one whose role holds only
// log; acme, a ZStack account (a tenant's admin); acme-user, a user of
// acme without policies; rival, another account; a DBC wallet (a tenant
// of its own); and no session. The objects are pam's VM and images.
func TestAuthorizationMatrix(t *testing.T) {
	is := newImageServer(t)
	k := startKumo(t, withCloudTower, withZStack, func(c *server.Config) { c.DBCImageServers = map[string]string{"ID_1": is.URL} })
	base := k.uploadPublicGuest("base") // every tenant may make VMs from it
	m := newMatrix(t, k)

	// pam's objects.
	vmP := m.createVMAs("pam", "pams-vm")
	imgP := m.createImageAs("pam", "pams-disk")
	zstackAcme := m.zstackUUIDOf("acme")

	type op struct {
		name string
		// target is the object a caller acts on through an API; fresh
		// objects go to callers allowed to destroy them, so each API
		// finds one.
		target func(c, a string) string
		want   []string // the callers allowed
		apis   map[string]func(c *matrixCaller, target string) verdict
	}
	pamOnly := []string{"admin", "pam"}
	fixed := func(id string) func(c, a string) string { return func(string, string) string { return id } }
	freshFor := func(allowed []string, make func(n int) string, fallback string) func(c, a string) string {
		n := 0
		return func(c, a string) string {
			for _, x := range allowed {
				if x == c {
					n++
					return make(n)
				}
			}
			return fallback
		}
	}
	ops := []op{
		{name: "list VMs", target: fixed(vmP), want: []string{"admin", "pam", "acme", "acme-user", "rival", "wallet"},
			apis: m.listVMs()},
		{name: "see pam's VM in the list", target: fixed(vmP), want: pamOnly, apis: m.listVMsShowing()},
		{name: "get VM", target: fixed(vmP), want: pamOnly, apis: m.getVM()},
		{name: "snapshot VM", target: fixed(vmP), want: pamOnly, apis: m.snapshotVM()},
		{name: "start VM", target: fixed(vmP), want: pamOnly, apis: m.startVM()},
		{name: "stop VM", target: fixed(vmP), want: pamOnly, apis: m.stopVM()},
		{name: "delete VM", want: pamOnly, apis: m.deleteVM(),
			target: freshFor(pamOnly, func(n int) string { return m.createVMAs("pam", fmt.Sprintf("doomed-%d", n)) }, vmP)},
		{name: "create VM", target: fixed(base.ID), want: []string{"admin", "pam", "acme", "rival", "wallet"}, apis: m.createVM()},
		{name: "upload image", want: []string{"admin", "pam", "acme", "rival", "wallet"}, apis: m.uploadImage(),
			target: fixed("")},
		{name: "delete image", want: pamOnly, apis: m.deleteImage(),
			target: freshFor(pamOnly, func(n int) string { return m.createImageAs("pam", fmt.Sprintf("spare-%d", n)) }, imgP)},
		{name: "change quota", target: fixed(zstackAcme), want: []string{"admin"}, apis: m.changeQuota()},
	}
	callers := []string{"admin", "pam", "nop", "acme", "acme-user", "rival", "wallet", "anonymous"}
	asked := 0
	for _, o := range ops {
		apis := make([]string, 0, len(o.apis))
		for a := range o.apis {
			apis = append(apis, a)
		}
		sort.Strings(apis)
		for _, c := range callers {
			caller := m.callers[c]
			want := deny
			for _, w := range o.want {
				if w == c {
					want = allow
				}
			}
			got := map[string]verdict{}
			for _, a := range apis {
				if !caller.reaches(a) {
					continue
				}
				got[a] = o.apis[a](caller, o.target(c, a))
				asked++
				if got[a] != want {
					t.Errorf("%s by %s through %s: %s, want %s", o.name, c, a, got[a], want)
				}
			}
			if len(got) < 2 && c != "wallet" {
				t.Errorf("%s by %s: only %d APIs asked", o.name, c, len(got))
			}
		}
		if o.name == "start VM" {
			k.waitStatus(api.VM{ID: vmP}, "running")
		}
	}
	t.Logf("%d questions asked of %d operations, %d callers and 5 APIs", asked, len(ops), len(callers))
	if asked < 250 {
		t.Errorf("only %d questions asked", asked)
	}
	// Nothing a refused caller asked for happened: pam's VM and image
	// are still there.
	if _, err := k.c.VM(ctxT(t), vmP); err != nil {
		t.Errorf("pam's VM after the refused deletes: %v", err)
	}
	if _, err := k.c.Image(ctxT(t), imgP); err != nil {
		t.Errorf("pam's image after the refused deletes: %v", err)
	}
}

// verdict is what an API answered, as far as authorization goes.
type verdict string

const (
	allow verdict = "allowed"
	deny  verdict = "denied"
)

// matrixCaller is one caller: its Kumo session (every API but DBC takes
// it), and for the wallet its DBC client.
type matrixCaller struct {
	name  string
	token string
	dbc   *dbcClient
}

// reaches reports whether a caller can authenticate to an API: DBC takes
// wallet signatures only.
func (c *matrixCaller) reaches(api string) bool {
	return api != "dbc" || c.dbc != nil || c.token == ""
}

type matrix struct {
	t       *testing.T
	k       *kumo
	callers map[string]*matrixCaller
	node    string
	cluster string
	seq     int
}

// newMatrix makes the callers: users and roles through Nano, accounts
// through ZStack, the wallet through /v1's wallet login.
func newMatrix(t *testing.T, k *kumo) *matrix {
	m := &matrix{t: t, k: k, callers: map[string]*matrixCaller{
		"admin": {name: "admin", token: k.c.Token}, "anonymous": {name: "anonymous"}}}
	nano := k.nano(t)
	nano.session = k.c.Token
	nano.must(200, "POST", "/roles/vmops", map[string]any{"menu": []string{"instance", "disk_image"}}, nil)
	nano.must(200, "POST", "/roles/logs", map[string]any{"menu": []string{"log"}}, nil)
	nano.must(200, "POST", "/user_groups/ops", map[string]any{"role": []string{"vmops"}}, nil)
	nano.must(200, "POST", "/user_groups/auditors", map[string]any{"role": []string{"logs"}}, nil)
	for user, group := range map[string]string{"pam": "ops", "nop": "auditors"} {
		nano.must(200, "POST", "/users/"+user, map[string]string{"password": user + "-password"}, nil)
		nano.must(200, "POST", "/user_groups/"+group+"/members/"+user, nil, nil)
	}
	zs := &zstackClient{t: t, base: "http://" + k.srv.ZStackAddr(), session: k.c.Token}
	for _, acct := range []string{"acme", "rival"} {
		zs.mustJob("POST", "/zstack/v1/accounts", map[string]any{"params": map[string]any{"name": acct, "password": acct + "-password"}}, nil)
	}
	acme := &zstackClient{t: t, base: zs.base, session: m.login("acme", "acme-password")}
	acme.mustJob("POST", "/zstack/v1/accounts/users", map[string]any{"params": map[string]any{"name": "acme-user", "password": "acme-user-password"}}, nil)
	for _, u := range []string{"pam", "nop", "acme", "acme-user", "rival"} {
		m.callers[u] = &matrixCaller{name: u, token: m.login(u, u+"-password")}
	}
	w := k.dbc(t)
	m.node = dbcNode(t, w)
	w.login(m.node)
	var sess api.Session
	if st, raw := m.do("v1", "", "POST", "/v1/login", map[string]string{"wallet": w.wallet, "nonce": "matrix-1", "sign": w.sign("matrix-1")}); st != 200 ||
		json.Unmarshal(raw, &sess) != nil || sess.Token == "" {
		t.Fatalf("wallet login on /v1: %d %s", st, raw)
	}
	m.callers["wallet"] = &matrixCaller{name: "wallet", token: sess.Token, dbc: w}
	pools, err := k.c.Pools(ctxT(t))
	if err != nil || len(pools) == 0 {
		t.Fatalf("pools: %v %v", pools, err)
	}
	m.cluster = pools[0].ID
	return m
}

func (m *matrix) login(user, password string) string {
	m.t.Helper()
	var sess api.Session
	st, raw := m.do("v1", "", "POST", "/v1/login", map[string]string{"username": user, "password": password})
	if st != 200 || json.Unmarshal(raw, &sess) != nil {
		m.t.Fatalf("login %s: %d %s", user, st, raw)
	}
	return sess.Token
}

// do sends a JSON request to an API with a Kumo session, in the header
// the API takes it in.
func (m *matrix) do(apiName, token, method, path string, body any) (int, []byte) {
	m.t.Helper()
	var base string
	switch apiName {
	case "v1":
		base = "http://" + m.k.srv.Addr()
	case "nano":
		base = "http://" + m.k.srv.NanoAddr() + "/api/v1"
	case "cloudtower":
		base = "http://" + m.k.srv.CloudTowerAddr() + "/v2/api"
	case "zstack":
		base = "http://" + m.k.srv.ZStackAddr() + "/zstack/v1"
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		switch apiName {
		case "v1":
			req.Header.Set("Authorization", "Bearer "+token)
		case "nano":
			req.Header.Set("Nano-Session", token)
		case "cloudtower":
			req.Header.Set("Authorization", token)
		case "zstack":
			req.Header.Set("Authorization", "OAuth "+token)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s %s: %v", apiName, method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if apiName == "zstack" && resp.StatusCode == http.StatusAccepted {
		return m.pollZStack(token, raw)
	}
	if apiName == "nano" {
		return nanoOutcome(m.t, resp.StatusCode, raw), raw // failures come with HTTP 200
	}
	return resp.StatusCode, raw
}

// pollZStack follows an API job to its end.
func (m *matrix) pollZStack(token string, raw []byte) (int, []byte) {
	var loc struct{ Location string }
	json.Unmarshal(raw, &loc)
	path := loc.Location[strings.Index(loc.Location, "/zstack/v1")+len("/zstack/v1"):]
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		st, out := m.do("zstack", token, "GET", path, nil)
		if st != http.StatusAccepted {
			return st, out
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.t.Fatalf("ZStack job %s did not end", path)
	return 0, nil
}

// judge reads an API's answer as allowed (it did it, or refused it for
// the object's state or a quota: the caller was let in) or denied (no
// session, no permission, or an object it may not see).
func (m *matrix) judge(apiName string, status int, raw []byte) verdict {
	m.t.Helper()
	var code string
	switch apiName {
	case "v1", "nano":
		switch {
		case status < 300 || status == 409:
			return allow
		case status == 401 || status == 403 || status == 404:
			return deny
		}
	case "cloudtower":
		var e struct{ Code string }
		json.Unmarshal(raw, &e)
		code = e.Code
		switch {
		case status == 200 || code == "CONFLICT" || code == "QUOTA_EXCEEDED":
			return allow
		case code == "UNAUTHENTICATED" || code == "PERMISSION_DENIED" || code == "NOT_FOUND":
			return deny
		}
	case "zstack":
		var e struct{ Error struct{ Code string } }
		json.Unmarshal(raw, &e)
		code = e.Error.Code
		switch {
		case status == 200 || code == "SYS.1001" || code == "ID.1003":
			return allow
		case code == "ID.1000" || code == "ID.1001" || code == "ID.1002" || code == "SYS.1006":
			return deny
		}
	case "dbc":
		switch {
		case status == 200 || status == 409:
			return allow
		case status == 401 || status == 403 || status == 404:
			return deny
		}
	}
	m.t.Errorf("%s answered HTTP %d (%s), neither allowed nor denied: %s", apiName, status, code, raw)
	return verdict(fmt.Sprintf("HTTP %d %s", status, code))
}

func (m *matrix) call(c *matrixCaller, apiName, method, path string, body any) verdict {
	m.t.Helper()
	st, raw := m.do(apiName, c.token, method, path, body)
	return m.judge(apiName, st, raw)
}

// dbcCall calls the DBC API as the wallet, or without credentials.
func (m *matrix) dbcCall(c *matrixCaller, path string, additional any) verdict {
	m.t.Helper()
	var r dbcReply
	if c.dbc != nil {
		r = c.dbc.call(path, []string{m.node}, additional)
	} else {
		anon := &dbcClient{t: m.t, base: "http://" + m.k.srv.DBCAddr() + "/api/v1"}
		r = anon.call(path, []string{m.node}, additional)
	}
	return m.judge("dbc", r.Status, r.Message)
}

func (m *matrix) name(prefix string) string {
	m.seq++
	return fmt.Sprintf("%s-%d", prefix, m.seq)
}

// createVMAs makes a stopped VM of a user through /v1 and waits until
// its disk exists.
func (m *matrix) createVMAs(user, name string) string {
	m.t.Helper()
	st, raw := m.do("v1", m.callers[user].token, "POST", "/v1/vms", api.VMsPost{Name: name, Image: "base", MemoryMiB: 64})
	var created api.VMCreated
	if st != 202 || json.Unmarshal(raw, &created) != nil {
		m.t.Fatalf("%s creates %s: %d %s", user, name, st, raw)
	}
	m.k.mustTask(created.Task)
	return created.VM.ID
}

// createImageAs makes an image of a user through /v1.
func (m *matrix) createImageAs(user, name string) string {
	m.t.Helper()
	c := *m.k.c
	c.Token = m.callers[user].token
	content := m.tinyQCOW2()
	img, err := c.UploadImage(ctxT(m.t), name, "", bytes.NewReader(content), int64(len(content)))
	if err != nil {
		m.t.Fatalf("%s uploads %s: %v", user, name, err)
	}
	return img.ID
}

func (m *matrix) tinyQCOW2() []byte {
	m.t.Helper()
	b, err := os.ReadFile(tinyImage(m.t))
	if err != nil {
		m.t.Fatal(err)
	}
	return b
}

// zid is the ZStack form of a Kumo id.
func zid(id string) string { return strings.ReplaceAll(id, "-", "") }

// zstackUUIDOf returns the account uuid of a ZStack account.
func (m *matrix) zstackUUIDOf(account string) string {
	m.t.Helper()
	st, raw := m.do("zstack", m.k.c.Token, "GET", "/accounts?q=name="+account, nil)
	var out struct{ Inventories []struct{ UUID string } }
	if st != 200 || json.Unmarshal(raw, &out) != nil || len(out.Inventories) != 1 {
		m.t.Fatalf("account %s: %d %s", account, st, raw)
	}
	return out.Inventories[0].UUID
}

type apiCalls = map[string]func(c *matrixCaller, target string) verdict

func (m *matrix) listVMs() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, _ string) verdict { return m.call(c, "v1", "GET", "/v1/vms", nil) },
		"nano": func(c *matrixCaller, _ string) verdict {
			return m.call(c, "nano", "GET", "/guest_search/?pool=default", nil)
		},
		"cloudtower": func(c *matrixCaller, _ string) verdict {
			return m.call(c, "cloudtower", "POST", "/get-vms", map[string]any{})
		},
		"zstack": func(c *matrixCaller, _ string) verdict { return m.call(c, "zstack", "GET", "/vm-instances", nil) },
		"dbc":    func(c *matrixCaller, _ string) verdict { return m.dbcCall(c, "/tasks", map[string]any{}) },
	}
}

// listVMsShowing is allowed when the caller's list holds the target.
func (m *matrix) listVMsShowing() apiCalls {
	holds := func(apiName string, st int, raw []byte, id string) verdict {
		if m.judge(apiName, st, raw) != allow {
			return deny
		}
		if strings.Contains(string(raw), id) || strings.Contains(string(raw), zid(id)) {
			return allow
		}
		return deny
	}
	return apiCalls{
		"v1": func(c *matrixCaller, id string) verdict {
			st, raw := m.do("v1", c.token, "GET", "/v1/vms", nil)
			return holds("v1", st, raw, id)
		},
		"nano": func(c *matrixCaller, id string) verdict {
			st, raw := m.do("nano", c.token, "GET", "/guest_search/?pool=default", nil)
			return holds("nano", st, raw, id)
		},
		"cloudtower": func(c *matrixCaller, id string) verdict {
			st, raw := m.do("cloudtower", c.token, "POST", "/get-vms", map[string]any{})
			return holds("cloudtower", st, raw, id)
		},
		"zstack": func(c *matrixCaller, id string) verdict {
			st, raw := m.do("zstack", c.token, "GET", "/vm-instances", nil)
			return holds("zstack", st, raw, id)
		},
		"dbc": func(c *matrixCaller, id string) verdict {
			var r dbcReply
			if c.dbc != nil {
				r = c.dbc.call("/tasks", []string{m.node}, map[string]any{})
			} else {
				return deny
			}
			return holds("dbc", r.Status, r.Message, id)
		},
	}
}

func (m *matrix) getVM() apiCalls {
	return apiCalls{
		"v1":   func(c *matrixCaller, id string) verdict { return m.call(c, "v1", "GET", "/v1/vms/"+id, nil) },
		"nano": func(c *matrixCaller, id string) verdict { return m.call(c, "nano", "GET", "/guests/"+id, nil) },
		"cloudtower": func(c *matrixCaller, id string) verdict {
			st, raw := m.do("cloudtower", c.token, "POST", "/get-vms", byID(id))
			if st == 200 && !strings.Contains(string(raw), id) {
				return deny // an empty list: the VM is hidden
			}
			return m.judge("cloudtower", st, raw)
		},
		"zstack": func(c *matrixCaller, id string) verdict {
			st, raw := m.do("zstack", c.token, "GET", "/vm-instances/"+zid(id), nil)
			if st == 200 && !strings.Contains(string(raw), zid(id)) {
				return deny
			}
			return m.judge("zstack", st, raw)
		},
		"dbc": func(c *matrixCaller, id string) verdict { return m.dbcCall(c, "/tasks/"+id, map[string]any{}) },
	}
}

func (m *matrix) snapshotVM() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, id string) verdict {
			return m.call(c, "v1", "POST", "/v1/vms/"+id+"/snapshots", api.SnapshotsPost{Name: m.name("s")})
		},
		"nano": func(c *matrixCaller, id string) verdict {
			return m.call(c, "nano", "POST", "/instances/"+id+"/snapshots/", map[string]string{"name": m.name("s")})
		},
		"cloudtower": func(c *matrixCaller, id string) verdict {
			return m.call(c, "cloudtower", "POST", "/create-vm-snapshot", map[string]any{"data": []any{map[string]any{
				"vm_id": id, "name": m.name("s"), "consistent_type": "CRASH_CONSISTENT"}}})
		},
		"dbc": func(c *matrixCaller, id string) verdict {
			return m.dbcCall(c, "/snapshot/create/"+id, map[string]any{"snapshot_name": m.name("s"), "desc": "matrix"})
		},
	}
}

func (m *matrix) startVM() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, id string) verdict {
			return m.call(c, "v1", "PUT", "/v1/vms/"+id+"/state", api.VMStatePut{Action: "start"})
		},
		"nano": func(c *matrixCaller, id string) verdict {
			return m.call(c, "nano", "POST", "/instances/"+id, map[string]any{})
		},
		"cloudtower": func(c *matrixCaller, id string) verdict {
			return m.call(c, "cloudtower", "POST", "/start-vm", byID(id))
		},
		"zstack": func(c *matrixCaller, id string) verdict {
			return m.call(c, "zstack", "PUT", "/vm-instances/"+zid(id)+"/actions", map[string]any{"startVmInstance": map[string]any{}})
		},
		"dbc": func(c *matrixCaller, id string) verdict { return m.dbcCall(c, "/tasks/start/"+id, map[string]any{}) },
	}
}

func (m *matrix) stopVM() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, id string) verdict {
			return m.call(c, "v1", "PUT", "/v1/vms/"+id+"/state", api.VMStatePut{Action: "poweroff"})
		},
		"nano": func(c *matrixCaller, id string) verdict {
			return m.call(c, "nano", "DELETE", "/instances/"+id, map[string]bool{"reboot": false, "force": true})
		},
		"cloudtower": func(c *matrixCaller, id string) verdict {
			return m.call(c, "cloudtower", "POST", "/poweroff-vm", byID(id))
		},
		"zstack": func(c *matrixCaller, id string) verdict {
			return m.call(c, "zstack", "PUT", "/vm-instances/"+zid(id)+"/actions", map[string]any{"stopVmInstance": map[string]any{"type": "cold"}})
		},
		"dbc": func(c *matrixCaller, id string) verdict { return m.dbcCall(c, "/tasks/poweroff/"+id, map[string]any{}) },
	}
}

func (m *matrix) deleteVM() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, id string) verdict { return m.call(c, "v1", "DELETE", "/v1/vms/"+id, nil) },
		"nano": func(c *matrixCaller, id string) verdict {
			return m.call(c, "nano", "DELETE", "/guests/"+id, map[string]bool{"force": true})
		},
		"cloudtower": func(c *matrixCaller, id string) verdict {
			return m.call(c, "cloudtower", "POST", "/delete-vm", byID(id))
		},
		"zstack": func(c *matrixCaller, id string) verdict {
			return m.call(c, "zstack", "DELETE", "/vm-instances/"+zid(id), nil)
		},
		"dbc": func(c *matrixCaller, id string) verdict { return m.dbcCall(c, "/tasks/delete/"+id, map[string]any{}) },
	}
}

func (m *matrix) createVM() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, img string) verdict {
			return m.call(c, "v1", "POST", "/v1/vms", api.VMsPost{Name: m.name("v1"), Image: img, MemoryMiB: 64})
		},
		"nano": func(c *matrixCaller, img string) verdict {
			return m.call(c, "nano", "POST", "/guests/", map[string]any{"name": m.name("nano"), "pool": "default", "cores": 1,
				"memory": 64 << 20, "disks": []int64{0}, "from_image": img})
		},
		"cloudtower": func(c *matrixCaller, img string) verdict {
			return m.call(c, "cloudtower", "POST", "/create-vm-from-template", []any{map[string]any{"template_id": img,
				"name": m.name("ct"), "is_full_copy": false, "cluster_id": m.cluster, "vcpu": 1, "cpu_cores": 1, "cpu_sockets": 1,
				"memory": 64 << 20, "status": "STOPPED"}})
		},
		"zstack": func(c *matrixCaller, img string) verdict {
			return m.call(c, "zstack", "POST", "/vm-instances", map[string]any{"params": map[string]any{"name": m.name("zs"),
				"imageUuid": zid(img), "cpuNum": 1, "memorySize": 64 << 20, "strategy": "CreateStopped"}})
		},
		"dbc": func(c *matrixCaller, _ string) verdict {
			return m.dbcCall(c, "/tasks/start", map[string]any{"image_name": "base", "desc": "matrix", "operation_system": "linux",
				"bios_mode": "legacy", "ssh_port": fmt.Sprint(freePort(m.t)), "gpu_count": "0", "cpu_cores": "1", "mem_size": "0.0625",
				"disk_size": "1", "network_filters": []string{}})
		},
	}
}

func (m *matrix) uploadImage() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, _ string) verdict {
			req, _ := http.NewRequest("POST", "http://"+m.k.srv.Addr()+"/v1/images?name="+m.name("img"), bytes.NewReader(m.tinyQCOW2()))
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				m.t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return m.judge("v1", resp.StatusCode, raw)
		},
		"nano": func(c *matrixCaller, _ string) verdict {
			return m.call(c, "nano", "POST", "/disk_images/", map[string]string{"name": m.name("nanoimg")})
		},
		"dbc": func(c *matrixCaller, _ string) verdict {
			return m.dbcCall(c, "/images/download", map[string]any{"image_server": "ID_1", "image_filename": "guest.qcow2"})
		},
	}
}

func (m *matrix) deleteImage() apiCalls {
	return apiCalls{
		"v1":   func(c *matrixCaller, id string) verdict { return m.call(c, "v1", "DELETE", "/v1/images/"+id, nil) },
		"nano": func(c *matrixCaller, id string) verdict { return m.call(c, "nano", "DELETE", "/disk_images/"+id, nil) },
		"dbc": func(c *matrixCaller, id string) verdict {
			img, err := m.k.c.Image(ctxT(m.t), id)
			if err != nil {
				m.t.Fatal(err)
			}
			return m.dbcCall(c, "/images/delete", map[string]any{"image_filename": img.Name})
		},
	}
}

func (m *matrix) changeQuota() apiCalls {
	return apiCalls{
		"v1": func(c *matrixCaller, acct string) verdict {
			return m.call(c, "v1", "PUT", "/v1/tenants/acme/quotas/vm.count", api.QuotaPut{Limit: 30})
		},
		"zstack": func(c *matrixCaller, acct string) verdict {
			return m.call(c, "zstack", "PUT", "/accounts/quotas/actions", map[string]any{"updateQuota": map[string]any{
				"identityUuid": acct, "name": "vm.totalNum", "value": 30}})
		},
	}
}
