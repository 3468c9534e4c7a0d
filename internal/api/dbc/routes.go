package dbc

import "github.com/kumo-cloud/kumo/internal/service"

// routes lists every endpoint of the DBC client HTTP API, in the
// document's order; docs/dbc-endpoints.md says what each does in Kumo.
func (s *Server) routes() []route {
	return []route{
		{"/mining_nodes", authNone, s.miningNodes},                                                // 查询 GPU 节点机器配置信息
		{"/mining_nodes/session_id", authWallet, s.sessionID},                                     // 租用者查询获取 session_id
		{"/tasks/start", authRequired, s.createTask},                                              // 创建虚拟机
		{"/tasks/{task_id}", authRequired, s.getTask},                                             // 查询虚拟机详细信息
		{"/tasks", authRequired, s.listTasks},                                                     // 查询虚拟机列表
		{"/tasks/shutdown/{task_id}", authRequired, s.powerAction(service.ActionStop, false)},     // 关闭虚拟机(shutdown)
		{"/tasks/poweroff/{task_id}", authRequired, s.powerAction(service.ActionPowerOff, false)}, // 关闭虚拟机(强制断电)
		{"/tasks/start/{task_id}", authRequired, s.powerAction(service.ActionStart, false)},       // 启动虚拟机
		{"/tasks/delete/{task_id}", authRequired, s.deleteTask},                                   // 删除虚拟机
		{"/tasks/restart/{task_id}", authRequired, s.restartTask},                                 // 重启虚拟机
		{"/tasks/logs/{task_id}", authRequired, s.taskLogs},                                       // 查询虚拟机日志
		{"/tasks/modify/{task_id}", authRequired, s.modifyTask},                                   // 修改虚拟机配置
		{"/tasks/passwd/{task_id}", authRequired, s.passwdTask},                                   // 修改虚拟机登录密码
		{"/disk/list/{task_id}", authRequired, s.listDisks},                                       // 查询磁盘列表
		{"/disk/resize/{task_id}", authRequired, s.resizeDisk},                                    // 数据盘扩容
		{"/disk/add/{task_id}", authRequired, s.addDisk},                                          // 添加新的数据盘
		{"/disk/delete/{task_id}", authRequired, s.deleteDisk},                                    // 删除数据盘
		{"/snapshot/list/{task_id}", authRequired, s.listSnapshots},                               // 查询快照列表
		{"/snapshot/list/{task_id}/{snapshot_name}", authRequired, s.getSnapshot},                 // 查询快照详细信息
		{"/snapshot/create/{task_id}", authRequired, s.createSnapshot},                            // 创建快照
		{"/snapshot/delete/{task_id}/{snapshot_name}", authRequired, s.deleteSnapshot},            // 删除快照
		// Uploading from the client node takes no credentials in the
		// document; Kumo asks for them, as only a wallet's own images
		// leave the node.
		{"/images/servers", authNone, s.listImageServers},                              // 查询镜像中心 ID 列表
		{"/images", authOptional, s.listImages},                                        // 查询镜像列表
		{"/images/upload", authRequired, s.uploadImage},                                // 上传镜像
		{"/images/download", authRequired, s.downloadImage},                            // 下载镜像
		{"/images/downloadprogress", authRequired, s.transferState("download", false)}, // 查询下载进度
		{"/images/uploadprogress", authRequired, s.transferState("upload", false)},     // 查询上传进度
		{"/images/download_stop", authRequired, s.transferState("download", true)},     // 停止下载
		{"/images/upload_stop", authRequired, s.transferState("upload", true)},         // 停止上传
		{"/images/delete", authRequired, s.deleteImage},                                // 删除镜像文件
		{"/lan/create", authRequired, s.createLAN},                                     // 创建网络
		{"/lan/delete/{network_name}", authRequired, s.deleteLAN},                      // 删除网络
		// The bare metal calls list, add and delete machines without
		// credentials in the document; Kumo asks for them, since adding a
		// machine hands out its IPMI password.
		{"/bare_metal", authRequired, s.listBareMetal},            // 查询裸金属机器列表
		{"/bare_metal/add", authRequired, s.addBareMetal},         // 上线裸金属机器
		{"/bare_metal/delete", authRequired, s.deleteBareMetal},   // 下线裸金属机器
		{"/bare_metal/power", authRequired, s.bareMetalPower},     // 裸金属机器电源控制
		{"/bare_metal/bootdev", authRequired, s.bareMetalBootdev}, // 修改裸金属机器引导启动顺序
	}
}
