package nano

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/internal/store"
)

// A Nano guest is a Kumo VM; its instance is the same VM seen at run time.

type address struct {
	NetworkAddress   string `json:"network_address"`
	DisplayAddress   string `json:"display_address"`
	AllocatedAddress string `json:"allocated_address,omitempty"`
}

type guestQoS struct {
	CPUPriority  string `json:"cpu_priority,omitempty"`
	WriteSpeed   int64  `json:"write_speed"`
	WriteIOPS    int64  `json:"write_iops"`
	ReadSpeed    int64  `json:"read_speed"`
	ReadIOPS     int64  `json:"read_iops"`
	ReceiveSpeed int64  `json:"receive_speed"`
	SendSpeed    int64  `json:"send_speed"`
}

type guest struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Created         bool      `json:"created"`
	Progress        int       `json:"progress,omitempty"`
	Running         bool      `json:"running"`
	Lost            bool      `json:"lost"`
	Owner           string    `json:"owner"`
	Group           string    `json:"group"`
	Pool            string    `json:"pool"`
	Cell            string    `json:"cell"`
	Host            string    `json:"host"`
	Cores           int       `json:"cores"`
	Memory          int64     `json:"memory"` // bytes
	TotalDisk       int64     `json:"total_disk"`
	Disks           []int64   `json:"disks"`
	AutoStart       bool      `json:"auto_start"`
	System          string    `json:"system"`
	Template        string    `json:"template,omitempty"`
	EthernetAddress string    `json:"ethernet_address"`
	DisplayProtocol string    `json:"display_protocol"`
	MonitorSecret   string    `json:"monitor_secret"`
	Internal        address   `json:"internal"`
	External        address   `json:"external"`
	CreateTime      string    `json:"create_time"`
	QoS             *guestQoS `json:"qos,omitempty"`
	MediaAttached   bool      `json:"media_attached"`
	MediaSource     string    `json:"media_source"`
}

// names resolves pool and host ids for display.
type names struct {
	pools map[string]string
	hosts map[string]model.Host
	// addresses are the VMs' allocated addresses, by VM id.
	addresses map[string]string
}

func (s *Server) names(r *http.Request) (names, error) {
	// Names of what the caller may not read (a tenant's hosts) stay
	// empty rather than failing the call.
	pools, err := s.svc.ListPools(ctx(r))
	if err != nil && !model.IsCode(err, model.CodePermissionDenied) {
		return names{}, err
	}
	hosts, err := s.svc.ListHosts(ctx(r))
	if err != nil && !model.IsCode(err, model.CodePermissionDenied) {
		return names{}, err
	}
	n := namesOf(pools, hosts)
	n.addresses, err = s.svc.AddressAllocations(ctx(r))
	return n, err
}

func namesOf(pools []model.Pool, hosts []model.Host) names {
	n := names{pools: map[string]string{}, hosts: map[string]model.Host{}}
	for _, p := range pools {
		n.pools[p.ID] = p.Name
	}
	for _, h := range hosts {
		n.hosts[h.ID] = h
	}
	return n
}

func (s *Server) guestOf(v model.VM, n names) guest {
	h := n.hosts[v.HostID]
	g := guest{
		ID: v.ID, Name: v.Name, Created: v.Status != model.PowerCreating,
		Running: v.Status == model.PowerRunning || v.Status == model.PowerPaused, Lost: v.Status == model.PowerLost,
		Owner: v.Owner, Group: v.Group, Pool: n.pools[v.PoolID], Cell: h.Name, Host: hostAddress(h),
		Cores: v.Cores, Memory: int64(v.MemoryMiB) << 20, TotalDisk: v.DiskBytes, Disks: []int64{v.DiskBytes},
		AutoStart: v.AutoStart, System: "linux", Template: v.TemplateID, EthernetAddress: macOf(v.ID), DisplayProtocol: "vnc",
		Internal: address{NetworkAddress: "10.0.2.15"}, CreateTime: v.CreatedAt.Local().Format(timeFormat),
		QoS: qosOf(v.QoS),
	}
	if a := n.addresses[v.ID]; a != "" {
		// The guest configures its allocated address (from DHCP or its
		// seed), so it is also its network address.
		g.Internal = address{NetworkAddress: a, AllocatedAddress: a}
	}
	return g
}

// macOf is the MAC the agent gives the VM's first NIC (service.macFor).
func macOf(id string) string { return service.MACFor(id) }

// createProgress returns the progress of a VM's create task.
func (s *Server) createProgress(r *http.Request, id string) int {
	tasks, err := s.svc.ListTasks(ctx(r), store.TaskFilter{TargetID: id, Limit: 10})
	if err != nil {
		return 0
	}
	for _, t := range tasks {
		if t.Kind == "vm.create" {
			return t.Progress
		}
	}
	return 0
}

type guestCreate struct {
	Name            string          `json:"name"`
	Owner           string          `json:"owner"`
	Group           string          `json:"group"`
	Pool            string          `json:"pool"`
	Cores           int             `json:"cores"`
	Memory          int64           `json:"memory"`
	Disks           []int64         `json:"disks"`
	AutoStart       bool            `json:"auto_start"`
	System          string          `json:"system"`
	NetworkAddress  string          `json:"network_address"`
	EthernetAddress string          `json:"ethernet_address"`
	FromImage       string          `json:"from_image"`
	Ports           []any           `json:"ports"`
	Template        string          `json:"template"`
	Modules         []string        `json:"modules"`
	CloudInit       *guestCloudInit `json:"cloud_init"`
	QoS             *guestQoS       `json:"qos"`
	SecurityPolicy  string          `json:"security_policy_group"`
}

type guestCloudInit struct {
	RootEnabled *bool  `json:"root_enabled"`
	AdminName   string `json:"admin_name"`
	AdminSecret string `json:"admin_secret"`
	DataPath    string `json:"data_path"`
}

// unsupported refuses options Kumo cannot honour yet, rather than
// ignoring them.
func (req guestCreate) unsupported() error {
	switch {
	case req.NetworkAddress != "":
		return errNotImplemented("choosing a guest's IP address (network_address)")
	case req.EthernetAddress != "":
		return errNotImplemented("choosing a guest's MAC address (ethernet_address)")
	case len(req.Ports) > 0:
		return errNotImplemented("port mappings (ports)")
	case len(req.Disks) > 1:
		return errNotImplemented("data disks (more than one entry in disks)")
	case req.FromImage == "":
		return errNotImplemented("creating a guest with a blank system disk (no from_image)")
	}
	return nil
}

func (s *Server) createGuest(r *http.Request) (reply, error) {
	var req guestCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	create, err := req.request()
	if err != nil {
		return reply{}, err
	}
	vm, _, err := s.svc.CreateVM(ctx(r), create)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusAccepted, map[string]string{"id": vm.ID}}, nil
}

// request checks a guest create and turns it into Kumo's request.
func (req guestCreate) request() (service.CreateVMRequest, error) {
	if err := req.unsupported(); err != nil {
		return service.CreateVMRequest{}, err
	}
	if req.Memory < 0 || req.Memory%(1<<20) != 0 {
		return service.CreateVMRequest{}, model.FieldError("memory", "must be a whole number of MiB in bytes, not %d", req.Memory)
	}
	if req.Cores < 0 {
		return service.CreateVMRequest{}, model.FieldError("cores", "must be positive")
	}
	create := service.CreateVMRequest{
		Name: req.Name, Pool: req.Pool, Image: req.FromImage, Cores: req.Cores, MemoryMiB: int(req.Memory >> 20),
		Owner: req.Owner, Group: req.Group, AutoStart: req.AutoStart, Template: req.Template,
		QoS: req.QoS.model(), SecurityPolicyGroup: req.SecurityPolicy,
	}
	if len(req.Disks) == 1 {
		create.DiskBytes = req.Disks[0]
	}
	if req.CloudInit != nil || containsString(req.Modules, "cloud-init") {
		create.CloudInit = cloudInitOf(req.CloudInit)
	}
	return create, nil
}

// cloudInitOf applies Nano's defaults: root may log in, the admin is
// root, data goes to /opt/data, and a strong password is made if none is
// given.
func cloudInitOf(c *guestCloudInit) *model.CloudInit {
	out := &model.CloudInit{AdminName: "root", DataPath: "/opt/data", RootEnabled: true}
	if c != nil {
		if c.RootEnabled != nil {
			out.RootEnabled = *c.RootEnabled
		}
		if c.AdminName != "" {
			out.AdminName = c.AdminName
		}
		out.AdminSecret = c.AdminSecret
		if c.DataPath != "" {
			out.DataPath = c.DataPath
		}
	}
	if out.AdminSecret == "" {
		out.AdminSecret = service.RandomSecret(12)
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// creating is the reply about a guest still being made: 201 with its
// progress, which the portal polls.
func (s *Server) creating(r *http.Request, vm model.VM) reply {
	return reply{http.StatusCreated, map[string]any{"name": vm.Name, "created": false, "progress": s.createProgress(r, vm.ID)}}
}

// getGuest answers 201 with the progress while the guest is being made,
// 200 with its configuration once made.
func (s *Server) getGuest(r *http.Request) (reply, error) {
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	if vm.Status == model.PowerCreating {
		return s.creating(r, vm), nil
	}
	n, err := s.names(r)
	if err != nil {
		return reply{}, err
	}
	return ok(s.guestOf(vm, n))
}

// waitTask waits a little for a task so that quick operations report
// their outcome in the reply; slow ones go on in the background.
func (s *Server) waitTask(r *http.Request, t model.Task, limit time.Duration) error {
	httpguard.ExtendWrite(ctx(r), limit)
	wctx, cancel := context.WithTimeout(ctx(r), limit)
	defer cancel()
	done, err := s.svc.WaitTask(wctx, t.ID)
	if err != nil {
		return err
	}
	if done.State == model.TaskFailed {
		return &model.Error{Code: done.ErrorCode, Message: done.Error}
	}
	return nil
}

func (s *Server) deleteGuest(r *http.Request) (reply, error) {
	var req struct {
		Force bool `json:"force"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	if !req.Force && (vm.Status == model.PowerRunning || vm.Status == model.PowerPaused) {
		return reply{}, model.Errorf(model.CodeConflict, "guest %s is running: stop it first or delete with force", vm.Name)
	}
	t, err := s.svc.DeleteVM(ctx(r), vm.ID)
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, time.Minute))
}

// resizeRunning refuses a change "immediate" asks for on a running guest:
// Kumo applies cores and memory at the next start.
func immediateRefused(immediate bool, vm model.VM) error {
	if immediate && vm.Status != model.PowerStopped {
		return errNotImplemented("changing cores or memory of a running guest (immediate)")
	}
	return nil
}

func (s *Server) setCores(r *http.Request) (reply, error) {
	var req struct {
		Cores     int  `json:"cores"`
		Immediate bool `json:"immediate"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	if err := immediateRefused(req.Immediate, vm); err != nil {
		return reply{}, err
	}
	_, err = s.svc.UpdateVM(ctx(r), vm.ID, service.UpdateVMRequest{Cores: &req.Cores})
	return done(err)
}

func (s *Server) setMemory(r *http.Request) (reply, error) {
	var req struct {
		Memory    int64 `json:"memory"`
		Immediate bool  `json:"immediate"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Memory <= 0 || req.Memory%(1<<20) != 0 {
		return reply{}, model.FieldError("memory", "must be a whole number of MiB in bytes, not %d", req.Memory)
	}
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	if err := immediateRefused(req.Immediate, vm); err != nil {
		return reply{}, err
	}
	mib := int(req.Memory >> 20)
	_, err = s.svc.UpdateVM(ctx(r), vm.ID, service.UpdateVMRequest{MemoryMiB: &mib})
	return done(err)
}

func (s *Server) setName(r *http.Request) (reply, error) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	_, err := s.svc.UpdateVM(ctx(r), r.PathValue("id"), service.UpdateVMRequest{Name: &req.Name})
	return done(err)
}

func (s *Server) setAutoStart(r *http.Request) (reply, error) {
	var req struct {
		Enable bool `json:"enable"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	_, err := s.svc.UpdateVM(ctx(r), r.PathValue("id"), service.UpdateVMRequest{AutoStart: &req.Enable})
	return done(err)
}

// guestSearch lists the guests of a pool, optionally of one cell, by
// running state (status 1 = running, 0 = not) and creation.
func (s *Server) guestSearch(r *http.Request) (reply, error) {
	q := r.URL.Query()
	if q.Get("pool") == "" {
		return reply{}, model.FieldError("pool", "is required")
	}
	pool, err := s.svc.GetPool(ctx(r), q.Get("pool"))
	if err != nil {
		return reply{}, err
	}
	vms, n, err := s.vmsAndNames(r)
	if err != nil {
		return reply{}, err
	}
	out := []guest{}
	for _, v := range vms {
		g := s.guestOf(v, n)
		if v.PoolID != pool.ID || (q.Get("cell") != "" && g.Cell != q.Get("cell")) {
			continue
		}
		if st := q.Get("status"); st != "" && (st == "1") != g.Running {
			continue
		}
		if q.Get("created") == "true" && !g.Created {
			continue
		}
		out = append(out, g)
	}
	return ok(out)
}

func (s *Server) vmsAndNames(r *http.Request) ([]model.VM, names, error) {
	inv, err := s.inventory(r)
	if err != nil {
		return nil, names{}, err
	}
	n := namesOf(inv.pools, inv.hosts)
	n.addresses, err = s.svc.AddressAllocations(ctx(r))
	return inv.vms, n, err
}

// searchGuests is the portal's paged keyword search over names, ids,
// owners, cells and pools.
func (s *Server) searchGuests(r *http.Request) (reply, error) {
	var req struct {
		Limit   int    `json:"limit"`
		Offset  int    `json:"offset"`
		Keyword string `json:"keyword"`
		Pool    string `json:"pool"`
		Cell    string `json:"cell"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	if req.Limit < 0 || req.Offset < 0 {
		return reply{}, model.Errorf(model.CodeInvalidArgument, "limit and offset must not be negative")
	}
	if req.Limit == 0 {
		req.Limit = 20
	}
	vms, n, err := s.vmsAndNames(r)
	if err != nil {
		return reply{}, err
	}
	kw := strings.ToLower(req.Keyword)
	var matched []guest
	for _, v := range vms {
		g := s.guestOf(v, n)
		if (req.Pool != "" && g.Pool != req.Pool) || (req.Cell != "" && g.Cell != req.Cell) {
			continue
		}
		hay := strings.ToLower(strings.Join([]string{g.Name, g.ID, g.Owner, g.Group, g.Cell, g.Pool}, " "))
		if kw == "" || strings.Contains(hay, kw) {
			if !g.Created {
				g.Progress = s.createProgress(r, g.ID)
			}
			matched = append(matched, g)
		}
	}
	page := []guest{}
	if req.Offset < len(matched) {
		page = matched[req.Offset:min(len(matched), req.Offset+req.Limit)]
	}
	return ok(map[string]any{"result": page, "total": len(matched), "limit": req.Limit, "offset": req.Offset})
}
