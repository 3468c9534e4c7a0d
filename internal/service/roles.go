package service

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Roles are named sets of menus (Nano's RBAC model); managing them needs
// the user menu.

// ListRoles returns all roles by name.
func (s *Service) ListRoles(ctx context.Context) ([]model.Role, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return nil, err
	}
	return s.db.ListRoles(ctx)
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, name string) (model.Role, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return model.Role{}, err
	}
	r, err := s.db.GetRole(ctx, name)
	return r, notFound(err, "role", name)
}

// CreateRole adds a role.
func (s *Service) CreateRole(ctx context.Context, r model.Role) (model.Role, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return model.Role{}, err
	}
	if err := validName("role_name", r.Name); err != nil {
		return model.Role{}, err
	}
	menu, err := validMenus(r.Menu)
	if err != nil {
		return model.Role{}, err
	}
	r.Menu = menu
	if err := s.db.CreateRole(ctx, r, now()); err != nil {
		return model.Role{}, conflict(err, "role %q already exists", r.Name)
	}
	return r, nil
}

// UpdateRole replaces a role's menus. The built-in admin role always
// holds every menu.
func (s *Service) UpdateRole(ctx context.Context, name string, menu []string) (model.Role, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return model.Role{}, err
	}
	menu, err := validMenus(menu)
	if err != nil {
		return model.Role{}, err
	}
	if name == model.AdminRoleName {
		if _, err := s.db.GetRole(ctx, name); err != nil {
			return model.Role{}, notFound(err, "role", name)
		}
		return model.Role{}, model.Errorf(model.CodeConflict, "the built-in role %s always holds every menu and cannot be changed", name)
	}
	if err := s.db.SetRoleMenu(ctx, name, menu); err != nil {
		return model.Role{}, notFound(err, "role", name)
	}
	return model.Role{Name: name, Menu: menu}, nil
}

// DeleteRole removes a role no user group holds (as the document asks:
// only roles not linked to any user may be deleted).
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := q.GetRole(ctx, name); err != nil {
			return notFound(err, "role", name)
		}
		if name == model.AdminRoleName {
			return model.Errorf(model.CodeConflict, "the built-in role %s cannot be deleted", name)
		}
		groups, err := q.GroupsWithRole(ctx, name)
		if err != nil {
			return err
		}
		if len(groups) > 0 {
			return model.Errorf(model.CodeConflict, "role %s is held by user groups %s: take it from them first", name, strings.Join(groups, ", "))
		}
		return notFound(q.DeleteRole(ctx, name), "role", name)
	})
}

// validMenus checks menu names and drops duplicates, keeping the order.
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
