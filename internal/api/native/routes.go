package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// idParam documents the {id} path parameter.
type idParam struct {
	ID string `path:"id" description:"id or name"`
}

// taskWaitParams documents GET /v1/tasks/{id}/wait.
type taskWaitParams struct {
	ID      string `path:"id"`
	Timeout int    `query:"timeout" description:"seconds to wait at most (default 60)"`
}

// quotaParams documents PUT /v1/tenants/{id}/quotas/{name}.
type quotaParams struct {
	ID   string `path:"id" description:"tenant id or name"`
	Name string `path:"name" description:"quota name" enum:"vm.count,vm.running,vm.cores,vm.memory_bytes,disk.bytes,image.count,image.bytes"`
}

// triggerJobParams documents /v1/schedules/triggers/{id}/jobs/{job}.
type triggerJobParams struct {
	ID  string `path:"id" description:"trigger id"`
	Job string `path:"job" description:"job id"`
}

// imageUploadParams documents POST /v1/images.
type imageUploadParams struct {
	Name        string `query:"name" required:"true"`
	Format      string `query:"format" enum:"qcow2,raw,iso" description:"checked against the content; detected if absent"`
	Description string `query:"description"`
}

func (s *Server) routes() []route {
	rs := []route{
		{method: "POST", path: "/v1/login", op: "postLogin", summary: "Log in and get a session token", public: true,
			body: api.LoginRequest{}, reply: api.Session{}, status: http.StatusOK, handle: s.postLogin},
		{method: "GET", path: "/v1/session", op: "getSession", perm: model.PermSession, summary: "Show the current session",
			reply: api.Session{}, status: http.StatusOK, handle: s.getSession},
		{method: "POST", path: "/v1/session/renew", op: "renewSession", perm: model.PermSession, summary: "Extend the current session",
			reply: api.Session{}, status: http.StatusOK, handle: s.renewSession},
		{method: "POST", path: "/v1/logout", op: "postLogout", perm: model.PermSession, summary: "End the current session",
			status: http.StatusNoContent, handle: s.postLogout},

		{method: "GET", path: "/v1/pools", op: "listPools", perm: model.PermPoolRead, summary: "List pools", reply: []api.Pool{}, status: http.StatusOK, handle: s.listPools},
		{method: "POST", path: "/v1/pools", op: "createPool", perm: model.PermPoolCreate, summary: "Create a pool", body: api.PoolsPost{}, reply: api.Pool{}, status: http.StatusCreated, handle: s.createPool},
		{method: "GET", path: "/v1/pools/{id}", op: "getPool", perm: model.PermPoolRead, summary: "Show a pool", params: idParam{}, reply: api.Pool{}, status: http.StatusOK, handle: s.getPool},
		{method: "DELETE", path: "/v1/pools/{id}", op: "deletePool", perm: model.PermPoolDelete, summary: "Delete an empty pool", params: idParam{}, status: http.StatusNoContent, handle: s.deletePool},

		{method: "GET", path: "/v1/hosts", op: "listHosts", perm: model.PermHostRead, summary: "List hosts", reply: []api.Host{}, status: http.StatusOK, handle: s.listHosts},
		{method: "GET", path: "/v1/hosts/{id}", op: "getHost", perm: model.PermHostRead, summary: "Show a host", params: idParam{}, reply: api.Host{}, status: http.StatusOK, handle: s.getHost},
		{method: "DELETE", path: "/v1/hosts/{id}", op: "removeHost", perm: model.PermHostUpdate, summary: "Remove an offline host that holds no VMs (its agent must join again to come back)",
			params: idParam{}, status: http.StatusNoContent, handle: s.removeHost},
		{method: "PUT", path: "/v1/hosts/{id}/maintenance", op: "putHostMaintenance", perm: model.PermHostUpdate,
			summary: "Put a host into maintenance (no new VMs; its VMs keep running) or take it out", params: idParam{},
			body: api.HostMaintenancePut{}, reply: api.Host{}, status: http.StatusOK, handle: s.putHostMaintenance},
		{method: "POST", path: "/v1/hosts/{id}/evacuate", op: "evacuateHost", perm: model.PermHostUpdate,
			summary: "Put a host into maintenance and move its running VMs live to other hosts of its pool", params: idParam{},
			reply: api.Task{}, status: http.StatusAccepted, handle: s.evacuateHost},
		{method: "POST", path: "/v1/hosts/join-tokens", op: "createJoinToken", perm: model.PermHostUpdate, summary: "Make a one-time token for a new agent",
			body: api.JoinTokensPost{}, reply: api.JoinToken{}, status: http.StatusCreated, handle: s.createJoinToken},

		{method: "GET", path: "/v1/images", op: "listImages", perm: model.PermSession, summary: "List images", reply: []api.Image{}, status: http.StatusOK, handle: s.listImages},
		{method: "POST", path: "/v1/images", op: "uploadImage", perm: model.PermSession, summary: "Upload an image (the file is the request body)",
			params: imageUploadParams{}, reply: api.Image{}, status: http.StatusCreated, upload: true, handle: s.uploadImage},
		{method: "GET", path: "/v1/images/{id}", op: "getImage", perm: model.PermSession, summary: "Show an image", params: idParam{}, reply: api.Image{}, status: http.StatusOK, handle: s.getImage},
		{method: "DELETE", path: "/v1/images/{id}", op: "deleteImage", perm: model.PermSession, summary: "Delete an unused image", params: idParam{}, status: http.StatusNoContent, handle: s.deleteImage},

		{method: "GET", path: "/v1/vms", op: "listVMs", perm: model.PermVMRead, summary: "List VMs, a page at a time, filtered and sorted", params: api.VMsFilter{}, reply: []api.VM{}, status: http.StatusOK, handle: s.listVMs},
		{method: "POST", path: "/v1/vms", op: "createVM", perm: model.PermVMCreate, summary: "Create a VM from an image", body: api.VMsPost{}, reply: api.VMCreated{}, status: http.StatusAccepted, handle: s.createVM},
		{method: "GET", path: "/v1/vms/{id}", op: "getVM", perm: model.PermVMRead, summary: "Show a VM", params: idParam{}, reply: api.VM{}, status: http.StatusOK, handle: s.getVM},
		{method: "PATCH", path: "/v1/vms/{id}", op: "patchVM", perm: model.PermVMUpdate, summary: "Change a VM (cores and memory while stopped)", params: idParam{},
			body: api.VMPatch{}, reply: api.VM{}, status: http.StatusOK, handle: s.patchVM},
		{method: "PUT", path: "/v1/vms/{id}/state", op: "putVMState", perm: model.PermSession, summary: "Start, stop, power off, reboot, pause or resume a VM", params: idParam{},
			body: api.VMStatePut{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.putVMState},
		{method: "GET", path: "/v1/vms/{id}/usage", op: "getVMUsage", perm: model.PermVMRead, summary: "What a running VM uses (CPU, memory, disk), as its host last reported",
			params: idParam{}, reply: api.VMUsage{}, status: http.StatusOK, handle: s.getVMUsage},
		{method: "POST", path: "/v1/vms/{id}/migrate", op: "migrateVM", perm: model.PermVMMigrate, summary: "Move a running VM live to another host of its pool", params: idParam{},
			body: api.VMMigratePost{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.migrateVM},
		{method: "DELETE", path: "/v1/vms/{id}", op: "deleteVM", perm: model.PermVMDelete, summary: "Delete a VM and its disks", params: idParam{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.deleteVM},

		{method: "POST", path: "/v1/images/{id}/shares", op: "shareImage", perm: model.PermImageShare, summary: "Share an image with tenants, or with all",
			params: idParam{}, body: api.SharesPost{}, status: http.StatusNoContent, handle: s.shareObject("image")},
		{method: "DELETE", path: "/v1/images/{id}/shares", op: "unshareImage", perm: model.PermImageShare, summary: "End shares of an image",
			params: idParam{}, body: api.SharesDelete{}, status: http.StatusNoContent, handle: s.unshareObject("image")},
		{method: "POST", path: "/v1/vms/{id}/shares", op: "shareVM", perm: model.PermVMShare, summary: "Share a VM with tenants (to see, not to change)",
			params: idParam{}, body: api.SharesPost{}, status: http.StatusNoContent, handle: s.shareObject("vm")},
		{method: "DELETE", path: "/v1/vms/{id}/shares", op: "unshareVM", perm: model.PermVMShare, summary: "End shares of a VM",
			params: idParam{}, body: api.SharesDelete{}, status: http.StatusNoContent, handle: s.unshareObject("vm")},
		{method: "POST", path: "/v1/vms/{id}/console", op: "createConsoleTicket", perm: model.PermVMConsole, summary: "Get a single-use ticket that opens a VM's console (for browsers)",
			params: idParam{}, body: api.ConsoleTicketsPost{}, reply: api.ConsoleTicket{}, status: http.StatusCreated, handle: s.createConsoleTicket},
		{method: "GET", path: "/v1/vms/{id}/console", op: "openConsole", perm: model.PermVMConsole, summary: "Open a VM's VNC or serial console (websocket upgrade)",
			params: api.ConsoleParams{}, status: http.StatusSwitchingProtocols, ticket: true, stream: s.openConsole},
		{method: "GET", path: "/v1/vms/{id}/snapshots", op: "listSnapshots", perm: model.PermVMRead, summary: "List a VM's snapshots", params: idParam{},
			reply: []api.Snapshot{}, status: http.StatusOK, handle: s.listSnapshots},
		{method: "POST", path: "/v1/vms/{id}/snapshots", op: "createSnapshot", perm: model.PermVMSnapshot, summary: "Take a snapshot of a VM", params: idParam{},
			body: api.SnapshotsPost{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.createSnapshot},

		{method: "GET", path: "/v1/tenants", op: "listTenants", perm: model.PermSession, summary: "List the tenants the caller sees", reply: []api.Tenant{},
			status: http.StatusOK, handle: s.listTenants},
		{method: "POST", path: "/v1/tenants", op: "createTenant", perm: model.PermTenantCreate, summary: "Create an account tenant and its admin user",
			body: api.TenantsPost{}, reply: api.Tenant{}, status: http.StatusCreated, handle: s.createTenant},
		{method: "GET", path: "/v1/tenants/{id}", op: "getTenant", perm: model.PermSession, summary: "Show a tenant", params: idParam{}, reply: api.Tenant{},
			status: http.StatusOK, handle: s.getTenant},
		{method: "DELETE", path: "/v1/tenants/{id}", op: "deleteTenant", perm: model.PermTenantDelete, summary: "Delete a tenant that holds nothing",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteTenant},
		{method: "GET", path: "/v1/tenants/{id}/quotas", op: "listQuotas", perm: model.PermQuotaRead, summary: "Show a tenant's quotas and use",
			params: idParam{}, reply: []api.Quota{}, status: http.StatusOK, handle: s.listQuotas},
		{method: "PUT", path: "/v1/tenants/{id}/quotas/{name}", op: "putQuota", perm: model.PermQuotaUpdate, summary: "Set or lift a quota of a tenant",
			params: quotaParams{}, body: api.QuotaPut{}, reply: api.Quota{}, status: http.StatusOK, handle: s.putQuota},

		{method: "GET", path: "/v1/tenants/{id}/spending", op: "getSpending", perm: model.PermSpendingRead, summary: "What a tenant's VMs cost over a period",
			params: spendingParams{}, reply: api.Spending{}, status: http.StatusOK, handle: s.getSpending},
		{method: "GET", path: "/v1/prices", op: "listPrices", perm: model.PermPriceRead, summary: "List prices", reply: []api.Price{},
			status: http.StatusOK, handle: s.listPrices},
		{method: "POST", path: "/v1/prices", op: "createPrice", perm: model.PermPriceCreate, summary: "Set a price from a moment on", body: api.PricesPost{},
			reply: api.Price{}, status: http.StatusCreated, handle: s.createPrice},
		{method: "DELETE", path: "/v1/prices/{id}", op: "deletePrice", perm: model.PermPriceDelete, summary: "Delete a price", params: idParam{},
			status: http.StatusNoContent, handle: s.deletePrice},

		{method: "GET", path: "/v1/schedules/jobs", op: "listScheduleJobs", perm: model.PermScheduleRead, summary: "List scheduled jobs",
			reply: []api.ScheduleJob{}, status: http.StatusOK, handle: s.listScheduleJobs},
		{method: "POST", path: "/v1/schedules/jobs", op: "createScheduleJob", perm: model.PermScheduleCreate, summary: "Make a job that triggers run on a VM",
			body: api.ScheduleJobsPost{}, reply: api.ScheduleJob{}, status: http.StatusCreated, handle: s.createScheduleJob},
		{method: "GET", path: "/v1/schedules/jobs/{id}", op: "getScheduleJob", perm: model.PermScheduleRead, summary: "Show a scheduled job", params: idParam{},
			reply: api.ScheduleJob{}, status: http.StatusOK, handle: s.getScheduleJob},
		{method: "PATCH", path: "/v1/schedules/jobs/{id}", op: "patchScheduleJob", perm: model.PermScheduleUpdate, summary: "Rename, enable or disable a job",
			params: idParam{}, body: api.ScheduleJobPatch{}, reply: api.ScheduleJob{}, status: http.StatusOK, handle: s.patchScheduleJob},
		{method: "DELETE", path: "/v1/schedules/jobs/{id}", op: "deleteScheduleJob", perm: model.PermScheduleDelete, summary: "Delete a scheduled job",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteScheduleJob},
		{method: "GET", path: "/v1/schedules/triggers", op: "listScheduleTriggers", perm: model.PermScheduleRead, summary: "List schedule triggers",
			reply: []api.ScheduleTrigger{}, status: http.StatusOK, handle: s.listScheduleTriggers},
		{method: "POST", path: "/v1/schedules/triggers", op: "createScheduleTrigger", perm: model.PermScheduleCreate, summary: "Make a trigger (simple or cron)",
			body: api.ScheduleTriggersPost{}, reply: api.ScheduleTrigger{}, status: http.StatusCreated, handle: s.createScheduleTrigger},
		{method: "GET", path: "/v1/schedules/triggers/{id}", op: "getScheduleTrigger", perm: model.PermScheduleRead, summary: "Show a schedule trigger",
			params: idParam{}, reply: api.ScheduleTrigger{}, status: http.StatusOK, handle: s.getScheduleTrigger},
		{method: "DELETE", path: "/v1/schedules/triggers/{id}", op: "deleteScheduleTrigger", perm: model.PermScheduleDelete, summary: "Delete a trigger (its jobs stay)",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteScheduleTrigger},
		{method: "PUT", path: "/v1/schedules/triggers/{id}/jobs/{job}", op: "linkScheduleJob", perm: model.PermScheduleUpdate, summary: "Make a trigger fire a job",
			params: triggerJobParams{}, status: http.StatusNoContent, handle: s.linkScheduleJob(false)},
		{method: "DELETE", path: "/v1/schedules/triggers/{id}/jobs/{job}", op: "unlinkScheduleJob", perm: model.PermScheduleUpdate, summary: "Stop a trigger firing a job",
			params: triggerJobParams{}, status: http.StatusNoContent, handle: s.linkScheduleJob(true)},

		{method: "GET", path: "/v1/ldap/servers", op: "listLDAPServers", perm: model.PermLDAPRead, summary: "List LDAP servers (the first is used)",
			reply: []api.LDAPServer{}, status: http.StatusOK, handle: s.listLDAPServers},
		{method: "POST", path: "/v1/ldap/servers", op: "createLDAPServer", perm: model.PermLDAPCreate, summary: "Add an LDAP server (checked by binding to it)",
			body: api.LDAPServersPost{}, reply: api.LDAPServer{}, status: http.StatusCreated, handle: s.createLDAPServer},
		{method: "DELETE", path: "/v1/ldap/servers/{id}", op: "deleteLDAPServer", perm: model.PermLDAPDelete, summary: "Delete an LDAP server and its bindings",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteLDAPServer},
		{method: "GET", path: "/v1/ldap/bindings", op: "listLDAPBindings", perm: model.PermSession, summary: "List the LDAP bindings the caller sees",
			reply: []api.LDAPBinding{}, status: http.StatusOK, handle: s.listLDAPBindings},
		{method: "POST", path: "/v1/ldap/bindings", op: "createLDAPBinding", perm: model.PermLDAPUpdate, summary: "Let a directory entry log in as a user",
			body: api.LDAPBindingsPost{}, reply: api.LDAPBinding{}, status: http.StatusCreated, handle: s.createLDAPBinding},
		{method: "DELETE", path: "/v1/ldap/bindings/{id}", op: "deleteLDAPBinding", perm: model.PermLDAPUpdate, summary: "Delete an LDAP binding",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteLDAPBinding},
		{method: "POST", path: "/v1/login/ldap", op: "postLDAPLogin", summary: "Log in with directory credentials", public: true,
			body: api.LDAPLoginRequest{}, reply: api.Session{}, status: http.StatusOK, handle: s.postLDAPLogin},

		{method: "GET", path: "/v1/audit-log", op: "listAuditLog", perm: model.PermLogRead, summary: "List the audit log, newest first", params: api.AuditLogFilter{},
			reply: []api.AuditEntry{}, status: http.StatusOK, handle: s.listAuditLog},
		{method: "GET", path: "/v1/tasks", op: "listTasks", perm: model.PermSession, summary: "List tasks, newest first", params: api.TasksFilter{}, reply: []api.Task{}, status: http.StatusOK, handle: s.listTasks},
		{method: "GET", path: "/v1/tasks/{id}", op: "getTask", perm: model.PermSession, summary: "Show a task", params: idParam{}, reply: api.Task{}, status: http.StatusOK, handle: s.getTask},
		{method: "GET", path: "/v1/tasks/{id}/wait", op: "waitTask", perm: model.PermSession, summary: "Wait for a task to finish", params: taskWaitParams{}, reply: api.Task{}, status: http.StatusOK, handle: s.waitTask},
		{method: "DELETE", path: "/v1/tasks/{id}", op: "cancelTask", perm: model.PermSession, summary: "Cancel a task", params: idParam{}, reply: api.Task{}, status: http.StatusOK, handle: s.cancelTask},
	}
	rs = append(rs, s.vmDeviceRoutes()...)
	rs = append(rs, s.platformRoutes()...)
	return rs
}
