package cloudtower

import (
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// operations lists every operation of the guide, in its order (the
// cloudtower rows of spec/endpoints.tsv; the GraphQL vnc query is
// wired in New). Operations Kumo cannot do answer 400 NOT_SUPPORTED with
// the reason; docs/cloudtower-endpoints.md tracks them.
func (s *Server) operations() []operation {
	return []operation{
		{name: "login", public: true, handle: s.login, note: notes["login"]},                                                                // 登录
		{name: "create-vm", perm: model.PermVMCreate, handle: s.createVM, note: notes["create-vm"]},                                         // 创建空白虚拟机
		{name: "create-vm-from-template", perm: model.PermVMCreate, handle: s.createVMFromTemplate, note: notes["create-vm-from-template"]}, // 从模板创建虚拟机
		{name: "start-vm", perm: model.PermVMStart, handle: s.startVM, note: notes["start-vm"]},                                             // 启动虚拟机
		{name: "poweroff-vm", perm: model.PermVMStop, handle: s.power(service.ActionPowerOff)},                                              // 强制关闭虚拟机(下电)
		{name: "shutdown-vm", perm: model.PermVMStop, handle: s.power(service.ActionStop), note: notes["shutdown-vm"]},                      // 关闭虚拟机
		{name: "restart-vm", perm: model.PermVMReboot, handle: s.power(service.ActionReboot)},                                               // 重启虚拟机
		{name: "suspend-vm", perm: model.PermVMPause, handle: s.power(service.ActionPause), note: notes["suspend-vm"]},                      // 暂停虚拟机
		{name: "resume-vm", perm: model.PermVMResume, handle: s.power(service.ActionResume)},                                                // 恢复虚拟机
		{name: "migrate-vm", perm: model.PermVMMigrate, handle: s.migrateVM, note: notes["migrate-vm"]},                                     // 迁移虚拟机
		{name: "delete-vm", perm: model.PermVMDelete, handle: s.deleteVM, note: notes["delete-vm"]},                                         // 删除虚拟机
		{name: "update-vm-basic-info", perm: model.PermVMUpdate, handle: s.updateVMBasicInfo, note: notes["update-vm-basic-info"]},          // 扩容虚拟机
		{name: "create-vm-snapshot", perm: model.PermVMSnapshot, handle: s.createVMSnapshot, note: notes["create-vm-snapshot"]},             // 创建快照
		{name: "delete-vm-snapshot", perm: model.PermVMSnapshot, handle: s.deleteVMSnapshot},                                                // 删除虚拟机快照
		{name: "get-vm-snapshots", perm: model.PermVMRead, handle: s.getVMSnapshots},                                                        // 根据 ID 获取快照或快照列表
		{name: "get-vms", perm: model.PermVMRead, handle: s.getVMs, note: notes["get-vms"]},                                                 // 查询虚拟机
		{name: "add-vm-cd-rom", perm: model.PermVMUpdate, handle: s.addVMCDROM, note: notes["add-vm-cd-rom"]},                               // 挂载 CD-ROM
		{name: "remove-vm-cd-rom", perm: model.PermVMUpdate, handle: s.removeVMCDROM, note: notes["remove-vm-cd-rom"]},                      // 卸载 CD-ROM
		{name: "get-elf-images", perm: model.PermMediaRead, handle: inventoryList(s, elfImages), note: notes["get-elf-images"]},             // 获取 ISO 映像列表
		{name: "create-vm-volume", perm: model.PermVMUpdate, refused: noVolumes},                                                            // 创建虚拟磁盘
		{name: "get-vm-volumes", perm: model.PermVMRead, handle: inventoryList(s, vmVolumes), note: notes["get-vm-volumes"]},                // 获取虚拟磁盘列表
		{name: "delete-vm-volume", perm: model.PermVMUpdate, refused: noVolumes},                                                            // 删除虚拟磁盘
		{name: "add-vm-volume", perm: model.PermVMUpdate, handle: s.addVMVolume, note: notes["add-vm-volume"]},                              // 挂载虚拟磁盘
		{name: "remove-vm-volume", perm: model.PermVMUpdate, handle: s.removeVMVolume, note: notes["remove-vm-volume"]},                     // 卸载虚拟磁盘
		{name: "get-hosts", perm: model.PermHostRead, handle: inventoryList(s, hosts), note: notes["get-hosts"]},                            // 获取物理机列表
		{name: "get-clusters", perm: model.PermPoolRead, handle: inventoryList(s, clusters), note: notes["get-clusters"]},                   // 获取集群列表
		{name: "get-vm-templates", perm: model.PermImageRead, handle: inventoryList(s, vmTemplates), note: notes["get-vm-templates"]},       // 查询模板
		{name: "create-vm-vlan", perm: model.PermNetworkCreate, handle: s.createVMVlan, note: notes["create-vm-vlan"]},                      // 创建虚拟网络
		{name: "delete-vm-vlan", perm: model.PermNetworkDelete, handle: s.deleteVMVlan, note: notes["delete-vm-vlan"]},                      // 删除虚拟网络
		{name: "get-vlans", perm: model.PermNetworkRead, handle: inventoryList(s, vlans), note: notes["get-vlans"]},                         // 查询虚拟网络
		{name: "update-vm-vlan", perm: model.PermNetworkUpdate, handle: s.updateVMVlan, note: notes["update-vm-vlan"]},                      // 编辑虚拟网络
		{name: "add-vm-nic", perm: model.PermVMUpdate, handle: s.addVMNic, note: notes["add-vm-nic"]},                                       // 为虚拟机增加虚拟网卡
		{name: "remove-vm-nic", perm: model.PermVMUpdate, handle: s.removeVMNic, note: notes["remove-vm-nic"]},                              // 为虚拟机移除虚拟网卡
		{name: "get-system-audit-logs", perm: model.PermLogRead, handle: s.getSystemAuditLogs, note: notes["get-system-audit-logs"]},        // 获取系统事件
		{name: "get-user-audit-logs", perm: model.PermLogRead, handle: s.getUserAuditLogs, note: notes["get-user-audit-logs"]},              // 获取用户事件
		{name: "get-tasks", perm: model.PermSession, handle: s.getTasks, note: notes["get-tasks"]},                                          // 任务中心
	}
}

// Why operations are refused.
const (
	noVolumes = "Kumo has no free-standing volumes: every volume is a disk of one VM, made and deleted with it " +
		"(its system disk) or added to and removed from it (data disks: /add-vm-volume with mount_new_create_disks, " +
		"/remove-vm-volume); /get-vm-volumes lists them"
)

// notes say where Kumo differs from CloudTower (docs/cloudtower-endpoints.md).
var notes = map[string]string{
	"login":                   "only `source` LOCAL; the token is a Kumo session (24 h unless renewed elsewhere)",
	"create-vm":               "Kumo has no image-less VMs: a blank VM boots the one ISO of `vm_disks.mount_cd_roms` and gets at most one new VIRTIO disk (`mount_new_create_disks`, its size); refused with the reason: `mount_disks`, a second disk or NIC, `host_id` (Kumo places VMs), `folder_id`, `ha: true`, UEFI, per-disk limits. The CPU topology is not kept (vcpu = cores). A batch is created whole or not at all",
	"create-vm-from-template": "a template is a disk image (see get-vm-templates); `is_full_copy` false is a COW clone, true a full copy; `vm_disks` refused; otherwise as create-vm",
	"start-vm":                "`data.host_id` may only name the VM's own host",
	"shutdown-vm":             "ACPI shutdown; does not force off when the guest ignores it",
	"suspend-vm":              "pauses the guest's CPUs; RAM stays in QEMU",
	"migrate-vm":              "live, within the VM's cluster, running or suspended VMs only; without `host_id` Kumo picks the host with most free memory",
	"delete-vm":               "a VM's snapshots are kept in its disk and go with it: `effect.include_snapshots` false is refused",
	"update-vm-basic-info":    "name, description, vcpu and memory (of a stopped VM, for its next start), `ha` false only; applied at once, so `task_id` is null; the guide's `data` inside `where` is accepted",
	"create-vm-snapshot":      "CRASH_CONSISTENT only (a live snapshot holds RAM and disk); FILE_SYSTEM_CONSISTENT refused: Kumo does not freeze guest file systems. Names that are not Kumo names are kept whole (see docs/architecture.md)",
	"get-vms":                 "every VM shows its system disk, its one CD-ROM drive, its data disks, its NAT NIC and its NIC on a network (LAN) if it is on one",
	"add-vm-cd-rom":           "puts one ISO into the VM's single CD-ROM drive; the VM must run; applied at once (`task_id` null)",
	"remove-vm-cd-rom":        "ejects the drive; `cd_rom_ids` must name that drive; the VM must run; `task_id` null",
	"get-elf-images":          "ISO images of Kumo's image store, shown in the first cluster (images belong to the whole control plane)",
	"get-vm-volumes":          "each VM's system disk and data disks, as volumes mounted on it",
	"add-vm-volume":           "only `mount_new_create_disks` (object or list): new empty thin VIRTIO data disks (vdb, vdc, ...) of a stopped VM, made by its host at its next start; the volume's `name` is not kept (a data disk is named by its device); `mount_disks`, other buses, THICK policies and `sharing` refused; `boot` (the SDK requires it; the guide's example says 2) is taken, but a new empty disk comes after the system disk and the CD-ROM in the boot order, as get-vms shows; `task_id` null; the guide's `data` inside `where` is accepted",
	"remove-vm-volume":        "`disk_ids` are data disks' vm_disk or vm_volume ids; the disk and its data are deleted (Kumo volumes do not outlive their VM), by the host at the VM's next start; the VM must be stopped; the system disk is refused; `task_id` null",
	"get-hosts":               "clusters have no datacenters (`datacenters_some` selects nothing)",
	"get-clusters":            "Kumo's pools",
	"get-vm-templates":        "disk images (qcow2, raw) of Kumo's image store",
	"get-vlans":               "one NAT network per cluster, and Kumo's networks (LANs, also those DBC clients made, which CloudTower cannot change or join): host-local isolated segments, `vds` being their host",
	"create-vm-vlan":          "makes a Kumo network (LAN): an isolated segment on one host (a loopback multicast group, not 802.1Q), `vds_id` naming that host (see get-hosts); `name` free text, kept whole as the network's display name when it is not a Kumo network name (6-10 letters or digits, then derived from it: see docs/architecture.md); `vlan_id` (0-4094) is kept as a label, frames are not tagged; VMs are numbered from " + lanCIDR + " (no DHCP); QoS and `mode_type` refused; `task_id` null",
	"delete-vm-vlan":          "deletes networks (LANs) with no NIC on them; the NAT networks are refused; `task_id` null",
	"update-vm-vlan":          "changes a network's `vlan_id` label and the name it is shown under (its Kumo name, the key DBC clients use, stays); the NAT networks are refused; `task_id` null",
	"add-vm-nic":              "one NIC, `connect_vlan_id` a network (LAN) on the VM's own host: a second VIRTIO NIC on that segment, for a stopped VM, present from its next start; a VM is on one network at most; `task_id` null",
	"remove-vm-nic":           "removes a stopped VM's NIC on a network (LAN), named by `vm_nics.connect_vlan_id` (the guide) or `nic_index` 1 (the SDK); the NAT NIC (index 0) is refused; applied at the next start; `task_id` null",
	"get-system-audit-logs":   "Kumo's task history",
	"get-user-audit-logs":     "Kumo's operation log (changes through any API)",
	"get-tasks":               "Kumo's tasks; progress is 0 to 1; a cancelled task is FAILED",
	"vnc":                     "only the `vnc` query is answered; the websocket is `ws://<cluster_ip>/websockify/?token=...` on this listener (plain HTTP)",
}

// vncOperation is the guide's one GraphQL call (POST /api).
func (s *Server) vncOperation() operation {
	return operation{name: "vnc", perm: model.PermVMConsole, handle: s.vnc, note: notes["vnc"]}
}
