package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestCloudTowerBlankVM creates a blank VM the way /create-vm describes
// it (an ISO in a CD-ROM, a new empty disk, a NIC on the cluster's
// network, status RUNNING), sees the ISO guest boot, and drives it
// through the CD-ROM, VNC, suspend/resume, restart, shutdown and resize
// calls.
func TestCloudTowerBlankVM(t *testing.T) {
	dir := guestDir(t)
	k := startKumo(t, withCloudTower)
	c := k.tower(t)
	c.login()
	f, err := os.Open(filepath.Join(dir, "kumo-test-guest.iso"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	iso, err := k.c.UploadImage(context.Background(), "guest-iso", "iso", f, fi.Size())
	if err != nil {
		t.Fatalf("upload the ISO: %v", err)
	}
	var clusters []struct{ ID string }
	c.must("get-clusters", map[string]any{}, &clusters)
	clusterID := clusters[0].ID
	var images []struct{ ID, Name string }
	c.must("get-elf-images", map[string]any{"where": map[string]any{"cluster": map[string]any{"id": clusterID}}}, &images)
	if len(images) != 1 || images[0].ID != iso.ID {
		t.Fatalf("get-elf-images in the cluster: %+v, want %s", images, iso.ID)
	}
	var vlans []struct{ ID string }
	c.must("get-vlans", map[string]any{"where": map[string]any{"cluster": map[string]any{"id": clusterID}}}, &vlans)
	if len(vlans) != 1 {
		t.Fatalf("get-vlans: %+v", vlans)
	}

	create := map[string]any{"name": "blank", "cluster_id": clusterID, "vcpu": 2, "cpu_cores": 1, "cpu_sockets": 2,
		"memory": 128 << 20, "ha": false, "status": "RUNNING", "firmware": "BIOS",
		"vm_nics": []any{map[string]any{"connect_vlan_id": vlans[0].ID}},
		"vm_disks": map[string]any{
			"mount_cd_roms": []any{map[string]any{"elf_image_id": iso.ID, "boot": 1}},
			"mount_new_create_disks": []any{map[string]any{"bus": "VIRTIO", "boot": 2,
				"vm_volume": map[string]any{"name": "blank-disk", "size": 1 << 30, "elf_storage_policy": "REPLICA_2_THIN_PROVISION"}}},
		}}
	for field, bad := range map[string]any{"firmware": "UEFI", "vcpu": 3, "status": "PAUSED", "memory": 12345} {
		body := map[string]any{}
		for k, v := range create {
			body[k] = v
		}
		body[field] = bad
		if st, raw := c.call("create-vm", []any{body}); st != 400 {
			t.Errorf("create-vm with %s %v: HTTP %d %s, want 400", field, bad, st, raw)
		}
	}
	var made towerVM
	c.waitTask(c.change("create-vm", []any{create}, &made))
	k.waitSerial(api.VM{ID: made.ID}, "KUMO-GUEST-READY", 1)

	type drive struct {
		ID       string
		Type     string
		ElfImage *struct{ ID string } `json:"elf_image"`
	}
	cdrom := func() drive {
		var vms []struct {
			Status  string
			Vcpu    int
			VMDisks []drive `json:"vm_disks"`
		}
		c.must("get-vms", map[string]any{"where": map[string]any{"id": made.ID,
			"vm_disks_some": map[string]any{"type": "CD_ROM"}}}, &vms)
		if len(vms) != 1 || vms[0].Status != "RUNNING" || vms[0].Vcpu != 2 {
			t.Fatalf("get-vms: %+v", vms)
		}
		for _, d := range vms[0].VMDisks {
			if d.Type == "CD_ROM" {
				return d
			}
		}
		t.Fatal("no CD-ROM drive")
		return drive{}
	}
	cd := cdrom()
	if cd.ElfImage == nil || cd.ElfImage.ID != iso.ID {
		t.Fatalf("CD-ROM after create: %+v", cd)
	}
	c.change("remove-vm-cd-rom", map[string]any{"where": map[string]any{"id": made.ID},
		"data": map[string]any{"cd_rom_ids": []string{cd.ID}}}, nil)
	if cd := cdrom(); cd.ElfImage != nil {
		t.Fatalf("CD-ROM after remove-vm-cd-rom: %+v", cd)
	}
	c.change("add-vm-cd-rom", map[string]any{"where": map[string]any{"id": made.ID},
		"data": map[string]any{"vm_cd_roms": []any{map[string]any{"elf_image_id": iso.ID, "boot": 1}}}}, nil)
	if cd := cdrom(); cd.ElfImage == nil || cd.ElfImage.ID != iso.ID {
		t.Fatalf("CD-ROM after add-vm-cd-rom: %+v", cd)
	}

	// The guide's VNC recipe: the GraphQL vnc query, then the websocket.
	var vnc struct {
		Data struct {
			VNC struct {
				VMUUID    string `json:"vm_uuid"`
				HostIP    string `json:"host_ip"`
				ClusterIP string `json:"cluster_ip"`
				RawToken  string `json:"raw_token"`
			} `json:"vnc"`
		} `json:"data"`
	}
	c.must("/api", map[string]any{"operationName": "vnc", "variables": map[string]any{"input": map[string]any{
		"vm": map[string]any{"id": made.ID}}},
		"query": "query vnc($input: VncInput) { vnc(input: $input) { vm_uuid host_ip cluster_ip raw_token }}"}, &vnc)
	v := vnc.Data.VNC
	if v.VMUUID != made.ID || v.RawToken == "" || v.ClusterIP == "" {
		t.Fatalf("vnc: %+v", v)
	}
	wsURL := "ws://" + v.ClusterIP + "/websockify/?uuid=" + v.VMUUID + "&token=" + v.RawToken + "&host=" + v.HostIP
	if banner, _, err := readBanner(ctxT(t), wsURL); err != nil || banner != "RFB 003.008\n" {
		t.Fatalf("VNC websocket: %q, %v", banner, err)
	}
	if _, resp, err := readBanner(ctxT(t), wsURL); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("a used VNC token was accepted again (%v)", err)
	}

	c.waitTask(c.change("suspend-vm", byID(made.ID), nil))
	if vm, _ := c.vm(made.ID); vm.Status != "SUSPENDED" {
		t.Fatalf("after suspend-vm: %s", vm.Status)
	}
	c.waitTask(c.change("resume-vm", byID(made.ID), nil))

	resize := map[string]any{"where": map[string]any{"id": made.ID}, "data": map[string]any{"vcpu": 1, "memory": 256 << 20}}
	if st, raw := c.call("update-vm-basic-info", resize); st != 400 {
		t.Fatalf("resize a running VM: HTTP %d %s, want 400", st, raw)
	}
	c.waitTask(c.change("restart-vm", byID(made.ID), nil))
	k.waitSerial(api.VM{ID: made.ID}, "KUMO-GUEST-READY", 2)
	c.waitTask(c.change("shutdown-vm", byID(made.ID), nil))
	var resized towerVM
	if task := c.change("update-vm-basic-info", resize, &resized); task != nil {
		t.Errorf("update-vm-basic-info gave task %s; it applies at once", *task)
	}
	if resized.Vcpu != 1 || resized.Memory != 256<<20 || resized.Status != "STOPPED" {
		t.Fatalf("after update-vm-basic-info: %+v", resized)
	}
	c.waitTask(c.change("delete-vm", byID(made.ID), nil))
}
