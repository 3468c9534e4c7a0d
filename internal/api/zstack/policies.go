package zstack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Policies govern what the users of an account may call: statements
// allow or deny API messages ("instance:APIStartVmInstanceMsg",
// "instance:*"). As in ZStack, accounts are not bound by policies; a
// user may query by default, needs an Allow for anything else, and a
// Deny always wins.

const kindPolicy = "policy"

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

func (s *Server) policy(ctx context.Context, uuid string) (policyInventory, error) {
	var p policyInventory
	if err := s.svc.GetZStackObject(ctx, kindPolicy, zid(uuid), &p); err != nil {
		return p, model.NotFound("policy", uuid)
	}
	return p, s.mayManage(ctx, p.AccountUUID, "policy "+p.Name)
}

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
	for i, st := range p.Statements {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, model.FieldError("statements", "statement %d: effect must be Allow or Deny, not %q", i, st.Effect)
		}
		if len(st.Actions) == 0 {
			return nil, model.FieldError("statements", "statement %d has no actions", i)
		}
	}
	t := date(time.Now())
	pol := policyInventory{UUID: newUUID(), AccountUUID: callerOf(r.Context()).accountUUID, Name: p.Name,
		Description: p.Description, Statements: p.Statements, CreateDate: t, LastOpDate: t}
	return inventory(pol), s.svc.PutZStackObject(r.Context(), kindPolicy, pol.UUID, time.Now(), pol)
}

func (s *Server) deletePolicy(r *http.Request) (any, error) {
	ctx := r.Context()
	pol, err := s.policy(ctx, r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	// Detach it everywhere first, so no user keeps a dangling reference.
	users, err := s.users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if slices.Contains(u.PolicyUUIDs, pol.UUID) {
			if _, err := s.detachPoliciesFrom(ctx, u.UUID, []string{pol.UUID}); err != nil {
				return nil, err
			}
		}
	}
	groups, err := s.groups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if slices.Contains(g.PolicyUUIDs, pol.UUID) {
			g.PolicyUUIDs = slices.DeleteFunc(g.PolicyUUIDs, func(p string) bool { return p == pol.UUID })
			if err := s.putGroup(ctx, g); err != nil {
				return nil, err
			}
		}
	}
	return struct{}{}, s.svc.DeleteZStackObject(ctx, kindPolicy, pol.UUID)
}

func (s *Server) queryPolicy(r *http.Request) (any, error) {
	all, err := listObjects[policyInventory](r.Context(), s, kindPolicy)
	if err != nil {
		return nil, err
	}
	c := callerOf(r.Context())
	var visible []policyInventory
	for _, p := range all {
		if c.admin() || p.AccountUUID == c.accountUUID {
			visible = append(visible, p)
		}
	}
	return queryReply(r, visible, func(p policyInventory) string { return p.UUID })
}

func (s *Server) attachPoliciesTo(ctx context.Context, userUUID string, policies []string) (any, error) {
	u, err := s.user(ctx, userUUID)
	if err != nil {
		return nil, err
	}
	for _, id := range policies {
		pol, err := s.policy(ctx, id)
		if err != nil {
			return nil, err
		}
		if pol.AccountUUID != u.AccountUUID {
			return nil, model.Errorf(model.CodeConflict, "policy %s and user %s belong to different accounts", pol.Name, u.Name)
		}
		if !slices.Contains(u.PolicyUUIDs, pol.UUID) {
			u.PolicyUUIDs = append(u.PolicyUUIDs, pol.UUID)
		}
	}
	u.LastOpDate = date(time.Now())
	return struct{}{}, s.svc.PutZStackObject(ctx, kindUser, u.UUID, time.Now(), u)
}

func (s *Server) detachPoliciesFrom(ctx context.Context, userUUID string, policies []string) (any, error) {
	u, err := s.user(ctx, userUUID)
	if err != nil {
		return nil, err
	}
	u.PolicyUUIDs = slices.DeleteFunc(u.PolicyUUIDs, func(p string) bool { return slices.Contains(policies, p) })
	u.LastOpDate = date(time.Now())
	return struct{}{}, s.svc.PutZStackObject(ctx, kindUser, u.UUID, time.Now(), u)
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
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil && err != io.EOF {
		return nil, model.Errorf(model.CodeInvalidArgument, "request body is not a JSON object: %v", err)
	}
	if p.Params != nil {
		p.PolicyUUID = p.Params.PolicyUUID
	}
	if p.PolicyUUID == "" {
		return nil, model.FieldError("policyUuid", "is required")
	}
	return s.attachPoliciesTo(r.Context(), r.PathValue("userUuid"), []string{zid(p.PolicyUUID)})
}

func (s *Server) attachPoliciesToUser(r *http.Request) (any, error) {
	var p struct {
		PolicyUUIDs []string `json:"policyUuids"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	return s.attachPoliciesTo(r.Context(), r.PathValue("userUuid"), p.PolicyUUIDs)
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
	return s.detachPoliciesFrom(r.Context(), r.PathValue("userUuid"), ids)
}

func (s *Server) detachPolicyFromUser(r *http.Request) (any, error) {
	return s.detachPoliciesFrom(r.Context(), r.PathValue("userUuid"), []string{zid(r.PathValue("policyUuid"))})
}

// actionMatches reports whether a statement action names an API:
// "instance:APIStartVmInstanceMsg", "org.zstack.header.vm.APIStartVmInstanceMsg",
// "StartVmInstance", with * as a wildcard ("instance:*", "*").
func actionMatches(action, api string) bool {
	msg := "API" + api + "Msg"
	tail := action
	if i := strings.LastIndexAny(tail, ":."); i >= 0 {
		tail = tail[i+1:]
	}
	for _, pattern := range []string{action, tail} {
		for _, name := range []string{msg, api} {
			if ok, _ := path.Match(pattern, name); ok {
				return true
			}
		}
	}
	return false
}

// decide returns "Allow" or "Deny" for a user calling an API.
func (s *Server) decide(ctx context.Context, userUUID, api string, readOnly bool) (string, error) {
	var u userInventory
	if err := s.svc.GetZStackObject(ctx, kindUser, userUUID, &u); err != nil {
		return "", err
	}
	ids := slices.Clone(u.PolicyUUIDs)
	groups, err := s.groups(ctx)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		if slices.Contains(g.UserUUIDs, u.UUID) {
			ids = append(ids, g.PolicyUUIDs...)
		}
	}
	allowed := readOnly
	for _, id := range ids {
		var pol policyInventory
		if s.svc.GetZStackObject(ctx, kindPolicy, id, &pol) != nil {
			continue
		}
		for _, st := range pol.Statements {
			if !slices.ContainsFunc(st.Actions, func(a string) bool { return actionMatches(a, api) }) {
				continue
			}
			if st.Effect == "Deny" {
				return "Deny", nil
			}
			allowed = true
		}
	}
	if allowed {
		return "Allow", nil
	}
	return "Deny", nil
}

// readOnlyAPI reports whether an API only reads (users may call those
// without a policy).
func readOnlyAPI(api string) bool {
	return strings.HasPrefix(api, "Query") || strings.HasPrefix(api, "Get") || api == "ValidateSession" ||
		api == "CheckApiPermission" || api == "RenewSession" || api == "LogOut"
}

// checkPolicy refuses a user's call that its policies do not allow.
func (s *Server) checkPolicy(ctx context.Context, c caller, api string) error {
	if !c.subUser {
		return nil
	}
	d, err := s.decide(ctx, c.userUUID, api, readOnlyAPI(api))
	if err != nil {
		return err
	}
	if d == "Deny" {
		return model.Errorf(model.CodePermissionDenied, "user %s is not allowed to call API%sMsg by its policies", c.Name, api)
	}
	return nil
}

// checkApiPermission is PUT /accounts/permissions/actions.
func (s *Server) checkApiPermission(r *http.Request) (any, error) {
	var p struct {
		UserUUID string   `json:"userUuid"`
		APINames []string `json:"apiNames"`
	}
	if err := body(r, "checkApiPermission", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	c := callerOf(ctx)
	target := c.userUUID
	if p.UserUUID != "" {
		u, err := s.user(ctx, p.UserUUID)
		if err != nil && !(c.subUser && zid(p.UserUUID) == c.userUUID) {
			return nil, err
		}
		target = u.UUID
		if target == "" {
			target = c.userUUID
		}
	}
	out := map[string]string{}
	for _, name := range p.APINames {
		api := strings.TrimSuffix(strings.TrimPrefix(name, "API"), "Msg")
		if i := strings.LastIndexAny(api, ".:"); i >= 0 {
			api = strings.TrimSuffix(strings.TrimPrefix(api[i+1:], "API"), "Msg")
		}
		d := "Allow"
		var u userInventory
		if s.svc.GetZStackObject(ctx, kindUser, target, &u) == nil {
			var err error
			if d, err = s.decide(ctx, target, api, readOnlyAPI(api)); err != nil {
				return nil, err
			}
		}
		out[name] = d
	}
	return inventory(out), nil
}
