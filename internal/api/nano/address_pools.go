package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A Nano address pool is a Kumo address pool; its internal ranges give
// the guests of the compute pools using it their addresses.
//
// The document's range paths (/address_pools/ranges/{start}) name no pool:
// ranges never overlap, so the start address names a range on its own;
// adding one needs its pool, given as ?pool=NAME (or "pool" in the body),
// and its type as ?type= (or "type"; default internal).

type addressPoolSummary struct {
	Name      string `json:"name"`
	Gateway   string `json:"gateway"`
	Provider  string `json:"provider"`
	Mode      string `json:"mode"`
	Addresses int    `json:"addresses"`
	Allocated int    `json:"allocated"`
}

type addressRange struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Netmask string `json:"netmask"`
	Type    string `json:"type,omitempty"`
}

type allocatedAddress struct {
	Address  string `json:"address"`
	Instance string `json:"instance"`
}

type addressPoolStatus struct {
	Name      string             `json:"name"`
	Gateway   string             `json:"gateway"`
	DNS       []string           `json:"dns"`
	Provider  string             `json:"provider"`
	Mode      string             `json:"mode"`
	Ranges    []addressRange     `json:"ranges"`
	Allocated []allocatedAddress `json:"allocated"`
}

type addressPoolSettings struct {
	Name     string   `json:"name"`
	Gateway  string   `json:"gateway"`
	DNS      []string `json:"dns"`
	Provider string   `json:"provider"`
	Mode     string   `json:"mode"`
}

func allocatedOf(as []model.AddressAllocation) []allocatedAddress {
	out := make([]allocatedAddress, 0, len(as))
	for _, a := range as {
		out = append(out, allocatedAddress{Address: a.Address, Instance: a.VMID})
	}
	return out
}

func (s *Server) listAddressPools(r *http.Request) (reply, error) {
	pools, err := s.svc.ListAddressPools(ctx(r))
	if err != nil {
		return reply{}, err
	}
	out := make([]addressPoolSummary, 0, len(pools))
	for _, p := range pools {
		u, err := s.svc.AddressPoolUsage(ctx(r), p.ID)
		if err != nil {
			return reply{}, err
		}
		out = append(out, addressPoolSummary{Name: p.Name, Gateway: p.Gateway, Provider: string(p.Provider), Mode: p.Mode,
			Addresses: u.Addresses, Allocated: len(u.Allocations)})
	}
	return ok(out)
}

func (s *Server) getAddressPool(r *http.Request) (reply, error) {
	u, err := s.svc.AddressPoolUsage(ctx(r), r.PathValue("name"))
	if err != nil {
		return reply{}, err
	}
	out := addressPoolStatus{Name: u.Pool.Name, Gateway: u.Pool.Gateway, DNS: u.Pool.DNS, Provider: string(u.Pool.Provider), Mode: u.Pool.Mode,
		Ranges: []addressRange{}, Allocated: allocatedOf(u.Allocations)}
	for _, rg := range u.Ranges {
		out.Ranges = append(out.Ranges, addressRange{Start: rg.Start, End: rg.End, Netmask: rg.Netmask, Type: rg.Type})
	}
	return ok(out)
}

// addressPoolRequest reads the body of a create or modify.
func addressPoolRequest(r *http.Request) (service.AddressPoolSettings, error) {
	var req addressPoolSettings
	if err := decode(r, &req); err != nil {
		return service.AddressPoolSettings{}, err
	}
	if req.Name != "" && req.Name != r.PathValue("name") {
		return service.AddressPoolSettings{}, model.FieldError("name", "%q differs from the pool named in the path, %q; address pools cannot be renamed",
			req.Name, r.PathValue("name"))
	}
	return service.AddressPoolSettings{Gateway: req.Gateway, DNS: req.DNS, Provider: model.AddressProvider(req.Provider), Mode: req.Mode}, nil
}

func (s *Server) createAddressPool(r *http.Request) (reply, error) {
	set, err := addressPoolRequest(r)
	if err != nil {
		return reply{}, err
	}
	_, err = s.svc.CreateAddressPool(ctx(r), r.PathValue("name"), set)
	return done(err)
}

func (s *Server) modifyAddressPool(r *http.Request) (reply, error) {
	set, err := addressPoolRequest(r)
	if err != nil {
		return reply{}, err
	}
	_, err = s.svc.UpdateAddressPool(ctx(r), r.PathValue("name"), set)
	return done(err)
}

func (s *Server) deleteAddressPool(r *http.Request) (reply, error) {
	return done(s.svc.DeleteAddressPool(ctx(r), r.PathValue("name")))
}

func (s *Server) listAddressRanges(r *http.Request) (reply, error) {
	ranges, err := s.svc.ListAddressRanges(ctx(r), r.PathValue("name"), r.PathValue("type"))
	if err != nil {
		return reply{}, err
	}
	out := make([]addressRange, 0, len(ranges))
	for _, rg := range ranges {
		out = append(out, addressRange{Start: rg.Start, End: rg.End, Netmask: rg.Netmask, Type: rg.Type})
	}
	return ok(out)
}

func (s *Server) getAddressRange(r *http.Request) (reply, error) {
	if err := s.rangeInPool(r); err != nil {
		return reply{}, err
	}
	u, err := s.svc.GetAddressRange(ctx(r), r.PathValue("start"))
	if err != nil {
		return reply{}, err
	}
	return ok(struct {
		addressRange
		Allocated []allocatedAddress `json:"allocated"`
	}{addressRange{Start: u.Range.Start, End: u.Range.End, Netmask: u.Range.Netmask, Type: u.Range.Type}, allocatedOf(u.Allocations)})
}

func (s *Server) addAddressRange(r *http.Request) (reply, error) {
	var req struct {
		End     string `json:"end"`
		Netmask string `json:"netmask"`
		Pool    string `json:"pool"`
		Type    string `json:"type"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	q := r.URL.Query()
	// The portal's path names the pool and type; the document's takes
	// them from the query or the body.
	pool, rangeType := firstOf(r.PathValue("name"), q.Get("pool"), req.Pool), firstOf(r.PathValue("type"), q.Get("type"), req.Type)
	if pool == "" {
		return reply{}, model.FieldError("pool", "is required: the path names no address pool, so give it as ?pool=NAME or \"pool\" in the body")
	}
	if req.End == "" {
		return reply{}, model.FieldError("end", "is required")
	}
	if req.Netmask == "" {
		return reply{}, model.FieldError("netmask", "is required")
	}
	_, err := s.svc.AddAddressRange(ctx(r), pool, rangeType, r.PathValue("start"), req.End, req.Netmask)
	return done(err)
}

func (s *Server) removeAddressRange(r *http.Request) (reply, error) {
	if err := s.rangeInPool(r); err != nil {
		return reply{}, err
	}
	return done(s.svc.RemoveAddressRange(ctx(r), r.PathValue("start")))
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
