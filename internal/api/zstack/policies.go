package zstack

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/model"
)

// Policies are the roles of an account's tenant: statements that allow
// or deny API messages ("instance:APIStartVmInstanceMsg", "instance:*").
// The core evaluates the permissions behind the APIs named (see
// corePermissions) and keeps the actions as written to show them back.
// As in ZStack, accounts are not bound by policies; a user may query by
// default, needs an Allow for anything else, and a Deny always wins —
// because the core decides so for every API.

type statement struct {
	Name    string   `json:"name"`
	Effect  string   `json:"effect"`
	Actions []string `json:"actions"`
}

type policyInventory struct {
	UUID        string      `json:"uuid"`
	AccountUUID string      `json:"accountUuid"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Statements  []statement `json:"statements"`
	CreateDate  string      `json:"createDate"`
	LastOpDate  string      `json:"lastOpDate"`
}

func policyOf(r model.Role) policyInventory {
	p := policyInventory{UUID: zid(r.ID), AccountUUID: zid(r.TenantID), Name: r.Name, Description: r.Description,
		Statements: []statement{}, CreateDate: date(r.CreatedAt), LastOpDate: date(later(r.CreatedAt, r.UpdatedAt))}
	for _, st := range r.Statements {
		actions := st.Given
		if len(actions) == 0 {
			actions = st.Actions
		}
		effect := "Allow"
		if st.Effect == model.Deny {
			effect = "Deny"
		}
		p.Statements = append(p.Statements, statement{Name: st.Name, Effect: effect, Actions: actions})
	}
	return p
}

// roleID is the Kumo id of a policy uuid.
func roleID(uuid string) string { return kumoID(zid(uuid)) }

func (s *Server) createPolicy(r *http.Request) (any, error) {
	var p struct {
		Name, Description string
		Statements        []statement
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, model.FieldError("name", "is required")
	}
	if len(p.Statements) == 0 {
		return nil, model.FieldError("statements", "at least one statement is required")
	}
	var sts []model.Statement
	for i, st := range p.Statements {
		effect := model.Effect(strings.ToLower(st.Effect))
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, model.FieldError("statements", "statement %d: effect must be Allow or Deny, not %q", i, st.Effect)
		}
		if len(st.Actions) == 0 {
			return nil, model.FieldError("statements", "statement %d has no actions", i)
		}
		sts = append(sts, model.Statement{Name: st.Name, Effect: effect, Actions: corePermissions(st.Actions), Given: st.Actions})
	}
	role, err := s.svc.CreateRole(r.Context(), model.Role{Name: p.Name, Description: p.Description, Statements: sts})
	if err != nil {
		return nil, err
	}
	return inventory(policyOf(role)), nil
}

// deletePolicy detaches the policy everywhere first, so no user keeps a
// dangling reference.
func (s *Server) deletePolicy(r *http.Request) (any, error) {
	return struct{}{}, s.svc.DeleteRole(r.Context(), roleID(r.PathValue("uuid")), true)
}

func (s *Server) queryPolicy(r *http.Request) (any, error) {
	roles, err := s.svc.ListRoles(r.Context(), true)
	if err != nil {
		return nil, err
	}
	out := make([]policyInventory, 0, len(roles))
	for _, role := range roles {
		if !role.Builtin {
			out = append(out, policyOf(role))
		}
	}
	return queryReply(r, out, func(p policyInventory) string { return p.UUID })
}

// userName is the Kumo name of a ZStack user uuid.
func (s *Server) userName(ctx context.Context, uuid string) (string, error) {
	users, err := s.svc.ListUsers(ctx)
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if zid(u.ID) == zid(uuid) {
			return u.Name, nil
		}
	}
	return "", model.NotFound("user", uuid)
}

func (s *Server) bindPolicies(ctx context.Context, userUUID string, policies []string, detach bool) (any, error) {
	name, err := s.userName(ctx, userUUID)
	if err != nil {
		return nil, err
	}
	for _, id := range policies {
		bind := s.svc.BindUserRole
		if detach {
			bind = s.svc.UnbindUserRole
		}
		if err := bind(ctx, roleID(id), name); err != nil {
			if detach && model.IsCode(err, model.CodeNotFound) {
				continue // detaching what is not attached changes nothing
			}
			return nil, err
		}
	}
	return struct{}{}, nil
}

// attachPolicyToUser takes policyUuid in params, or at the top of the
// body where the document's parameter table puts it.
func (s *Server) attachPolicyToUser(r *http.Request) (any, error) {
	var p struct {
		PolicyUUID string `json:"policyUuid"`
		Params     *struct {
			PolicyUUID string `json:"policyUuid"`
		} `json:"params"`
	}
	raw, err := jsonbody.Read(r.Body)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := (jsonbody.Rules{AllowUnknown: true}).Decode(raw, &p); err != nil {
			return nil, err
		}
	}
	if p.Params != nil {
		p.PolicyUUID = p.Params.PolicyUUID
	}
	if p.PolicyUUID == "" {
		return nil, model.FieldError("policyUuid", "is required")
	}
	return s.bindPolicies(r.Context(), r.PathValue("userUuid"), []string{p.PolicyUUID}, false)
}

func (s *Server) attachPoliciesToUser(r *http.Request) (any, error) {
	var p struct {
		PolicyUUIDs []string `json:"policyUuids"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	return s.bindPolicies(r.Context(), r.PathValue("userUuid"), p.PolicyUUIDs, false)
}

// detachPoliciesFromUser is DELETE /accounts/users/{userUuid}/policies;
// a DELETE carries its parameters in the query string.
func (s *Server) detachPoliciesFromUser(r *http.Request) (any, error) {
	var ids []string
	for _, v := range r.URL.Query()["policyUuids"] {
		ids = append(ids, strings.Split(v, ",")...)
	}
	if len(ids) == 0 {
		return nil, model.FieldError("policyUuids", "is required")
	}
	return s.bindPolicies(r.Context(), r.PathValue("userUuid"), ids, true)
}

func (s *Server) detachPolicyFromUser(r *http.Request) (any, error) {
	return s.bindPolicies(r.Context(), r.PathValue("userUuid"), []string{r.PathValue("policyUuid")}, true)
}

// checkApiPermission is PUT /accounts/permissions/actions: what the core
// would decide for the user (the caller by default) calling each API.
func (s *Server) checkApiPermission(r *http.Request) (any, error) {
	var p struct {
		UserUUID string   `json:"userUuid"`
		APINames []string `json:"apiNames"`
	}
	if err := body(r, "checkApiPermission", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	user := callerOf(ctx).Name
	if p.UserUUID != "" && zid(p.UserUUID) != callerOf(ctx).userUUID {
		name, err := s.userName(ctx, p.UserUUID)
		if err != nil {
			return nil, err
		}
		user = name
	}
	var perms []model.Permission
	for _, name := range p.APINames {
		if perm := apiPermissions[apiName(name)]; perm != "" {
			perms = append(perms, perm)
		}
	}
	can, err := s.svc.UserCan(ctx, user, perms)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range p.APINames {
		api := apiName(name)
		perm := apiPermissions[api]
		switch {
		case !knownAPI(api):
			out[name] = "Deny" // Kumo does not serve it
		case can[perm]:
			out[name] = "Allow"
		default:
			out[name] = "Deny"
		}
	}
	return inventory(out), nil
}
