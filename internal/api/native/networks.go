package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func networkToAPI(l model.LAN) api.Network {
	return api.Network{Name: l.Name, DisplayName: l.DisplayName, CIDR: l.CIDR, Host: l.HostID, Owner: l.Owner, Tenant: l.TenantID,
		VlanID: l.VlanID, CreatedAt: l.CreatedAt}
}

func (s *Server) listNetworks(r *http.Request) (any, error) {
	ls, err := s.svc.ListLANs(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.Network, 0, len(ls))
	for _, l := range ls {
		out = append(out, networkToAPI(l))
	}
	return out, nil
}

func (s *Server) createNetwork(r *http.Request) (any, error) {
	var req api.NetworksPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.Host == "" {
		return nil, model.FieldError("host", "is required: a network spans one host")
	}
	l, err := s.svc.CreateNamedLAN(ctx(r), req.Name, req.DisplayName, req.CIDR, req.Host)
	if err != nil {
		return nil, err
	}
	return networkToAPI(l), nil
}

func (s *Server) getNetwork(r *http.Request) (any, error) {
	l, err := s.svc.GetLAN(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return networkToAPI(l), nil
}

func (s *Server) patchNetwork(r *http.Request) (any, error) {
	var req api.NetworkPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	name := r.PathValue("id")
	if req.DisplayName != nil {
		if err := s.svc.SetLANDisplayName(ctx(r), name, *req.DisplayName); err != nil {
			return nil, err
		}
	}
	if req.VlanID != nil {
		if err := s.svc.SetLANVlanID(ctx(r), name, *req.VlanID); err != nil {
			return nil, err
		}
	}
	return s.getNetwork(r)
}

func (s *Server) deleteNetwork(r *http.Request) (any, error) {
	return nil, s.svc.DeleteLAN(ctx(r), r.PathValue("id"))
}

func (s *Server) listNetworkMembers(r *http.Request) (any, error) {
	ms, err := s.svc.LANMembers(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out := make([]api.NetworkMember, 0, len(ms))
	for _, m := range ms {
		nm := api.NetworkMember{VM: m.VMID, Address: m.Address}
		// Members of the tenant's network may be VMs the caller does
		// not see: those show by id only.
		if vm, err := s.svc.GetVM(ctx(r), m.VMID); err == nil {
			nm.VMName = vm.Name
		}
		out = append(out, nm)
	}
	return out, nil
}

func (s *Server) addNetworkMember(r *http.Request) (any, error) {
	var req api.NetworkMembersPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.VM == "" {
		return nil, model.FieldError("vm", "is required")
	}
	if err := s.svc.JoinLAN(ctx(r), req.VM, r.PathValue("id")); err != nil {
		return nil, err
	}
	return s.listNetworkMembers(r)
}

func (s *Server) removeNetworkMember(r *http.Request) (any, error) {
	network := r.PathValue("id")
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("vm"))
	if err != nil {
		return nil, err
	}
	m, err := s.svc.VMLAN(ctx(r), vm.ID)
	if err != nil || m.LAN != network {
		if _, err := s.svc.GetLAN(ctx(r), network); err != nil {
			return nil, err
		}
		return nil, model.Errorf(model.CodeNotFound, "VM %s is not on network %s", vm.Name, network)
	}
	return nil, s.svc.LeaveLAN(ctx(r), vm.ID)
}
