package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func poolToAPI(p model.Pool) api.Pool {
	return api.Pool{ID: p.ID, Name: p.Name, Description: p.Description, CreatedAt: p.CreatedAt}
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
	p, err := s.svc.CreatePool(ctx(r), req.Name, service.PoolSettings{Description: req.Description, Enabled: true})
	if err != nil {
		return nil, err
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
