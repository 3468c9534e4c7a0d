package e2e

import (
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
)

type towerVolume struct {
	ID      string                      `json:"id"`
	Name    string                      `json:"name"`
	Size    int64                       `json:"size"`
	VMDisks []struct{ ID, Name string } `json:"vm_disks"`
}

// TestCloudTowerVolumes adds a data disk to a stopped VM through
// /add-vm-volume, boots it and sees the guest find the disk, then
// removes the disk with /remove-vm-volume.
func TestCloudTowerVolumes(t *testing.T) {
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

	c.waitTask(c.change("start-vm", byID(vm.ID), nil))
	k.waitSerial(vm, "KUMO-GUEST-DISK vdb 16777216", 1)
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
}
