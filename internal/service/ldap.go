package service

import (
	"context"
	"errors"
	"strings"

	"github.com/kumo-cloud/kumo/internal/directory"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// LDAP login is a core service: a directory entry bound to a Kumo user
// logs in as that user once the directory accepted its password, through
// whichever API offers an LDAP login. Managing servers and bindings is
// the platform's (ldap:* permissions). The first server is the one used.

func directoryOf(l model.LDAPServer) directory.Server {
	return directory.Server{URL: l.URL, Base: l.Base, BindDN: l.BindDN, BindPassword: l.BindPassword,
		StartTLS: l.Encryption == "TLS", LoginAttribute: l.LoginAttribute}
}

// directoryError says what failed talking to a directory.
func directoryError(err error) error {
	switch {
	case errors.Is(err, directory.ErrWrongCredentials):
		return model.Errorf(model.CodeUnauthenticated, "wrong LDAP uid or password")
	case errors.Is(err, directory.ErrBadFilter):
		return model.FieldError("ldapFilter", "%v", err)
	}
	// The LDAP library's words (sockets, result codes) are the cause,
	// for the log.
	return &model.Error{Code: model.CodeUnavailable, Err: err,
		Message: "the LDAP server cannot be reached or refused the request (the server's log has the details)"}
}

func checkLDAPServer(l *model.LDAPServer) error {
	if err := validLabel("name", l.Name, 1, 255); err != nil {
		return err
	}
	if err := validDescriptionText("description", l.Description, 1024); err != nil {
		return err
	}
	if l.Encryption == "" {
		l.Encryption = "None"
	}
	if l.Encryption != "None" && l.Encryption != "TLS" {
		return model.FieldError("encryption", "must be None or TLS, not %q", l.Encryption)
	}
	if l.LoginAttribute == "" {
		l.LoginAttribute = "uid"
	}
	if field, err := directoryOf(*l).Check(); err != nil {
		return model.FieldError(field, "%v", err)
	}
	return nil
}

// AddLDAPServer records a directory after checking that Kumo reaches it
// and may bind as its search user now, rather than at the first login.
func (s *Service) AddLDAPServer(ctx context.Context, l model.LDAPServer) (model.LDAPServer, error) {
	if err := Authorize(ctx, model.PermLDAPCreate); err != nil {
		return model.LDAPServer{}, err
	}
	if err := checkLDAPServer(&l); err != nil {
		return model.LDAPServer{}, err
	}
	if err := directoryOf(l).Ping(); err != nil {
		return model.LDAPServer{}, directoryError(err)
	}
	l.ID, l.CreatedAt, l.UpdatedAt = newID(), now(), now()
	return l, s.db.CreateLDAPServer(ctx, l)
}

// ListLDAPServers returns the directories, the one in use first.
func (s *Service) ListLDAPServers(ctx context.Context) ([]model.LDAPServer, error) {
	if err := Authorize(ctx, model.PermLDAPRead); err != nil {
		return nil, err
	}
	return s.db.ListLDAPServers(ctx)
}

// LDAPServerUpdate changes a directory's settings; nil fields stay.
type LDAPServerUpdate struct {
	Name, Description, URL, Base, BindDN, BindPassword, Encryption *string
}

// UpdateLDAPServer changes a directory's settings.
func (s *Service) UpdateLDAPServer(ctx context.Context, id string, upd LDAPServerUpdate) (model.LDAPServer, error) {
	if err := Authorize(ctx, model.PermLDAPUpdate); err != nil {
		return model.LDAPServer{}, err
	}
	l, err := s.db.GetLDAPServer(ctx, id)
	if err != nil {
		return l, notFound(err, "LDAP server", id)
	}
	for _, f := range []struct{ in, out *string }{{upd.Name, &l.Name}, {upd.Description, &l.Description}, {upd.URL, &l.URL},
		{upd.Base, &l.Base}, {upd.BindDN, &l.BindDN}, {upd.BindPassword, &l.BindPassword}, {upd.Encryption, &l.Encryption}} {
		if f.in != nil {
			*f.out = *f.in
		}
	}
	if err := checkLDAPServer(&l); err != nil {
		return l, err
	}
	l.UpdatedAt = now()
	return l, notFound(s.db.UpdateLDAPServer(ctx, l), "LDAP server", id)
}

// DeleteLDAPServer removes a directory and its bindings.
func (s *Service) DeleteLDAPServer(ctx context.Context, id string) error {
	if err := Authorize(ctx, model.PermLDAPDelete); err != nil {
		return err
	}
	return notFound(s.db.DeleteLDAPServer(ctx, id), "LDAP server", id)
}

// currentLDAPServer is the directory in use: the first one.
func (s *Service) currentLDAPServer(ctx context.Context) (model.LDAPServer, error) {
	all, err := s.db.ListLDAPServers(ctx)
	if err != nil {
		return model.LDAPServer{}, err
	}
	if len(all) == 0 {
		return model.LDAPServer{}, model.Errorf(model.CodeConflict, "no LDAP server is configured")
	}
	return all[0], nil
}

// SearchLDAP searches the directory in use (needs ldap:read).
func (s *Service) SearchLDAP(ctx context.Context, filter string, limit int) ([]directory.Entry, error) {
	if err := Authorize(ctx, model.PermLDAPRead); err != nil {
		return nil, err
	}
	if filter == "" {
		return nil, model.FieldError("ldapFilter", "is required")
	}
	l, err := s.currentLDAPServer(ctx)
	if err != nil {
		return nil, err
	}
	es, err := directoryOf(l).Search(filter, limit)
	if err != nil {
		return nil, directoryError(err)
	}
	return es, nil
}

// ListLDAPBindings returns the bindings the caller may see: all for
// those who may read directories, its tenant's users' for others.
func (s *Service) ListLDAPBindings(ctx context.Context) ([]model.LDAPBinding, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.db.ListLDAPBindings(ctx)
	if err != nil || p.Can(model.PermLDAPRead) {
		return all, err
	}
	out := []model.LDAPBinding{}
	for _, b := range all {
		if b.TenantID == p.TenantID && p.TenantAdmin || b.UserID == p.UserID {
			out = append(out, b)
		}
	}
	return out, nil
}

// BindLDAPEntry lets the directory entry dn log in as user (needs
// ldap:update). The entry must exist and be bound to nobody yet.
func (s *Service) BindLDAPEntry(ctx context.Context, dn, user string) (model.LDAPBinding, error) {
	if err := Authorize(ctx, model.PermLDAPUpdate); err != nil {
		return model.LDAPBinding{}, err
	}
	u, err := s.db.GetUserByName(ctx, user)
	if err != nil {
		return model.LDAPBinding{}, notFound(err, "user", user)
	}
	l, err := s.currentLDAPServer(ctx)
	if err != nil {
		return model.LDAPBinding{}, err
	}
	if ok, err := directoryOf(l).Exists(dn); err != nil {
		return model.LDAPBinding{}, directoryError(err)
	} else if !ok {
		return model.LDAPBinding{}, model.Errorf(model.CodeNotFound, "LDAP entry %q not found on %s", dn, l.URL)
	}
	b := model.LDAPBinding{ID: newID(), ServerID: l.ID, DN: dn, UserID: u.ID, User: u.Name, TenantID: u.TenantID, CreatedAt: now()}
	err = s.db.InTx(ctx, func(q store.Queries) error {
		all, err := q.ListLDAPBindings(ctx)
		if err != nil {
			return err
		}
		for _, o := range all {
			if directory.SameDN(o.DN, dn) {
				return model.Errorf(model.CodeConflict, "LDAP entry %s is bound to user %s already", dn, o.User)
			}
		}
		return q.CreateLDAPBinding(ctx, b)
	})
	return b, err
}

// UnbindLDAPEntry removes a binding (needs ldap:update).
func (s *Service) UnbindLDAPEntry(ctx context.Context, id string) error {
	if err := Authorize(ctx, model.PermLDAPUpdate); err != nil {
		return err
	}
	return notFound(s.db.DeleteLDAPBinding(ctx, id), "LDAP binding", id)
}

// CleanLDAPBindings removes the bindings whose entry left the directory
// and returns them.
func (s *Service) CleanLDAPBindings(ctx context.Context) ([]model.LDAPBinding, error) {
	if err := Authorize(ctx, model.PermLDAPUpdate); err != nil {
		return nil, err
	}
	l, err := s.currentLDAPServer(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.db.ListLDAPBindings(ctx)
	if err != nil {
		return nil, err
	}
	removed := []model.LDAPBinding{}
	for _, b := range all {
		ok, err := directoryOf(l).Exists(b.DN)
		if err != nil {
			return removed, directoryError(err)
		}
		if ok {
			continue
		}
		if err := s.db.DeleteLDAPBinding(ctx, b.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return removed, err
		}
		removed = append(removed, b)
	}
	return removed, nil
}

// LoginLDAP checks uid and password against the directory in use and
// opens a session for the user the entry is bound to.
func (s *Service) LoginLDAP(ctx context.Context, uid, password string) (token string, sess model.Session, u model.User, err error) {
	if strings.TrimSpace(uid) == "" {
		return "", sess, u, model.FieldError("uid", "is required")
	}
	l, err := s.currentLDAPServer(ctx)
	if err != nil {
		return "", sess, u, err
	}
	var dn string
	err = s.guardLogin(ctx, "LDAP", uid, func() (err error) {
		if dn, err = directoryOf(l).Authenticate(uid, password); err != nil {
			return directoryError(err)
		}
		return nil
	})
	if err != nil {
		return "", sess, u, err
	}
	all, err := s.db.ListLDAPBindings(ctx)
	if err != nil {
		return "", sess, u, err
	}
	for _, b := range all {
		if !directory.SameDN(b.DN, dn) {
			continue
		}
		if u, err = s.db.GetUser(ctx, b.UserID); err != nil {
			return "", sess, u, notFound(err, "user", b.UserID)
		}
		token, sess, err = s.openSession(ctx, u)
		return token, sess, u, err
	}
	return "", sess, u, model.Errorf(model.CodeUnauthenticated, "LDAP entry %s is bound to no user", dn)
}
