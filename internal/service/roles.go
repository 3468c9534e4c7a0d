package service

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Roles are named sets of statements over permissions, in a tenant,
// bound to its users and groups. Nano roles allow menus (bundles);
// ZStack policies are roles too.

// roleObject is what authorization knows of a role.
func roleObject(r model.Role) owned {
	return owned{kind: "role", key: r.Name, tenant: r.TenantID, shares: everyMember}
}

// reachRole finds a role by id or name in the caller's tenant, or by id
// in any tenant the caller reaches, and checks perm on it.
func (s *Service) reachRole(ctx context.Context, q store.Queries, idOrName string, perm model.Permission) (model.Role, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.Role{}, err
	}
	r, err := q.GetRole(ctx, p.TenantID, idOrName)
	if errors.Is(err, store.ErrNotFound) {
		r, err = q.GetRoleByID(ctx, idOrName)
	}
	if err != nil {
		return r, notFound(err, "role", idOrName)
	}
	return r, authorizeOn(ctx, perm, roleObject(r))
}

// ListRoles returns the roles of the caller's tenant by name; with
// allTenants, those of every tenant the caller reaches.
func (s *Service) ListRoles(ctx context.Context, allTenants bool) ([]model.Role, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(model.PermRoleRead) {
		return nil, denied(p, model.PermRoleRead)
	}
	tenant := p.TenantID
	if allTenants {
		tenant = ""
	}
	all, err := s.db.ListRoles(ctx, tenant)
	return slices.DeleteFunc(all, func(r model.Role) bool { return !visibleTo(ctx, model.PermRoleRead, roleObject(r)) }), err
}

// GetRole returns a role by id or name.
func (s *Service) GetRole(ctx context.Context, idOrName string) (model.Role, error) {
	return s.reachRole(ctx, s.db.Queries, idOrName, model.PermRoleRead)
}

// CreateRole adds a role to the caller's tenant.
func (s *Service) CreateRole(ctx context.Context, r model.Role) (model.Role, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.Role{}, err
	}
	if !p.Can(model.PermRoleCreate) {
		return model.Role{}, denied(p, model.PermRoleCreate)
	}
	if err := validName("role_name", r.Name); err != nil {
		return model.Role{}, err
	}
	if err := validDescription(r.Description); err != nil {
		return model.Role{}, err
	}
	sts, err := validStatements(r.Statements)
	if err != nil {
		return model.Role{}, err
	}
	r = model.Role{ID: newID(), TenantID: p.TenantID, Name: r.Name, Description: r.Description, Statements: sts,
		CreatedAt: now(), UpdatedAt: now()}
	if p.controlPlane {
		r.TenantID = model.DefaultTenantID
	}
	if err := s.db.CreateRole(ctx, r); err != nil {
		return model.Role{}, conflict(err, "role %q already exists", r.Name)
	}
	return r, nil
}

// RoleUpdate changes a role; nil fields stay.
type RoleUpdate struct {
	Name        *string
	Description *string
	Statements  *[]model.Statement
}

// UpdateRole changes a role. The built-in admin role always holds every
// permission.
func (s *Service) UpdateRole(ctx context.Context, idOrName string, upd RoleUpdate) (model.Role, error) {
	var r model.Role
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if r, err = s.reachRole(ctx, q, idOrName, model.PermRoleUpdate); err != nil {
			return err
		}
		if r.Builtin {
			return model.Errorf(model.CodeConflict, "the built-in role %s always holds every permission and cannot be changed", r.Name)
		}
		if upd.Name != nil {
			if err := validName("name", *upd.Name); err != nil {
				return err
			}
			r.Name = *upd.Name
		}
		if upd.Description != nil {
			if err := validDescription(*upd.Description); err != nil {
				return err
			}
			r.Description = *upd.Description
		}
		if upd.Statements != nil {
			if r.Statements, err = validStatements(*upd.Statements); err != nil {
				return err
			}
		}
		r.UpdatedAt = now()
		return conflict(notFound(q.UpdateRole(ctx, r), "role", idOrName), "role %q already exists", r.Name)
	})
	return r, err
}

// DeleteRole removes a role. One still held by user groups is refused (as
// Nano asks: only roles not linked to any user may go), unless unbind,
// which takes it from every group and user first (as ZStack does).
func (s *Service) DeleteRole(ctx context.Context, idOrName string, unbind bool) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		r, err := s.reachRole(ctx, q, idOrName, model.PermRoleDelete)
		if err != nil {
			return err
		}
		if r.Builtin {
			return model.Errorf(model.CodeConflict, "the built-in role %s cannot be deleted", r.Name)
		}
		if unbind {
			if err := q.UnbindRoleEverywhere(ctx, r.ID); err != nil {
				return err
			}
		} else {
			groups, err := q.GroupsWithRole(ctx, r.ID)
			if err != nil {
				return err
			}
			if len(groups) > 0 {
				return model.Errorf(model.CodeConflict, "role %s is held by user groups %s: take it from them first", r.Name, strings.Join(groups, ", "))
			}
		}
		return notFound(q.DeleteRole(ctx, r.ID), "role", idOrName)
	})
}

// BindUserRole binds a role to a user of the role's tenant; UnbindUserRole
// takes it away.
func (s *Service) BindUserRole(ctx context.Context, role, user string) error {
	return s.bindUserRole(ctx, role, user, false)
}

// UnbindUserRole takes a role from a user.
func (s *Service) UnbindUserRole(ctx context.Context, role, user string) error {
	return s.bindUserRole(ctx, role, user, true)
}

func (s *Service) bindUserRole(ctx context.Context, role, user string, unbind bool) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		r, err := s.reachRole(ctx, q, role, model.PermRoleUpdate)
		if err != nil {
			return err
		}
		u, err := s.reachUser(ctx, q, user, model.PermUserUpdate)
		if err != nil {
			return err
		}
		if u.TenantID != r.TenantID {
			return model.Errorf(model.CodeConflict, "role %s and user %s belong to different tenants", r.Name, u.Name)
		}
		if unbind {
			err := q.UnbindUserRole(ctx, u.ID, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				return model.Errorf(model.CodeNotFound, "role %s is not bound to user %s", r.Name, u.Name)
			}
			return err
		}
		return q.BindUserRole(ctx, u.ID, r.ID)
	})
}

// UserRoles returns the roles bound to a user directly.
func (s *Service) UserRoles(ctx context.Context, user string) ([]model.Role, error) {
	u, err := s.reachUser(ctx, s.db.Queries, user, model.PermUserRead)
	if err != nil {
		return nil, err
	}
	return s.db.UserRoles(ctx, u.ID)
}

// validStatements checks statements: an effect, and actions that are
// permissions, bundles or patterns naming at least one permission.
func validStatements(sts []model.Statement) ([]model.Statement, error) {
	out := make([]model.Statement, 0, len(sts))
	for i, st := range sts {
		if st.Effect != model.Allow && st.Effect != model.Deny {
			return nil, model.FieldError("statements", "statement %d: effect must be %q or %q, not %q", i, model.Allow, model.Deny, st.Effect)
		}
		actions := dedupe(st.Actions)
		for _, a := range actions {
			if !namesPermissions(a) {
				return nil, model.FieldError("statements", "statement %d: %q names no permission; actions are permissions such as vm:start, "+
					"patterns such as vm:*, or menus (%s)", i, a, strings.Join(model.Menus, ", "))
			}
		}
		st.Actions = actions
		out = append(out, st)
	}
	return out, nil
}

// namesPermissions reports whether a statement action names at least one
// permission.
func namesPermissions(action string) bool {
	for _, p := range model.Permissions {
		if p.MatchedBy(action) {
			return true
		}
	}
	return false
}

// validMenus checks Nano menu names and drops duplicates, keeping the
// order.
func validMenus(menu []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, m := range menu {
		if !model.IsMenu(m) {
			return nil, model.FieldError("menu", "%q is not a menu; menus are %s", m, strings.Join(model.Menus, ", "))
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// CreateMenuRole adds a role that allows menus (Nano's roles).
func (s *Service) CreateMenuRole(ctx context.Context, name string, menus []string) (model.Role, error) {
	menus, err := validMenus(menus)
	if err != nil {
		return model.Role{}, err
	}
	return s.CreateRole(ctx, model.MenuRole(name, menus))
}

// SetRoleMenus replaces a role's statements with one allowing menus.
func (s *Service) SetRoleMenus(ctx context.Context, name string, menus []string) (model.Role, error) {
	menus, err := validMenus(menus)
	if err != nil {
		return model.Role{}, err
	}
	sts := model.MenuRole(name, menus).Statements
	return s.UpdateRole(ctx, name, RoleUpdate{Statements: &sts})
}

func validDescription(d string) error { return (UserInfo{Description: d}).valid() }

// UserCan reports, for each permission, whether a user holds it: the
// caller itself, or a user it may read (ZStack's CheckApiPermission).
func (s *Service) UserCan(ctx context.Context, user string, perms []model.Permission) (map[model.Permission]bool, error) {
	u, err := s.reachUser(ctx, s.db.Queries, user, model.PermUserRead)
	if err != nil {
		return nil, err
	}
	p, err := s.principalOf(ctx, u)
	if err != nil {
		return nil, err
	}
	out := make(map[model.Permission]bool, len(perms))
	for _, perm := range perms {
		out[perm] = p.Can(perm)
	}
	return out, nil
}
