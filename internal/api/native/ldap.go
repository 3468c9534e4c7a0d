package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func ldapServerToAPI(l model.LDAPServer) api.LDAPServer {
	return api.LDAPServer{ID: l.ID, Name: l.Name, Description: l.Description, URL: l.URL, Base: l.Base, BindDN: l.BindDN,
		Encryption: l.Encryption, LoginAttribute: l.LoginAttribute, CreatedAt: l.CreatedAt}
}

func (s *Server) listLDAPServers(r *http.Request) (any, error) {
	ls, err := s.svc.ListLDAPServers(ctx(r))
	out := make([]api.LDAPServer, 0, len(ls))
	for _, l := range ls {
		out = append(out, ldapServerToAPI(l))
	}
	return out, err
}

func (s *Server) createLDAPServer(r *http.Request) (any, error) {
	var req api.LDAPServersPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	l, err := s.svc.AddLDAPServer(ctx(r), model.LDAPServer{Name: req.Name, Description: req.Description, URL: req.URL, Base: req.Base,
		BindDN: req.BindDN, BindPassword: req.BindPassword, Encryption: req.Encryption, LoginAttribute: req.LoginAttribute})
	return ldapServerToAPI(l), err
}

func (s *Server) deleteLDAPServer(r *http.Request) (any, error) {
	return nil, s.svc.DeleteLDAPServer(ctx(r), r.PathValue("id"))
}

func (s *Server) listLDAPBindings(r *http.Request) (any, error) {
	bs, err := s.svc.ListLDAPBindings(ctx(r))
	out := make([]api.LDAPBinding, 0, len(bs))
	for _, b := range bs {
		out = append(out, api.LDAPBinding{ID: b.ID, Server: b.ServerID, DN: b.DN, User: b.User})
	}
	return out, err
}

func (s *Server) createLDAPBinding(r *http.Request) (any, error) {
	var req api.LDAPBindingsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	b, err := s.svc.BindLDAPEntry(ctx(r), req.DN, req.User)
	return api.LDAPBinding{ID: b.ID, Server: b.ServerID, DN: b.DN, User: b.User}, err
}

func (s *Server) deleteLDAPBinding(r *http.Request) (any, error) {
	return nil, s.svc.UnbindLDAPEntry(ctx(r), r.PathValue("id"))
}

func (s *Server) postLDAPLogin(r *http.Request) (any, error) {
	var req api.LDAPLoginRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	token, sess, u, err := s.svc.LoginLDAP(ctx(r), req.UID, req.Password)
	if err != nil {
		return nil, err
	}
	return api.Session{Token: token, User: u.Name, Role: u.Role, Tenant: u.TenantID, ExpiresAt: sess.ExpiresAt}, nil
}
