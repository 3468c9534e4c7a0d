package nano

import (
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Units of the status endpoints: memory and disk in bytes, as the
// document's schema says (the portal's dashboard divides them into MB and
// GB; MiB showed as "0.01 MB"); max_cpu is the
// number of CPUs and cpu_usage the number of CPUs busy, both summed over
// hosts; instances is [stopped, running, lost, migrating]. The I/O speed
// fields are not measured yet and report 0.

type usage struct {
	Instances       [4]int  `json:"instances"`
	CPUUsage        float64 `json:"cpu_usage"`
	MaxCPU          int     `json:"max_cpu"`
	AvailableMemory int64   `json:"available_memory"`
	MaxMemory       int64   `json:"max_memory"`
	AvailableDisk   int64   `json:"available_disk"`
	MaxDisk         int64   `json:"max_disk"`
	ReadSpeed       int64   `json:"read_speed"`
	WriteSpeed      int64   `json:"write_speed"`
	ReceiveSpeed    int64   `json:"receive_speed"`
	SendSpeed       int64   `json:"send_speed"`
}

// addHost adds an online host's capacity; offline hosts report nothing.
func (u *usage) addHost(h model.Host) {
	if h.State != model.HostOnline {
		return
	}
	u.CPUUsage += h.CPUUsage / 100
	u.MaxCPU += h.CPUs
	u.AvailableMemory += h.MemoryAvailableBytes
	u.MaxMemory += h.MemoryBytes
	u.AvailableDisk += h.DiskFreeBytes
	u.MaxDisk += h.DiskBytes
}

func (u *usage) addVM(v model.VM) {
	switch v.Status {
	case model.PowerRunning, model.PowerPaused:
		u.Instances[1]++
	case model.PowerLost:
		u.Instances[2]++
	default:
		u.Instances[0]++
	}
}

// inventory is everything the status endpoints add up.
type inventory struct {
	pools []model.Pool
	hosts []model.Host
	vms   []model.VM
}

func (s *Server) inventory(r *http.Request) (inventory, error) {
	// What the caller may not read (a tenant's hosts) is left out, not
	// a refusal of the whole call.
	var inv inventory
	var err error
	if inv.pools, err = s.svc.ListPools(ctx(r)); err != nil && !model.IsCode(err, model.CodePermissionDenied) {
		return inv, err
	}
	if inv.hosts, err = s.svc.ListHosts(ctx(r)); err != nil && !model.IsCode(err, model.CodePermissionDenied) {
		return inv, err
	}
	inv.vms, err = s.svc.ListVMs(ctx(r))
	return inv, err
}

type zoneStatus struct {
	Name      string `json:"name"`
	Pools     [2]int `json:"pools"` // [disabled, enabled]
	Cells     [2]int `json:"cells"` // [offline, online]
	StartTime string `json:"start_time"`
	usage
}

var startTime = time.Now()

func (s *Server) zoneStatus(r *http.Request) (reply, error) {
	inv, err := s.inventory(r)
	if err != nil {
		return reply{}, err
	}
	z := zoneStatus{Name: "default", StartTime: startTime.Format(timeFormat)}
	for _, p := range inv.pools {
		if p.Enabled {
			z.Pools[1]++
		} else {
			z.Pools[0]++
		}
	}
	for _, h := range inv.hosts {
		z.Cells[boolIndex(h.State == model.HostOnline)]++
		z.addHost(h)
	}
	for _, v := range inv.vms {
		z.addVM(v)
	}
	return ok(z)
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

type poolStatus struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	Cells   [2]int `json:"cells"`
	usage
}

func poolStatusOf(p model.Pool, inv inventory) poolStatus {
	ps := poolStatus{Name: p.Name, Enabled: p.Enabled}
	for _, h := range inv.hosts {
		if h.PoolID == p.ID {
			ps.Cells[boolIndex(h.State == model.HostOnline)]++
			ps.addHost(h)
		}
	}
	for _, v := range inv.vms {
		if v.PoolID == p.ID {
			ps.addVM(v)
		}
	}
	return ps
}

func (s *Server) listPoolStatus(r *http.Request) (reply, error) {
	inv, err := s.inventory(r)
	if err != nil {
		return reply{}, err
	}
	out := make([]poolStatus, 0, len(inv.pools))
	for _, p := range inv.pools {
		out = append(out, poolStatusOf(p, inv))
	}
	return ok(out)
}

func (s *Server) getPoolStatus(r *http.Request) (reply, error) {
	p, err := s.svc.GetPool(ctx(r), r.PathValue("pool"))
	if err != nil {
		return reply{}, err
	}
	inv, err := s.inventory(r)
	if err != nil {
		return reply{}, err
	}
	return ok(poolStatusOf(p, inv))
}

type cellStatus struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Enabled bool   `json:"enabled"`
	Alive   bool   `json:"alive"`
	usage
}

func cellStatusOf(h model.Host, inv inventory) cellStatus {
	cs := cellStatus{Name: h.Name, Address: hostAddress(h), Enabled: h.Enabled, Alive: h.State == model.HostOnline}
	cs.addHost(h)
	for _, v := range inv.vms {
		if v.HostID == h.ID {
			cs.addVM(v)
		}
	}
	return cs
}

func (s *Server) listCellStatus(r *http.Request) (reply, error) {
	return s.cellStatusOfPool(r, r.PathValue("pool"))
}

func (s *Server) cellStatusOfPool(r *http.Request, pool string) (reply, error) {
	p, err := s.svc.GetPool(ctx(r), pool)
	if err != nil {
		return reply{}, err
	}
	inv, err := s.inventory(r)
	if err != nil {
		return reply{}, err
	}
	out := []cellStatus{}
	for _, h := range inv.hosts {
		if h.PoolID == p.ID {
			out = append(out, cellStatusOf(h, inv))
		}
	}
	return ok(out)
}

// getCellStatus is one cell's status. The portal asks for the cells of
// a pool at /compute_cell_status/{pool}, which is this path without its
// trailing slash (the FrontEnd routes only /{pool} and /{pool}/{cell}):
// a name that is a pool's, asked at this path, lists its cells.
func (s *Server) getCellStatus(r *http.Request) (reply, error) {
	if r.PathValue("pool") == "" {
		if _, err := s.svc.GetPool(ctx(r), r.PathValue("cell")); err == nil {
			return s.cellStatusOfPool(r, r.PathValue("cell"))
		} else if !model.IsCode(err, model.CodeNotFound) {
			return reply{}, err
		}
	}
	h, err := s.svc.GetHost(ctx(r), r.PathValue("cell"))
	if err != nil {
		return reply{}, err
	}
	inv, err := s.inventory(r)
	if err != nil {
		return reply{}, err
	}
	return ok(cellStatusOf(h, inv))
}

// instanceStatus lists the instances of a pool or, if no pool has that
// name, of a cell: the document gives both forms the same path. The
// FrontEnd's /instance_status/{pool}/{cell} lists a cell's of that pool.
func (s *Server) instanceStatus(r *http.Request) (reply, error) {
	name, cell := r.PathValue("pool"), r.PathValue("cell")
	if cell != "" {
		if err := s.cellInPool(r); err != nil {
			return reply{}, err
		}
	}
	vms, n, err := s.vmsAndNames(r)
	if err != nil {
		return reply{}, err
	}
	match := func(g guest) bool { return g.Pool == name }
	if cell != "" {
		match = func(g guest) bool { return g.Pool == name && g.Cell == cell }
	} else if _, err := s.svc.GetPool(ctx(r), name); model.IsCode(err, model.CodeNotFound) {
		if _, err := s.svc.GetHost(ctx(r), name); err != nil {
			return reply{}, model.Errorf(model.CodeNotFound, "no pool or cell named %q", name)
		}
		match = func(g guest) bool { return g.Cell == name }
	} else if err != nil {
		return reply{}, err
	}
	out := []instance{}
	for _, v := range vms {
		if g := s.guestOf(v, n); match(g) {
			out = append(out, instance{guest: g})
		}
	}
	return ok(out)
}
