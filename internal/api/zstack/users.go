package zstack

import (
	"context"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Users of an account are Kumo users recorded as belonging to it; they
// log in with LogInByUser and act under their policies (policies.go).

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

func (s *Server) users(ctx context.Context) ([]userInventory, error) {
	return listObjects[userInventory](ctx, s, kindUser)
}

func (s *Server) subUsers(ctx context.Context) (map[string]userInventory, error) {
	users, err := s.users(ctx)
	out := map[string]userInventory{}
	for _, u := range users {
		out[u.UUID] = u
	}
	return out, err
}

func (s *Server) subUserByName(ctx context.Context, name string) (*userInventory, error) {
	users, err := s.users(ctx)
	for _, u := range users {
		if u.Name == name {
			return &u, nil
		}
	}
	return nil, err
}

func (s *Server) user(ctx context.Context, uuid string) (userInventory, error) {
	var u userInventory
	err := s.svc.GetZStackObject(ctx, kindUser, zid(uuid), &u)
	if err == nil {
		err = s.mayManage(ctx, u.AccountUUID, "user "+u.Name)
	}
	return u, err
}

func (s *Server) createUser(r *http.Request) (any, error) {
	var p struct{ Name, Password, Description string }
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	ku, err := s.svc.CreateUser(asSystem(ctx), p.Name, p.Password, model.RoleUser)
	if err != nil {
		return nil, err
	}
	t := date(ku.CreatedAt)
	u := userInventory{UUID: zid(ku.ID), AccountUUID: callerOf(ctx).accountUUID, Name: ku.Name, Description: p.Description,
		PolicyUUIDs: []string{}, CreateDate: t, LastOpDate: t}
	if err := s.svc.PutZStackObject(ctx, kindUser, u.UUID, ku.CreatedAt, u); err != nil {
		return nil, err
	}
	return inventory(u), nil
}

func (s *Server) removeUser(ctx context.Context, u userInventory) error {
	if err := s.svc.DeleteUser(asSystem(ctx), u.Name); err != nil && !model.IsCode(err, model.CodeNotFound) {
		return err
	}
	groups, err := s.groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.removeUser(u.UUID) {
			if err := s.putGroup(ctx, g); err != nil {
				return err
			}
		}
	}
	return s.svc.DeleteZStackObject(ctx, kindUser, u.UUID)
}

func (s *Server) deleteUser(r *http.Request) (any, error) {
	u, err := s.user(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.removeUser(r.Context(), u)
}

func (s *Server) queryUser(r *http.Request) (any, error) {
	all, err := s.users(r.Context())
	if err != nil {
		return nil, err
	}
	c := callerOf(r.Context())
	var visible []userInventory
	for _, u := range all {
		if c.admin() || (c.subUser && u.UUID == c.userUUID) || (!c.subUser && u.AccountUUID == c.accountUUID) {
			visible = append(visible, u)
		}
	}
	return queryReply(r, visible, func(u userInventory) string { return u.UUID })
}

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
	if p.UUID == "" {
		p.UUID = c.userUUID
	}
	var u userInventory
	if err := s.svc.GetZStackObject(ctx, kindUser, zid(p.UUID), &u); err != nil {
		return nil, err
	}
	// A user may change its own password; its account anything.
	if !(c.subUser && c.userUUID == u.UUID) {
		if err := s.mayManage(ctx, u.AccountUUID, "user "+u.Name); err != nil {
			return nil, err
		}
	}
	if p.Name != nil && *p.Name != u.Name {
		return nil, errNotSupported("renaming a user (Kumo user names are fixed)")
	}
	if p.Password != nil {
		if err := s.svc.SetUserPassword(asSystem(ctx), u.Name, *p.Password); err != nil {
			return nil, err
		}
	}
	if p.Description != nil {
		u.Description = *p.Description
	}
	u.LastOpDate = date(time.Now())
	return inventory(u), s.svc.PutZStackObject(ctx, kindUser, u.UUID, time.Now(), u)
}
