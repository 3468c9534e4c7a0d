package e2e

import (
	"crypto/sha512"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	zsclient "github.com/terraform-zstack-modules/zstack-sdk-go/pkg/client"
	zsparam "github.com/terraform-zstack-modules/zstack-sdk-go/pkg/param"
	zsview "github.com/terraform-zstack-modules/zstack-sdk-go/pkg/view"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestZStackSDK drives Kumo with the stock ZStack Go SDK
// (github.com/terraform-zstack-modules/zstack-sdk-go v1.0.1, a test-only
// dependency) as a ZStack user would: the admin logs in with the SDK's
// SHA-512 form of the same password every other API takes; a Normal
// account creates a VM from an image shared with it and meets its
// quota; a user of the account acts on the account's VMs as its policy
// allows, a Deny beating an Allow; and changing one's own password keeps
// the calling session (the SDK polls the job with it) and ends the
// others.
func TestZStackSDK(t *testing.T) {
	k := startKumo(t, withZStack)
	img := k.uploadGuest("sdk-base")
	host, portText, _ := net.SplitHostPort(k.srv.ZStackAddr())
	port, _ := strconv.Atoi(portText)
	config := func() *zsclient.ZSConfig {
		return zsclient.NewZSConfig(host, port, "zstack").RetryInterval(1).RetryTimes(120)
	}

	admin := zsclient.NewZSClient(config().LoginAccount("admin", adminPassword))
	sess, err := admin.Login()
	if err != nil || sess.UUID == "" {
		t.Fatalf("admin login with the SDK: %+v, %v", sess, err)
	}
	// The same password works as typed through /v1.
	m := &matrix{t: t, k: k}
	m.login("admin", adminPassword)
	if _, err := zsclient.NewZSClient(config().LoginAccount("admin", "not-the-password")).Login(); err == nil {
		t.Fatal("the SDK logged in with a wrong password")
	}

	// A Normal account, with the admin's image shared to it and room for
	// one VM. The SDK has no account calls: its generic ones do.
	var acct struct{ UUID string }
	if err := admin.Post("v1/accounts", map[string]any{"params": map[string]any{"name": "acme", "password": sha512Hex("acme-password"),
		"type": "Normal"}}, &acct); err != nil || acct.UUID == "" {
		t.Fatalf("CreateAccount: %+v, %v", acct, err)
	}
	if err := admin.Put("v1/accounts/resources/actions", "", map[string]any{"shareResource": map[string]any{
		"resourceUuids": []string{zid(img.ID)}, "accountUuids": []string{acct.UUID}}}, nil); err != nil {
		t.Fatalf("ShareResource: %v", err)
	}
	if err := admin.Put("v1/accounts/quotas/actions", "", map[string]any{"updateQuota": map[string]any{
		"identityUuid": acct.UUID, "name": "vm.totalNum", "value": 1}}, nil); err != nil {
		t.Fatalf("UpdateQuota: %v", err)
	}

	acme := zsclient.NewZSClient(config().LoginAccount("acme", "acme-password"))
	if _, err := acme.Login(); err != nil {
		t.Fatalf("account login with the SDK: %v", err)
	}
	images, err := acme.QueryImage(zsparam.NewQueryParam())
	if err != nil || len(images) != 1 || images[0].UUID != zid(img.ID) {
		t.Fatalf("QueryImage as the account: %+v, %v", images, err)
	}
	create := func(c *zsclient.ZSClient, name string) (*zsview.VmInstanceInventoryView, error) {
		return c.CreateVmInstance(zsparam.CreateVmInstanceParam{Params: zsparam.CreateVmInstanceDetailParam{Name: name,
			ImageUUID: images[0].UUID, CpuNum: 1, MemorySize: 128 << 20, Strategy: "CreateStopped"}})
	}
	vm, err := create(acme, "acme-vm")
	if err != nil || vm.UUID == "" || vm.State != "Stopped" {
		t.Fatalf("CreateVmInstance from the shared image: %+v, %v", vm, err)
	}
	if _, err := create(acme, "acme-vm-2"); err == nil || !strings.Contains(err.Error(), "ID.1003") {
		t.Fatalf("a second VM over the account's quota: %v", err)
	}

	// A user of the account: allowed everything on VMs but destroying them.
	var user struct{ UUID string }
	if err := acme.Post("v1/accounts/users", map[string]any{"params": map[string]any{"name": "bob", "password": sha512Hex("bob-password")}}, &user); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	var pol struct{ UUID string }
	if err := acme.Post("v1/accounts/policies", map[string]any{"params": map[string]any{"name": "vm-ops", "statements": []any{
		map[string]any{"name": "all", "effect": "Allow", "actions": []string{"instance:*"}},
		map[string]any{"name": "no-destroy", "effect": "Deny", "actions": []string{"instance:APIDestroyVmInstanceMsg"}},
	}}}, &pol); err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	if err := acme.Post("v1/accounts/users/"+user.UUID+"/policies", map[string]any{"params": map[string]any{"policyUuid": pol.UUID}}, nil); err != nil {
		t.Fatalf("AttachPolicyToUser: %v", err)
	}
	bob := zsclient.NewZSClient(config().LoginAccountUser("acme", "bob", "bob-password"))
	if _, err := bob.Login(); err != nil {
		t.Fatalf("user login with the SDK: %v", err)
	}
	other := zsclient.NewZSClient(config().LoginAccountUser("acme", "bob", "bob-password"))
	if _, err := other.Login(); err != nil {
		t.Fatal(err)
	}
	vms, err := bob.QueryVmInstance(zsparam.NewQueryParam())
	if err != nil || len(vms) != 1 || vms[0].UUID != vm.UUID {
		t.Fatalf("the user's view of the account's VMs: %+v, %v", vms, err)
	}
	if started, err := bob.StartVmInstance(vm.UUID, nil); err != nil || started.State != "Running" {
		t.Fatalf("StartVmInstance as the user: %+v, %v", started, err)
	}
	k.waitSerial(api.VM{ID: kumoID(vm.UUID)}, "KUMO-GUEST-READY", 1)
	if stopped, err := bob.StopVmInstance(vm.UUID, zsparam.StopVmInstanceParam{StopVmInstance: zsparam.StopVmInstanceDetailParam{Type: "cold"}}); err != nil || stopped.State != "Stopped" {
		t.Fatalf("StopVmInstance as the user: %+v, %v", stopped, err)
	}
	if err := bob.DestroyVmInstance(vm.UUID, zsparam.DeleteModePermissive); err == nil || !strings.Contains(err.Error(), "ID.1002") {
		t.Fatalf("DestroyVmInstance against the policy's Deny: %v", err)
	}

	// Bob changes his own password: the job is polled with the session
	// that changed it, which lives on; his other session ends.
	var updated struct{ UUID string }
	if err := bob.Put("v1/accounts/users/actions", "", map[string]any{"updateUser": map[string]any{"uuid": user.UUID,
		"password": sha512Hex("bobs-new-password")}}, &updated); err != nil {
		t.Fatalf("UpdateUser of one's own password: %v", err)
	}
	if v, err := bob.ValidateSession(); err != nil || !v["valid"] {
		t.Fatalf("the changing session after the change: %v, %v", v, err)
	}
	if v, err := other.ValidateSession(); err != nil || v["valid"] {
		t.Fatalf("bob's other session after the change: %v, %v", v, err)
	}
	if _, err := zsclient.NewZSClient(config().LoginAccountUser("acme", "bob", "bobs-new-password")).Login(); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	// The account may destroy its VM; the SDK logs out.
	if err := acme.DestroyVmInstance(vm.UUID, zsparam.DeleteModePermissive); err != nil {
		t.Fatalf("DestroyVmInstance as the account: %v", err)
	}
	if err := admin.Logout(); err != nil {
		t.Fatalf("Logout: %v", err)
	}
}

func sha512Hex(s string) string { return fmt.Sprintf("%x", sha512.Sum512([]byte(s))) }

// kumoID is a Kumo id from a ZStack uuid.
func kumoID(z string) string {
	if len(z) != 32 {
		return z
	}
	return z[:8] + "-" + z[8:12] + "-" + z[12:16] + "-" + z[16:20] + "-" + z[20:]
}
