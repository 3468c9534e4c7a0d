package native

import (
	"net/http"

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

// imageUploadParams documents POST /v1/images.
type imageUploadParams struct {
	Name        string `query:"name" required:"true"`
	Format      string `query:"format" enum:"qcow2,raw,iso" description:"checked against the content; detected if absent"`
	Description string `query:"description"`
}

func (s *Server) routes() []route {
	return []route{
		{method: "POST", path: "/v1/login", summary: "Log in and get a session token", public: true,
			body: api.LoginRequest{}, reply: api.Session{}, status: http.StatusOK, handle: s.postLogin},
		{method: "GET", path: "/v1/session", summary: "Show the current session",
			reply: api.Session{}, status: http.StatusOK, handle: s.getSession},
		{method: "POST", path: "/v1/session/renew", summary: "Extend the current session",
			reply: api.Session{}, status: http.StatusOK, handle: s.renewSession},
		{method: "POST", path: "/v1/logout", summary: "End the current session",
			status: http.StatusNoContent, handle: s.postLogout},

		{method: "GET", path: "/v1/pools", summary: "List pools", reply: []api.Pool{}, status: http.StatusOK, handle: s.listPools},
		{method: "POST", path: "/v1/pools", summary: "Create a pool", body: api.PoolsPost{}, reply: api.Pool{}, status: http.StatusCreated, handle: s.createPool},
		{method: "GET", path: "/v1/pools/{id}", summary: "Show a pool", params: idParam{}, reply: api.Pool{}, status: http.StatusOK, handle: s.getPool},
		{method: "DELETE", path: "/v1/pools/{id}", summary: "Delete an empty pool", params: idParam{}, status: http.StatusNoContent, handle: s.deletePool},

		{method: "GET", path: "/v1/hosts", summary: "List hosts", reply: []api.Host{}, status: http.StatusOK, handle: s.listHosts},
		{method: "GET", path: "/v1/hosts/{id}", summary: "Show a host", params: idParam{}, reply: api.Host{}, status: http.StatusOK, handle: s.getHost},
		{method: "POST", path: "/v1/hosts/join-tokens", summary: "Make a one-time token for a new agent",
			body: api.JoinTokensPost{}, reply: api.JoinToken{}, status: http.StatusCreated, handle: s.createJoinToken},

		{method: "GET", path: "/v1/images", summary: "List images", reply: []api.Image{}, status: http.StatusOK, handle: s.listImages},
		{method: "POST", path: "/v1/images", summary: "Upload an image (the file is the request body)",
			params: imageUploadParams{}, reply: api.Image{}, status: http.StatusCreated, handle: s.uploadImage},
		{method: "GET", path: "/v1/images/{id}", summary: "Show an image", params: idParam{}, reply: api.Image{}, status: http.StatusOK, handle: s.getImage},
		{method: "DELETE", path: "/v1/images/{id}", summary: "Delete an unused image", params: idParam{}, status: http.StatusNoContent, handle: s.deleteImage},

		{method: "GET", path: "/v1/vms", summary: "List VMs", reply: []api.VM{}, status: http.StatusOK, handle: s.listVMs},
		{method: "POST", path: "/v1/vms", summary: "Create a VM from an image", body: api.VMsPost{}, reply: api.VMCreated{}, status: http.StatusAccepted, handle: s.createVM},
		{method: "GET", path: "/v1/vms/{id}", summary: "Show a VM", params: idParam{}, reply: api.VM{}, status: http.StatusOK, handle: s.getVM},
		{method: "PATCH", path: "/v1/vms/{id}", summary: "Change a VM (cores and memory while stopped)", params: idParam{},
			body: api.VMPatch{}, reply: api.VM{}, status: http.StatusOK, handle: s.patchVM},
		{method: "PUT", path: "/v1/vms/{id}/state", summary: "Start, stop, power off, reboot, pause or resume a VM", params: idParam{},
			body: api.VMStatePut{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.putVMState},
		{method: "POST", path: "/v1/vms/{id}/migrate", summary: "Move a running VM live to another host of its pool", params: idParam{},
			body: api.VMMigratePost{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.migrateVM},
		{method: "DELETE", path: "/v1/vms/{id}", summary: "Delete a VM and its disks", params: idParam{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.deleteVM},

		{method: "GET", path: "/v1/tasks", summary: "List tasks, newest first", reply: []api.Task{}, status: http.StatusOK, handle: s.listTasks},
		{method: "GET", path: "/v1/tasks/{id}", summary: "Show a task", params: idParam{}, reply: api.Task{}, status: http.StatusOK, handle: s.getTask},
		{method: "GET", path: "/v1/tasks/{id}/wait", summary: "Wait for a task to finish", params: taskWaitParams{}, reply: api.Task{}, status: http.StatusOK, handle: s.waitTask},
		{method: "DELETE", path: "/v1/tasks/{id}", summary: "Cancel a task", params: idParam{}, reply: api.Task{}, status: http.StatusOK, handle: s.cancelTask},
	}
}
