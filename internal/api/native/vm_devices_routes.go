package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// A VM's devices under /v1/vms/{id}/: disks, CD-ROM, snapshots, port
// forwards, guest agent actions and NICs. Each is served by the service
// methods the dialects use (Nano's guest disks and media, CloudTower's
// volumes, CD-ROMs and NICs, DBC's data disks, port mappings and
// passwords, ZStack's volume snapshots).

// vmDiskParams documents /v1/vms/{id}/disks/{disk}.
type vmDiskParams struct {
	ID   string `path:"id" description:"VM id or name"`
	Disk string `path:"disk" description:"disk name: vda (the system disk), vdb, vdc, ... (data disks)"`
}

// vmSnapshotParams documents /v1/vms/{id}/snapshots/{name}.
type vmSnapshotParams struct {
	ID   string `path:"id" description:"VM id or name"`
	Name string `path:"name" description:"snapshot name"`
}

// vmPortForwardParams documents /v1/vms/{id}/port-forwards/{protocol}/{port}.
type vmPortForwardParams struct {
	ID       string `path:"id" description:"VM id or name"`
	Protocol string `path:"protocol" enum:"tcp,udp" description:"the forward's protocol"`
	Port     int    `path:"port" description:"the forwarded host port"`
}

// vmNICParams documents /v1/vms/{id}/nics/{network}.
type vmNICParams struct {
	ID      string `path:"id" description:"VM id or name"`
	Network string `path:"network" description:"the LAN the NIC is on"`
}

func (s *Server) vmDeviceRoutes() []route {
	return []route{
		{method: "GET", path: "/v1/vms/{id}/disks", op: "listVMDisks", perm: model.PermVMRead, summary: "List a VM's disks (system disk first)",
			params: idParam{}, reply: []api.Disk{}, status: http.StatusOK, handle: s.listVMDisks},
		{method: "POST", path: "/v1/vms/{id}/disks", op: "addVMDisk", perm: model.PermVMUpdate, summary: "Add an empty data disk to a stopped VM (there from its next start)",
			params: idParam{}, body: api.DisksPost{}, reply: api.Disk{}, status: http.StatusCreated, handle: s.addVMDisk},
		{method: "PATCH", path: "/v1/vms/{id}/disks/{disk}", op: "resizeVMDisk", perm: model.PermVMUpdate, summary: "Grow a stopped VM's disk",
			params: vmDiskParams{}, body: api.DiskPatch{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.resizeVMDisk},
		{method: "DELETE", path: "/v1/vms/{id}/disks/{disk}", op: "removeVMDisk", perm: model.PermVMUpdate, summary: "Remove a stopped VM's data disk and what it holds",
			params: vmDiskParams{}, status: http.StatusNoContent, handle: s.removeVMDisk},

		{method: "GET", path: "/v1/vms/{id}/cdrom", op: "getVMCDROM", perm: model.PermVMRead, summary: "Show what a running VM's CD-ROM drive holds",
			params: idParam{}, reply: api.CDROM{}, status: http.StatusOK, handle: s.getVMCDROM},
		{method: "PUT", path: "/v1/vms/{id}/cdrom", op: "insertVMCDROM", perm: model.PermVMUpdate, summary: "Insert an ISO image into a running VM's CD-ROM drive",
			params: idParam{}, body: api.CDROMPut{}, reply: api.CDROM{}, status: http.StatusOK, handle: s.insertVMCDROM},
		{method: "DELETE", path: "/v1/vms/{id}/cdrom", op: "ejectVMCDROM", perm: model.PermVMUpdate, summary: "Eject a running VM's CD-ROM",
			params: idParam{}, status: http.StatusNoContent, handle: s.ejectVMCDROM},

		{method: "GET", path: "/v1/vms/{id}/snapshots/{name}", op: "getSnapshot", perm: model.PermVMRead, summary: "Show a snapshot of a VM",
			params: vmSnapshotParams{}, reply: api.Snapshot{}, status: http.StatusOK, handle: s.getSnapshot},
		{method: "POST", path: "/v1/vms/{id}/snapshots/{name}/revert", op: "revertSnapshot", perm: model.PermVMSnapshot, summary: "Revert a stopped VM's disk to a snapshot",
			params: vmSnapshotParams{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.revertSnapshot},
		{method: "DELETE", path: "/v1/vms/{id}/snapshots/{name}", op: "deleteSnapshot", perm: model.PermVMSnapshot, summary: "Delete a snapshot of a VM",
			params: vmSnapshotParams{}, reply: api.Task{}, status: http.StatusAccepted, handle: s.deleteSnapshot},

		{method: "GET", path: "/v1/vms/{id}/port-forwards", op: "listPortForwards", perm: model.PermVMRead, summary: "List the host ports forwarded to a VM",
			params: idParam{}, reply: []api.PortForward{}, status: http.StatusOK, handle: s.listPortForwards},
		{method: "POST", path: "/v1/vms/{id}/port-forwards", op: "addPortForward", perm: model.PermVMUpdate, summary: "Forward a host port to a VM (from its next start)",
			params: idParam{}, body: api.PortForwardsPost{}, reply: api.PortForward{}, status: http.StatusCreated, handle: s.addPortForward},
		{method: "DELETE", path: "/v1/vms/{id}/port-forwards/{protocol}/{port}", op: "removePortForward", perm: model.PermVMUpdate, summary: "Stop forwarding a host port to a VM (from its next start)",
			params: vmPortForwardParams{}, status: http.StatusNoContent, handle: s.removePortForward},

		{method: "PUT", path: "/v1/vms/{id}/guest/password", op: "setGuestPassword", perm: model.PermVMGuest, summary: "Set a guest account's password through the running VM's guest agent",
			params: idParam{}, body: api.GuestPasswordPut{}, reply: api.GuestCredentials{}, status: http.StatusOK, handle: s.setGuestPassword},
		{method: "GET", path: "/v1/vms/{id}/guest/credentials", op: "getGuestCredentials", perm: model.PermVMGuest, summary: "Show the guest account's credentials Kumo last set",
			params: idParam{}, reply: api.GuestCredentials{}, status: http.StatusOK, handle: s.getGuestCredentials},

		{method: "GET", path: "/v1/vms/{id}/nics", op: "listVMNICs", perm: model.PermVMRead, summary: "List a VM's NICs",
			params: idParam{}, reply: []api.NIC{}, status: http.StatusOK, handle: s.listVMNICs},
		{method: "POST", path: "/v1/vms/{id}/nics", op: "joinVMNetwork", perm: model.PermVMUpdate, summary: "Put a stopped VM on a LAN of its host with a second NIC (from its next start)",
			params: idParam{}, body: api.NICsPost{}, reply: api.NIC{}, status: http.StatusCreated, handle: s.joinVMNetwork},
		{method: "DELETE", path: "/v1/vms/{id}/nics/{network}", op: "leaveVMNetwork", perm: model.PermVMUpdate, summary: "Take a stopped VM off its LAN (its NIC is gone from its next start)",
			params: vmNICParams{}, status: http.StatusNoContent, handle: s.leaveVMNetwork},
	}
}
