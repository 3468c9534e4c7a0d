package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func storagePoolToAPI(p model.StoragePool) api.StoragePool {
	return api.StoragePool{ID: p.ID, Name: p.Name, Type: string(p.Type), Target: p.Target, CreatedAt: p.CreatedAt}
}

func (s *Server) listStoragePools(r *http.Request) (any, error) {
	ps, err := s.svc.ListStoragePools(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.StoragePool, 0, len(ps))
	for _, p := range ps {
		out = append(out, storagePoolToAPI(p))
	}
	return out, nil
}

func (s *Server) createStoragePool(r *http.Request) (any, error) {
	var req api.StoragePoolsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	p, err := s.svc.CreateStoragePool(ctx(r), req.Name, service.StoragePoolSettings{Type: model.StorageType(req.Type), Target: req.Target})
	if err != nil {
		return nil, err
	}
	return storagePoolToAPI(p), nil
}

func (s *Server) getStoragePool(r *http.Request) (any, error) {
	p, err := s.svc.GetStoragePool(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return storagePoolToAPI(p), nil
}

func (s *Server) putStoragePool(r *http.Request) (any, error) {
	var req api.StoragePoolsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	p, err := s.svc.UpdateStoragePool(ctx(r), r.PathValue("id"), service.StoragePoolSettings{Type: model.StorageType(req.Type), Target: req.Target})
	if err != nil {
		return nil, err
	}
	return storagePoolToAPI(p), nil
}

func (s *Server) deleteStoragePool(r *http.Request) (any, error) {
	return nil, s.svc.DeleteStoragePool(ctx(r), r.PathValue("id"))
}
