package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// A VM's NICs: service.VMNICs; a LAN is joined and left with
// service.JoinLAN and LeaveLAN, as CloudTower's vlans and NICs do.

func nicToAPI(n model.VMNIC) api.NIC {
	return api.NIC{Index: n.Index, Type: n.Type, MAC: n.MAC, Network: n.Network, Address: n.Address}
}

func (s *Server) listVMNICs(r *http.Request) (any, error) {
	nics, err := s.svc.VMNICs(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out := make([]api.NIC, 0, len(nics))
	for _, n := range nics {
		out = append(out, nicToAPI(n))
	}
	return out, nil
}

func (s *Server) joinVMNetwork(r *http.Request) (any, error) {
	var req api.NICsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.Network == "" {
		return nil, model.FieldError("network", "is required: the name of a LAN")
	}
	if err := s.svc.JoinLAN(ctx(r), r.PathValue("id"), req.Network); err != nil {
		return nil, err
	}
	nics, err := s.svc.VMNICs(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	for _, n := range nics {
		if n.Type == model.NICLAN {
			return nicToAPI(n), nil
		}
	}
	return nil, model.Errorf(model.CodeInternal, "the VM joined network %s but shows no NIC on it", req.Network)
}

func (s *Server) leaveVMNetwork(r *http.Request) (any, error) {
	nics, err := s.svc.VMNICs(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	for _, n := range nics {
		if n.Type == model.NICLAN && n.Network == r.PathValue("network") {
			return nil, s.svc.LeaveLAN(ctx(r), r.PathValue("id"))
		}
	}
	return nil, model.Errorf(model.CodeNotFound, "VM %s has no NIC on network %q", r.PathValue("id"), r.PathValue("network"))
}
