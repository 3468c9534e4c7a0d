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
		{name: "login", public: true, handle: s.login},                                         // 登录
		{name: "create-vm", handle: s.createVM, menus: instance},                               // 创建空白虚拟机
		{name: "create-vm-from-template", handle: s.createVMFromTemplate, menus: instance},     // 从模板创建虚拟机
		{name: "start-vm", handle: s.startVM, menus: instance},                                 // 启动虚拟机
		{name: "poweroff-vm", handle: s.power(service.ActionPowerOff, false), menus: instance}, // 强制关闭虚拟机(下电)
		{name: "shutdown-vm", handle: s.power(service.ActionStop, false), menus: instance},     // 关闭虚拟机
		{name: "restart-vm", handle: s.power(service.ActionReboot, false), menus: instance},    // 重启虚拟机
		{name: "suspend-vm", handle: s.power(service.ActionPause, false), menus: instance},     // 暂停虚拟机
		{name: "resume-vm", handle: s.power(service.ActionResume, false), menus: instance},     // 恢复虚拟机
		{name: "migrate-vm", handle: s.migrateVM, menus: instance},                             // 迁移虚拟机
		{name: "delete-vm", handle: s.deleteVM, menus: instance},                               // 删除虚拟机
		{name: "update-vm-basic-info", handle: s.updateVMBasicInfo, menus: instance},           // 扩容虚拟机
		{name: "create-vm-snapshot", handle: s.createVMSnapshot, menus: instance},              // 创建快照
		{name: "delete-vm-snapshot", handle: s.deleteVMSnapshot, menus: instance},              // 删除虚拟机快照
		{name: "get-vm-snapshots", handle: s.getVMSnapshots, menus: instance},                  // 根据 ID 获取快照或快照列表
		{name: "get-vms", handle: s.getVMs, menus: instance},                                   // 查询虚拟机
		{name: "add-vm-cd-rom", handle: s.addVMCDROM, menus: instance},                         // 挂载 CD-ROM
		{name: "remove-vm-cd-rom", handle: s.removeVMCDROM, menus: instance},                   // 卸载 CD-ROM
		{name: "get-elf-images", handle: s.getElfImages, menus: isoReaders},                    // 获取 ISO 映像列表
		{name: "create-vm-volume", refused: noVolumes},                                         // 创建虚拟磁盘
		{name: "get-vm-volumes", handle: s.getVMVolumes, menus: instance},                      // 获取虚拟磁盘列表
		{name: "delete-vm-volume", refused: noVolumes},                                         // 删除虚拟磁盘
		{name: "add-vm-volume", refused: noVolumes},                                            // 挂载虚拟磁盘
		{name: "remove-vm-volume", refused: noVolumes},                                         // 卸载虚拟磁盘
		{name: "get-hosts", handle: s.getHosts, menus: hostReaders},                            // 获取物理机列表
		{name: "get-clusters", handle: s.getClusters, menus: hostReaders},                      // 获取集群列表
		{name: "get-vm-templates", handle: s.getVMTemplates, menus: templateReaders},           // 查询模板
		{name: "create-vm-vlan", refused: noVlans},                                             // 创建虚拟网络
		{name: "delete-vm-vlan", refused: noVlans},                                             // 删除虚拟网络
		{name: "get-vlans", handle: s.getVlans, menus: networkReaders},                         // 查询虚拟网络
		{name: "update-vm-vlan", refused: noVlans},                                             // 编辑虚拟网络
		{name: "add-vm-nic", refused: oneNic},                                                  // 为虚拟机增加虚拟网卡
		{name: "remove-vm-nic", refused: oneNic},                                               // 为虚拟机移除虚拟网卡
		{name: "get-system-audit-logs", handle: s.getSystemAuditLogs, menus: logReaders},       // 获取系统事件
		{name: "get-user-audit-logs", handle: s.getUserAuditLogs, menus: logReaders},           // 获取用户事件
		{name: "get-tasks", handle: s.getTasks},                                                // 任务中心
	}
}

// Who may call what: the Nano API's permissions for the same objects.
var (
	instance        = []string{model.MenuInstance}
	hostReaders     = []string{model.MenuComputePool, model.MenuDashboard, model.MenuInstance}
	isoReaders      = []string{model.MenuMediaImage, model.MenuInstance}
	templateReaders = []string{model.MenuDiskImage, model.MenuTemplate, model.MenuInstance}
	networkReaders  = []string{model.MenuAddressPool, model.MenuInstance}
	logReaders      = []string{model.MenuLog}
)

// Why operations are refused.
const (
	noVolumes = "Kumo has no free-standing volumes: a VM has one system disk, made with it and deleted with it " +
		"(/get-vm-volumes lists them)"
	noVlans = "Kumo cannot make VLANs: guests are on user-mode NAT, one private network per guest, until bridged " +
		"networks come (/get-vlans lists the NAT network of each cluster)"
	oneNic = "Kumo VMs have exactly one NIC, on user-mode NAT; it cannot be added or removed"
)
