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
	var (
		token string
		sess  model.Session
		err   error
	)
	switch {
	case req.Wallet != "" && req.Username == "":
		token, sess, err = s.svc.LoginWallet(ctx(r), req.Wallet, req.Nonce, req.Sign)
	case req.Username != "" && req.Password != "" && req.Wallet == "":
		token, sess, err = s.svc.Login(ctx(r), req.Username, req.Password)
	default:
		return nil, model.Errorf(model.CodeInvalidArgument, "give username and password, or wallet, nonce and sign")
	}
	if err != nil {
		return nil, err
	}
	p, _, err := s.svc.Authenticate(ctx(r), token)
	if err != nil {
		return nil, err
	}
	return api.Session{Token: token, User: p.Name, Role: p.Role, Tenant: p.TenantID, ExpiresAt: sess.ExpiresAt}, nil
}

func (s *Server) getSession(r *http.Request) (any, error) {
	_, sess, err := s.svc.Authenticate(ctx(r), bearerToken(r))
	if err != nil {
		return nil, err
	}
	p, _ := service.PrincipalFrom(ctx(r))
	return api.Session{User: p.Name, Role: p.Role, Tenant: p.TenantID, ExpiresAt: sess.ExpiresAt}, nil
}

func (s *Server) renewSession(r *http.Request) (any, error) {
	sess, err := s.svc.RenewSession(ctx(r))
	if err != nil {
		return nil, err
	}
	p, _ := service.PrincipalFrom(ctx(r))
	return api.Session{User: p.Name, Role: p.Role, Tenant: p.TenantID, ExpiresAt: sess.ExpiresAt}, nil
}

func (s *Server) postLogout(r *http.Request) (any, error) {
	return nil, s.svc.Logout(ctx(r))
}
