package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func addressPoolToAPI(p model.AddressPool) api.AddressPool {
	dns := p.DNS
	if dns == nil {
		dns = []string{}
	}
	return api.AddressPool{ID: p.ID, Name: p.Name, Gateway: p.Gateway, DNS: dns, Provider: string(p.Provider), Mode: p.Mode, CreatedAt: p.CreatedAt}
}

func addressRangeToAPI(r model.AddressRange) api.AddressRange {
	return api.AddressRange{Start: r.Start, End: r.End, Netmask: r.Netmask, Type: r.Type, Pool: r.PoolID, CreatedAt: r.CreatedAt}
}

func allocationsToAPI(as []model.AddressAllocation) []api.AddressAllocation {
	out := make([]api.AddressAllocation, 0, len(as))
	for _, a := range as {
		out = append(out, api.AddressAllocation{Address: a.Address, RangeStart: a.RangeStart, VM: a.VMID, CreatedAt: a.CreatedAt})
	}
	return out
}

func (s *Server) listAddressPools(r *http.Request) (any, error) {
	ps, err := s.svc.ListAddressPools(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.AddressPool, 0, len(ps))
	for _, p := range ps {
		out = append(out, addressPoolToAPI(p))
	}
	return out, nil
}

func addressPoolSettings(req api.AddressPoolsPost) service.AddressPoolSettings {
	return service.AddressPoolSettings{Gateway: req.Gateway, DNS: req.DNS, Provider: model.AddressProvider(req.Provider), Mode: req.Mode}
}

func (s *Server) createAddressPool(r *http.Request) (any, error) {
	var req api.AddressPoolsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	p, err := s.svc.CreateAddressPool(ctx(r), req.Name, addressPoolSettings(req))
	if err != nil {
		return nil, err
	}
	return addressPoolToAPI(p), nil
}

func (s *Server) getAddressPool(r *http.Request) (any, error) {
	u, err := s.svc.AddressPoolUsage(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out := addressPoolToAPI(u.Pool)
	out.Addresses, out.Allocated = u.Addresses, len(u.Allocations)
	out.Ranges = make([]api.AddressRange, 0, len(u.Ranges))
	for _, rg := range u.Ranges {
		out.Ranges = append(out.Ranges, addressRangeToAPI(rg))
	}
	out.Allocations = allocationsToAPI(u.Allocations)
	return out, nil
}

func (s *Server) putAddressPool(r *http.Request) (any, error) {
	var req api.AddressPoolsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if _, err := s.svc.UpdateAddressPool(ctx(r), r.PathValue("id"), addressPoolSettings(req)); err != nil {
		return nil, err
	}
	return s.getAddressPool(r)
}

func (s *Server) deleteAddressPool(r *http.Request) (any, error) {
	return nil, s.svc.DeleteAddressPool(ctx(r), r.PathValue("id"))
}

func (s *Server) listAddressRanges(r *http.Request) (any, error) {
	typ := r.URL.Query().Get("type")
	if typ == "" {
		typ = model.RangeInternal
	}
	rs, err := s.svc.ListAddressRanges(ctx(r), r.PathValue("id"), typ)
	if err != nil {
		return nil, err
	}
	out := make([]api.AddressRange, 0, len(rs))
	for _, rg := range rs {
		out = append(out, addressRangeToAPI(rg))
	}
	return out, nil
}

func (s *Server) addAddressRange(r *http.Request) (any, error) {
	var req api.AddressRangesPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	rg, err := s.svc.AddAddressRange(ctx(r), r.PathValue("id"), req.Type, req.Start, req.End, req.Netmask)
	if err != nil {
		return nil, err
	}
	return addressRangeToAPI(rg), nil
}

// poolRange returns the range starting at {start} if it is one of pool
// {id}'s; a range of another pool is not found here.
func (s *Server) poolRange(r *http.Request) (service.AddressRangeUsage, error) {
	p, err := s.svc.GetAddressPool(ctx(r), r.PathValue("id"))
	if err != nil {
		return service.AddressRangeUsage{}, err
	}
	u, err := s.svc.GetAddressRange(ctx(r), r.PathValue("start"))
	if err != nil {
		return u, err
	}
	if u.Range.PoolID != p.ID {
		return u, model.Errorf(model.CodeNotFound, "address pool %s has no range starting at %s", p.Name, r.PathValue("start"))
	}
	return u, nil
}

func (s *Server) getAddressRange(r *http.Request) (any, error) {
	u, err := s.poolRange(r)
	if err != nil {
		return nil, err
	}
	out := addressRangeToAPI(u.Range)
	out.Allocations = allocationsToAPI(u.Allocations)
	return out, nil
}

func (s *Server) removeAddressRange(r *http.Request) (any, error) {
	u, err := s.poolRange(r)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.RemoveAddressRange(ctx(r), u.Range.Start)
}
