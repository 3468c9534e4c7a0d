package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A ZStack session is a Kumo session: its uuid is the session token, so
// "Authorization: OAuth <uuid>" authenticates exactly as Kumo's native
// bearer token does, with the same lifetime and renewal.

type sessionInventory struct {
	UUID        string `json:"uuid"`
	AccountUUID string `json:"accountUuid"`
	UserUUID    string `json:"userUuid"`
	ExpiredDate string `json:"expiredDate"`
	CreateDate  string `json:"createDate"`
}

// logInByAccount is PUT /accounts/login: an account logs in as its
// tenant's admin (or a platform user as itself). The password may be
// sent as typed or as its SHA-512 hex, as ZStack's SDKs send it; both
// match the one stored hash (docs/iam.md).
func (s *Server) logInByAccount(r *http.Request) (any, error) {
	var p struct {
		AccountName string `json:"accountName"`
		Password    string `json:"password"`
	}
	if err := body(r, "logInByAccount", &p); err != nil {
		return nil, err
	}
	if p.AccountName == "" {
		return nil, model.FieldError("accountName", "is required")
	}
	return s.login(r.Context(), p.AccountName, p.Password, func(c caller) error {
		if c.subUser {
			return model.Errorf(model.CodeUnauthenticated, "%s is a user of an account, not an account: use LogInByUser", p.AccountName)
		}
		return nil
	})
}

// logInByUser is PUT /accounts/users/login.
func (s *Server) logInByUser(r *http.Request) (any, error) {
	var p struct {
		AccountUUID string `json:"accountUuid"`
		AccountName string `json:"accountName"`
		UserName    string `json:"userName"`
		Password    string `json:"password"`
	}
	if err := body(r, "logInByUser", &p); err != nil {
		return nil, err
	}
	if p.UserName == "" {
		return nil, model.FieldError("userName", "is required")
	}
	if p.AccountUUID == "" && p.AccountName == "" {
		return nil, model.FieldError("accountName", "accountName or accountUuid is required")
	}
	return s.login(r.Context(), p.UserName, p.Password, func(c caller) error {
		inAccount := c.accountUUID == zid(p.AccountUUID)
		if p.AccountUUID == "" {
			t, err := s.svc.GetTenant(service.WithPrincipal(r.Context(), c.Principal), c.TenantID)
			inAccount = err == nil && t.Name == p.AccountName
		}
		if !c.subUser || !inAccount {
			return model.Errorf(model.CodeUnauthenticated, "wrong account, user name or password")
		}
		return nil
	})
}

// login opens a session for name and password if check accepts who it
// is; a refused one is closed again at once.
func (s *Server) login(ctx context.Context, name, password string, check func(caller) error) (any, error) {
	token, sess, err := s.svc.Login(ctx, name, password)
	if err != nil {
		return nil, err
	}
	p, _, err := s.svc.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	c := callerFor(p)
	if err := check(c); err != nil {
		if lerr := s.svc.Logout(service.WithPrincipal(ctx, p)); lerr != nil {
			s.log.Warn("close a refused ZStack login", "user", name, "err", lerr)
		}
		return nil, err
	}
	return inventory(sessionInventory{UUID: token, AccountUUID: c.accountUUID, UserUUID: c.userUUID,
		ExpiredDate: date(sess.ExpiresAt), CreateDate: date(sess.CreatedAt)}), nil
}

// validateSession is GET /accounts/sessions/{sessionUuid}/valid.
func (s *Server) validateSession(r *http.Request) (any, error) {
	_, _, err := s.svc.Authenticate(r.Context(), r.PathValue("sessionUuid"))
	return map[string]any{"valid": err == nil}, nil
}

// renewSession is PUT /accounts/sessions/{sessionUuid}/renew: the session
// in the path renews itself.
func (s *Server) renewSession(r *http.Request) (any, error) {
	token := r.PathValue("sessionUuid")
	p, sess, err := s.svc.Authenticate(r.Context(), token)
	if err != nil {
		return nil, errInvalidSession(err)
	}
	ctx := service.WithPrincipal(r.Context(), p)
	renewed, err := s.svc.RenewSession(ctx)
	if err != nil {
		return nil, err
	}
	c := callerFor(p)
	return inventory(sessionInventory{UUID: token, AccountUUID: c.accountUUID, UserUUID: c.userUUID,
		ExpiredDate: date(renewed.ExpiresAt), CreateDate: date(sess.CreatedAt)}), nil
}

// logOut is DELETE /accounts/sessions/{sessionUuid}.
func (s *Server) logOut(r *http.Request) (any, error) {
	p, _, err := s.svc.Authenticate(r.Context(), r.PathValue("sessionUuid"))
	if err != nil {
		// Logging out of a session that is gone already succeeds.
		return struct{}{}, nil
	}
	return struct{}{}, s.svc.Logout(service.WithPrincipal(r.Context(), p))
}
