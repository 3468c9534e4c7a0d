package nano

import (
	"context"
	"net"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type sessionCreate struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Nonce    string `json:"nonce"`
}

type sessionInfo struct {
	Session  string   `json:"session,omitempty"`
	Timeout  int      `json:"timeout,omitempty"`
	Menu     []string `json:"menu"`
	Resource []string `json:"resource"`
	User     string   `json:"user"`
	Group    string   `json:"group"`
	Address  string   `json:"address"`
}

func (s *Server) createSession(r *http.Request) (reply, error) {
	var req sessionCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.User == "" || req.Password == "" {
		return reply{}, model.Errorf(model.CodeInvalidArgument, "user and password are required")
	}
	token, sess, err := s.svc.Login(ctx(r), req.User, req.Password)
	if err != nil {
		return reply{}, err
	}
	p, _, err := s.svc.Authenticate(ctx(r), token)
	if err != nil {
		return reply{}, err
	}
	if err := s.svc.RecordOperation(service.WithPrincipal(context.WithoutCancel(ctx(r)), p), clientAddress(r),
		p.Name+" log in from "+clientAddress(r)); err != nil {
		s.log.Warn("record operation log", "user", p.Name, "err", err)
	}
	return ok(sessionOf(p, r, token, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds())))
}

// sessionOf describes a session: the menus of the user's group's roles,
// and the group itself.
func sessionOf(p service.Principal, r *http.Request, token string, timeout int) sessionInfo {
	menu := portalMenus(p.Menu)
	return sessionInfo{Session: token, Timeout: timeout, Menu: menu, Resource: []string{}, User: p.Name, Group: p.Group,
		Address: clientAddress(r)}
}

// sameSession checks that the path names the caller's own session: a
// session can only see and renew itself.
func sameSession(r *http.Request) error {
	if r.PathValue("session_id") != r.Header.Get("Nano-Session") {
		return model.Errorf(model.CodePermissionDenied, "a session may only query or renew itself")
	}
	return nil
}

func (s *Server) renewSession(r *http.Request) (reply, error) {
	if err := sameSession(r); err != nil {
		return reply{}, err
	}
	if _, err := s.svc.RenewSession(ctx(r)); err != nil {
		return reply{}, err
	}
	return ok(nil)
}

func (s *Server) getSession(r *http.Request) (reply, error) {
	if err := sameSession(r); err != nil {
		return reply{}, err
	}
	p, _ := service.PrincipalFrom(ctx(r))
	return ok(sessionOf(p, r, "", 0))
}
