package service

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// User groups hold roles and members; a user is in at most one group,
// which gives it its menus and resource visibility. Managing them needs
// the user menu.

// ListUserGroups returns all groups with their member counts.
func (s *Service) ListUserGroups(ctx context.Context) ([]model.UserGroup, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return nil, err
	}
	return s.db.ListUserGroups(ctx)
}

// GetUserGroup returns a group with its roles and members.
func (s *Service) GetUserGroup(ctx context.Context, name string) (model.UserGroup, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return model.UserGroup{}, err
	}
	g, err := s.db.GetUserGroup(ctx, name)
	return g, notFound(err, "user group", name)
}

// CreateUserGroup adds a group holding existing roles. Group and role
// links are stored together or not at all.
func (s *Service) CreateUserGroup(ctx context.Context, g model.UserGroup) (model.UserGroup, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return model.UserGroup{}, err
	}
	if err := validName("group_name", g.Name); err != nil {
		return model.UserGroup{}, err
	}
	if err := validDisplay(g.Display); err != nil {
		return model.UserGroup{}, err
	}
	g.Roles = dedupe(g.Roles)
	g.Members, g.MemberCount, g.Visibility, g.CreatedAt = []string{}, 0, model.Visibility{}, now()
	err := s.db.InTx(ctx, func(q store.Queries) error {
		if err := rolesExist(ctx, q, g.Roles); err != nil {
			return err
		}
		if err := q.CreateUserGroup(ctx, g); err != nil {
			return conflict(err, "user group %q already exists", g.Name)
		}
		return q.SetGroupRoles(ctx, g.Name, g.Roles)
	})
	if err != nil {
		return model.UserGroup{}, err
	}
	return g, nil
}

// UpdateUserGroup replaces a group's display name and roles; nil leaves
// one as it is.
func (s *Service) UpdateUserGroup(ctx context.Context, name string, display *string, roles *[]string) error {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return err
	}
	if display != nil {
		if err := validDisplay(*display); err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := q.GetUserGroup(ctx, name); err != nil {
			return notFound(err, "user group", name)
		}
		if display != nil {
			if err := q.SetUserGroupDisplay(ctx, name, *display); err != nil {
				return notFound(err, "user group", name)
			}
		}
		if roles == nil {
			return nil
		}
		rs := dedupe(*roles)
		if err := rolesExist(ctx, q, rs); err != nil {
			return err
		}
		return q.SetGroupRoles(ctx, name, rs)
	})
}

// DeleteUserGroup removes a group without members. The built-in admin
// group stays.
func (s *Service) DeleteUserGroup(ctx context.Context, name string) error {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := q.GetUserGroup(ctx, name)
		if err != nil {
			return notFound(err, "user group", name)
		}
		if name == model.AdminGroupName {
			return model.Errorf(model.CodeConflict, "the built-in user group %s cannot be deleted", name)
		}
		if len(g.Members) > 0 {
			return model.Errorf(model.CodeConflict, "user group %s still has %d members: remove them first", name, len(g.Members))
		}
		return notFound(q.DeleteUserGroup(ctx, name), "user group", name)
	})
}

// GroupMembers returns the names of a group's members.
func (s *Service) GroupMembers(ctx context.Context, group string) ([]string, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return nil, err
	}
	if _, err := s.db.GetUserGroup(ctx, group); err != nil {
		return nil, notFound(err, "user group", group)
	}
	return s.db.GroupMembers(ctx, group)
}

// AddGroupMember puts a user into a group. A user already in a group must
// leave it first, so its permissions never come from two places.
func (s *Service) AddGroupMember(ctx context.Context, group, user string) error {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := q.GetUserGroup(ctx, group); err != nil {
			return notFound(err, "user group", group)
		}
		u, err := q.GetUserByName(ctx, user)
		if err != nil {
			return notFound(err, "user", user)
		}
		if u.Group == group {
			return model.Errorf(model.CodeConflict, "user %s is already a member of user group %s", user, group)
		}
		if u.Group != "" {
			return model.Errorf(model.CodeConflict, "user %s is a member of user group %s: remove it from there first", user, u.Group)
		}
		return conflict(q.AddGroupMember(ctx, group, u.ID), "user %s is already in a user group", user)
	})
}

// RemoveGroupMember takes a user out of a group.
func (s *Service) RemoveGroupMember(ctx context.Context, group, user string) error {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := q.GetUserGroup(ctx, group); err != nil {
			return notFound(err, "user group", group)
		}
		u, err := q.GetUserByName(ctx, user)
		if err != nil {
			return notFound(err, "user", user)
		}
		err = q.RemoveGroupMember(ctx, group, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Errorf(model.CodeNotFound, "user %s is not a member of user group %s", user, group)
		}
		return err
	})
}

func rolesExist(ctx context.Context, q store.Queries, roles []string) error {
	for _, r := range roles {
		if _, err := q.GetRole(ctx, r); err != nil {
			return notFound(err, "role", r)
		}
	}
	return nil
}

func validDisplay(display string) error {
	if utf8.RuneCountInString(display) > 128 || !utf8.ValidString(display) {
		return model.FieldError("display", "must be valid UTF-8 of at most 128 characters")
	}
	return nil
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
