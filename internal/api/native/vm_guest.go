package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Guest agent actions on a VM: service.SetGuestPassword and GuestAuth, as
// Nano's guest auth, CloudTower's vm settings and DBC's passwd use them.

func (s *Server) setGuestPassword(r *http.Request) (any, error) {
	var req api.GuestPasswordPut
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	auth, err := s.svc.SetGuestPassword(ctx(r), r.PathValue("id"), req.User, req.Password)
	if err != nil {
		return nil, err
	}
	return api.GuestCredentials{User: auth.User, Password: auth.Password}, nil
}

func (s *Server) getGuestCredentials(r *http.Request) (any, error) {
	auth, err := s.svc.GuestAuth(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return api.GuestCredentials{User: auth.User, Password: auth.Password}, nil
}
