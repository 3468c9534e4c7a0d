package e2e

import (
	"crypto/sha512"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	zsclient "github.com/terraform-zstack-modules/zstack-sdk-go/pkg/client"
	zsparam "github.com/terraform-zstack-modules/zstack-sdk-go/pkg/param"
	zsview "github.com/terraform-zstack-modules/zstack-sdk-go/pkg/view"

	"github.com/kumo-cloud/kumo/internal/server"
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

// TestZStackSDKLife drives a VM through its whole life the SDK's (and
// terraform's) normal way: it finds an instance offering, the NAT L3
// network, the image and the pool's zone, cluster and host by query,
// creates the VM from offering + L3 + image, starts it, snapshots its
// root volume, asks for its console both ways, stops it gracefully, and
// destroys and expunges it. Every reply is unmarshalled into the SDK's
// view structs and checked for the fields the SDK and terraform read.
func TestZStackSDKLife(t *testing.T) {
	// A short stop timeout: the grace stop below falls back to a forced
	// one, as ZStack does, when the guest ignores the power button.
	k := startKumo(t, withZStack, func(c *server.Config) { c.Service.StopTimeout = 4 * time.Second })
	img := k.uploadGuest("life-base")
	host, portText, _ := net.SplitHostPort(k.srv.ZStackAddr())
	port, _ := strconv.Atoi(portText)
	cli := zsclient.NewZSClient(zsclient.NewZSConfig(host, port, "zstack").LoginAccount("admin", adminPassword).RetryInterval(1).RetryTimes(180))
	if sess, err := cli.Login(); err != nil || sess.UUID == "" {
		t.Fatalf("Login: %+v, %v", sess, err)
	}
	q := func(conds ...string) zsparam.QueryParam {
		p := zsparam.NewQueryParam()
		for _, c := range conds {
			p.AddQ(c)
		}
		return p
	}

	// Where VMs go: zone, cluster and host are the pool and its host.
	zones, err := cli.QueryZone(q())
	if err != nil || len(zones) != 1 || zones[0].UUID == "" || zones[0].Name == "" || zones[0].State != "Enabled" || zones[0].CreateDate.IsZero() {
		t.Fatalf("QueryZone: %+v, %v", zones, err)
	}
	clusters, err := cli.QueryCluster(q("zoneUuid=" + zones[0].UUID))
	if err != nil || len(clusters) != 1 || clusters[0].Uuid == "" || clusters[0].ZoneUuid != zones[0].UUID || clusters[0].HypervisorType != "KVM" {
		t.Fatalf("QueryCluster: %+v, %v", clusters, err)
	}
	hosts, err := cli.QueryHost(q("clusterUuid=" + clusters[0].Uuid))
	if err != nil || len(hosts) != 1 || hosts[0].UUID != zid(k.waitHosts(1)[0].ID) || hosts[0].ZoneUuid != zones[0].UUID ||
		hosts[0].Status != "Connected" || hosts[0].TotalCpuCapacity <= 0 || hosts[0].TotalMemoryCapacity <= 0 || hosts[0].ManagementIp == "" {
		t.Fatalf("QueryHost: %+v, %v", hosts, err)
	}

	// What the VM is made of: an offering, the NAT network, the image.
	offerings, err := cli.QueryInstaceOffering(q("cpuNum=1", "memorySize=134217728"))
	if err != nil || len(offerings) != 1 || offerings[0].UUID == "" || offerings[0].Name == "" || offerings[0].State != "Enabled" {
		t.Fatalf("QueryInstanceOffering: %+v, %v", offerings, err)
	}
	offering := offerings[0]
	if got, err := cli.GetInstanceOffering(offering.UUID); err != nil || got.UUID != offering.UUID || got.CpuNum != 1 {
		t.Fatalf("GetInstanceOffering: %+v, %v", got, err)
	}
	l3s, err := cli.QueryL3Network(q("name=NAT"))
	if err != nil || len(l3s) != 1 || l3s[0].UUID == "" || l3s[0].State != "Enabled" || l3s[0].IpVersion != 4 || len(l3s[0].IpRanges) != 1 {
		t.Fatalf("QueryL3Network: %+v, %v", l3s, err)
	}
	nat := l3s[0]
	images, err := cli.QueryImage(q("uuid=" + zid(img.ID)))
	if err != nil || len(images) != 1 || images[0].UUID != zid(img.ID) || images[0].Status != "Ready" {
		t.Fatalf("QueryImage: %+v, %v", images, err)
	}

	// Create as terraform does, stopped, then start.
	vm, err := cli.CreateVmInstance(zsparam.CreateVmInstanceParam{Params: zsparam.CreateVmInstanceDetailParam{Name: "life-vm",
		InstanceOfferingUUID: offering.UUID, ImageUUID: images[0].UUID, L3NetworkUuids: []string{nat.UUID},
		ClusterUUID: clusters[0].Uuid, Strategy: "CreateStopped"}})
	if err != nil {
		t.Fatalf("CreateVmInstance: %v", err)
	}
	if vm.UUID == "" || vm.Name != "life-vm" || vm.State != "Stopped" || vm.InstanceOfferingUUID != offering.UUID || vm.CPUNum != 1 ||
		vm.MemorySize != 128<<20 || vm.ImageUUID != images[0].UUID || vm.ClusterUUID != clusters[0].Uuid || vm.ZoneUUID != zones[0].UUID ||
		vm.DefaultL3NetworkUUID != nat.UUID || len(vm.VMNics) != 1 || vm.VMNics[0].L3NetworkUUID != nat.UUID || vm.VMNics[0].Mac == "" ||
		vm.RootVolumeUUID == "" || len(vm.AllVolumes) != 1 || vm.AllVolumes[0].UUID != vm.RootVolumeUUID || vm.CreateDate.IsZero() {
		t.Fatalf("CreateVmInstance's inventory: %+v", vm)
	}
	if got, err := cli.GetVmInstance(vm.UUID); err != nil || got.UUID != vm.UUID || got.InstanceOfferingUUID != offering.UUID {
		t.Fatalf("GetVmInstance: %+v, %v", got, err)
	}
	if vols, err := cli.QueryVolume(q("vmInstanceUuid=" + vm.UUID)); err != nil || len(vols) != 1 || vols[0].UUID != vm.RootVolumeUUID ||
		vols[0].Type != "Root" || vols[0].Size <= 0 || vols[0].Status != "Ready" {
		t.Fatalf("QueryVolume: %+v, %v", vols, err)
	}
	if nics, err := cli.QueryVmNic(q("vmInstanceUuid=" + vm.UUID)); err != nil || len(nics) != 1 || nics[0].UUID != vm.VMNics[0].UUID ||
		nics[0].IP == "" || nics[0].L3NetworkUUID != nat.UUID {
		t.Fatalf("QueryVmNic: %+v, %v", nics, err)
	}
	if nic, err := cli.GetVmNic(vm.VMNics[0].UUID); err != nil || nic.UUID != vm.VMNics[0].UUID {
		t.Fatalf("GetVmNic: %+v, %v", nic, err)
	}
	// Offering and explicit size must agree.
	if _, err := cli.CreateVmInstance(zsparam.CreateVmInstanceParam{Params: zsparam.CreateVmInstanceDetailParam{Name: "bad",
		InstanceOfferingUUID: offering.UUID, CpuNum: 2, ImageUUID: images[0].UUID, Strategy: "CreateStopped"}}); err == nil ||
		!strings.Contains(err.Error(), "SYS.1007") || !strings.Contains(err.Error(), "cpuNum") {
		t.Fatalf("an offering with another cpuNum: %v", err)
	}
	// Unknown query fields are an error, not an empty list.
	if vms, err := cli.QueryVmInstance(q("noSuchField=1")); err == nil || !strings.Contains(err.Error(), "SYS.1007") {
		t.Fatalf("a query on an unknown field: %+v, %v", vms, err)
	}

	started, err := cli.StartVmInstance(vm.UUID, nil)
	if err != nil || started.UUID != vm.UUID || started.State != "Running" || started.HostUUID != hosts[0].UUID {
		t.Fatalf("StartVmInstance: %+v, %v", started, err)
	}
	k.waitSerial(api.VM{ID: kumoID(vm.UUID)}, "KUMO-GUEST-READY", 1)

	// A snapshot of the root volume is a snapshot of the VM.
	snap, err := cli.CreateVolumeSnapshot(vm.RootVolumeUUID, zsparam.VolumeSnapshotParam{Params: zsparam.VolumeSnapshotDetailParam{
		Name: "life-snap", Description: "while running"}})
	if err != nil || snap.UUID == "" || snap.Name != "life-snap" || snap.Description != "while running" || snap.VolumeUUID != vm.RootVolumeUUID ||
		snap.Status != "Ready" || !snap.Latest || snap.CreateDate.IsZero() {
		t.Fatalf("CreateVolumeSnapshot: %+v, %v", snap, err)
	}
	if snaps, err := cli.QueryVolumeSnapshot(q("volumeUuid=" + vm.RootVolumeUUID)); err != nil || len(snaps) != 1 || snaps[0].UUID != snap.UUID {
		t.Fatalf("QueryVolumeSnapshot: %+v, %v", snaps, err)
	}
	if got, err := cli.GetVolumeSnapshot(snap.UUID); err != nil || got.UUID != snap.UUID || got.Name != "life-snap" {
		t.Fatalf("GetVolumeSnapshot: %+v, %v", got, err)
	}

	// The console: a VNC address, and a websocket token.
	addr, err := cli.GetVmConsoleAddress(vm.UUID)
	if err != nil || addr.HostIp == "" || addr.Port == "" || addr.Protocol != "vnc" || !addr.Success {
		t.Fatalf("GetVmConsoleAddress: %+v, %v", addr, err)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr.HostIp, addr.Port), 10*time.Second)
	if err != nil {
		t.Fatalf("dial the console address: %v", err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	banner := make([]byte, 12)
	if _, err := io.ReadFull(conn, banner); err != nil || !strings.HasPrefix(string(banner), "RFB ") {
		t.Fatalf("the console address does not speak VNC: %q, %v", banner, err)
	}
	conn.Close()
	access, err := cli.RequestConsoleAccess(zsparam.RequestConsoleAccessParam{Params: zsparam.RequestConsoleAccessDetailParam{VMInstanceUUID: vm.UUID}})
	if err != nil || access.Token == "" || access.Hostname == "" || access.Port <= 0 || access.Scheme == "" {
		t.Fatalf("RequestConsoleAccess: %+v, %v", access, err)
	}

	// A graceful stop, as the SDK's default, of a guest that ignores the
	// power button (its acpid killed through the serial console): after
	// the stop timeout the VM is powered off, and the job succeeds.
	kvm := api.VM{ID: kumoID(vm.UUID)}
	serial, err := k.c.Console(ctxT(t), kvm.ID, "serial")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(serial, "\rkillall acpid; echo ACPID-$((1+1))-GONE\r")
	readUntil(t, serial, "ACPID-2-GONE")
	serial.Close()
	stopped, err := cli.StopVmInstance(vm.UUID, zsparam.StopVmInstanceParam{StopVmInstance: zsparam.StopVmInstanceDetailParam{Type: "grace"}})
	if err != nil || stopped.UUID != vm.UUID || stopped.State != "Stopped" {
		t.Fatalf("StopVmInstance: %+v, %v", stopped, err)
	}
	if strings.Contains(k.serial(kvm), "KUMO-GUEST-POWEROFF") {
		t.Fatal("the guest powered itself off: the grace stop was not the forced fallback")
	}

	// Delete the terraform way: destroy, then expunge.
	if err := cli.DestroyVmInstance(vm.UUID, zsparam.DeleteModePermissive); err != nil {
		t.Fatalf("DestroyVmInstance: %v", err)
	}
	if err := cli.ExpungeVmInstance(vm.UUID); err != nil {
		t.Fatalf("ExpungeVmInstance after the destroy: %v", err)
	}
	if got, err := cli.GetVmInstance(vm.UUID); err == nil {
		t.Fatalf("GetVmInstance after the expunge: %+v", got)
	}
	if snaps, err := cli.QueryVolumeSnapshot(q()); err != nil || len(snaps) != 0 {
		t.Fatalf("snapshots after the expunge: %+v, %v", snaps, err)
	}
	// An error names the uuid the client sent, not Kumo's form of it.
	never := strings.ReplaceAll("0c0ffee0-0000-4000-8000-000000000001", "-", "")
	if err := cli.ExpungeVmInstance(never); err == nil || !strings.Contains(err.Error(), "SYS.1006") ||
		!strings.Contains(err.Error(), never) || strings.Contains(err.Error(), kumoID(never)) {
		t.Fatalf("ExpungeVmInstance of a VM that never was: %v", err)
	}
	if err := cli.Logout(); err != nil {
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
