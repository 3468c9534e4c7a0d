package service

import (
	"context"
	"net/mail"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Users belong to a tenant. Managing them needs the user permissions
// and, outside the platform's admins, reaches only the caller's own
// tenant; anyone may read and change its own profile and password.

// UserInfo is a user's profile, as set through user management.
type UserInfo struct {
	Nick        string
	Mail        string
	Description string
}

func (i UserInfo) valid() error {
	if err := validLabel("nick", i.Nick, 0, 64); err != nil {
		return err
	}
	if i.Mail != "" {
		a, err := mail.ParseAddress(i.Mail)
		if err != nil || a.Address != i.Mail {
			return model.FieldError("mail", "%q is not a mail address like name@example.com", i.Mail)
		}
	}
	if err := validDescriptionText("description", i.Description, 1024); err != nil {
		return err
	}
	return nil
}

// userObject is what authorization knows of a user: users are the
// objects of their tenant, and each is its own.
func userObject(u model.User) owned {
	return owned{kind: "user", key: u.Name, owner: u.Name, tenant: u.TenantID, shares: everyMember}
}

// everyMember shares identity objects (users, groups, roles) with every
// member of their tenant that holds the permission to manage them.
func everyMember(model.Visibility) bool { return true }

// reachUser returns a user the caller may act on with perm (itself, or a
// user of its tenant it holds perm over); others are not found.
func (s *Service) reachUser(ctx context.Context, q store.Queries, name string, perm model.Permission) (model.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.User{}, err
	}
	u, err := q.GetUserByName(ctx, name)
	if err != nil {
		return u, notFound(err, "user", name)
	}
	if u.ID == p.UserID {
		return u, nil
	}
	return u, authorizeOn(ctx, perm, userObject(u))
}

// CreateUserRequest asks for a new user.
type CreateUserRequest struct {
	Name     string
	Password string
	// Role is model.RoleUser (default) or model.RoleAdmin (platform
	// admins only).
	Role string
	// Tenant (id or name) defaults to the caller's. TenantAdmin makes the
	// user its tenant's admin (platform admins only).
	Tenant      string
	TenantAdmin bool
	Info        UserInfo
	// Groups (names in the tenant) the user joins.
	Groups []string
}

// CreateUser adds a user to a tenant: the caller's own unless it is a
// platform admin.
func (s *Service) CreateUser(ctx context.Context, req CreateUserRequest) (model.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.User{}, err
	}
	if !p.Can(model.PermUserCreate) {
		return model.User{}, denied(p, model.PermUserCreate)
	}
	if req.Role == "" {
		req.Role = model.RoleUser
	}
	if (req.Role == model.RoleAdmin || req.TenantAdmin) && !p.FullAccess() {
		return model.User{}, model.Errorf(model.CodePermissionDenied, "user %s may not make admins: admin role required", p.Name)
	}
	if err := req.Info.valid(); err != nil {
		return model.User{}, err
	}
	tenant := p.TenantID
	if req.Tenant != "" {
		t, err := s.db.GetTenant(ctx, req.Tenant)
		if err != nil {
			return model.User{}, notFound(err, "tenant", req.Tenant)
		}
		if t.ID != p.TenantID && !p.FullAccess() {
			return model.User{}, model.NotFound("tenant", req.Tenant)
		}
		tenant = t.ID
	}
	if req.Role == model.RoleAdmin && tenant != model.DefaultTenantID {
		return model.User{}, model.FieldError("role", "admins belong to the platform's tenant, not to %s", tenant)
	}
	return s.createUser(ctx, model.User{Name: req.Name, Role: req.Role, TenantID: tenant, TenantAdmin: req.TenantAdmin,
		Nick: req.Info.Nick, Mail: req.Info.Mail, Description: req.Info.Description}, req.Password, req.Groups)
}

// AddUser creates a plain user of the caller's tenant without groups (so
// without permissions); groups are joined with AddGroupMember.
func (s *Service) AddUser(ctx context.Context, name, password string, info UserInfo) (model.User, error) {
	return s.CreateUser(ctx, CreateUserRequest{Name: name, Password: password, Info: info})
}

// createUser validates and stores a new user with a hashed password, in
// the named groups of its tenant.
func (s *Service) createUser(ctx context.Context, u model.User, password string, groups []string) (model.User, error) {
	if err := validName("name", u.Name); err != nil {
		return model.User{}, err
	}
	if u.Role != model.RoleAdmin && u.Role != model.RoleUser {
		return model.User{}, model.FieldError("role", "must be %q or %q", model.RoleAdmin, model.RoleUser)
	}
	hash, err := hashNewPassword("password", password)
	if err != nil {
		return model.User{}, err
	}
	u.ID, u.PasswordHash, u.PasswordForm, u.CreatedAt, u.UpdatedAt = uuid.NewString(), hash, model.PasswordSHA512, now(), now()
	err = s.db.InTx(ctx, func(q store.Queries) error {
		return s.insertUser(ctx, q, u, groups)
	})
	if err != nil {
		return model.User{}, err
	}
	if len(groups) > 0 {
		u.Group, u.Groups = groups[0], groups
	}
	return u, nil
}

func (s *Service) insertUser(ctx context.Context, q store.Queries, u model.User, groups []string) error {
	if err := q.CreateUser(ctx, u); err != nil {
		return conflict(err, "user %q already exists", u.Name)
	}
	for _, name := range groups {
		g, err := q.GetUserGroup(ctx, u.TenantID, name)
		if err != nil {
			return notFound(err, "user group", name)
		}
		if err := q.AddGroupMember(ctx, g.ID, u.ID); err != nil {
			return err
		}
	}
	return nil
}

// ListUsers returns the users the caller may manage: every user for
// platform admins, those of its tenant for others.
func (s *Service) ListUsers(ctx context.Context) ([]model.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(model.PermUserRead) {
		return nil, denied(p, model.PermUserRead)
	}
	if p.FullAccess() {
		return s.db.ListUsers(ctx)
	}
	return s.db.ListTenantUsers(ctx, p.TenantID)
}

// SearchUsers returns the names of the members of a group, or of all the
// users the caller may manage if group is "".
func (s *Service) SearchUsers(ctx context.Context, group string) ([]string, error) {
	if group != "" {
		return s.GroupMembers(ctx, group)
	}
	users, err := s.ListUsers(ctx)
	names := make([]string, 0, len(users))
	for _, u := range users {
		names = append(names, u.Name)
	}
	return names, err
}

// GetUser returns a user by name: the caller itself, or one it may read.
func (s *Service) GetUser(ctx context.Context, name string) (model.User, error) {
	u, err := s.reachUser(ctx, s.db.Queries, name, model.PermUserRead)
	if err != nil {
		return model.User{}, err
	}
	groups, err := s.db.UserGroups(ctx, u.ID)
	for _, g := range groups {
		u.Groups = append(u.Groups, g.Name)
	}
	return u, err
}

// UpdateUserInfo replaces a user's nick, mail and description.
func (s *Service) UpdateUserInfo(ctx context.Context, name string, info UserInfo) error {
	if err := info.valid(); err != nil {
		return err
	}
	u, err := s.reachUser(ctx, s.db.Queries, name, model.PermUserUpdate)
	if err != nil {
		return err
	}
	return notFound(s.db.SetUserInfo(ctx, u.ID, info.Nick, info.Mail, info.Description, now().UnixMicro()), "user", name)
}

// DeleteUser removes a user with its sessions, group memberships and role
// bindings. The caller cannot delete itself, a tenant's admin goes only
// with its tenant, and the last admin stays, so the platform always has
// someone with full access.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		u, err := s.reachUser(ctx, q, name, model.PermUserDelete)
		if err != nil {
			return err
		}
		if u.ID == p.UserID {
			return model.Errorf(model.CodeConflict, "user %s cannot delete itself", name)
		}
		if u.TenantAdmin {
			return model.Errorf(model.CodeConflict, "user %s is the admin of tenant %s: it goes when the tenant is deleted", name, u.TenantID)
		}
		if u.Role == model.RoleAdmin {
			n, err := q.CountUsersWithRole(ctx, model.RoleAdmin)
			if err != nil {
				return err
			}
			if n <= 1 {
				return model.Errorf(model.CodeConflict, "user %s is the last admin and cannot be deleted", name)
			}
		}
		return s.deleteUserRow(ctx, q, u)
	})
}

// deleteUserRow removes a user and what refers to it only by name (its
// scheduled jobs stop with it).
func (s *Service) deleteUserRow(ctx context.Context, q store.Queries, u model.User) error {
	return notFound(q.DeleteUser(ctx, u.ID), "user", u.Name)
}

// ChangePassword sets a new password after checking the old one. The
// user's other sessions end, so a stolen session does not outlive the
// password change; the caller's own session stays.
func (s *Service) ChangePassword(ctx context.Context, name, old, new string) error {
	if old == "" {
		return model.FieldError("old", "is required")
	}
	u, err := s.reachUser(ctx, s.db.Queries, name, model.PermUserUpdate)
	if err != nil {
		return err
	}
	if !passwordMatches(u, old) {
		return model.FieldError("old", "does not match the current password of %s", name)
	}
	return s.setPassword(ctx, u, "new", new)
}

// SetPassword replaces a user's password without the old one: the
// caller's own (ZStack's UpdateAccount and UpdateUser work this way), or
// that of a user it may update. The user's other sessions end; the
// caller's own session stays.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	u, err := s.reachUser(ctx, s.db.Queries, name, model.PermUserUpdate)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, u, "password", password)
}

func (s *Service) setPassword(ctx context.Context, u model.User, field, password string) error {
	hash, err := hashNewPassword(field, password)
	if err != nil {
		return err
	}
	p, _ := PrincipalFrom(ctx)
	keep := ""
	if p.UserID == u.ID {
		keep = p.SessionID
	}
	s.held.dropUser(u.ID, keep)
	return s.db.InTx(ctx, func(q store.Queries) error {
		if err := q.SetUserPassword(ctx, u.ID, hash, model.PasswordSHA512); err != nil {
			return notFound(err, "user", u.Name)
		}
		return q.DeleteUserSessions(ctx, u.ID, keep)
	})
}
