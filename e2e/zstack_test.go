package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func withZStack(c *server.Config) { c.ZStackListen = "127.0.0.1:0" }

// zstackClient speaks the ZStack dialect the way its SDKs do.
type zstackClient struct {
	t       *testing.T
	base    string
	session string
}

type zsReply struct {
	status int
	header http.Header
	body   map[string]any
}

func (z *zstackClient) do(method, path string, body any, headers map[string]string) zsReply {
	z.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, z.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if z.session != "" {
		req.Header.Set("Authorization", "OAuth "+z.session)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		z.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := zsReply{status: resp.StatusCode, header: resp.Header, body: map[string]any{}}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		z.t.Fatalf("%s %s: reply %d is not a JSON object: %s", method, path, resp.StatusCode, raw)
	}
	return out
}

// job calls an asynchronous API and polls its location until it ends.
func (z *zstackClient) job(method, path string, body any, headers map[string]string) zsReply {
	z.t.Helper()
	r := z.do(method, path, body, headers)
	if r.status != http.StatusAccepted {
		return r
	}
	loc, _ := r.body["location"].(string)
	if !strings.Contains(loc, "/zstack/v1/api-jobs/") {
		z.t.Fatalf("%s %s: 202 without a poll location: %v", method, path, r.body)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		p := z.do("GET", strings.TrimPrefix(loc, z.base), nil, nil)
		if p.status != http.StatusAccepted {
			return p
		}
		time.Sleep(200 * time.Millisecond)
	}
	z.t.Fatalf("%s %s: job did not finish", method, path)
	return zsReply{}
}

func (z *zstackClient) mustJob(method, path string, body any, headers map[string]string) map[string]any {
	z.t.Helper()
	r := z.job(method, path, body, headers)
	if r.status != http.StatusOK {
		z.t.Fatalf("%s %s: %d %v", method, path, r.status, r.body)
	}
	return r.body
}

func (z *zstackClient) get(path string) map[string]any {
	z.t.Helper()
	r := z.do("GET", path, nil, nil)
	if r.status != http.StatusOK {
		z.t.Fatalf("GET %s: %d %v", path, r.status, r.body)
	}
	return r.body
}

func (z *zstackClient) login(path, key string, params map[string]any) string {
	z.t.Helper()
	r := z.do("PUT", path, map[string]any{key: params}, nil)
	inv, _ := r.body["inventory"].(map[string]any)
	if r.status != http.StatusOK || inv["uuid"] == nil {
		z.t.Fatalf("%s: %d %v", key, r.status, r.body)
	}
	return inv["uuid"].(string)
}

func errorCodeOf(r zsReply) string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func inventoriesOf(body map[string]any) []map[string]any {
	list, _ := body["inventories"].([]any)
	var out []map[string]any
	for _, x := range list {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestZStackDialect(t *testing.T) {
	k := startKumo(t, withZStack)
	base := "http://" + k.srv.ZStackAddr()
	anon := &zstackClient{t: t, base: base}
	if r := anon.do("GET", "/zstack/v1/vm-instances", nil, nil); r.status != http.StatusServiceUnavailable || errorCodeOf(r) != "ID.1001" {
		t.Fatalf("no session: %d %v", r.status, r.body)
	}
	admin := &zstackClient{t: t, base: base}
	admin.session = admin.login("/zstack/v1/accounts/login", "logInByAccount", map[string]any{"accountName": "admin", "password": adminPassword})
	if v := anon.get("/zstack/v1/accounts/sessions/" + admin.session + "/valid"); v["valid"] != true {
		t.Fatalf("ValidateSession = %v", v)
	}
	img := k.uploadGuest("guest")

	// A web hook receives the job's result.
	hooked := make(chan *http.Request, 4)
	hookBodies := make(chan map[string]any, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		json.NewDecoder(r.Body).Decode(&b)
		hooked <- r
		hookBodies <- b
	}))
	defer hook.Close()

	// X-Job-UUID must be 32 hex digits, and unique.
	// Numbers as Java SDKs write them (Gson: 1.0, 2.68435456E8).
	create := map[string]any{"params": map[string]any{"name": "zs-vm", "imageUuid": strings.ReplaceAll(img.ID, "-", ""),
		"cpuNum": json.Number("1.0"), "memorySize": json.Number("2.68435456E8")}}
	if r := admin.do("POST", "/zstack/v1/vm-instances", create, map[string]string{"X-Job-UUID": "not-a-uuid"}); r.status != http.StatusBadRequest {
		t.Fatalf("bad X-Job-UUID: %d %v", r.status, r.body)
	}
	jobID := "d0345d3ddcae485f8170572b15a2b581"
	r := admin.job("POST", "/zstack/v1/vm-instances", create, map[string]string{"X-Job-UUID": jobID, "X-Web-Hook": hook.URL + "/cb"})
	if r.status != http.StatusOK {
		t.Fatalf("CreateVmInstance: %d %v", r.status, r.body)
	}
	vmInv := r.body["inventory"].(map[string]any)
	vmUUID := vmInv["uuid"].(string)
	if dup := admin.do("POST", "/zstack/v1/vm-instances", create, map[string]string{"X-Job-UUID": jobID}); dup.status != http.StatusBadRequest {
		t.Fatalf("duplicate X-Job-UUID: %d %v", dup.status, dup.body)
	}
	select {
	case req := <-hooked:
		b := <-hookBodies
		if req.Header.Get("X-Job-Success") != "true" || req.Header.Get("X-Job-UUID") != jobID {
			t.Fatalf("web hook headers: %v", req.Header)
		}
		if inv, _ := b["inventory"].(map[string]any); inv["uuid"] != vmUUID {
			t.Fatalf("web hook body: %v", b)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("web hook not called")
	}
	vm := api.VM{ID: vmUUID[:8] + "-" + vmUUID[8:12] + "-" + vmUUID[12:16] + "-" + vmUUID[16:20] + "-" + vmUUID[20:], Name: "zs-vm"}
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)

	// q= with a cross-resource field, an operator and paging.
	got := inventoriesOf(admin.get("/zstack/v1/vm-instances?q=vmNics.ip=10.0.2.15&q=name~=zs%25&q=state=Running"))
	if len(got) != 1 || got[0]["uuid"] != vmUUID {
		t.Fatalf("query by vmNics.ip: %v", got)
	}
	if got := inventoriesOf(admin.get("/zstack/v1/vm-instances?q=vmNics.ip=192.168.7.7")); len(got) != 0 {
		t.Fatalf("query by another IP: %v", got)
	}
	if got := inventoriesOf(admin.get("/zstack/v1/vm-instances?q=allVolumes.type=Root&q=allVolumes.size>0&q=host.managementIp=127.0.0.1&fields=uuid,name")); len(got) != 1 || len(got[0]) != 2 {
		t.Fatalf("query by volume and host: %v", got)
	}
	if c := admin.get("/zstack/v1/vm-instances?q=cpuNum>=1&count=true"); c["total"] != 1.0 {
		t.Fatalf("count: %v", c)
	}
	if bad := admin.do("GET", "/zstack/v1/vm-instances?q=name%20=%20x", nil, nil); bad.status != http.StatusBadRequest || errorCodeOf(bad) != "SYS.1007" {
		t.Fatalf("malformed q: %d %v", bad.status, bad.body)
	}

	// The console address is a real VNC server.
	ca := admin.get("/zstack/v1/vm-instances/" + vmUUID + "/console-addresses")
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(ca["hostIp"].(string), jsonInt(ca["port"])), 5*time.Second)
	if err != nil {
		t.Fatalf("console address %v: %v", ca, err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	greeting, _ := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if !strings.HasPrefix(greeting, "RFB ") {
		t.Fatalf("console greeting %q", greeting)
	}

	// RequestConsoleAccess: a one-time websocket carrying the same VNC.
	access := admin.mustJob("POST", "/zstack/v1/consoles", map[string]any{"params": map[string]any{"vmInstanceUuid": vmUUID}}, nil)["inventory"].(map[string]any)
	wsURL := fmt.Sprintf("ws://%s:%s%s", access["hostname"], jsonInt(access["port"]), access["path"])
	if banner, _, err := readBanner(ctxT(t), wsURL); err != nil || !strings.HasPrefix(banner, "RFB ") {
		t.Fatalf("console websocket %s: %q %v", wsURL, banner, err)
	}
	if _, resp, err := readBanner(ctxT(t), wsURL); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("console token used twice: %v %v", resp, err)
	}

	// Quotas: a Normal account over its CPU quota is refused.
	acct := admin.mustJob("POST", "/zstack/v1/accounts", map[string]any{"params": map[string]any{"name": "alice", "password": "alice-password"}}, nil)
	aliceUUID := acct["inventory"].(map[string]any)["uuid"].(string)
	admin.mustJob("PUT", "/zstack/v1/accounts/quotas/actions", map[string]any{"updateQuota": map[string]any{"identityUuid": aliceUUID, "name": "vm.cpuNum", "value": 1}}, nil)
	alice := &zstackClient{t: t, base: base}
	alice.session = alice.login("/zstack/v1/accounts/login", "logInByAccount", map[string]any{"accountName": "alice", "password": "alice-password"})
	// The admin's image is alice's to use once it is shared with her.
	admin.mustJob("PUT", "/zstack/v1/accounts/resources/actions", map[string]any{"shareResource": map[string]any{
		"resourceUuids": []string{strings.ReplaceAll(img.ID, "-", "")}, "accountUuids": []string{aliceUUID}}}, nil)
	big := map[string]any{"params": map[string]any{"name": "too-big", "imageUuid": strings.ReplaceAll(img.ID, "-", ""), "cpuNum": 2, "memorySize": 256 << 20}}
	if r := alice.job("POST", "/zstack/v1/vm-instances", big, nil); r.status != http.StatusServiceUnavailable || errorCodeOf(r) != "ID.1003" {
		t.Fatalf("over quota: %d %v", r.status, r.body)
	}

	// Policies: alice's user may only query until a policy allows more.
	user := alice.mustJob("POST", "/zstack/v1/accounts/users", map[string]any{"params": map[string]any{"name": "bob", "password": "bob-password"}}, nil)
	bobUUID := user["inventory"].(map[string]any)["uuid"].(string)
	bob := &zstackClient{t: t, base: base}
	bob.session = bob.login("/zstack/v1/accounts/users/login", "logInByUser", map[string]any{"accountName": "alice", "userName": "bob", "password": "bob-password"})
	if r := bob.job("POST", "/zstack/v1/vm-instances", big, nil); r.status != http.StatusServiceUnavailable || errorCodeOf(r) != "ID.1002" {
		t.Fatalf("user without policy: %d %v", r.status, r.body)
	}
	pol := alice.mustJob("POST", "/zstack/v1/accounts/policies", map[string]any{"params": map[string]any{"name": "vms",
		"statements": []any{map[string]any{"name": "s", "effect": "Allow", "actions": []string{"instance:APICreateVmInstanceMsg"}}}}}, nil)
	alice.mustJob("POST", "/zstack/v1/accounts/users/"+bobUUID+"/policies", map[string]any{"params": map[string]any{"policyUuid": pol["inventory"].(map[string]any)["uuid"]}}, nil)
	perm := bob.do("PUT", "/zstack/v1/accounts/permissions/actions", map[string]any{"checkApiPermission": map[string]any{"apiNames": []string{"APICreateVmInstanceMsg", "APIDeleteAccountMsg"}}}, nil)
	if inv, _ := perm.body["inventory"].(map[string]any); inv["APICreateVmInstanceMsg"] != "Allow" || inv["APIDeleteAccountMsg"] != "Deny" {
		t.Fatalf("CheckApiPermission: %d %v", perm.status, perm.body)
	}
	// Now allowed, bob's VM is refused by alice's quota instead.
	if r := bob.job("POST", "/zstack/v1/vm-instances", big, nil); errorCodeOf(r) != "ID.1003" {
		t.Fatalf("user with policy, over quota: %d %v", r.status, r.body)
	}

	// Shared with alice, the VM shows in her queries; given to her, it
	// counts as hers.
	if got := inventoriesOf(alice.get("/zstack/v1/vm-instances")); len(got) != 0 {
		t.Fatalf("alice sees VMs before any share: %v", got)
	}
	admin.mustJob("PUT", "/zstack/v1/accounts/resources/actions", map[string]any{"shareResource": map[string]any{"resourceUuids": []string{vmUUID}, "accountUuids": []string{aliceUUID}}}, nil)
	if got := inventoriesOf(alice.get("/zstack/v1/vm-instances?q=vmNics.ip=10.0.2.15")); len(got) != 1 || got[0]["uuid"] != vmUUID {
		t.Fatalf("alice's view of the shared VM: %v", got)
	}
	admin.mustJob("PUT", "/zstack/v1/accounts/resources/actions", map[string]any{"revokeResourceSharing": map[string]any{"resourceUuids": []string{vmUUID}, "accountUuids": []string{aliceUUID}}}, nil)
	if got := inventoriesOf(alice.get("/zstack/v1/vm-instances")); len(got) != 0 {
		t.Fatalf("alice sees the VM after the share was revoked: %v", got)
	}

	// A scheduler job stops the VM a second from now.
	trig := admin.mustJob("POST", "/zstack/v1/scheduler/triggers", map[string]any{"params": map[string]any{"name": "soon", "schedulerType": "simple",
		"startTime": time.Now().Add(time.Second).UnixMilli()}}, nil)
	job := admin.mustJob("POST", "/zstack/v1/scheduler/jobs", map[string]any{"params": map[string]any{"name": "stop it", "type": "stopVm", "targetResourceUuid": vmUUID}}, nil)
	trigUUID := trig["inventory"].(map[string]any)["uuid"].(string)
	jobUUID := job["inventory"].(map[string]any)["uuid"].(string)
	link, _ := admin.mustJob("POST", "/zstack/v1/scheduler/jobs/"+jobUUID+"/scheduler/triggers/"+trigUUID, map[string]any{"params": map[string]any{}}, nil)["inventory"].(map[string]any)
	if link["uuid"] == "" || link["uuid"] == nil || link["schedulerJobUuid"] != jobUUID || link["schedulerTriggerUuid"] != trigUUID || link["createDate"] == "" {
		t.Errorf("AddSchedulerJobToSchedulerTrigger's inventory: %v", link)
	}
	eventually(t, 45*time.Second, "the scheduler job to stop the VM", func() (bool, string) {
		got := inventoriesOf(admin.get("/zstack/v1/vm-instances/" + vmUUID))
		if len(got) != 1 {
			return false, "no VM"
		}
		return got[0]["state"] == "Stopped", got[0]["state"].(string)
	})
	eventually(t, 10*time.Second, "the scheduler job's result", func() (bool, string) {
		got := inventoriesOf(admin.get("/zstack/v1/scheduler/jobs/" + jobUUID))
		res, _ := got[0]["lastResult"].(string)
		return strings.HasPrefix(res, "succeeded"), res
	})

	// Spending follows how long the VM ran.
	admin.mustJob("POST", "/zstack/v1/billings/prices", map[string]any{"params": map[string]any{"resourceName": "cpu", "timeUnit": "s", "price": 100}}, nil)
	adminUUID := admin.get("/zstack/v1/vm-instances/" + vmUUID)["inventories"].([]any)[0].(map[string]any)["ownerAccountUuid"].(string)
	sp := admin.mustJob("PUT", "/zstack/v1/billings/accounts/"+adminUUID+"/actions", map[string]any{"calculateAccountSpending": map[string]any{}}, nil)
	if total, _ := sp["total"].(float64); total < 100 {
		t.Fatalf("spending of a VM that ran for seconds at 100/s: %v", sp)
	}

	// Given to alice, the VM is hers: her usage counts it.
	ref := admin.mustJob("POST", "/zstack/v1/account/"+aliceUUID+"/resources", map[string]any{"params": map[string]any{"resourceUuid": vmUUID}}, nil)
	if ref["inventory"].(map[string]any)["accountUuid"] != aliceUUID {
		t.Fatalf("ChangeResourceOwner: %v", ref)
	}
	usage := alice.get("/zstack/v1/accounts/quota/" + aliceUUID + "/usages")["usages"].([]any)
	for _, u := range usage {
		if u := u.(map[string]any); u["name"] == "vm.totalNum" && u["used"] != 1.0 {
			t.Fatalf("alice's usage after the owner change: %v", usage)
		}
	}

	// Logging out ends the session.
	if r := admin.do("DELETE", "/zstack/v1/accounts/sessions/"+admin.session, nil, nil); r.status != http.StatusOK {
		t.Fatalf("LogOut: %d %v", r.status, r.body)
	}
	if v := anon.get("/zstack/v1/accounts/sessions/" + admin.session + "/valid"); v["valid"] != false {
		t.Fatalf("session valid after logout: %v", v)
	}
}

func jsonInt(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
