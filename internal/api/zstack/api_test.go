package zstack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

const testAdminPassword = "admin-password"

// testAPI is the dialect on a real service and database, without hosts:
// everything but VMs can be exercised.
type testAPI struct {
	t       *testing.T
	url     string
	srv     *Server
	db      *store.DB
	session string
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "kumo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{DataDir: dir}, db, storage.NewQemuImg(), log)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	if _, _, err := svc.EnsureAdmin(context.Background(), "admin", testAdminPassword); err != nil {
		t.Fatal(err)
	}
	srv := New(svc, log)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	a := &testAPI{t: t, url: hs.URL, srv: srv, db: db}
	a.session = a.login("logInByAccount", "/zstack/v1/accounts/login", map[string]any{"accountName": "admin", "password": testAdminPassword})
	return a
}

func (a *testAPI) call(session, method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, a.url+path, rd)
	if session != "" {
		req.Header.Set("Authorization", "OAuth "+session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusAccepted {
		return resp.StatusCode, out
	}
	loc := strings.TrimPrefix(out["location"].(string), "http://"+req.Host)
	for range 200 {
		status, res := a.call(session, "GET", loc, nil)
		if status != http.StatusAccepted {
			return status, res
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.t.Fatalf("%s %s: job did not end", method, path)
	return 0, nil
}

func (a *testAPI) must(session, method, path string, body any) map[string]any {
	a.t.Helper()
	status, out := a.call(session, method, path, body)
	if status != http.StatusOK {
		a.t.Fatalf("%s %s: %d %v", method, path, status, out)
	}
	return out
}

func (a *testAPI) login(key, path string, params map[string]any) string {
	a.t.Helper()
	inv := a.must("", "PUT", path, map[string]any{key: params})["inventory"].(map[string]any)
	return inv["uuid"].(string)
}

// adminContext is the admin's session as the service sees it.
func (a *testAPI) adminContext() context.Context {
	a.t.Helper()
	p, _, err := a.srv.svc.Authenticate(context.Background(), a.session)
	if err != nil {
		a.t.Fatal(err)
	}
	return service.WithPrincipal(context.Background(), p)
}

func uuidOf(out map[string]any) string { return out["inventory"].(map[string]any)["uuid"].(string) }

func codeOf(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestIdentityAndPolicies(t *testing.T) {
	a := newTestAPI(t)
	acct := uuidOf(a.must(a.session, "POST", "/zstack/v1/accounts", map[string]any{"params": map[string]any{"name": "acme", "password": "acme-password"}}))
	acme := a.login("logInByAccount", "/zstack/v1/accounts/login", map[string]any{"accountName": "acme", "password": "acme-password"})

	// A Normal account sees only itself; it may not create accounts.
	if got := a.must(acme, "GET", "/zstack/v1/accounts", nil)["inventories"].([]any); len(got) != 1 {
		t.Fatalf("acme sees accounts %v", got)
	}
	if status, out := a.call(acme, "POST", "/zstack/v1/accounts", map[string]any{"params": map[string]any{"name": "x", "password": "xxxxxxxxx"}}); status != 503 || codeOf(out) != "ID.1002" {
		t.Fatalf("account creating an account: %d %v", status, out)
	}

	user := uuidOf(a.must(acme, "POST", "/zstack/v1/accounts/users", map[string]any{"params": map[string]any{"name": "worker", "password": "worker-password"}}))
	group := uuidOf(a.must(acme, "POST", "/zstack/v1/accounts/groups", map[string]any{"params": map[string]any{"name": "ops"}}))
	a.must(acme, "POST", "/zstack/v1/accounts/groups/"+group+"/users", map[string]any{"params": map[string]any{"userUuid": user}})
	allow := uuidOf(a.must(acme, "POST", "/zstack/v1/accounts/policies", map[string]any{"params": map[string]any{"name": "all",
		"statements": []any{map[string]any{"effect": "Allow", "actions": []string{"*"}}}}}))
	deny := uuidOf(a.must(acme, "POST", "/zstack/v1/accounts/policies", map[string]any{"params": map[string]any{"name": "no-groups",
		"statements": []any{map[string]any{"effect": "Deny", "actions": []string{"identity:APICreateUserGroupMsg"}}}}}))
	// The document's form: policyUuid at the top of the body.
	a.must(acme, "POST", "/zstack/v1/accounts/users/"+user+"/policies", map[string]any{"policyUuid": allow})
	a.must(acme, "POST", "/zstack/v1/accounts/groups/"+group+"/policies", map[string]any{"params": map[string]any{"policyUuid": deny}})

	worker := a.login("logInByUser", "/zstack/v1/accounts/users/login", map[string]any{"accountUuid": acct, "userName": "worker", "password": "worker-password"})
	// Allowed by the user's policy.
	a.must(worker, "POST", "/zstack/v1/scheduler/triggers", map[string]any{"params": map[string]any{"name": "t", "startTime": 4102444800000.0}})
	// Denied by the group's policy: Deny wins over Allow.
	if status, out := a.call(worker, "POST", "/zstack/v1/accounts/groups", map[string]any{"params": map[string]any{"name": "g"}}); status != 503 || codeOf(out) != "ID.1002" {
		t.Fatalf("denied API: %d %v", status, out)
	}
	perm := a.must(acme, "PUT", "/zstack/v1/accounts/permissions/actions", map[string]any{"checkApiPermission": map[string]any{"userUuid": user,
		"apiNames": []string{"APICreateUserGroupMsg", "APICreateSchedulerTriggerMsg"}}})["inventory"].(map[string]any)
	if perm["APICreateUserGroupMsg"] != "Deny" || perm["APICreateSchedulerTriggerMsg"] != "Allow" {
		t.Fatalf("CheckApiPermission = %v", perm)
	}
	// Detaching the group's policy lifts the denial.
	a.must(acme, "DELETE", "/zstack/v1/accounts/groups/"+group+"/policies/"+deny, nil)
	a.must(worker, "POST", "/zstack/v1/accounts/groups", nil2(map[string]any{"name": "g"}))

	// Quotas of the account, and their usage.
	a.must(a.session, "PUT", "/zstack/v1/accounts/quotas/actions", map[string]any{"updateQuota": map[string]any{"identityUuid": acct, "name": "vm.totalNum", "value": 3}})
	q := a.must(acme, "GET", "/zstack/v1/accounts/quotas?q=name=vm.totalNum", nil)["inventories"].([]any)
	if len(q) != 1 || q[0].(map[string]any)["value"] != 3.0 {
		t.Fatalf("quota = %v", q)
	}
	usages := a.must(acme, "GET", "/zstack/v1/accounts/quota/"+acct+"/usages", nil)["usages"].([]any)
	if len(usages) != 4 {
		t.Fatalf("usages = %v", usages)
	}

	// Deleting the account takes its users along.
	a.must(a.session, "DELETE", "/zstack/v1/accounts/"+acct, nil)
	if status, _ := a.call("", "PUT", "/zstack/v1/accounts/users/login", map[string]any{"logInByUser": map[string]any{"accountName": "acme", "userName": "worker", "password": "worker-password"}}); status == 200 {
		t.Fatal("user of a deleted account logged in")
	}
}

func nil2(params map[string]any) map[string]any { return map[string]any{"params": params} }

func TestSessionsAndJobs(t *testing.T) {
	a := newTestAPI(t)
	if status, out := a.call("", "PUT", "/zstack/v1/accounts/login", map[string]any{"logInByAccount": map[string]any{"accountName": "admin", "password": "wrong-password"}}); status != 503 || codeOf(out) != "ID.1000" {
		t.Fatalf("wrong password: %d %v", status, out)
	}
	renewed := a.must("", "PUT", "/zstack/v1/accounts/sessions/"+a.session+"/renew", map[string]any{"renewSession": map[string]any{"duration": 100}})
	if renewed["inventory"].(map[string]any)["uuid"] != a.session {
		t.Fatalf("renew = %v", renewed)
	}
	// A job uuid must be a random (v4) UUID without hyphens.
	for _, bad := range []string{"0123456789abcdef0123456789abcdef", "not-a-uuid", "0123456789ab4def8123456789abcde"} {
		req, _ := http.NewRequest("POST", a.url+"/zstack/v1/accounts/groups", strings.NewReader(`{"params":{"name":"g0"}}`))
		req.Header.Set("Authorization", "OAuth "+a.session)
		req.Header.Set("X-Job-UUID", bad)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("X-Job-UUID %q: %v %v", bad, resp, err)
		}
		resp.Body.Close()
	}
	// A job uuid may be chosen once; polling an unknown job is 404.
	req, _ := http.NewRequest("POST", a.url+"/zstack/v1/accounts/groups", strings.NewReader(`{"params":{"name":"g1"}}`))
	req.Header.Set("Authorization", "OAuth "+a.session)
	req.Header.Set("X-Job-UUID", "0123456789ab4def8123456789abcdef")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("job with X-Job-UUID: %v %v", resp, err)
	}
	resp.Body.Close()
	if status, out := a.call(a.session, "GET", "/zstack/v1/api-jobs/0123456789ab4def8123456789abcdef", nil); status != 200 || uuidOf(out) == "" {
		t.Fatalf("poll: %d %v", status, out)
	}
	if status, _ := a.call(a.session, "GET", "/zstack/v1/api-jobs/ffffffffffffffffffffffffffffffff", nil); status != 404 {
		t.Fatalf("unknown job: %d", status)
	}
	// The change is in Kumo's operation log, with its job.
	logs, _, err := a.srv.svc.ListOperationLogs(a.adminContext(), store.LogFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range logs {
		found = found || (l.User == "admin" && strings.Contains(l.Content, "CreateUserGroup") && strings.Contains(l.Content, "0123456789ab4def8123456789abcdef"))
	}
	if !found {
		t.Fatalf("no operation log of the job: %+v", logs)
	}
	a.must("", "DELETE", "/zstack/v1/accounts/sessions/"+a.session, nil)
	if status, out := a.call(a.session, "GET", "/zstack/v1/accounts", nil); status != 503 || codeOf(out) != "ID.1001" {
		t.Fatalf("after logout: %d %v", status, out)
	}
}

func TestSchedulerObjectsAndPrices(t *testing.T) {
	a := newTestAPI(t)
	trig := uuidOf(a.must(a.session, "POST", "/zstack/v1/scheduler/triggers", map[string]any{"params": map[string]any{"name": "nightly",
		"schedulerType": "cron", "cron": "0 0 3 * * ?"}}))
	if status, _ := a.call(a.session, "POST", "/zstack/v1/scheduler/triggers", map[string]any{"params": map[string]any{"name": "bad",
		"schedulerType": "cron", "cron": "every day"}}); status != 400 {
		t.Fatalf("bad cron: %d", status)
	}
	if status, out := a.call(a.session, "POST", "/zstack/v1/scheduler/jobs", map[string]any{"params": map[string]any{"name": "j",
		"type": "startVm", "targetResourceUuid": "9c9e9ce0aa824137a0944daa4127355d"}}); status != 503 || codeOf(out) != "SYS.1006" {
		t.Fatalf("job on a missing VM: %d %v", status, out)
	}
	got := a.must(a.session, "GET", "/zstack/v1/scheduler/triggers/"+trig, nil)["inventories"].([]any)
	if len(got) != 1 || got[0].(map[string]any)["cron"] != "0 0 3 * * ?" {
		t.Fatalf("trigger = %v", got)
	}
	a.must(a.session, "PUT", "/zstack/v1/scheduler/triggers/"+trig+"/actions", map[string]any{"updateSchedulerTrigger": map[string]any{"name": "renamed"}})
	if got := a.must(a.session, "GET", "/zstack/v1/scheduler/triggers?q=name=renamed&replyWithCount=true", nil); got["total"] != 1.0 {
		t.Fatalf("renamed trigger: %v", got)
	}
	a.must(a.session, "DELETE", "/zstack/v1/scheduler/triggers/"+trig, nil)

	price := uuidOf(a.must(a.session, "POST", "/zstack/v1/billings/prices", map[string]any{"params": map[string]any{"resourceName": "memory",
		"resourceUnit": "GB", "timeUnit": "h", "price": 2.5}}))
	if got := a.must(a.session, "GET", "/zstack/v1/billing/prices/"+price, nil)["inventories"].([]any); len(got) != 1 {
		t.Fatalf("price = %v", got)
	}
	if status, _ := a.call(a.session, "POST", "/zstack/v1/billings/prices", map[string]any{"params": map[string]any{"resourceName": "cpu", "timeUnit": "fortnight", "price": 1}}); status != 400 {
		t.Fatalf("bad time unit: %d", status)
	}
}

// TestDocumentExamples sends every request example of the document: each
// must reach its handler and be understood (no 400, 404, 405 or 500),
// even where it fails for the objects it names do not exist here.
func TestDocumentExamples(t *testing.T) {
	a := newTestAPI(t)
	raw, err := os.ReadFile("testdata/examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var examples []struct {
		Method, Path string
		Body         map[string]any
	}
	if err := json.Unmarshal(raw, &examples); err != nil {
		t.Fatal(err)
	}
	// Examples whose values Kumo refuses for a reason.
	refused := map[string]string{
		"PUT /zstack/v1/accounts/quotas/actions":               "the example's quota is named \"quotaname\", which is no quota",
		"POST /zstack/v1/accounts/users/{userUuid}/policies":   "the example sends no body, so no policyUuid",
		"DELETE /zstack/v1/accounts/users/{userUuid}/policies": "the example names no policyUuids",
		"POST /zstack/v1/ldap/bindings":                        "the example sends no body, so no ldapUid",
		"GET /zstack/v1/ldap/entry":                            "the example's URL has no ldapFilter (only its curl line does)",
		"GET /zstack/v1/ldap/entries/candidates":               "the example's URL has no ldapFilter (only its curl line does)",
	}
	ids := strings.NewReplacer("{uuid}", "0123456789ab4def8123456789abcdef", "{groupUuid}", "1123456789abcdef0123456789abcdef",
		"{policyUuid}", "2123456789abcdef0123456789abcdef", "{userUuid}", "3123456789abcdef0123456789abcdef",
		"{accountUuid}", "4123456789abcdef0123456789abcdef", "{schedulerJobUuid}", "5123456789abcdef0123456789abcdef",
		"{schedulerTriggerUuid}", "6123456789abcdef0123456789abcdef", "{ldapServerUuid}", "7123456789abcdef0123456789abcdef")
	for _, ex := range examples {
		path := ids.Replace(ex.Path)
		path = strings.ReplaceAll(path, "{sessionUuid}", a.session)
		if strings.Contains(path, "/sessions/") && ex.Method == "DELETE" {
			continue // logging out would end the test's session
		}
		var body any
		if ex.Body != nil {
			body = ex.Body
		}
		status, out := a.call(a.session, ex.Method, path, body)
		key := ex.Method + " " + ex.Path
		switch {
		case refused[key] != "":
		case status == 400 || status == 404 || status == 405 || status == 500:
			t.Errorf("%s: %d %v", key, status, out)
		case status != 200 && codeOf(out) == "":
			t.Errorf("%s: %d without an error code: %v", key, status, out)
		}
	}
}
