package nano

import (
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Routes that name no permission of their own: sessions are anyone's,
// and a user's own profile and password are checked by the service
// (oneself, or the user permissions over others).
const (
	anyCaller   = model.PermSession
	selfService = model.PermSession
)

// routes lists every endpoint of the Nano FrontEnd API 1.3.1, in the
// document's order. Endpoints whose feature Kumo lacks yet answer 501
// (after checking the session) with what is missing; docs/nano-endpoints.md
// tracks them.
func (s *Server) routes() []route {
	// Every route names the permission it needs (model.Permission); the
	// services check it again, so the rules are the same in every API.
	rs := []struct {
		method, path string
		perm         model.Permission
		handle       func(r *http.Request) (reply, error)
		pending      string // the missing feature, for endpoints not implemented yet
	}{
		{"GET", "/compute_pools/", model.PermPoolRead, s.listPools, ""},                                      // 获取所有计算资源池
		{"GET", "/compute_pools/{pool}", model.PermPoolRead, s.getPool, ""},                                  // 获取计算资源池状态
		{"POST", "/compute_pools/{pool}", model.PermPoolCreate, s.createPool, ""},                            // 创建新计算资源池
		{"DELETE", "/compute_pools/{pool}", model.PermPoolDelete, s.deletePool, ""},                          // 删除计算资源池
		{"PUT", "/compute_pools/{pool}", model.PermPoolUpdate, s.modifyPool, ""},                             // 修改计算资源池
		{"GET", "/compute_pool_cells/", model.PermHostRead, s.listUnallocatedCells, ""},                      // 查询未分配节点
		{"GET", "/compute_pool_cells/{pool}", model.PermHostRead, s.listPoolCells, ""},                       // 查询池内资源节点
		{"POST", "/compute_pool_cells/{pool}/{cell}", model.PermPoolUpdate, s.addPoolCell, ""},               // 添加资源节点
		{"DELETE", "/compute_pool_cells/{pool}/{cell}", model.PermPoolUpdate, s.removePoolCell, ""},          // 移除资源节点
		{"PUT", "/compute_pool_cells/{pool}/{cell}", model.PermHostUpdate, s.modifyPoolCell, ""},             // 修改资源节点
		{"GET", "/compute_pool_cells/{pool}/{cell}", model.PermHostRead, s.getPoolCell, ""},                  // 获取资源节点状态
		{"GET", "/storage_pools/", model.PermStoragePoolRead, s.listStoragePools, ""},                        // 查询所有存储资源池
		{"GET", "/storage_pools/{pool}", model.PermStoragePoolRead, s.getStoragePool, ""},                    // 获取存储资源池配置
		{"POST", "/storage_pools/{pool}", model.PermStoragePoolCreate, s.createStoragePool, ""},              // 新建存储资源池
		{"PUT", "/storage_pools/{pool}", model.PermStoragePoolUpdate, s.modifyStoragePool, ""},               // 修改存储资源池
		{"DELETE", "/storage_pools/{pool}", model.PermStoragePoolDelete, s.deleteStoragePool, ""},            // 删除存储资源池
		{"GET", "/compute_zone_status/", model.PermPoolRead, s.zoneStatus, ""},                               // 查询域状态
		{"GET", "/compute_pool_status/", model.PermPoolRead, s.listPoolStatus, ""},                           // 查询所有计算资源池状态
		{"GET", "/compute_pool_status/{pool}", model.PermPoolRead, s.getPoolStatus, ""},                      // 获取单个计算资源池状态
		{"GET", "/compute_cell_status/{pool}/", model.PermHostRead, s.listCellStatus, ""},                    // 查询池内资源节点状态
		{"GET", "/compute_cell_status/{cell}", model.PermHostRead, s.getCellStatus, ""},                      // 获取单个资源节点状态
		{"GET", "/compute_cell_status/{pool}/{cell}/storages/", model.PermHostRead, s.getCellStorages, ""},   // 查询资源节点存储信息
		{"PUT", "/compute_cell_status/{pool}/{cell}/storages/", model.PermHostUpdate, s.setCellStorages, ""}, // 修改资源节点存储路径
		{"GET", "/instance_status/{pool}/", model.PermVMRead, s.instanceStatus, ""},                          // 资源池内实例状态
		// GET /instance_status/{cell}/ (节点内实例状态) has the same path as the pool form above; instanceStatus takes either.
		{"GET", "/address_pools/", model.PermAddressPoolRead, s.listAddressPools, ""},                                                               // 地址资源池清单
		{"GET", "/address_pools/{name}", model.PermAddressPoolRead, s.getAddressPool, ""},                                                           // 获取地址池状态
		{"POST", "/address_pools/{name}", model.PermAddressPoolCreate, s.createAddressPool, ""},                                                     // 创建新地址池
		{"PUT", "/address_pools/{name}", model.PermAddressPoolUpdate, s.modifyAddressPool, ""},                                                      // 修改地址池
		{"DELETE", "/address_pools/{name}", model.PermAddressPoolDelete, s.deleteAddressPool, ""},                                                   // 删除地址池
		{"GET", "/address_pools/{name}/{type}/ranges/", model.PermAddressPoolRead, s.listAddressRanges, ""},                                         // 查询地址段
		{"GET", "/address_pools/ranges/{start}", model.PermAddressPoolRead, s.getAddressRange, ""},                                                  // 获取地址段状态
		{"POST", "/address_pools/ranges/{start}", model.PermAddressPoolUpdate, s.addAddressRange, ""},                                               // 新增地址段
		{"DELETE", "/address_pools/ranges/{start}", model.PermAddressPoolUpdate, s.removeAddressRange, ""},                                          // 删除地址段
		{"GET", "/guest_search/", model.PermVMRead, s.guestSearch, ""},                                                                              // Query Guests With Conditions
		{"GET", "/guests/{id}", model.PermVMRead, s.getGuest, ""},                                                                                   // 查询云主机状态
		{"POST", "/guests/", model.PermVMCreate, s.createGuest, ""},                                                                                 // 创建云主机
		{"DELETE", "/guests/{id}", model.PermVMDelete, s.deleteGuest, ""},                                                                           // 删除云主机
		{"PUT", "/guests/{id}/auto_start", model.PermVMUpdate, s.setAutoStart, ""},                                                                  // 修改开机启动选项
		{"PUT", "/guests/{id}/cores", model.PermVMUpdate, s.setCores, ""},                                                                           // 修改云主机核心数量
		{"PUT", "/guests/{id}/memory", model.PermVMUpdate, s.setMemory, ""},                                                                         // 修改内存容量
		{"PUT", "/guests/{id}/disks/resize/{disk}", model.PermVMUpdate, s.resizeDisk, ""},                                                           // 扩展磁盘容量
		{"PUT", "/guests/{id}/disks/shrink/{disk}", model.PermVMUpdate, s.shrinkDisk, ""},                                                           // 压缩磁盘文件
		{"PUT", "/guests/{id}/system/", model.PermVMUpdate, s.resetSystem, ""},                                                                      // 重置云主机操作系统
		{"PUT", "/guests/{id}/auth", model.PermVMGuest, s.setAuth, ""},                                                                              // 重置管理员密码
		{"GET", "/guests/{id}/auth", model.PermVMGuest, s.getAuth, ""},                                                                              // 获取管理员密码
		{"PUT", "/guests/{id}/name/", model.PermVMUpdate, s.setName, ""},                                                                            // 修改云主机名称
		{"PUT", "/guests/{id}/qos/cpu/", model.PermVMUpdate, s.setCPUPriority, ""},                                                                  // 修改CPU优先级
		{"PUT", "/guests/{id}/qos/disk/", model.PermVMUpdate, s.setDiskQoS, ""},                                                                     // 修改磁盘QoS配置
		{"PUT", "/guests/{id}/qos/network/", model.PermVMUpdate, s.setNetworkQoS, ""},                                                               // 修改云主机网络QoS参数
		{"GET", "/guests/{id}/security_policy/", model.PermVMRead, s.getSecurityPolicy, ""},                                                         // 获取安全策略配置
		{"PUT", "/guests/{id}/security_policy/default_action", model.PermVMUpdate, s.setSecurityDefaultAction, ""},                                  // 修改默认处理动作
		{"POST", "/guests/{id}/security_policy/rules/", model.PermVMUpdate, s.addSecurityRule, ""},                                                  // 追加安全策略规则
		{"PUT", "/guests/security_policy/rules/{index}", model.PermVMUpdate, s.modifySecurityRule, ""},                                              // 修改安全策略规则
		{"PUT", "/guests/security_policy/rules/{index}/order", model.PermVMUpdate, s.moveSecurityRule, ""},                                          // 调整规则顺序
		{"DELETE", "/guests/security_policy/rules/{index}", model.PermVMUpdate, s.removeSecurityRule, ""},                                           // 删除安全策略规则
		{"GET", "/instances/{id}", model.PermVMRead, s.getInstance, ""},                                                                             // 获取实例运行状态
		{"POST", "/instances/{id}", model.PermVMStart, s.startInstance, ""},                                                                         // 启动云主机实例
		{"DELETE", "/instances/{id}", model.PermVMStop, s.stopInstance, ""},                                                                         // 停止云主机实例
		{"POST", "/instances/{id}/media", model.PermVMUpdate, s.insertMedia, ""},                                                                    // 插入媒体镜像
		{"DELETE", "/instances/{id}/media", model.PermVMUpdate, s.ejectMedia, ""},                                                                   // 弹出媒体镜像
		{"GET", "/instances/{id}/snapshots/", model.PermVMRead, s.listSnapshots, ""},                                                                // 查询云主机快照清单
		{"POST", "/instances/{id}/snapshots/", model.PermVMSnapshot, s.createSnapshot, ""},                                                          // 创建新快照
		{"PUT", "/instances/{id}/snapshots/", model.PermVMSnapshot, s.revertSnapshot, ""},                                                           // 恢复快照
		{"GET", "/instances/{id}/snapshots/{name}", model.PermVMRead, s.getSnapshot, ""},                                                            // 获取快照信息
		{"DELETE", "/instances/{id}/snapshots/{name}", model.PermVMSnapshot, s.deleteSnapshot, ""},                                                  // 删除快照
		{"POST", "/monitor_channels/", model.PermVMConsole, s.createMonitorChannel, ""},                                                             // 创建新监控通道
		{"GET", "/media_image_search/", model.PermMediaRead, s.searchMediaImages, ""},                                                               // 搜索媒体镜像
		{"PATCH", "/media_images/", model.PermMediaCreate, s.syncMediaImages, ""},                                                                   // 同步本地媒体镜像文件
		{"GET", "/media_images/", model.PermMediaRead, s.listMediaImages, ""},                                                                       // 查询所有媒体镜像
		{"GET", "/media_images/{id}", model.PermMediaRead, s.getMediaImage, ""},                                                                     // 获取媒体镜像状态
		{"POST", "/media_images/", model.PermMediaCreate, s.createMediaImage, ""},                                                                   // 创建媒体镜像
		{"PUT", "/media_images/{id}", model.PermMediaUpdate, s.modifyMediaImage, ""},                                                                // 修改媒体镜像信息
		{"DELETE", "/media_images/{id}", model.PermMediaDelete, s.deleteMediaImage, ""},                                                             // 删除媒体镜像
		{"GET", "/media_image_files/{id}", model.PermMediaRead, s.downloadMediaImage, ""},                                                           // 下载媒体镜像文件
		{"POST", "/media_image_files/{id}", model.PermMediaCreate, s.uploadMediaImage, ""},                                                          // 上传媒体镜像文件
		{"GET", "/disk_image_search/", model.PermImageRead, s.searchDiskImages, ""},                                                                 // 搜索磁盘镜像
		{"PATCH", "/disk_images/", model.PermImageCreate, s.syncDiskImages, ""},                                                                     // 同步本地磁盘镜像文件
		{"GET", "/disk_images/{id}", model.PermImageRead, s.getDiskImage, ""},                                                                       // 获取磁盘镜像状态
		{"POST", "/disk_images/", model.PermImageCreate, s.createDiskImage, ""},                                                                     // 创建磁盘镜像
		{"PUT", "/disk_images/{id}", model.PermImageUpdate, s.modifyDiskImage, ""},                                                                  // 修改磁盘镜像
		{"DELETE", "/disk_images/{id}", model.PermImageDelete, s.deleteDiskImage, ""},                                                               // 删除磁盘镜像
		{"POST", "/disk_image_files/{id}", model.PermImageCreate, s.uploadDiskImage, ""},                                                            // 上传磁盘镜像文件
		{"GET", "/templates/", model.PermTemplateRead, s.listTemplates, ""},                                                                         // 查询系统模板
		{"GET", "/templates/{id}", model.PermTemplateRead, s.getTemplate, ""},                                                                       // 获取模板配置详情
		{"POST", "/templates/", model.PermTemplateCreate, s.createTemplate, ""},                                                                     // 新建系统模板
		{"PUT", "/templates/{id}", model.PermTemplateUpdate, s.modifyTemplate, ""},                                                                  // 修改系统模板配置
		{"DELETE", "/templates/{id}", model.PermTemplateDelete, s.deleteTemplate, ""},                                                               // 删除系统模板
		{"GET", "/security_policy_groups/{id}", model.PermSecurityGroupRead, s.getSecurityPolicyGroup, ""},                                          // 获取安全策略组状态
		{"POST", "/security_policy_groups/", model.PermSecurityGroupCreate, s.createSecurityPolicyGroup, ""},                                        // 新建安全策略组
		{"PUT", "/security_policy_groups/{id}", model.PermSecurityGroupUpdate, s.modifySecurityPolicyGroup, ""},                                     // 修改安全策略组
		{"DELETE", "/security_policy_groups/{id}", model.PermSecurityGroupDelete, s.deleteSecurityPolicyGroup, ""},                                  // 删除安全策略组
		{"GET", "/security_policy_groups/{id}/rules/", model.PermSecurityGroupRead, s.listSecurityPolicyGroupRules, ""},                             // 查询策略组规则
		{"POST", "/security_policy_groups/{id}/rules/", model.PermSecurityGroupUpdate, s.editGroupRules(service.RuleAdd, newRule), ""},              // 添加策略组规则
		{"PUT", "/security_policy_groups/{id}/rules/{index}", model.PermSecurityGroupUpdate, s.editGroupRules(service.RuleModify, newRule), ""},     // 修改策略组规则
		{"PUT", "/security_policy_groups/{id}/rules/{index}/order", model.PermSecurityGroupUpdate, s.editGroupRules(service.RuleMove, newMove), ""}, // 调整规则顺序
		{"DELETE", "/security_policy_groups/{id}/rules/{index}", model.PermSecurityGroupUpdate, s.editGroupRules(service.RuleRemove, nil), ""},      // 删除策略组规则
		{"POST", "/migrations/", model.PermVMMigrate, s.startMigration, ""},                                                                         // 启动迁移
		{"GET", "/migrations/{id}", model.PermVMMigrate, s.getMigration, ""},                                                                        // 查询迁移任务状态
		{"GET", "/migrations/", model.PermVMMigrate, s.listMigrations, ""},                                                                          // 查询所有处理中的迁移任务
		{"POST", "/batch/create_guest/", model.PermVMCreate, s.batchCreateGuests, ""},                                                               // 启动批量创建
		{"GET", "/batch/create_guest/{id}", model.PermVMRead, s.batchCreateStatus, ""},                                                              // 查询批量创建任务状态
		{"POST", "/batch/delete_guest/", model.PermVMDelete, s.batchDeleteGuests, ""},                                                               // 启动批量删除
		{"GET", "/batch/delete_guest/{id}", model.PermVMRead, s.batchDeleteStatus, ""},                                                              // 查询批量删除任务状态
		{"POST", "/batch/stop_guest/", model.PermVMStop, s.batchStopGuests, ""},                                                                     // 启动批量停机
		{"GET", "/batch/stop_guest/{id}", model.PermVMRead, s.batchStopStatus, ""},                                                                  // 查询批量停机任务状态
		{"GET", "/search/security_policy_groups/", model.PermSecurityGroupRead, s.searchSecurityPolicyGroups, ""},                                   // 查询安全策略组
		{"POST", "/search/guests/", model.PermVMRead, s.searchGuests, ""},                                                                           // 搜索云主机
		{"GET", "/roles/", model.PermRoleRead, s.listRoles, ""},                                                                                     // 查询所有角色
		{"GET", "/roles/{role_name}", model.PermRoleRead, s.getRole, ""},                                                                            // 查询角色配置信息
		{"POST", "/roles/{role_name}", model.PermRoleCreate, s.createRole, ""},                                                                      // 添加角色
		{"PUT", "/roles/{role_name}", model.PermRoleUpdate, s.modifyRole, ""},                                                                       // 修改角色权限
		{"DELETE", "/roles/{role_name}", model.PermRoleDelete, s.deleteRole, ""},                                                                    // 删除角色
		{"GET", "/user_groups/", model.PermGroupRead, s.listUserGroups, ""},                                                                         // 查询所有用户组
		{"GET", "/user_groups/{group_name}", model.PermGroupRead, s.getUserGroup, ""},                                                               // 查询用户组详情
		{"POST", "/user_groups/{group_name}", model.PermGroupCreate, s.createUserGroup, ""},                                                         // 添加用户组
		{"PUT", "/user_groups/{group_name}", model.PermGroupUpdate, s.modifyUserGroup, ""},                                                          // 修改用户组
		{"DELETE", "/user_groups/{group_name}", model.PermGroupDelete, s.deleteUserGroup, ""},                                                       // 删除用户组
		{"GET", "/user_groups/members/", model.PermGroupRead, s.listGroupMembers, ""},                                                               // 查询用户组成员
		{"POST", "/user_groups/{group_name}/members/{user_name}", model.PermGroupUpdate, s.addGroupMember, ""},                                      // 添加用户组成员
		{"DELETE", "/user_groups/{group_name}/members/{user_name}", model.PermGroupUpdate, s.removeGroupMember, ""},                                 // 移除用户组成员
		{"GET", "/users/", model.PermUserRead, s.listUsers, ""},                                                                                     // 查询所有系统管理员
		{"GET", "/users/{user_name}", selfService, s.getUser, ""},                                                                                   // 获取管理员信息
		{"POST", "/users/{user_name}", model.PermUserCreate, s.createUser, ""},                                                                      // 新建管理员
		{"PUT", "/users/{user_name}", selfService, s.modifyUser, ""},                                                                                // 修改管理员信息
		{"DELETE", "/users/{user_name}", model.PermUserDelete, s.deleteUser, ""},                                                                    // 删除系统管理员
		{"PUT", "/users/{user_name}/password/", selfService, s.changePassword, ""},                                                                  // 修改管理员密码
		{"GET", "/user_search/", model.PermUserRead, s.searchUsers, ""},                                                                             // 搜索用户
		{"POST", "/sessions/", anyCaller, s.createSession, ""},                                                                                      // 创建新会话
		{"PUT", "/sessions/{session_id}", anyCaller, s.renewSession, ""},                                                                            // 更新会话
		{"GET", "/sessions/{session_id}", anyCaller, s.getSession, ""},                                                                              // 获取已校验会话信息
		{"GET", "/resource_visibilities/", anyCaller, s.getVisibility, ""},                                                                          // 查询资源可见性
		{"PUT", "/resource_visibilities/", model.PermVisibilityUpdate, s.setVisibility, ""},                                                         // 设置资源可见性
		{"GET", "/logs/", model.PermLogRead, s.listLogs, ""},                                                                                        // 查询日志清单
		{"POST", "/logs/", model.PermLogWrite, s.addLog, ""},                                                                                        // 添加操作日志
		{"DELETE", "/logs/", model.PermLogWrite, s.deleteLogs, ""},                                                                                  // 删除操作日志
	}
	out := make([]route, 0, len(rs)+len(s.portalRoutes()))
	for _, r := range rs {
		h := r.handle
		if r.pending != "" {
			h = s.pending(r.pending)
		}
		if r.perm == "" {
			panic("nano: route " + r.method + " " + r.path + " names no permission")
		}
		out = append(out, route{method: r.method, path: r.path, handle: h, pending: r.pending, perm: r.perm,
			public: r.method == http.MethodPost && r.path == "/sessions/",
			upload: r.method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(r.path, "{id}"), "_image_files/")})
	}
	for _, r := range s.portalRoutes() {
		out = append(out, route{method: r.method, path: r.path, handle: r.handle, perm: r.perm, public: r.public, upload: r.upload})
	}
	return out
}

// pending answers for a feature Kumo does not have yet.
func (s *Server) pending(feature string) func(r *http.Request) (reply, error) {
	return func(r *http.Request) (reply, error) { return reply{}, errNotImplemented(feature) }
}
