package native

import (
	"errors"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func poolToAPI(p model.Pool) api.Pool {
	return api.Pool{ID: p.ID, Name: p.Name, Description: p.Description, StoragePool: p.StoragePool, AddressPool: p.AddressPool, CreatedAt: p.CreatedAt}
}

func (s *Server) listPools(r *http.Request) (any, error) {
	pools, err := s.svc.ListPools(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.Pool, 0, len(pools))
	for _, p := range pools {
		out = append(out, poolToAPI(p))
	}
	return out, nil
}

func (s *Server) createPool(r *http.Request) (any, error) {
	var req api.PoolsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	p, err := s.svc.CreatePool(ctx(r), req.Name, service.PoolSettings{Description: req.Description, Enabled: true,
		StoragePool: req.StoragePool, AddressPool: req.AddressPool})
	if err != nil {
		return nil, poolFieldNames(err)
	}
	return poolToAPI(p), nil
}

func (s *Server) getPool(r *http.Request) (any, error) {
	p, err := s.svc.GetPool(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return poolToAPI(p), nil
}

func (s *Server) deletePool(r *http.Request) (any, error) {
	return nil, s.svc.DeletePool(ctx(r), r.PathValue("id"))
}

func (s *Server) patchPool(r *http.Request) (any, error) {
	var req api.PoolPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	cur, err := s.svc.GetPool(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	set := service.PoolSettings{Description: cur.Description, Enabled: cur.Enabled, StoragePool: cur.StoragePool,
		AddressPool: cur.AddressPool, Failover: cur.Failover}
	if req.Description != nil {
		set.Description = *req.Description
	}
	if req.StoragePool != nil {
		set.StoragePool = *req.StoragePool
	}
	if req.AddressPool != nil {
		set.AddressPool = *req.AddressPool
	}
	p, err := s.svc.UpdatePool(ctx(r), cur.ID, set)
	if err != nil {
		return nil, poolFieldNames(err)
	}
	return poolToAPI(p), nil
}

// poolFieldNames names the fields of a refused pool setting as /v1 does
// (the service uses Nano's names).
func poolFieldNames(err error) error {
	var me *model.Error
	if !errors.As(err, &me) {
		return err
	}
	field, ok := map[string]string{"storage": "storage_pool", "network": "address_pool"}[me.Field]
	if !ok {
		return err
	}
	renamed := *me
	renamed.Field = field
	return &renamed
}
