package service

import (
	"context"
	"net/mail"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// User management (Nano's "system administrators"): the user menu lets a
// caller manage every user; anyone may read and change its own profile
// and password.

// UserInfo is a user's profile, as set through user management.
type UserInfo struct {
	Nick string
	Mail string
}

func (i UserInfo) valid() error {
	if utf8.RuneCountInString(i.Nick) > 64 || !utf8.ValidString(i.Nick) {
		return model.FieldError("nick", "must be valid UTF-8 of at most 64 characters")
	}
	if i.Mail != "" {
		a, err := mail.ParseAddress(i.Mail)
		if err != nil || a.Address != i.Mail {
			return model.FieldError("mail", "%q is not a mail address like name@example.com", i.Mail)
		}
	}
	return nil
}

// requireSelfOrUserMenu lets callers act on their own account, and
// holders of the user menu on any.
func requireSelfOrUserMenu(ctx context.Context, name string) error {
	if p, ok := PrincipalFrom(ctx); ok && p.Name == name {
		return nil
	}
	return Authorize(ctx, model.MenuUser)
}

// ListUsers returns all users by name.
func (s *Service) ListUsers(ctx context.Context) ([]model.User, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return nil, err
	}
	return s.db.ListUsers(ctx)
}

// SearchUsers returns the users of a group, or all users if group is "".
func (s *Service) SearchUsers(ctx context.Context, group string) ([]string, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return nil, err
	}
	if group != "" {
		return s.GroupMembers(ctx, group)
	}
	users, err := s.db.ListUsers(ctx)
	names := make([]string, 0, len(users))
	for _, u := range users {
		names = append(names, u.Name)
	}
	return names, err
}

// GetUser returns a user by name.
func (s *Service) GetUser(ctx context.Context, name string) (model.User, error) {
	if err := requireSelfOrUserMenu(ctx, name); err != nil {
		return model.User{}, err
	}
	u, err := s.db.GetUserByName(ctx, name)
	return u, notFound(err, "user", name)
}

// AddUser creates a user without a group (so without menus) and with
// the plain user role; a group is given with AddGroupMember.
func (s *Service) AddUser(ctx context.Context, name, password string, info UserInfo) (model.User, error) {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return model.User{}, err
	}
	if err := info.valid(); err != nil {
		return model.User{}, err
	}
	return s.createUser(ctx, model.User{Name: name, Role: model.RoleUser, Nick: info.Nick, Mail: info.Mail}, password)
}

// UpdateUserInfo replaces a user's nick and mail.
func (s *Service) UpdateUserInfo(ctx context.Context, name string, info UserInfo) error {
	if err := requireSelfOrUserMenu(ctx, name); err != nil {
		return err
	}
	if err := info.valid(); err != nil {
		return err
	}
	u, err := s.db.GetUserByName(ctx, name)
	if err != nil {
		return notFound(err, "user", name)
	}
	return notFound(s.db.SetUserInfo(ctx, u.ID, info.Nick, info.Mail), "user", name)
}

// DeleteUser removes a user with its sessions and group membership. The
// caller cannot delete itself, and the last admin stays, so the platform
// always has someone with full access.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	if err := Authorize(ctx, model.MenuUser); err != nil {
		return err
	}
	p, _ := PrincipalFrom(ctx)
	return s.db.InTx(ctx, func(q store.Queries) error {
		u, err := q.GetUserByName(ctx, name)
		if err != nil {
			return notFound(err, "user", name)
		}
		if u.ID == p.UserID {
			return model.Errorf(model.CodeConflict, "user %s cannot delete itself", name)
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
		return notFound(q.DeleteUser(ctx, u.ID), "user", name)
	})
}

// ChangePassword sets a new password after checking the old one. The
// user's other sessions end, so a stolen session does not outlive the
// password change.
func (s *Service) ChangePassword(ctx context.Context, name, old, new string) error {
	if err := requireSelfOrUserMenu(ctx, name); err != nil {
		return err
	}
	if old == "" {
		return model.FieldError("old", "is required")
	}
	if err := validPassword("new", new); err != nil {
		return err
	}
	u, err := s.db.GetUserByName(ctx, name)
	if err != nil {
		return notFound(err, "user", name)
	}
	if !CheckPassword(u.PasswordHash, old) {
		return model.FieldError("old", "does not match the current password of %s", name)
	}
	hash, err := HashPassword(new)
	if err != nil {
		return err
	}
	p, _ := PrincipalFrom(ctx)
	keep := ""
	if p.UserID == u.ID {
		keep = p.SessionID
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		if err := q.SetUserPassword(ctx, u.ID, hash); err != nil {
			return notFound(err, "user", name)
		}
		return q.DeleteUserSessions(ctx, u.ID, keep)
	})
}
