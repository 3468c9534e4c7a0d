package native

import (
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func priceToAPI(p model.Price) api.Price {
	return api.Price{ID: p.ID, Resource: p.Resource, Unit: p.Unit, TimeUnit: p.TimeUnit, Price: p.Price, EffectiveAt: p.EffectiveAt}
}

func (s *Server) listPrices(r *http.Request) (any, error) {
	ps, err := s.svc.ListPrices(ctx(r))
	out := make([]api.Price, 0, len(ps))
	for _, p := range ps {
		out = append(out, priceToAPI(p))
	}
	return out, err
}

func (s *Server) createPrice(r *http.Request) (any, error) {
	var req api.PricesPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	p := model.Price{Resource: req.Resource, Unit: req.Unit, TimeUnit: req.TimeUnit, Price: req.Price}
	if req.EffectiveAt != nil {
		p.EffectiveAt = req.EffectiveAt.UTC()
	}
	p, err := s.svc.CreatePrice(ctx(r), p)
	return priceToAPI(p), err
}

func (s *Server) deletePrice(r *http.Request) (any, error) {
	return nil, s.svc.DeletePrice(ctx(r), r.PathValue("id"))
}

// spendingParams documents GET /v1/tenants/{id}/spending.
type spendingParams struct {
	ID    string `path:"id" description:"tenant id or name"`
	Start string `query:"start" description:"RFC 3339 time; default: the beginning"`
	End   string `query:"end" description:"RFC 3339 time; default: now"`
	Owner string `query:"owner" description:"only the VMs of this user"`
}

func (s *Server) getSpending(r *http.Request) (any, error) {
	req := service.SpendingRequest{Tenant: r.PathValue("id"), Owner: r.URL.Query().Get("owner")}
	for _, f := range []struct {
		name string
		into *time.Time
	}{{"start", &req.Start}, {"end", &req.End}} {
		if v := r.URL.Query().Get(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, model.FieldError(f.name, "%q is not an RFC 3339 time like 2026-12-01T00:00:00Z", v)
			}
			*f.into = t.UTC()
		}
	}
	sp, err := s.svc.Spending(ctx(r), req)
	if err != nil {
		return nil, err
	}
	out := api.Spending{Start: sp.Start, End: sp.End, Total: sp.Total, Resources: []api.ResourceSpending{}}
	for _, rs := range sp.ByResource {
		a := api.ResourceSpending{Resource: rs.Resource, Spending: rs.Spending, VMs: []api.VMSpending{}}
		for _, v := range rs.VMs {
			a.VMs = append(a.VMs, api.VMSpending{VM: v.VMID, Name: v.VMName, Spending: v.Spending, RunSeconds: v.Ran.Seconds()})
		}
		out.Resources = append(out.Resources, a)
	}
	return out, nil
}
