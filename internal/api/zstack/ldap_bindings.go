package zstack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/kumo-cloud/kumo/internal/model"
)

const kindLdapBinding = "ldapBinding"

type ldapBindingInventory struct {
	UUID           string `json:"uuid"`
	LdapUID        string `json:"ldapUid"`
	LdapServerUUID string `json:"ldapServerUuid"`
	AccountUUID    string `json:"accountUuid"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

func (s *Server) ldapBindings(ctx context.Context) ([]ldapBindingInventory, error) {
	return listObjects[ldapBindingInventory](ctx, s, kindLdapBinding)
}

// entryExists reports whether a DN names an entry of the directory.
func (l ldapServer) entryExists(dn string) (bool, error) {
	conn, err := l.dial()
	if err != nil {
		return false, err
	}
	defer conn.Close()
	_, err = conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
		int(ldapTimeout.Seconds()), false, "(objectClass=*)", []string{"1.1"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return false, nil
	}
	if err != nil {
		return false, model.Errorf(model.CodeUnavailable, "look up %s on LDAP server %s: %v", dn, l.URL, err)
	}
	return true, nil
}

// createLdapBinding is POST /ldap/bindings; the document puts ldapUid
// and accountUuid at the top of the body, SDKs in params: both work.
func (s *Server) createLdapBinding(r *http.Request) (any, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, model.Errorf(model.CodeInvalidArgument, "read request body: %v", err)
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
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, model.Errorf(model.CodeInvalidArgument, "request body is not a JSON object: %v", err)
		}
	}
	if p.Params != nil {
		p.LdapUID, p.AccountUUID = p.Params.LdapUID, p.Params.AccountUUID
	}
	if p.LdapUID == "" || p.AccountUUID == "" {
		return nil, model.FieldError("ldapUid", "ldapUid and accountUuid are required")
	}
	ctx := r.Context()
	if err := requireAdmin(ctx, "bind LDAP entries"); err != nil {
		return nil, err
	}
	a, err := s.account(ctx, p.AccountUUID)
	if err != nil {
		return nil, err
	}
	l, err := s.currentLdapServer(ctx)
	if err != nil {
		return nil, err
	}
	if ok, err := l.entryExists(p.LdapUID); err != nil {
		return nil, err
	} else if !ok {
		return nil, model.Errorf(model.CodeNotFound, "LDAP entry %q not found on %s", p.LdapUID, l.URL)
	}
	bindings, err := s.ldapBindings(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range bindings {
		if sameDN(b.LdapUID, p.LdapUID) {
			return nil, model.Errorf(model.CodeConflict, "LDAP entry %s is bound to account %s already", p.LdapUID, b.AccountUUID)
		}
	}
	now := time.Now()
	b := ldapBindingInventory{UUID: newUUID(), LdapUID: p.LdapUID, LdapServerUUID: l.UUID, AccountUUID: a.UUID,
		CreateDate: date(now), LastOpDate: date(now)}
	return inventory(b), s.svc.PutZStackObject(ctx, kindLdapBinding, b.UUID, now, b)
}

func (s *Server) deleteLdapBinding(r *http.Request) (any, error) {
	if err := requireAdmin(r.Context(), "delete LDAP bindings"); err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.DeleteZStackObject(r.Context(), kindLdapBinding, zid(r.PathValue("uuid")))
}

func (s *Server) queryLdapBinding(r *http.Request) (any, error) {
	all, err := s.ldapBindings(r.Context())
	if err != nil {
		return nil, err
	}
	c := callerOf(r.Context())
	var visible []ldapBindingInventory
	for _, b := range all {
		if c.admin() || b.AccountUUID == c.accountUUID {
			visible = append(visible, b)
		}
	}
	return queryReply(r, visible, func(b ldapBindingInventory) string { return b.UUID })
}

// cleanInvalidLdapBinding removes bindings whose entry left the
// directory and answers the accounts they were bound to.
func (s *Server) cleanInvalidLdapBinding(r *http.Request) (any, error) {
	var p struct{}
	if err := body(r, "cleanInvalidLdapBinding", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	if err := requireAdmin(ctx, "clean LDAP bindings"); err != nil {
		return nil, err
	}
	l, err := s.currentLdapServer(ctx)
	if err != nil {
		return nil, err
	}
	bindings, err := s.ldapBindings(ctx)
	if err != nil {
		return nil, err
	}
	cleaned := []accountInventory{}
	for _, b := range bindings {
		ok, err := l.entryExists(b.LdapUID)
		if err != nil {
			return nil, err
		}
		if ok {
			continue
		}
		if err := s.svc.DeleteZStackObject(ctx, kindLdapBinding, b.UUID); err != nil {
			return nil, err
		}
		if a, err := s.account(ctx, b.AccountUUID); err == nil {
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
	if p.UID == "" {
		return nil, model.FieldError("uid", "is required")
	}
	ctx := r.Context()
	l, err := s.currentLdapServer(ctx)
	if err != nil {
		return nil, err
	}
	dn, err := l.authenticate(p.UID, p.Password)
	if err != nil {
		return nil, err
	}
	bindings, err := s.ldapBindings(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range bindings {
		if !sameDN(b.LdapUID, dn) {
			continue
		}
		a, err := s.account(ctx, b.AccountUUID)
		if err != nil {
			return nil, err
		}
		token, sess, err := s.svc.LoginVerified(ctx, a.Name)
		if err != nil {
			return nil, err
		}
		return map[string]any{"inventory": sessionInventory{UUID: token, AccountUUID: a.UUID, UserUUID: a.UUID,
			ExpiredDate: date(sess.ExpiresAt), CreateDate: date(sess.CreatedAt)}, "accountInventory": a, "success": true}, nil
	}
	return nil, model.Errorf(model.CodeUnauthenticated, "LDAP entry %s is not bound to any account", dn)
}

// topLevel decodes the top of an already read body (systemTags).
func topLevel(r *http.Request, v any) {
	json.NewDecoder(r.Body).Decode(v)
}

func parseNumber(s string) (float64, error) { return strconv.ParseFloat(strings.TrimSpace(s), 64) }
