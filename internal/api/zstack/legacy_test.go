package zstack

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/internal/store"
)

// TestUpgradeLegacy stores the documents an installation from before
// tenants has, exactly as the dialect wrote them then, converts them
// with UpgradeLegacy and reads the result back through the API.
func TestUpgradeLegacy(t *testing.T) {
	a := newTestAPI(t)
	admin := a.adminContext()
	svc := a.srv.svc
	// CreateAccount and CreateUser made plain platform users then.
	users := map[string]model.User{}
	for _, name := range []string{"acme", "worker", "guard"} {
		u, err := svc.CreateUser(admin, service.CreateUserRequest{Name: name, Password: name + "-password"})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	pool, err := svc.GetPool(admin, model.DefaultPoolName)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.CreateHost(admin, model.Host{ID: "h", Name: "h", PoolID: pool.ID, State: model.HostOnline, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	vm := model.VM{ID: "5f0c1c3e-1b7e-4c53-9d0e-2a7f0e3b9c11", Name: "acme-vm", PoolID: pool.ID, HostID: "h", Cores: 1, MemoryMiB: 64,
		CloneMode: model.CloneCOW, PowerState: model.PowerStopped, Status: model.PowerStopped, Owner: "acme",
		TenantID: model.DefaultTenantID, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := a.db.CreateVM(admin, vm); err != nil {
		t.Fatal(err)
	}

	acme, worker, guard := zid(users["acme"].ID), zid(users["worker"].ID), zid(users["guard"].ID)
	const (
		allow   = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
		deny    = "1a1b2c3d4e5f40718293a4b5c6d7e8f9"
		ops     = "2a1b2c3d4e5f40718293a4b5c6d7e8f9"
		job     = "3a1b2c3d4e5f40718293a4b5c6d7e8f9"
		trigger = "4a1b2c3d4e5f40718293a4b5c6d7e8f9"
		price   = "5a1b2c3d4e5f40718293a4b5c6d7e8f9"
		server  = "6a1b2c3d4e5f40718293a4b5c6d7e8f9"
		binding = "7a1b2c3d4e5f40718293a4b5c6d7e8f9"
		lost    = "8a1b2c3d4e5f40718293a4b5c6d7e8f9" // a VM deleted since
		nobody  = "9a1b2c3d4e5f40718293a4b5c6d7e8f9" // an account deleted since
	)
	vmUUID := zid(vm.ID)
	const when = `"createDate":"Dec 1, 2026 10:00:00 AM","lastOpDate":"Dec 1, 2026 10:00:00 AM"`
	docs := []struct{ kind, uuid, body string }{
		{"account", acme, `{"uuid":"` + acme + `","name":"acme","description":"ACME Corp","type":"Normal",` + when + `}`},
		{"user", worker, `{"uuid":"` + worker + `","accountUuid":"` + acme + `","name":"worker","description":"night shift","policyUuids":["` + allow + `"],` + when + `}`},
		{"user", guard, `{"uuid":"` + guard + `","accountUuid":"` + acme + `","name":"guard","description":"","policyUuids":["` + allow + `"],` + when + `}`},
		{"policy", allow, `{"uuid":"` + allow + `","accountUuid":"` + acme + `","name":"starters","description":"",` +
			`"statements":[{"name":"start","effect":"Allow","actions":["instance:APIStartVmInstanceMsg"]}],` + when + `}`},
		{"policy", deny, `{"uuid":"` + deny + `","accountUuid":"` + acme + `","name":"no-start","description":"",` +
			`"statements":[{"name":"","effect":"Deny","actions":["org.zstack.header.vm.APIStartVmInstanceMsg"]}],` + when + `}`},
		{"policy", nobody, `{"uuid":"` + nobody + `","accountUuid":"` + nobody + `","name":"orphan","description":"",` +
			`"statements":[{"name":"","effect":"Allow","actions":["*"]}],` + when + `}`},
		{"group", ops, `{"uuid":"` + ops + `","accountUuid":"` + acme + `","name":"ops","description":"operators","userUuids":["` + guard + `"],"policyUuids":["` + deny + `"],` + when + `}`},
		{"quota", acme + ":vm.cpuNum", `{"name":"vm.cpuNum","identityUuid":"` + acme + `","identityType":"AccountVO","value":1,` + when + `}`},
		{"quota", acme + ":volume.snapshotNum", `{"name":"volume.snapshotNum","identityUuid":"` + acme + `","identityType":"AccountVO","value":5,` + when + `}`},
		{"share", vmUUID + ":public", `{"ownerAccountUuid":"` + acme + `","toPublic":true,"resourceType":"VmInstanceVO","resourceUuid":"` + vmUUID + `",` + when + `}`},
		{"schedulerJob", job, `{"uuid":"` + job + `","accountUuid":"` + acme + `","name":"nightly-stop","description":"",` +
			`"targetResourceUuid":"` + vmUUID + `","type":"stopVm","state":"Enabled","lastResult":"submitted at Dec 2, 2026 1:00:00 AM",` + when + `}`},
		{"schedulerJob", lost, `{"uuid":"` + lost + `","accountUuid":"` + acme + `","name":"gone","description":"",` +
			`"targetResourceUuid":"` + lost + `","type":"rebootVm","state":"Disabled",` + when + `}`},
		{"schedulerTrigger", trigger, `{"uuid":"` + trigger + `","accountUuid":"` + acme + `","name":"nights","description":"",` +
			`"schedulerType":"simple","schedulerInterval":86400,"repeatCount":30,"startTime":4102444800000,"jobsUuid":["` + job + `","` + lost + `"],` +
			`"fireCount":2,"lastFireTime":4102531200000,` + when + `}`},
		{"price", price, `{"uuid":"` + price + `","resourceName":"memory","resourceUnit":"GB","timeUnit":"h","price":0.25,"dateInLong":1764547200000,` + when + `}`},
		{"ldapServer", server, `{"uuid":"` + server + `","name":"corp","description":"","url":"ldap://ldap.example:389","base":"dc=example,dc=com",` +
			`"username":"cn=admin,dc=example,dc=com","password":"bind-secret","encryption":"None","loginAttribute":"mail",` + when + `}`},
		{"ldapBinding", binding, `{"uuid":"` + binding + `","ldapUid":"uid=acme,dc=example,dc=com","ldapServerUuid":"` + server + `","accountUuid":"` + acme + `",` + when + `}`},
		{"consoleAgent", "proxy", `{"uuid":"proxy","managementIp":"127.0.0.1"}`},
	}
	for _, d := range docs {
		if err := a.db.PutZStackResource(context.Background(), store.ZStackResource{Kind: d.kind, UUID: d.uuid, Body: []byte(d.body),
			CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	// Only the control plane converts.
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if err := UpgradeLegacy(admin, svc, log); !model.IsCode(err, model.CodePermissionDenied) {
		t.Fatalf("upgrade as the admin: %v", err)
	}
	kumo := service.AsControlPlane(context.Background())
	if err := UpgradeLegacy(kumo, svc, log); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{"level=WARN msg=\"dropped a ZStack document of the pre-tenant format\" kind=schedulerJob uuid=" + lost,
		"kind=policy uuid=" + nobody, "kind=quota uuid=" + acme + ":volume.snapshotNum", "level=INFO", "account=1", "user=2", "policy=2"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}

	// The account keeps its uuid and logs in as before; its quota is the
	// core's under ZStack's name.
	var found bool
	for _, inv := range a.must(a.session, "GET", "/zstack/v1/accounts", nil)["inventories"].([]any) {
		m := inv.(map[string]any)
		found = found || (m["uuid"] == acme && m["type"] == "Normal" && m["description"] == "ACME Corp")
	}
	if !found {
		t.Fatal("acme is not a Normal account with its old uuid")
	}
	acmeSession := a.login("logInByAccount", "/zstack/v1/accounts/login", map[string]any{"accountName": "acme", "password": "acme-password"})
	q := a.must(acmeSession, "GET", "/zstack/v1/accounts/quotas?q=name=vm.cpuNum", nil)["inventories"].([]any)
	if len(q) != 1 || q[0].(map[string]any)["value"] != 1.0 || q[0].(map[string]any)["identityUuid"] != acme {
		t.Fatalf("quota = %v", q)
	}
	if vms := a.must(acmeSession, "GET", "/zstack/v1/vm-instances", nil)["inventories"].([]any); len(vms) != 1 ||
		vms[0].(map[string]any)["ownerAccountUuid"] != acme {
		t.Fatalf("acme's VMs = %v", vms)
	}

	// Its users log in as users of the account, under their policies.
	a.login("logInByUser", "/zstack/v1/accounts/users/login", map[string]any{"accountUuid": acme, "userName": "worker", "password": "worker-password"})
	check := func(user string) map[string]any {
		return a.must(acmeSession, "PUT", "/zstack/v1/accounts/permissions/actions", map[string]any{"checkApiPermission": map[string]any{
			"userUuid": user, "apiNames": []string{"APIStartVmInstanceMsg", "APIDestroyVmInstanceMsg"}}})["inventory"].(map[string]any)
	}
	if got := check(worker); got["APIStartVmInstanceMsg"] != "Allow" || got["APIDestroyVmInstanceMsg"] != "Deny" {
		t.Fatalf("worker may %v", got)
	}
	if got := check(guard); got["APIStartVmInstanceMsg"] != "Deny" {
		t.Fatalf("guard, whose group denies starting, may %v", got)
	}
	pols := a.must(acmeSession, "GET", "/zstack/v1/accounts/policies?q=uuid="+allow, nil)["inventories"].([]any)
	if len(pols) != 1 || fmt.Sprint(pols[0].(map[string]any)["statements"]) != "[map[actions:[instance:APIStartVmInstanceMsg] effect:Allow name:start]]" {
		t.Fatalf("policy = %v", pols)
	}
	groups := a.must(acmeSession, "GET", "/zstack/v1/accounts/groups/"+ops, nil)["inventories"].([]any)
	if len(groups) != 1 || fmt.Sprint(groups[0].(map[string]any)["userUuids"]) != "["+guard+"]" ||
		fmt.Sprint(groups[0].(map[string]any)["policyUuids"]) != "["+deny+"]" {
		t.Fatalf("group = %v", groups)
	}

	// Shares, schedules, prices and LDAP are the core's, under their old
	// uuids.
	shares := a.must(acmeSession, "GET", "/zstack/v1/accounts/resources", nil)["inventories"].([]any)
	if len(shares) != 1 || shares[0].(map[string]any)["resourceUuid"] != vmUUID || shares[0].(map[string]any)["toPublic"] != true {
		t.Fatalf("shares = %v", shares)
	}
	jobs := a.must(acmeSession, "GET", "/zstack/v1/scheduler/jobs", nil)["inventories"].([]any)
	if len(jobs) != 1 || jobs[0].(map[string]any)["uuid"] != job || jobs[0].(map[string]any)["type"] != "stopVm" ||
		jobs[0].(map[string]any)["targetResourceUuid"] != vmUUID || jobs[0].(map[string]any)["accountUuid"] != acme {
		t.Fatalf("jobs = %v", jobs)
	}
	triggers := a.must(acmeSession, "GET", "/zstack/v1/scheduler/triggers", nil)["inventories"].([]any)
	if len(triggers) != 1 {
		t.Fatalf("triggers = %v", triggers)
	}
	tr := triggers[0].(map[string]any)
	if tr["uuid"] != trigger || tr["schedulerInterval"] != 86400.0 || tr["repeatCount"] != 30.0 || tr["startTime"] != 4102444800000.0 ||
		tr["fireCount"] != 2.0 || tr["lastFireTime"] != 4102531200000.0 || fmt.Sprint(tr["jobsUuid"]) != "["+job+"]" {
		t.Fatalf("trigger = %v", tr)
	}
	prices := a.must(a.session, "GET", "/zstack/v1/billings/prices", nil)["inventories"].([]any)
	if len(prices) != 1 || prices[0].(map[string]any)["uuid"] != price || prices[0].(map[string]any)["dateInLong"] != 1764547200000.0 {
		t.Fatalf("prices = %v", prices)
	}
	servers := a.must(a.session, "GET", "/zstack/v1/ldap/servers", nil)["inventories"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["uuid"] != server || servers[0].(map[string]any)["loginAttribute"] != "mail" ||
		servers[0].(map[string]any)["username"] != "cn=admin,dc=example,dc=com" {
		t.Fatalf("LDAP servers = %v", servers)
	}
	bindings := a.must(a.session, "GET", "/zstack/v1/ldap/bindings", nil)["inventories"].([]any)
	if len(bindings) != 1 || bindings[0].(map[string]any)["uuid"] != binding || bindings[0].(map[string]any)["accountUuid"] != acme {
		t.Fatalf("LDAP bindings = %v", bindings)
	}

	// Only the console agent's document is left, and a second start
	// finds nothing to do.
	left, err := a.db.ListZStackResourcesOfKinds(context.Background(), append(legacyKinds, "consoleAgent"))
	if err != nil || len(left) != 1 || left[0].Kind != "consoleAgent" {
		t.Fatalf("left = %+v, %v", left, err)
	}
	logs.Reset()
	if err := UpgradeLegacy(kumo, svc, log); err != nil || logs.Len() != 0 {
		t.Fatalf("second upgrade: %v, logged %s", err, logs.String())
	}
}
