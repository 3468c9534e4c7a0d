package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// ZStack's identity objects are Kumo's (docs/iam.md):
//   - a Normal account is a tenant of kind account; its uuid is the
//     tenant's id without hyphens, and it logs in as the tenant's admin
//     user, who has the tenant's name;
//   - a SystemAdmin account is a platform admin (uuid: its user id);
//   - a user of an account is a user of the account's tenant;
//   - user groups are groups of the tenant, policies its roles, quotas
//     its quotas, shares the core's shares.
// Users of the platform's own tenant (made by /v1, Nano or CloudTower)
// log in with LogInByAccount and act as their roles allow; their
// account uuid is the platform tenant's id.

type accountInventory struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	CreateDate  string `json:"createDate"`
	LastOpDate  string `json:"lastOpDate"`
}

// callerFor works out the ZStack identity of a Kumo principal.
func callerFor(p service.Principal) caller {
	c := caller{Principal: p, accountUUID: zid(p.TenantID), userUUID: zid(p.UserID)}
	switch {
	case p.FullAccess():
		c.accountUUID = zid(p.UserID)
	case p.TenantKind == model.TenantAccount && !p.TenantAdmin:
		c.subUser = true
	}
	return c
}

// accountUUIDOf is the uuid of the account a user belongs to.
func accountUUIDOf(u model.User) string {
	if u.Role == model.RoleAdmin {
		return zid(u.ID)
	}
	return zid(u.TenantID)
}

func tenantAccount(t model.Tenant) accountInventory {
	return accountInventory{UUID: zid(t.ID), Name: t.Name, Description: t.Description, Type: "Normal",
		CreateDate: date(t.CreatedAt), LastOpDate: date(later(t.CreatedAt, t.UpdatedAt))}
}

// accounts lists the accounts the caller may see: for platform admins
// every admin and account tenant, for others their own account.
func (s *Server) accounts(ctx context.Context) ([]accountInventory, error) {
	tenants, err := s.svc.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []accountInventory
	if callerOf(ctx).admin() {
		users, err := s.svc.ListUsers(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Role == model.RoleAdmin {
				out = append(out, accountInventory{UUID: zid(u.ID), Name: u.Name, Description: u.Description, Type: "SystemAdmin",
					CreateDate: date(u.CreatedAt), LastOpDate: date(later(u.CreatedAt, u.UpdatedAt))})
			}
		}
	}
	// DBC wallets are accounts too (their tenants), so ZStack's admin
	// can set their quotas and read their spending.
	for _, t := range tenants {
		if t.Kind == model.TenantAccount || t.Kind == model.TenantWallet {
			out = append(out, tenantAccount(t))
		}
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

// requireAdmin refuses callers that are not SystemAdmin accounts, for
// the few calls whose object the core has no permission for yet.
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
	switch p.Type {
	case "", "Normal":
		t, _, err := s.svc.CreateTenant(r.Context(), service.CreateTenantRequest{Name: p.Name, Description: p.Description,
			AdminPassword: p.Password})
		if err != nil {
			return nil, err
		}
		return inventory(tenantAccount(t)), nil
	case "SystemAdmin", "Admin":
		u, err := s.svc.CreateUser(r.Context(), service.CreateUserRequest{Name: p.Name, Password: p.Password, Role: model.RoleAdmin,
			Info: service.UserInfo{Description: p.Description}})
		if err != nil {
			return nil, err
		}
		return inventory(accountInventory{UUID: zid(u.ID), Name: u.Name, Description: u.Description, Type: "SystemAdmin",
			CreateDate: date(u.CreatedAt), LastOpDate: date(u.CreatedAt)}), nil
	}
	return nil, model.FieldError("type", "must be SystemAdmin, Admin or Normal, not %q", p.Type)
}

func (s *Server) deleteAccount(r *http.Request) (any, error) {
	ctx := r.Context()
	a, err := s.account(ctx, r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	if a.Type == "SystemAdmin" {
		return struct{}{}, s.svc.DeleteUser(ctx, a.Name)
	}
	// The account's users, groups and policies go with it.
	return struct{}{}, s.svc.DeleteTenant(ctx, kumoID(a.UUID))
}

func (s *Server) queryAccount(r *http.Request) (any, error) {
	all, err := s.accounts(r.Context())
	if err != nil {
		return nil, err
	}
	return queryReply(r, all, func(a accountInventory) string { return a.UUID })
}

// updateAccount changes an account's password (its admin's) and
// description. Changing one's own password keeps the calling session.
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
	if p.Name != nil && *p.Name != a.Name {
		return nil, errNotSupported("renaming an account (Kumo user names are fixed)")
	}
	if p.Password != nil {
		if err := s.svc.SetPassword(ctx, a.Name, *p.Password); err != nil {
			return nil, err
		}
	}
	if p.Description != nil {
		if a.Type == "SystemAdmin" {
			u, err := s.svc.GetUser(ctx, a.Name)
			if err != nil {
				return nil, err
			}
			if err := s.svc.UpdateUserInfo(ctx, a.Name, service.UserInfo{Nick: u.Nick, Mail: u.Mail, Description: *p.Description}); err != nil {
				return nil, err
			}
		} else if _, err := s.svc.UpdateTenant(ctx, kumoID(a.UUID), *p.Description); err != nil {
			return nil, err
		}
	}
	a, err = s.account(ctx, a.UUID)
	return inventory(a), err
}
