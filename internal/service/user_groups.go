package service

import (
	"context"
	"errors"
	"slices"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// User groups hold roles and members of one tenant; a user may be in
// several, and gets the union of their roles and visibility.

// groupObject is what authorization knows of a group.
func groupObject(g model.UserGroup) owned {
	return owned{kind: "user group", key: g.Name, tenant: g.TenantID, shares: everyMember}
}

// reachGroup finds a group by id or name in the caller's tenant, or by id
// in any tenant the caller reaches, and checks perm on it.
func (s *Service) reachGroup(ctx context.Context, q store.Queries, idOrName string, perm model.Permission) (model.UserGroup, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.UserGroup{}, err
	}
	g, err := q.GetUserGroup(ctx, p.TenantID, idOrName)
	if errors.Is(err, store.ErrNotFound) {
		g, err = q.GetUserGroupByID(ctx, idOrName)
	}
	if err != nil {
		return g, notFound(err, "user group", idOrName)
	}
	return g, authorizeOn(ctx, perm, groupObject(g))
}

// ListUserGroups returns the groups of the caller's tenant (of every
// tenant it reaches with allTenants), with member counts.
func (s *Service) ListUserGroups(ctx context.Context, allTenants bool) ([]model.UserGroup, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(model.PermGroupRead) {
		return nil, denied(p, model.PermGroupRead)
	}
	tenant := p.TenantID
	if allTenants {
		tenant = ""
	}
	all, err := s.db.ListUserGroups(ctx, tenant)
	return slices.DeleteFunc(all, func(g model.UserGroup) bool { return !visibleTo(ctx, model.PermGroupRead, groupObject(g)) }), err
}

// GetUserGroup returns a group with its roles and members.
func (s *Service) GetUserGroup(ctx context.Context, idOrName string) (model.UserGroup, error) {
	return s.reachGroup(ctx, s.db.Queries, idOrName, model.PermGroupRead)
}

// CreateUserGroup adds a group of the caller's tenant holding existing
// roles of it. Group and role links are stored together or not at all.
func (s *Service) CreateUserGroup(ctx context.Context, g model.UserGroup) (model.UserGroup, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.UserGroup{}, err
	}
	if !p.Can(model.PermGroupCreate) {
		return model.UserGroup{}, denied(p, model.PermGroupCreate)
	}
	if err := validName("group_name", g.Name); err != nil {
		return model.UserGroup{}, err
	}
	if err := validDisplay(g.Display); err != nil {
		return model.UserGroup{}, err
	}
	if err := validDescription(g.Description); err != nil {
		return model.UserGroup{}, err
	}
	g = model.UserGroup{ID: newID(), TenantID: p.TenantID, Name: g.Name, Display: g.Display, Description: g.Description,
		Roles: dedupe(g.Roles), Members: []string{}, CreatedAt: now(), UpdatedAt: now()}
	if p.controlPlane {
		g.TenantID = model.DefaultTenantID
	}
	err = s.db.InTx(ctx, func(q store.Queries) error {
		ids, err := roleIDs(ctx, q, g.TenantID, g.Roles)
		if err != nil {
			return err
		}
		if err := q.CreateUserGroup(ctx, g); err != nil {
			return conflict(err, "user group %q already exists", g.Name)
		}
		return q.SetGroupRoles(ctx, g.ID, ids)
	})
	if err != nil {
		return model.UserGroup{}, err
	}
	return g, nil
}

// GroupUpdate changes a group; nil fields stay.
type GroupUpdate struct {
	Name        *string
	Display     *string
	Description *string
	// Roles replaces the group's roles (names in its tenant).
	Roles *[]string
}

// UpdateUserGroup changes a group.
func (s *Service) UpdateUserGroup(ctx context.Context, idOrName string, upd GroupUpdate) (model.UserGroup, error) {
	var g model.UserGroup
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if g, err = s.reachGroup(ctx, q, idOrName, model.PermGroupUpdate); err != nil {
			return err
		}
		if upd.Name != nil && *upd.Name != g.Name {
			if err := validName("name", *upd.Name); err != nil {
				return err
			}
			if g.Name == model.AdminGroupName && g.TenantID == model.DefaultTenantID {
				return model.Errorf(model.CodeConflict, "the built-in user group %s cannot be renamed", g.Name)
			}
			g.Name = *upd.Name
		}
		if upd.Display != nil {
			if err := validDisplay(*upd.Display); err != nil {
				return err
			}
			g.Display = *upd.Display
		}
		if upd.Description != nil {
			if err := validDescription(*upd.Description); err != nil {
				return err
			}
			g.Description = *upd.Description
		}
		g.UpdatedAt = now()
		if err := q.UpdateUserGroup(ctx, g); err != nil {
			return conflict(notFound(err, "user group", idOrName), "user group %q already exists", g.Name)
		}
		if upd.Roles == nil {
			return nil
		}
		rs := dedupe(*upd.Roles)
		ids, err := roleIDs(ctx, q, g.TenantID, rs)
		if err != nil {
			return err
		}
		g.Roles = rs
		return q.SetGroupRoles(ctx, g.ID, ids)
	})
	return g, err
}

// DeleteUserGroup removes a group. One with members is refused (Nano)
// unless evenWithMembers, which takes them out (ZStack). The built-in
// admin group stays.
func (s *Service) DeleteUserGroup(ctx context.Context, idOrName string, evenWithMembers bool) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := s.reachGroup(ctx, q, idOrName, model.PermGroupDelete)
		if err != nil {
			return err
		}
		if g.Name == model.AdminGroupName && g.TenantID == model.DefaultTenantID {
			return model.Errorf(model.CodeConflict, "the built-in user group %s cannot be deleted", g.Name)
		}
		if len(g.Members) > 0 && !evenWithMembers {
			return model.Errorf(model.CodeConflict, "user group %s still has %d members: remove them first", g.Name, len(g.Members))
		}
		return notFound(q.DeleteUserGroup(ctx, g.ID), "user group", idOrName)
	})
}

// GroupMembers returns the names of a group's members.
func (s *Service) GroupMembers(ctx context.Context, group string) ([]string, error) {
	g, err := s.reachGroup(ctx, s.db.Queries, group, model.PermGroupRead)
	return g.Members, err
}

// AddGroupMember puts a user of the group's tenant into a group.
func (s *Service) AddGroupMember(ctx context.Context, group, user string) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := s.reachGroup(ctx, q, group, model.PermGroupUpdate)
		if err != nil {
			return err
		}
		u, err := s.reachUser(ctx, q, user, model.PermUserRead)
		if err != nil {
			return err
		}
		if u.TenantID != g.TenantID {
			return model.Errorf(model.CodeConflict, "user %s and user group %s belong to different tenants", u.Name, g.Name)
		}
		return conflict(q.AddGroupMember(ctx, g.ID, u.ID), "user %s is already a member of user group %s", u.Name, g.Name)
	})
}

// RemoveGroupMember takes a user out of a group.
func (s *Service) RemoveGroupMember(ctx context.Context, group, user string) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := s.reachGroup(ctx, q, group, model.PermGroupUpdate)
		if err != nil {
			return err
		}
		u, err := q.GetUserByName(ctx, user)
		if err != nil {
			return notFound(err, "user", user)
		}
		err = q.RemoveGroupMember(ctx, g.ID, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Errorf(model.CodeNotFound, "user %s is not a member of user group %s", user, g.Name)
		}
		return err
	})
}

// BindGroupRole binds a role of the group's tenant to a group.
func (s *Service) BindGroupRole(ctx context.Context, group, role string) error {
	return s.bindGroupRole(ctx, group, role, false)
}

// UnbindGroupRole takes a role from a group.
func (s *Service) UnbindGroupRole(ctx context.Context, group, role string) error {
	return s.bindGroupRole(ctx, group, role, true)
}

func (s *Service) bindGroupRole(ctx context.Context, group, role string, unbind bool) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := s.reachGroup(ctx, q, group, model.PermGroupUpdate)
		if err != nil {
			return err
		}
		r, err := s.reachRole(ctx, q, role, model.PermRoleRead)
		if err != nil {
			return err
		}
		if r.TenantID != g.TenantID {
			return model.Errorf(model.CodeConflict, "role %s and user group %s belong to different tenants", r.Name, g.Name)
		}
		if unbind {
			err := q.UnbindGroupRole(ctx, g.ID, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				return model.Errorf(model.CodeNotFound, "role %s is not bound to user group %s", r.Name, g.Name)
			}
			return err
		}
		return q.BindGroupRole(ctx, g.ID, r.ID)
	})
}

// GroupRoleObjects returns the roles bound to a group.
func (s *Service) GroupRoleObjects(ctx context.Context, group string) ([]model.Role, error) {
	g, err := s.reachGroup(ctx, s.db.Queries, group, model.PermGroupRead)
	if err != nil {
		return nil, err
	}
	return s.db.GroupRoleObjects(ctx, g.ID)
}

// UserGroupsOf returns the groups a user is in.
func (s *Service) UserGroupsOf(ctx context.Context, user string) ([]model.UserGroup, error) {
	u, err := s.reachUser(ctx, s.db.Queries, user, model.PermUserRead)
	if err != nil {
		return nil, err
	}
	return s.db.UserGroups(ctx, u.ID)
}

// roleIDs returns the ids of roles of a tenant named by name or id.
func roleIDs(ctx context.Context, q store.Queries, tenant string, roles []string) ([]string, error) {
	ids := make([]string, 0, len(roles))
	for _, name := range roles {
		r, err := q.GetRole(ctx, tenant, name)
		if err != nil {
			return nil, notFound(err, "role", name)
		}
		ids = append(ids, r.ID)
	}
	return ids, nil
}

func validDisplay(display string) error {
	return validLabel("display", display, 0, 128)
}

// dedupe drops repeated strings, keeping the first of each and the order.
func dedupe(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
