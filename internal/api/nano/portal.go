package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// portalRoute is a path Nano's web portal (project-nano/portal, through
// the FrontEnd of project-nano/frontend) calls beside the document's.
// Each is served by the handler of its document counterpart, so the
// service decides the same way for both; docs/nano-endpoints.md lists
// them with their status.
type portalRoute struct {
	method, path string
	perm         model.Permission
	handle       func(r *http.Request) (reply, error)
	// like names the document's endpoint it is served as, or what it
	// is, for the endpoint table.
	like string
	// refused, when not empty, is why Kumo answers the path with an
	// error (the handler says it too).
	refused string
	public  bool
	upload  bool
}

// portalRoutes lists the portal's paths that the document does not name.
// Paths that differ from the document's only by a trailing slash need no
// entry (Server.slashed serves both spellings).
func (s *Server) portalRoutes() []portalRoute {
	return []portalRoute{
		{method: "GET", path: "/system/", perm: anyCaller, public: true, handle: s.systemStatus,
			like: "the FrontEnd's system status: `ready`, `max_cores`, `max_memory` and `max_disk` (GiB), asked before the login form and the create-guest dialog"},
		{method: "POST", path: "/system/", perm: anyCaller, public: true, handle: s.initializeSystem,
			like:    "the FrontEnd's first-run setup (first user, group and role)",
			refused: "Kumo makes its first administrator when the server starts (`kumo server`, admin user and password options), so the system is always initialized; answered as the FrontEnd answers a second setup, with an error (409)"},
		{method: "GET", path: "/compute_cell_status/{pool}/{cell}", perm: model.PermHostRead, handle: s.getPoolCellStatus,
			like: "`GET /compute_cell_status/{cell}`, the cell checked to be in the pool"},
		{method: "GET", path: "/instance_status/{pool}/{cell}", perm: model.PermVMRead, handle: s.instanceStatus,
			like: "`GET /instance_status/{cell}/`, the cell checked to be in the pool"},
		{method: "GET", path: "/address_pools/{name}/{type}/ranges/{start}", perm: model.PermAddressPoolRead, handle: s.getAddressRange,
			like: "`GET /address_pools/ranges/{start}`, the range checked to be the pool's, of that type"},
		{method: "POST", path: "/address_pools/{name}/{type}/ranges/{start}", perm: model.PermAddressPoolUpdate, handle: s.addAddressRange,
			like: "`POST /address_pools/ranges/{start}`, pool and type from the path"},
		{method: "DELETE", path: "/address_pools/{name}/{type}/ranges/{start}", perm: model.PermAddressPoolUpdate, handle: s.removeAddressRange,
			like: "`DELETE /address_pools/ranges/{start}`, the range checked to be the pool's, of that type"},
		{method: "PUT", path: "/guests/{id}/security_policy/rules/{index}", perm: model.PermVMUpdate, handle: s.modifySecurityRule,
			like: "`PUT /guests/security_policy/rules/{index}`, the guest from the path"},
		{method: "PUT", path: "/guests/{id}/security_policy/rules/{index}/order", perm: model.PermVMUpdate, handle: s.moveSecurityRule,
			like: "`PUT /guests/security_policy/rules/{index}/order`, the guest from the path"},
		{method: "DELETE", path: "/guests/{id}/security_policy/rules/{index}", perm: model.PermVMUpdate, handle: s.removeSecurityRule,
			like: "`DELETE /guests/security_policy/rules/{index}`, the guest from the path"},
		{method: "PUT", path: "/guests/{id}/monitor/secret", perm: model.PermVMConsole, handle: s.resetMonitorSecret,
			like: "resets the guest's monitor secret: Kumo's guests have no standing VNC password (a monitor channel's id is its " +
				"credential, used once), so this revokes every monitor channel of the guest not yet opened"},
		{method: "POST", path: "/disk_images/{id}/file/", perm: model.PermImageCreate, handle: s.uploadDiskImage, upload: true,
			like: "`POST /disk_image_files/{id}`, multipart field `image`"},
		{method: "GET", path: "/disk_images/{id}/file/", perm: model.PermImageRead, handle: s.downloadDiskImage,
			like: "downloads the disk image's file (Range supported), with the caller's session. The portal opens this URL as " +
				"a plain link, without its Nano-Session header, which the FrontEnd lets through unchecked; Kumo serves no " +
				"image to a caller without a session, so that link is refused (401)"},
		{method: "POST", path: "/media_images/{id}/file/", perm: model.PermMediaCreate, handle: s.uploadMediaImage, upload: true,
			like: "`POST /media_image_files/{id}`, multipart field `image`"},
		{method: "GET", path: "/media_images/{id}/file/", perm: model.PermMediaRead, handle: s.downloadMediaImage,
			like: "`GET /media_image_files/{id}`"},
		{method: "GET", path: "/user_groups/{group_name}/members/", perm: model.PermGroupRead, handle: s.listGroupMembers,
			like: "`GET /user_groups/members/?group=NAME`, the group from the path"},
	}
}

// systemStatus answers whether the system is ready for logins and the
// largest guest the create dialog offers: Kumo's own limits on one
// guest, in the FrontEnd's units (cores, GiB of memory, GiB of disk).
// The FrontEnd reads its limits from its configuration; Kumo's are what
// the service accepts, and a guest that no host can hold is refused
// with the reason when it is created.
func (s *Server) systemStatus(r *http.Request) (reply, error) {
	ready, err := s.svc.Initialized(ctx(r))
	if err != nil {
		return reply{}, err
	}
	return ok(struct {
		Ready     bool  `json:"ready"`
		MaxCores  int   `json:"max_cores"`
		MaxMemory int64 `json:"max_memory"`
		MaxDisk   int64 `json:"max_disk"`
	}{ready, model.MaxCores, model.MaxMemoryMiB >> 10, model.MaxDiskBytes >> 30})
}

func (s *Server) initializeSystem(r *http.Request) (reply, error) {
	return reply{}, model.Errorf(model.CodeConflict, "the system is already initialized: Kumo makes its first administrator "+
		"when the server starts; log in with it and add users, groups and roles from there")
}

// getPoolCellStatus is the status of a cell named with its pool.
func (s *Server) getPoolCellStatus(r *http.Request) (reply, error) {
	if err := s.cellInPool(r); err != nil {
		return reply{}, err
	}
	return s.getCellStatus(r)
}

// cellInPool checks that the path's cell is in the path's pool.
func (s *Server) cellInPool(r *http.Request) error {
	p, err := s.svc.GetPool(ctx(r), r.PathValue("pool"))
	if err != nil {
		return err
	}
	h, err := s.svc.GetHost(ctx(r), r.PathValue("cell"))
	if err != nil {
		return err
	}
	if h.PoolID != p.ID {
		return model.Errorf(model.CodeNotFound, "pool %s has no cell %s", r.PathValue("pool"), r.PathValue("cell"))
	}
	return nil
}

// rangeInPool checks, for the portal's range paths, that the range at
// the path's start is the path's pool's and of its type.
func (s *Server) rangeInPool(r *http.Request) error {
	name := r.PathValue("name")
	if name == "" {
		return nil // the document's path: the range is named by its start alone
	}
	p, err := s.svc.GetAddressPool(ctx(r), name)
	if err != nil {
		return err
	}
	u, err := s.svc.GetAddressRange(ctx(r), r.PathValue("start"))
	if err != nil {
		return err
	}
	if u.Range.PoolID != p.ID || u.Range.Type != r.PathValue("type") {
		return model.Errorf(model.CodeNotFound, "address pool %s has no %s range starting at %s", name, r.PathValue("type"), r.PathValue("start"))
	}
	return nil
}

func (s *Server) resetMonitorSecret(r *http.Request) (reply, error) {
	vm, err := s.svc.AuthorizeConsole(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	s.consoles.Revoke(vm.ID)
	return ok(nil)
}

// portalSpellings are portal paths that differ from a document path
// only by the trailing slash, and so are served by it (Server.slashed),
// with what they do there; the endpoint table lists them.
var portalSpellings = []struct{ method, path, served, note string }{
	{"GET", "/compute_cell_status/{pool}", "/compute_cell_status/{cell}",
		"the FrontEnd's list of a pool's cells: a name that is a pool's lists its cells, any other is a cell's status"},
	{"GET", "/instance_status/{pool}", "/instance_status/{pool}/", "a pool's (or cell's) instances"},
	{"PUT", "/guests/{id}/qos/cpu", "/guests/{id}/qos/cpu/", "CPU priority"},
	{"PUT", "/guests/{id}/qos/disk", "/guests/{id}/qos/disk/", "disk QoS"},
	{"PUT", "/guests/{id}/qos/network", "/guests/{id}/qos/network/", "network QoS"},
}
