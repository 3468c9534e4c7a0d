package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Users of an account are the users of its tenant other than its admin;
// they log in with LogInByUser and act under their policies (roles).

// userInventory is a user of an account.
type userInventory struct {
	UUID        string   `json:"uuid"`
	AccountUUID string   `json:"accountUuid"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	PolicyUUIDs []string `json:"policyUuids"`
	CreateDate  string   `json:"createDate"`
	LastOpDate  string   `json:"lastOpDate"`
}

func (s *Server) userInventory(ctx context.Context, u model.User) (userInventory, error) {
	inv := userInventory{UUID: zid(u.ID), AccountUUID: accountUUIDOf(u), Name: u.Name, Description: u.Description,
		PolicyUUIDs: []string{}, CreateDate: date(u.CreatedAt), LastOpDate: date(later(u.CreatedAt, u.UpdatedAt))}
	roles, err := s.svc.UserRoles(ctx, u.Name)
	for _, r := range roles {
		inv.PolicyUUIDs = append(inv.PolicyUUIDs, zid(r.ID))
	}
	return inv, err
}

// users lists the users of accounts the caller may read: not the
// accounts' own admins, not platform admins (SystemAdmin accounts).
func (s *Server) users(ctx context.Context) ([]userInventory, error) {
	all, err := s.svc.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := []userInventory{}
	for _, u := range all {
		if u.TenantAdmin || u.Role == model.RoleAdmin {
			continue
		}
		inv, err := s.userInventory(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

func (s *Server) createUser(r *http.Request) (any, error) {
	var p struct{ Name, Password, Description string }
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	u, err := s.svc.CreateUser(ctx, service.CreateUserRequest{Name: p.Name, Password: p.Password,
		Info: service.UserInfo{Description: p.Description}})
	if err != nil {
		return nil, err
	}
	inv, err := s.userInventory(ctx, u)
	return inventory(inv), err
}

func (s *Server) deleteUser(r *http.Request) (any, error) {
	name, err := s.userName(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.DeleteUser(r.Context(), name)
}

func (s *Server) queryUser(r *http.Request) (any, error) {
	all, err := s.users(r.Context())
	if err != nil {
		return nil, err
	}
	return queryReply(r, all, func(u userInventory) string { return u.UUID })
}

// updateUser changes a user's password and description: its own, or its
// account's users. Changing one's own password keeps the calling
// session and ends the others.
func (s *Server) updateUser(r *http.Request) (any, error) {
	var p struct {
		UUID        string  `json:"uuid"`
		Password    *string `json:"password"`
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := body(r, "updateUser", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	c := callerOf(ctx)
	name := c.Name
	if p.UUID != "" && zid(p.UUID) != c.userUUID {
		var err error
		if name, err = s.userName(ctx, p.UUID); err != nil {
			return nil, err
		}
	}
	if p.Name != nil && *p.Name != name {
		return nil, errNotSupported("renaming a user (Kumo user names are fixed)")
	}
	if p.Password != nil {
		if err := s.svc.SetPassword(ctx, name, *p.Password); err != nil {
			return nil, err
		}
	}
	u, err := s.svc.GetUser(ctx, name)
	if err != nil {
		return nil, err
	}
	if p.Description != nil {
		if err := s.svc.UpdateUserInfo(ctx, name, service.UserInfo{Nick: u.Nick, Mail: u.Mail, Description: *p.Description}); err != nil {
			return nil, err
		}
		u.Description = *p.Description
	}
	inv, err := s.userInventory(ctx, u)
	return inventory(inv), err
}
