package nano

import (
	"net"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Menus the portal shows, by role. Nano ties menus to user groups; until
// Kumo has user groups, admins get every menu and users the self-service
// ones.
var (
	adminMenu = []string{"dashboard", "compute_pool", "address_pool", "storage_pool", "instance", "disk_image",
		"media_image", "template", "security_policy", "user", "log", "visibility"}
	userMenu = []string{"dashboard", "instance", "disk_image", "media_image"}
)

func menuFor(role string) []string {
	if role == model.RoleAdmin {
		return adminMenu
	}
	return userMenu
}

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
	return ok(sessionInfo{Session: token, Timeout: int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), Menu: menuFor(p.Role),
		Resource: []string{}, User: p.Name, Group: p.Role, Address: clientAddress(r)})
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
	return ok(sessionInfo{Menu: menuFor(p.Role), Resource: []string{}, User: p.Name, Group: p.Role, Address: clientAddress(r)})
}
