package e2e

import (
	"github.com/kumo-cloud/kumo/internal/service"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
)

type towerVolume struct {
	ID      string                      `json:"id"`
	Name    string                      `json:"name"`
	Size    int64                       `json:"size"`
	VMDisks []struct{ ID, Name string } `json:"vm_disks"`
}

type towerVlan struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	VlanID int    `json:"vlan_id"`
	Vds    *struct{ ID string }
	VMNics []struct{ ID, Name string } `json:"vm_nics"`
}

// TestCloudTowerVolumesAndNICs adds a data disk to a stopped VM through
// /add-vm-volume and a NIC on a new vlan (a Kumo LAN) through
// /create-vm-vlan and /add-vm-nic, boots it and sees the guest find the
// disk and the NIC, then removes both and the vlan.
func TestCloudTowerVolumesAndNICs(t *testing.T) {
	k := startKumo(t, withCloudTower)
	c := k.tower(t)
	c.login()
	k.uploadGuest("guest")
	vm := k.createVM(api.VMsPost{Name: "vol-vm", Image: "guest", MemoryMiB: 256})

	add := map[string]any{"where": map[string]any{"id": vm.ID}, "data": map[string]any{"vm_disks": map[string]any{
		"mount_new_create_disks": []any{map[string]any{"vm_volume": map[string]any{"name": "data", "size": 16 << 20,
			"elf_storage_policy": "REPLICA_2_THIN_PROVISION"}, "bus": "VIRTIO"}}}}}
	if id := c.change("add-vm-volume", add, nil); id != nil {
		t.Errorf("add-vm-volume: task_id %s, want null", *id)
	}
	volumeOf := func() (towerVolume, bool) {
		var vols []towerVolume
		c.must("get-vm-volumes", map[string]any{"where": map[string]any{"id": vm.ID + "-volume-vdb"}}, &vols)
		if len(vols) != 1 {
			return towerVolume{}, false
		}
		return vols[0], true
	}
	vol, ok := volumeOf()
	if !ok || vol.Size != 16<<20 || len(vol.VMDisks) != 1 || vol.VMDisks[0].ID != vm.ID+"-disk-vdb" {
		t.Fatalf("get-vm-volumes after add-vm-volume: %+v", vol)
	}
	var vms []struct {
		VMDisks []struct {
			ID       string
			Type     string
			VMVolume *struct{ ID string } `json:"vm_volume"`
		} `json:"vm_disks"`
	}
	c.must("get-vms", byID(vm.ID), &vms)
	if len(vms) != 1 || len(vms[0].VMDisks) != 3 || vms[0].VMDisks[2].VMVolume == nil || vms[0].VMDisks[2].VMVolume.ID != vol.ID {
		t.Fatalf("get-vms after add-vm-volume: %+v", vms)
	}
	// Refused: a free-standing volume, an existing one to mount, a
	// removal of the system disk.
	if st, raw := c.call("add-vm-volume", map[string]any{"where": map[string]any{"id": vm.ID}, "data": map[string]any{
		"vm_disks": map[string]any{"mount_disks": map[string]any{"vm_volume_id": vol.ID}}}}); st != 400 {
		t.Errorf("mount_disks: HTTP %d %s, want 400", st, raw)
	}
	if st, raw := c.call("remove-vm-volume", map[string]any{"where": map[string]any{"id": vm.ID},
		"data": map[string]any{"disk_ids": []string{vm.ID + "-disk-0"}}}); st != 400 {
		t.Errorf("removing the system disk: HTTP %d %s, want 400", st, raw)
	}

	// A vlan on the VM's host, and a NIC on it.
	var hosts []struct{ ID string }
	c.must("get-hosts", map[string]any{}, &hosts)
	if st, raw := c.call("create-vm-vlan", []any{map[string]any{"vds_id": hosts[0].ID, "name": "goodlan"},
		map[string]any{"vds_id": hosts[0].ID, "name": "sample name"}, map[string]any{"vds_id": hosts[0].ID, "name": "bad\u202Ename"}}); st != 400 {
		t.Errorf("a batch with a bad name: HTTP %d %s, want 400", st, raw)
	}
	var vls []towerVlan
	c.must("get-vlans", map[string]any{"where": map[string]any{"name_in": []string{"goodlan", "sample name"}}}, &vls)
	if len(vls) != 0 {
		t.Errorf("a refused batch made vlans: %+v", vls)
	}
	var created []struct {
		TaskID *string   `json:"task_id"`
		Data   towerVlan `json:"data"`
	}
	// The guide's own vlan name, kept whole (a Kumo network's name is
	// 6-10 letters or digits: one is derived from it).
	c.must("create-vm-vlan", []any{map[string]any{"vds_id": hosts[0].ID, "vlan_id": 7, "name": "sample name"}}, &created)
	if len(created) != 1 || created[0].Data.Name != "sample name" || created[0].Data.VlanID != 7 {
		t.Fatalf("create-vm-vlan \"sample name\": %+v", created)
	}
	sample := created[0].Data
	c.must("get-vlans", map[string]any{"where": map[string]any{"name": "sample name"}}, &vls)
	if len(vls) != 1 || vls[0].ID != sample.ID || vls[0].Name != "sample name" {
		t.Errorf("get-vlans by name \"sample name\": %+v, want %s", vls, sample.ID)
	}
	if st, raw := c.call("create-vm-vlan", []any{map[string]any{"vds_id": hosts[0].ID, "name": "sample name"}}); st != 400 {
		t.Errorf("a second vlan named \"sample name\": HTTP %d %s, want 400", st, raw)
	}
	c.change("update-vm-vlan", map[string]any{"where": map[string]any{"id": sample.ID}, "data": map[string]any{"name": "other sample"}}, nil)
	c.must("get-vlans", map[string]any{"where": map[string]any{"id": sample.ID}}, &vls)
	if len(vls) != 1 || vls[0].Name != "other sample" {
		t.Errorf("get-vlans after renaming to \"other sample\": %+v", vls)
	}
	c.change("delete-vm-vlan", byID(sample.ID), nil)
	c.must("get-vlans", map[string]any{"where": map[string]any{"name_in": []string{"sample name", "other sample"}}}, &vls)
	if len(vls) != 0 {
		t.Errorf("get-vlans after delete-vm-vlan: %+v", vls)
	}
	c.must("create-vm-vlan", []any{map[string]any{"vds_id": hosts[0].ID, "vlan_id": 42, "name": "towerlan"}}, &created)
	if len(created) != 1 || created[0].TaskID != nil || created[0].Data.VlanID != 42 || created[0].Data.Vds == nil || created[0].Data.Vds.ID != hosts[0].ID {
		t.Fatalf("create-vm-vlan: %+v", created)
	}
	vl := created[0].Data
	if st, raw := c.call("create-vm-vlan", []any{map[string]any{"vds_id": hosts[0].ID, "vlan_id": 1, "name": "towerlan"}}); st != 400 {
		t.Errorf("a second vlan of that name: HTTP %d %s, want 400", st, raw)
	}
	var upd towerVlan
	c.change("update-vm-vlan", map[string]any{"where": map[string]any{"id": vl.ID}, "data": map[string]any{"vlan_id": 43}}, &upd)
	if upd.VlanID != 43 {
		t.Errorf("update-vm-vlan: %+v", upd)
	}
	nic := map[string]any{"where": map[string]any{"id": vm.ID}, "data": map[string]any{"vm_nics": map[string]any{"connect_vlan_id": vl.ID}}}
	var withNic struct {
		VMNics []struct {
			ID         string
			MacAddress string `json:"mac_address"`
			Vlan       struct{ ID string }
		} `json:"vm_nics"`
	}
	// A DBC wallet's network belongs to the wallet's tenant: CloudTower's
	// admin sees it, but its VM (of the platform's tenant) cannot join it.
	w := newDBCWallet(t)
	wp, err := k.srv.Service().AuthenticateWallet(ctxT(t), w.wallet, "n1", w.sign("n1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.srv.Service().CreateLAN(service.WithPrincipal(ctxT(t), wp), "walletlan", "10.9.0.0/24", hosts[0].ID); err != nil {
		t.Fatal(err)
	}
	c.must("get-vlans", map[string]any{"where": map[string]any{"id": "lan-walletlan"}}, &vls)
	if len(vls) != 1 {
		t.Errorf("the admin lists the wallet's network: %+v", vls)
	}
	join := map[string]any{"where": map[string]any{"id": vm.ID}, "data": map[string]any{"vm_nics": map[string]any{"connect_vlan_id": "lan-walletlan"}}}
	if st, raw := c.call("add-vm-nic", join); st != 404 {
		t.Errorf("joining a wallet's network: HTTP %d %s, want 404", st, raw)
	}
	c.change("add-vm-nic", nic, &withNic)
	if len(withNic.VMNics) != 2 || withNic.VMNics[1].Vlan.ID != vl.ID {
		t.Fatalf("add-vm-nic: %+v", withNic)
	}
	c.must("get-vlans", map[string]any{"where": map[string]any{"id": vl.ID}}, &vls)
	if len(vls) != 1 || len(vls[0].VMNics) != 1 || vls[0].VMNics[0].ID != withNic.VMNics[1].ID {
		t.Fatalf("get-vlans after add-vm-nic: %+v", vls)
	}
	if st, raw := c.call("add-vm-nic", nic); st != 400 {
		t.Errorf("a second NIC on a network: HTTP %d %s, want 400", st, raw)
	}
	if st, raw := c.call("delete-vm-vlan", byID(vl.ID)); st != 400 {
		t.Errorf("deleting a vlan with a NIC on it: HTTP %d %s, want 400", st, raw)
	}

	c.waitTask(c.change("start-vm", byID(vm.ID), nil))
	k.waitSerial(vm, "KUMO-GUEST-DISK vdb 16777216", 1)
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)
	if code, out := k.guestExec(vm, "cat /sys/class/net/eth1/address"); code != 0 || strings.TrimSpace(out) != withNic.VMNics[1].MacAddress {
		t.Errorf("eth1 of the guest: exit %d %q, want MAC %s", code, out, withNic.VMNics[1].MacAddress)
	}
	if st, raw := c.call("add-vm-volume", add); st != 400 {
		t.Errorf("add-vm-volume to a running VM: HTTP %d %s, want 400", st, raw)
	}
	c.waitTask(c.change("poweroff-vm", byID(vm.ID), nil))
	k.waitStatus(vm, "stopped")

	remove := map[string]any{"where": map[string]any{"id": vm.ID}, "data": map[string]any{"disk_ids": []string{vm.ID + "-disk-vdb"}}}
	c.change("remove-vm-volume", remove, nil)
	if vol, ok := volumeOf(); ok {
		t.Fatalf("get-vm-volumes after remove-vm-volume: %+v", vol)
	}
	if st, raw := c.call("remove-vm-volume", remove); st != 404 {
		t.Errorf("removing it again: HTTP %d %s, want 404", st, raw)
	}

	if st, raw := c.call("remove-vm-nic", map[string]any{"where": map[string]any{"id": vm.ID}, "data": map[string]any{"nic_index": []int{0}}}); st != 400 {
		t.Errorf("removing the NAT NIC: HTTP %d %s, want 400", st, raw)
	}
	c.change("remove-vm-nic", nic, &withNic)
	if len(withNic.VMNics) != 1 {
		t.Fatalf("remove-vm-nic: %+v", withNic)
	}
	c.change("delete-vm-vlan", byID(vl.ID), nil)
	c.must("get-vlans", map[string]any{"where": map[string]any{"id": vl.ID}}, &vls)
	if len(vls) != 0 {
		t.Fatalf("get-vlans after delete-vm-vlan: %+v", vls)
	}
}
