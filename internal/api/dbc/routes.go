package dbc

import (
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// routes lists every endpoint of the DBC client HTTP API, in the
// document's order, with the permission each needs (none for the public
// ones); docs/dbc-endpoints.md says what each does in Kumo.
func (s *Server) routes() []route {
	return []route{
		{"/mining_nodes", authNone, "", s.miningNodes},                                                              // 查询 GPU 节点机器配置信息
		{"/mining_nodes/session_id", authWallet, model.PermSession, s.sessionID},                                    // 租用者查询获取 session_id
		{"/tasks/start", authRequired, model.PermVMCreate, s.createTask},                                            // 创建虚拟机
		{"/tasks/{task_id}", authRequired, model.PermVMRead, s.getTask},                                             // 查询虚拟机详细信息
		{"/tasks", authRequired, model.PermVMRead, s.listTasks},                                                     // 查询虚拟机列表
		{"/tasks/shutdown/{task_id}", authRequired, model.PermVMStop, s.powerAction(service.ActionStop, false)},     // 关闭虚拟机(shutdown)
		{"/tasks/poweroff/{task_id}", authRequired, model.PermVMStop, s.powerAction(service.ActionPowerOff, false)}, // 关闭虚拟机(强制断电)
		{"/tasks/start/{task_id}", authRequired, model.PermVMStart, s.powerAction(service.ActionStart, false)},      // 启动虚拟机
		{"/tasks/delete/{task_id}", authRequired, model.PermVMDelete, s.deleteTask},                                 // 删除虚拟机
		{"/tasks/restart/{task_id}", authRequired, model.PermVMReboot, s.restartTask},                               // 重启虚拟机
		{"/tasks/logs/{task_id}", authRequired, model.PermVMConsole, s.taskLogs},                                    // 查询虚拟机日志
		{"/tasks/modify/{task_id}", authRequired, model.PermVMUpdate, s.modifyTask},                                 // 修改虚拟机配置
		{"/tasks/passwd/{task_id}", authRequired, model.PermVMGuest, s.passwdTask},                                  // 修改虚拟机登录密码
		{"/disk/list/{task_id}", authRequired, model.PermVMRead, s.listDisks},                                       // 查询磁盘列表
		{"/disk/resize/{task_id}", authRequired, model.PermVMUpdate, s.resizeDisk},                                  // 数据盘扩容
		{"/disk/add/{task_id}", authRequired, model.PermVMUpdate, s.addDisk},                                        // 添加新的数据盘
		{"/disk/delete/{task_id}", authRequired, model.PermVMUpdate, s.deleteDisk},                                  // 删除数据盘
		{"/snapshot/list/{task_id}", authRequired, model.PermVMRead, s.listSnapshots},                               // 查询快照列表
		{"/snapshot/list/{task_id}/{snapshot_name}", authRequired, model.PermVMRead, s.getSnapshot},                 // 查询快照详细信息
		{"/snapshot/create/{task_id}", authRequired, model.PermVMSnapshot, s.createSnapshot},                        // 创建快照
		{"/snapshot/delete/{task_id}/{snapshot_name}", authRequired, model.PermVMSnapshot, s.deleteSnapshot},        // 删除快照
		// Uploading from the client node takes no credentials in the
		// document; Kumo asks for them, as only the images a wallet may
		// read leave the node.
		{"/images/servers", authNone, "", s.listImageServers},                                             // 查询镜像中心 ID 列表
		{"/images", authOptional, model.PermSession, s.listImages},                                        // 查询镜像列表
		{"/images/upload", authRequired, model.PermImageRead, s.uploadImage},                              // 上传镜像
		{"/images/download", authRequired, model.PermImageCreate, s.downloadImage},                        // 下载镜像
		{"/images/downloadprogress", authRequired, model.PermSession, s.transferState("download", false)}, // 查询下载进度
		{"/images/uploadprogress", authRequired, model.PermSession, s.transferState("upload", false)},     // 查询上传进度
		{"/images/download_stop", authRequired, model.PermSession, s.transferState("download", true)},     // 停止下载
		{"/images/upload_stop", authRequired, model.PermSession, s.transferState("upload", true)},         // 停止上传
		{"/images/delete", authRequired, model.PermImageDelete, s.deleteImage},                            // 删除镜像文件
		{"/lan/create", authRequired, model.PermNetworkCreate, s.createLAN},                               // 创建网络
		{"/lan/delete/{network_name}", authRequired, model.PermNetworkDelete, s.deleteLAN},                // 删除网络
		// The bare metal calls list, add and delete machines without
		// credentials in the document; Kumo asks for them, since adding a
		// machine hands out its IPMI password.
		{"/bare_metal", authRequired, model.PermBareMetalRead, s.listBareMetal},             // 查询裸金属机器列表
		{"/bare_metal/add", authRequired, model.PermBareMetalCreate, s.addBareMetal},        // 上线裸金属机器
		{"/bare_metal/delete", authRequired, model.PermBareMetalDelete, s.deleteBareMetal},  // 下线裸金属机器
		{"/bare_metal/power", authRequired, model.PermBareMetalPower, s.bareMetalPower},     // 裸金属机器电源控制
		{"/bare_metal/bootdev", authRequired, model.PermBareMetalPower, s.bareMetalBootdev}, // 修改裸金属机器引导启动顺序
	}
}
