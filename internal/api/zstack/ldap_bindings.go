package zstack

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

type ldapBindingInventory struct {
	UUID           string `json:"uuid"`
	LdapUID        string `json:"ldapUid"`
	LdapServerUUID string `json:"ldapServerUuid"`
	AccountUUID    string `json:"accountUuid"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

// ldapBindingOf shows a binding: an entry bound to the admin of an
// account's tenant is bound to the account.
func ldapBindingOf(b model.LDAPBinding, admins map[string]string) ldapBindingInventory {
	acct := zid(b.TenantID)
	if id, ok := admins[b.User]; ok {
		acct = id
	}
	return ldapBindingInventory{UUID: zid(b.ID), LdapUID: b.DN, LdapServerUUID: zid(b.ServerID), AccountUUID: acct,
		CreateDate: date(b.CreatedAt), LastOpDate: date(b.CreatedAt)}
}

// createLdapBinding is POST /ldap/bindings; the document puts ldapUid
// and accountUuid at the top of the body, SDKs in params: both work.
func (s *Server) createLdapBinding(r *http.Request) (any, error) {
	raw, err := jsonbody.Read(r.Body)
	if err != nil {
		return nil, err
	}
	var p struct {
		LdapUID     string `json:"ldapUid"`
		AccountUUID string `json:"accountUuid"`
		Params      *struct {
			LdapUID     string `json:"ldapUid"`
			AccountUUID string `json:"accountUuid"`
		} `json:"params"`
	}
	if len(strings.TrimSpace(string(raw))) > 0 {
		if err := (jsonbody.Rules{AllowUnknown: true}).Decode(raw, &p); err != nil {
			return nil, err
		}
	}
	if p.Params != nil {
		p.LdapUID, p.AccountUUID = p.Params.LdapUID, p.Params.AccountUUID
	}
	if p.LdapUID == "" || p.AccountUUID == "" {
		return nil, model.FieldError("ldapUid", "ldapUid and accountUuid are required")
	}
	ctx := r.Context()
	a, err := s.account(ctx, p.AccountUUID)
	if err != nil {
		return nil, err
	}
	// The account logs in as its admin: the tenant's admin user, or the
	// SystemAdmin user itself; both have the account's name.
	b, err := s.svc.BindLDAPEntry(ctx, p.LdapUID, a.Name)
	if err != nil {
		return nil, err
	}
	return inventory(ldapBindingOf(b, s.adminAccounts(ctx))), nil
}

func (s *Server) deleteLdapBinding(r *http.Request) (any, error) {
	return struct{}{}, s.svc.UnbindLDAPEntry(r.Context(), kumoID(zid(r.PathValue("uuid"))))
}

func (s *Server) queryLdapBinding(r *http.Request) (any, error) {
	ctx := r.Context()
	all, err := s.svc.ListLDAPBindings(ctx)
	if err != nil {
		return nil, err
	}
	admins := s.adminAccounts(ctx)
	out := make([]ldapBindingInventory, 0, len(all))
	for _, b := range all {
		out = append(out, ldapBindingOf(b, admins))
	}
	return queryReply(r, out, func(b ldapBindingInventory) string { return b.UUID })
}

// cleanInvalidLdapBinding removes bindings whose entry left the
// directory and answers the accounts they were bound to.
func (s *Server) cleanInvalidLdapBinding(r *http.Request) (any, error) {
	var p struct{}
	if err := body(r, "cleanInvalidLdapBinding", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	removed, err := s.svc.CleanLDAPBindings(ctx)
	if err != nil {
		return nil, err
	}
	admins := s.adminAccounts(ctx)
	cleaned := []accountInventory{}
	for _, b := range removed {
		if a, err := s.account(ctx, ldapBindingOf(b, admins).AccountUUID); err == nil {
			cleaned = append(cleaned, a)
		}
	}
	return map[string]any{"inventories": cleaned}, nil
}

// logInByLdap is PUT /ldap/login: the directory checks the password,
// the binding names the account, and the account gets a session.
func (s *Server) logInByLdap(r *http.Request) (any, error) {
	var p struct {
		UID      string `json:"uid"`
		Password string `json:"password"`
	}
	if err := body(r, "logInByLdap", &p); err != nil {
		return nil, err
	}
	token, sess, _, err := s.svc.LoginLDAP(r.Context(), p.UID, p.Password)
	if err != nil {
		return nil, err
	}
	principal, _, err := s.svc.Authenticate(r.Context(), token)
	if err != nil {
		return nil, err
	}
	c := callerFor(principal)
	a := accountInventory{UUID: c.accountUUID, Name: principal.Name, Type: "Normal"}
	if principal.FullAccess() {
		a.Type = "SystemAdmin"
	}
	if t, err := s.svc.GetTenant(service.WithPrincipal(r.Context(), principal), principal.TenantID); err == nil && !principal.FullAccess() {
		a = tenantAccount(t)
	}
	return map[string]any{"inventory": sessionInventory{UUID: token, AccountUUID: c.accountUUID, UserUUID: c.userUUID,
		ExpiredDate: date(sess.ExpiresAt), CreateDate: date(sess.CreatedAt)}, "accountInventory": a, "success": true}, nil
}

// topLevel decodes the top of an already read body (systemTags).
func topLevel(r *http.Request, v any) {
	json.NewDecoder(r.Body).Decode(v)
}

func parseNumber(s string) (float64, error) { return strconv.ParseFloat(strings.TrimSpace(s), 64) }
