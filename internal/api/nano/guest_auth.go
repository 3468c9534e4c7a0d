package nano

import (
	"net/http"
)

// A guest's administrator password: set through qemu-guest-agent in the
// running guest, read back from what Kumo last set (or cloud-init got).

type guestAuth struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func (s *Server) getAuth(r *http.Request) (reply, error) {
	auth, err := s.svc.GuestAuth(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	return ok(guestAuth{User: auth.User, Password: auth.Password})
}

// setAuth sets a new password; an empty one is generated, an empty user
// is the guest's administrator.
func (s *Server) setAuth(r *http.Request) (reply, error) {
	var req guestAuth
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	auth, err := s.svc.SetGuestPassword(ctx(r), r.PathValue("id"), req.User, req.Password)
	if err != nil {
		return reply{}, err
	}
	return ok(guestAuth{User: auth.User, Password: auth.Password})
}
