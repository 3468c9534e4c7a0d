package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func (s *Server) postLogin(r *http.Request) (any, error) {
	var req api.LoginRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.Username == "" || req.Password == "" {
		return nil, model.Errorf(model.CodeInvalidArgument, "username and password are required")
	}
	token, sess, err := s.svc.Login(ctx(r), req.Username, req.Password)
	if err != nil {
		return nil, err
	}
	p, _, err := s.svc.Authenticate(ctx(r), token)
	if err != nil {
		return nil, err
	}
	return api.Session{Token: token, User: p.Name, Role: p.Role, ExpiresAt: sess.ExpiresAt}, nil
}

func (s *Server) getSession(r *http.Request) (any, error) {
	_, sess, err := s.svc.Authenticate(ctx(r), bearerToken(r))
	if err != nil {
		return nil, err
	}
	p, _ := service.PrincipalFrom(ctx(r))
	return api.Session{User: p.Name, Role: p.Role, ExpiresAt: sess.ExpiresAt}, nil
}

func (s *Server) renewSession(r *http.Request) (any, error) {
	sess, err := s.svc.RenewSession(ctx(r))
	if err != nil {
		return nil, err
	}
	p, _ := service.PrincipalFrom(ctx(r))
	return api.Session{User: p.Name, Role: p.Role, ExpiresAt: sess.ExpiresAt}, nil
}

func (s *Server) postLogout(r *http.Request) (any, error) {
	return nil, s.svc.Logout(ctx(r))
}
