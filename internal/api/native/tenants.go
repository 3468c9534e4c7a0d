package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func tenantToAPI(t model.Tenant) api.Tenant {
	return api.Tenant{ID: t.ID, Name: t.Name, Kind: string(t.Kind), Description: t.Description, CreatedAt: t.CreatedAt}
}

func (s *Server) listTenants(r *http.Request) (any, error) {
	ts, err := s.svc.ListTenants(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.Tenant, 0, len(ts))
	for _, t := range ts {
		out = append(out, tenantToAPI(t))
	}
	return out, nil
}

func (s *Server) createTenant(r *http.Request) (any, error) {
	var req api.TenantsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	t, _, err := s.svc.CreateTenant(ctx(r), service.CreateTenantRequest{Name: req.Name, Description: req.Description, AdminPassword: req.Password})
	if err != nil {
		return nil, err
	}
	return tenantToAPI(t), nil
}

func (s *Server) getTenant(r *http.Request) (any, error) {
	t, err := s.svc.GetTenant(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return tenantToAPI(t), nil
}

func (s *Server) deleteTenant(r *http.Request) (any, error) {
	return nil, s.svc.DeleteTenant(ctx(r), r.PathValue("id"))
}

func (s *Server) listQuotas(r *http.Request) (any, error) {
	us, err := s.svc.QuotaUsages(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out := make([]api.Quota, 0, len(us))
	for _, u := range us {
		out = append(out, api.Quota{Name: u.Name, Limit: u.Limit, Used: u.Used})
	}
	return out, nil
}

func (s *Server) putQuota(r *http.Request) (any, error) {
	var req api.QuotaPut
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	q, err := s.svc.SetQuota(ctx(r), r.PathValue("id"), r.PathValue("name"), req.Limit)
	if err != nil {
		return nil, err
	}
	us, err := s.svc.QuotaUsages(ctx(r), q.TenantID)
	for _, u := range us {
		if u.Name == q.Name {
			return api.Quota{Name: u.Name, Limit: u.Limit, Used: u.Used}, err
		}
	}
	return api.Quota{Name: q.Name, Limit: q.Value}, err
}
