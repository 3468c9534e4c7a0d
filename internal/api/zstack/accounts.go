package zstack

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A ZStack account is a Kumo user that is not a user of an account:
// Kumo admins are SystemAdmin accounts, other users Normal accounts. Its
// uuid is the Kumo user id without hyphens. What Kumo's user has not
// (description, type as given) is kept as an "account" object.

const (
	kindAccount = "account"
	kindUser    = "user"
)

type accountInventory struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	CreateDate  string `json:"createDate"`
	LastOpDate  string `json:"lastOpDate"`
}

// callerFor works out the ZStack identity of a Kumo principal.
func (s *Server) callerFor(ctx context.Context, p service.Principal) (caller, error) {
	c := caller{Principal: p, accountUUID: zid(p.UserID), userUUID: zid(p.UserID)}
	var u userInventory
	err := s.svc.GetZStackObject(ctx, kindUser, zid(p.UserID), &u)
	switch {
	case err == nil:
		c.accountUUID, c.subUser = u.AccountUUID, true
	case !model.IsCode(err, model.CodeNotFound):
		return caller{}, err
	}
	return c, nil
}

// accounts lists every account.
func (s *Server) accounts(ctx context.Context) ([]accountInventory, error) {
	users, err := s.svc.ListUsers(asSystem(ctx))
	if err != nil {
		return nil, err
	}
	subs, err := s.subUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []accountInventory
	for _, u := range users {
		if _, sub := subs[zid(u.ID)]; sub {
			continue
		}
		a := accountInventory{UUID: zid(u.ID), Name: u.Name, Type: "Normal", CreateDate: date(u.CreatedAt), LastOpDate: date(u.CreatedAt)}
		if u.Role == model.RoleAdmin {
			a.Type = "SystemAdmin"
		}
		var extra accountInventory
		if s.svc.GetZStackObject(ctx, kindAccount, a.UUID, &extra) == nil {
			a.Description, a.LastOpDate = extra.Description, extra.LastOpDate
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *Server) account(ctx context.Context, uuid string) (accountInventory, error) {
	all, err := s.accounts(ctx)
	if err != nil {
		return accountInventory{}, err
	}
	for _, a := range all {
		if a.UUID == zid(uuid) {
			return a, nil
		}
	}
	return accountInventory{}, model.NotFound("account", uuid)
}

func (s *Server) accountByName(ctx context.Context, name string) (accountInventory, error) {
	all, err := s.accounts(ctx)
	if err != nil {
		return accountInventory{}, err
	}
	for _, a := range all {
		if a.Name == name {
			return a, nil
		}
	}
	return accountInventory{}, model.NotFound("account", name)
}

// requireAdmin refuses callers that are not SystemAdmin accounts.
func requireAdmin(ctx context.Context, what string) error {
	c := callerOf(ctx)
	if !c.admin() {
		return model.Errorf(model.CodePermissionDenied, "%s may not %s: only the admin account may", c.Name, what)
	}
	return nil
}

func (s *Server) createAccount(r *http.Request) (any, error) {
	var p struct {
		Name, Password, Type, Description string
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	if err := requireAdmin(r.Context(), "create accounts"); err != nil {
		return nil, err
	}
	role := model.RoleUser
	switch p.Type {
	case "", "Normal":
		p.Type = "Normal"
	case "SystemAdmin", "Admin":
		role = model.RoleAdmin
	default:
		return nil, model.FieldError("type", "must be SystemAdmin, Admin or Normal, not %q", p.Type)
	}
	u, err := s.svc.CreateUser(asSystem(r.Context()), p.Name, p.Password, role)
	if err != nil {
		return nil, err
	}
	t := date(u.CreatedAt)
	a := accountInventory{UUID: zid(u.ID), Name: u.Name, Description: p.Description, Type: p.Type, CreateDate: t, LastOpDate: t}
	if err := s.svc.PutZStackObject(r.Context(), kindAccount, a.UUID, u.CreatedAt, a); err != nil {
		return nil, err
	}
	return inventory(a), nil
}

func (s *Server) deleteAccount(r *http.Request) (any, error) {
	ctx := r.Context()
	if err := requireAdmin(ctx, "delete accounts"); err != nil {
		return nil, err
	}
	a, err := s.account(ctx, r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	// The account's users go with it.
	users, err := s.users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.AccountUUID == a.UUID {
			if err := s.removeUser(ctx, u); err != nil {
				return nil, err
			}
		}
	}
	if err := s.svc.DeleteUser(ctx, a.Name); err != nil {
		return nil, err
	}
	s.svc.DeleteZStackObject(ctx, kindAccount, a.UUID)
	return struct{}{}, nil
}

func (s *Server) queryAccount(r *http.Request) (any, error) {
	all, err := s.accounts(r.Context())
	if err != nil {
		return nil, err
	}
	if c := callerOf(r.Context()); !c.admin() {
		var own []accountInventory
		for _, a := range all {
			if a.UUID == c.accountUUID {
				own = append(own, a)
			}
		}
		all = own
	}
	return queryReply(r, all, func(a accountInventory) string { return a.UUID })
}

func (s *Server) updateAccount(r *http.Request) (any, error) {
	var p struct {
		Password    *string `json:"password"`
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := body(r, "updateAccount", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	a, err := s.account(ctx, r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	if c := callerOf(ctx); !c.admin() && (c.subUser || c.accountUUID != a.UUID) {
		return nil, model.Errorf(model.CodePermissionDenied, "%s may not update account %s", c.Name, a.Name)
	}
	if p.Name != nil && *p.Name != a.Name {
		return nil, errNotSupported("renaming an account (Kumo user names are fixed)")
	}
	if p.Password != nil {
		if err := s.svc.SetUserPassword(asSystem(ctx), a.Name, *p.Password); err != nil {
			return nil, err
		}
	}
	if p.Description != nil {
		a.Description = *p.Description
	}
	a.LastOpDate = date(time.Now())
	if err := s.svc.PutZStackObject(ctx, kindAccount, a.UUID, time.Now(), a); err != nil {
		return nil, err
	}
	return inventory(a), nil
}

// mayManage allows the admin, and the account owning a resource with
// its users (whose policies were checked before the handler ran).
func (s *Server) mayManage(ctx context.Context, accountUUID, what string) error {
	c := callerOf(ctx)
	if c.admin() || c.accountUUID == accountUUID {
		return nil
	}
	return model.Errorf(model.CodePermissionDenied, "%s may not change %s of another account", c.Name, what)
}

func listObjects[T any](ctx context.Context, s *Server, kind string) ([]T, error) {
	raws, err := s.svc.ListZStackObjects(ctx, kind)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(raws))
	for _, raw := range raws {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
