package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

type computePool struct {
	Name     string `json:"name"`
	Enabled  bool   `json:"enabled"`
	Cells    int    `json:"cells"`
	Storage  string `json:"storage"`
	Network  string `json:"network"`
	Failover bool   `json:"failover"`
}

func (s *Server) poolToNano(r *http.Request, p model.Pool, hosts []model.Host) computePool {
	n := 0
	for _, h := range hosts {
		if h.PoolID == p.ID {
			n++
		}
	}
	return computePool{Name: p.Name, Enabled: p.Enabled, Cells: n, Storage: p.StoragePool, Network: p.AddressPool, Failover: p.Failover}
}

func (s *Server) listPools(r *http.Request) (reply, error) {
	pools, err := s.svc.ListPools(ctx(r))
	if err != nil {
		return reply{}, err
	}
	hosts, err := s.svc.ListHosts(ctx(r))
	if err != nil {
		return reply{}, err
	}
	out := make([]computePool, 0, len(pools))
	for _, p := range pools {
		out = append(out, s.poolToNano(r, p, hosts))
	}
	return ok(out)
}

func (s *Server) getPool(r *http.Request) (reply, error) {
	p, err := s.svc.GetPool(ctx(r), r.PathValue("pool"))
	if err != nil {
		return reply{}, err
	}
	hosts, err := s.svc.ListHosts(ctx(r))
	if err != nil {
		return reply{}, err
	}
	return ok(s.poolToNano(r, p, hosts))
}

type poolSettings struct {
	Storage  string `json:"storage"`
	Network  string `json:"network"`
	Failover bool   `json:"failover"`
	Enable   *bool  `json:"enable,omitempty"`
}

func (s *Server) createPool(r *http.Request) (reply, error) {
	var req poolSettings
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	enabled := req.Enable == nil || *req.Enable
	_, err := s.svc.CreatePool(ctx(r), r.PathValue("pool"), service.PoolSettings{
		Enabled: enabled, StoragePool: req.Storage, AddressPool: req.Network, Failover: req.Failover})
	if err != nil {
		return reply{}, err
	}
	return ok(nil)
}

func (s *Server) modifyPool(r *http.Request) (reply, error) {
	var req poolSettings
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	cur, err := s.svc.GetPool(ctx(r), r.PathValue("pool"))
	if err != nil {
		return reply{}, err
	}
	enabled := cur.Enabled
	if req.Enable != nil {
		enabled = *req.Enable
	}
	_, err = s.svc.UpdatePool(ctx(r), cur.ID, service.PoolSettings{Description: cur.Description, Enabled: enabled,
		StoragePool: req.Storage, AddressPool: req.Network, Failover: req.Failover})
	if err != nil {
		return reply{}, err
	}
	return ok(nil)
}

func (s *Server) deletePool(r *http.Request) (reply, error) {
	return done(s.svc.DeletePool(ctx(r), r.PathValue("pool")))
}
