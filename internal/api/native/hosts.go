package native

import (
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func (s *Server) hostToAPI(r *http.Request, h model.Host, usage map[string]service.HostUsage) api.Host {
	out := api.Host{ID: h.ID, Name: h.Name, Pool: h.PoolID, State: string(h.State), Address: h.Address, Accel: h.Accel,
		CPUs: h.CPUs, MemoryBytes: h.MemoryBytes, DiskBytes: h.DiskBytes, DiskFreeBytes: h.DiskFreeBytes,
		LastHeartbeat: h.LastHeartbeat, CreatedAt: h.CreatedAt, Maintenance: !h.Enabled}
	if p, err := s.svc.GetPool(ctx(r), h.PoolID); err == nil {
		out.Pool = p.Name
	}
	u := usage[h.ID]
	out.VMs, out.MemoryUsedMiB = u.VMs, u.MemoryMiB
	return out
}

func (s *Server) listHosts(r *http.Request) (any, error) {
	hosts, err := s.svc.ListHosts(ctx(r))
	if err != nil {
		return nil, err
	}
	usage, err := s.svc.HostUsage(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.Host, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, s.hostToAPI(r, h, usage))
	}
	return out, nil
}

func (s *Server) getHost(r *http.Request) (any, error) {
	h, err := s.svc.GetHost(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.oneHost(r, h)
}

// oneHost answers one host with what its VMs use.
func (s *Server) oneHost(r *http.Request, h model.Host) (any, error) {
	usage, err := s.svc.HostUsage(ctx(r))
	if err != nil {
		return nil, err
	}
	return s.hostToAPI(r, h, usage), nil
}

func (s *Server) createJoinToken(r *http.Request) (any, error) {
	var req api.JoinTokensPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.TTLSeconds < 0 {
		return nil, model.FieldError("ttl_seconds", "must not be negative")
	}
	tok, t, err := s.svc.CreateJoinToken(ctx(r), req.Pool, time.Duration(req.TTLSeconds)*time.Second, req.Remote)
	if err != nil {
		return nil, err
	}
	return api.JoinToken{Token: tok, Address: s.svc.ClusterAddress(), ExpiresAt: t.ExpiresAt}, nil
}

func (s *Server) removeHost(r *http.Request) (any, error) {
	return nil, s.svc.RemoveHost(ctx(r), r.PathValue("id"))
}

func (s *Server) putHostMaintenance(r *http.Request) (any, error) {
	var req api.HostMaintenancePut
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	h, err := s.svc.SetHostMaintenance(ctx(r), r.PathValue("id"), req.Enabled)
	if err != nil {
		return nil, err
	}
	return s.oneHost(r, h)
}

func (s *Server) evacuateHost(r *http.Request) (any, error) {
	t, err := s.svc.EvacuateHost(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}
