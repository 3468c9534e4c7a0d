package nano

import (
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/internal/model"
)

// A Nano cell is a Kumo host.

type cell struct {
	Name    string        `json:"name"`
	Address string        `json:"address"`
	Enabled bool          `json:"enabled"`
	Alive   bool          `json:"alive"`
	Storage []cellStorage `json:"storage,omitempty"`
}

type cellStorage struct {
	Name     string `json:"name"`
	Attached bool   `json:"attached"`
	Error    string `json:"error,omitempty"`
}

// hostAddress is the host part of an agent's address.
func hostAddress(h model.Host) string {
	if u, err := url.Parse(h.Address); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return h.Address
}

func cellOf(h model.Host) cell {
	return cell{Name: h.Name, Address: hostAddress(h), Enabled: h.Enabled, Alive: h.State == model.HostOnline}
}

// hostsInPool returns the hosts of a pool (by id or name).
func (s *Server) hostsInPool(r *http.Request, pool string) (model.Pool, []model.Host, error) {
	p, err := s.svc.GetPool(ctx(r), pool)
	if err != nil {
		return p, nil, err
	}
	hosts, err := s.svc.ListHosts(ctx(r))
	if err != nil {
		return p, nil, err
	}
	var in []model.Host
	for _, h := range hosts {
		if h.PoolID == p.ID {
			in = append(in, h)
		}
	}
	return p, in, nil
}

func (s *Server) listPoolCells(r *http.Request) (reply, error) {
	_, hosts, err := s.hostsInPool(r, r.PathValue("pool"))
	if err != nil {
		return reply{}, err
	}
	out := make([]cell, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, cellOf(h))
	}
	return ok(out)
}

// poolCell returns the cell named in the path, checking it is in the pool.
func (s *Server) poolCell(r *http.Request) (model.Host, error) {
	p, err := s.svc.GetPool(ctx(r), r.PathValue("pool"))
	if err != nil {
		return model.Host{}, err
	}
	h, err := s.svc.GetHost(ctx(r), r.PathValue("cell"))
	if err != nil {
		return h, err
	}
	if h.PoolID != p.ID {
		return h, model.Errorf(model.CodeNotFound, "cell %s is not in pool %s", h.Name, p.Name)
	}
	return h, nil
}

func (s *Server) getPoolCell(r *http.Request) (reply, error) {
	h, err := s.poolCell(r)
	if err != nil {
		return reply{}, err
	}
	c := cellOf(h)
	// Storage is always the host's own: its data directory, or the
	// directory of its compute pool's local storage pool.
	name := "local"
	if p, err := s.svc.GetPool(ctx(r), r.PathValue("pool")); err == nil && p.StoragePool != "" {
		name = p.StoragePool
	}
	c.Storage = []cellStorage{{Name: name, Attached: true}}
	return ok(c)
}

func (s *Server) addPoolCell(r *http.Request) (reply, error) {
	_, err := s.svc.SetHostPool(ctx(r), r.PathValue("cell"), r.PathValue("pool"), true)
	if err != nil {
		return reply{}, err
	}
	return ok(nil)
}

func (s *Server) modifyPoolCell(r *http.Request) (reply, error) {
	var req struct {
		Enable bool `json:"enable"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	h, err := s.poolCell(r)
	if err != nil {
		return reply{}, err
	}
	if _, err := s.svc.SetHostPool(ctx(r), h.ID, h.PoolID, req.Enable); err != nil {
		return reply{}, err
	}
	return ok(nil)
}

// removePoolCell takes a cell out of a pool. Every Kumo host belongs to a
// pool, so a removed cell goes back to the default pool, disabled, until
// it is added to a pool again.
func (s *Server) removePoolCell(r *http.Request) (reply, error) {
	h, err := s.poolCell(r)
	if err != nil {
		return reply{}, err
	}
	def, err := s.svc.GetPool(ctx(r), model.DefaultPoolName)
	if err != nil {
		return reply{}, err
	}
	if _, err := s.svc.SetHostPool(ctx(r), h.ID, def.ID, false); err != nil {
		return reply{}, err
	}
	return ok(nil)
}

// listUnallocatedCells lists cells that take no VMs: Kumo hosts always
// belong to a pool, so the unallocated ones are the disabled hosts of the
// default pool (where removed cells go).
func (s *Server) listUnallocatedCells(r *http.Request) (reply, error) {
	_, hosts, err := s.hostsInPool(r, model.DefaultPoolName)
	if err != nil {
		return reply{}, err
	}
	out := []cell{}
	for _, h := range hosts {
		if !h.Enabled {
			out = append(out, cellOf(h))
		}
	}
	return ok(out)
}
