package native

import (
	"net/http"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// A VM's port forwards (DBC's port mappings): service.AddVMPortForward
// and RemoveVMPortForward, through UpdateVM as DBC changes them.

func portForwardToAPI(f model.PortForward) api.PortForward {
	return api.PortForward{Protocol: f.Protocol, HostPort: f.HostPort, GuestPort: f.GuestPort}
}

func (s *Server) listPortForwards(r *http.Request) (any, error) {
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out := make([]api.PortForward, 0, len(vm.PortForwards))
	for _, f := range vm.PortForwards {
		out = append(out, portForwardToAPI(f))
	}
	return out, nil
}

func (s *Server) addPortForward(r *http.Request) (any, error) {
	var req api.PortForwardsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	f, err := s.svc.AddVMPortForward(ctx(r), r.PathValue("id"), model.PortForward{Protocol: req.Protocol, HostPort: req.HostPort, GuestPort: req.GuestPort})
	if err != nil {
		return nil, err
	}
	return portForwardToAPI(f), nil
}

func (s *Server) removePortForward(r *http.Request) (any, error) {
	proto := r.PathValue("protocol")
	if proto != "tcp" && proto != "udp" {
		return nil, model.FieldError("protocol", "must be tcp or udp, not %q", proto)
	}
	port, err := strconv.Atoi(r.PathValue("port"))
	if err != nil || port < 1 || port > 65535 {
		return nil, model.FieldError("port", "%q is not a port from 1 to 65535", r.PathValue("port"))
	}
	return nil, s.svc.RemoveVMPortForward(ctx(r), r.PathValue("id"), proto, port)
}
