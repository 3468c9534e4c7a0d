package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A Nano storage pool is a Kumo storage pool. Kumo serves local storage
// only (see service.checkStoragePool); nfs and ceph are refused with 400.

type storagePool struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Host   string `json:"host"`
	Target string `json:"target"`
}

type storagePoolSettings struct {
	Type   string `json:"type"`
	Host   string `json:"host"`
	Target string `json:"target"`
}

func storagePoolOf(p model.StoragePool) storagePool {
	return storagePool{Name: p.Name, Type: string(p.Type), Host: p.Host, Target: p.Target}
}

func (s *Server) listStoragePools(r *http.Request) (reply, error) {
	pools, err := s.svc.ListStoragePools(ctx(r))
	if err != nil {
		return reply{}, err
	}
	out := make([]storagePool, 0, len(pools))
	for _, p := range pools {
		out = append(out, storagePoolOf(p))
	}
	return ok(out)
}

func (s *Server) getStoragePool(r *http.Request) (reply, error) {
	p, err := s.svc.GetStoragePool(ctx(r), r.PathValue("pool"))
	if err != nil {
		return reply{}, err
	}
	return ok(storagePoolOf(p))
}

func (s *Server) createStoragePool(r *http.Request) (reply, error) {
	var req storagePoolSettings
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	_, err := s.svc.CreateStoragePool(ctx(r), r.PathValue("pool"), service.StoragePoolSettings{
		Type: model.StorageType(req.Type), Host: req.Host, Target: req.Target})
	return done(err)
}

func (s *Server) modifyStoragePool(r *http.Request) (reply, error) {
	var req storagePoolSettings
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	_, err := s.svc.UpdateStoragePool(ctx(r), r.PathValue("pool"), service.StoragePoolSettings{
		Type: model.StorageType(req.Type), Host: req.Host, Target: req.Target})
	return done(err)
}

func (s *Server) deleteStoragePool(r *http.Request) (reply, error) {
	return done(s.svc.DeleteStoragePool(ctx(r), r.PathValue("pool")))
}
