package native

import (
	"net/http"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func rulesToAPI(rs []model.SecurityRule) []api.SecurityRule {
	out := make([]api.SecurityRule, 0, len(rs))
	for _, r := range rs {
		out = append(out, api.SecurityRule{Action: r.Action, Protocol: r.Protocol, FromAddress: r.FromAddress, ToPort: r.ToPort, Interface: r.Interface})
	}
	return out
}

func ruleOf(r api.SecurityRule) model.SecurityRule {
	return model.SecurityRule{Action: r.Action, Protocol: r.Protocol, FromAddress: r.FromAddress, ToPort: r.ToPort, Interface: r.Interface}
}

func securityGroupToAPI(g model.SecurityPolicyGroup) api.SecurityGroup {
	return api.SecurityGroup{ID: g.ID, Name: g.Name, Description: g.Description, Owner: g.Owner, Group: g.Group, Tenant: g.TenantID,
		Enabled: g.Enabled, Global: g.Global, DefaultAction: g.DefaultAction, Rules: rulesToAPI(g.Rules), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// boolQuery reads an optional true/false query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, model.FieldError(name, "%q is not true or false", v)
	}
	return b, nil
}

func (s *Server) listSecurityGroups(r *http.Request) (any, error) {
	f := service.SecurityPolicyGroupFilter{Owner: r.URL.Query().Get("owner"), Group: r.URL.Query().Get("group")}
	var err error
	if f.EnabledOnly, err = boolQuery(r, "enabled"); err != nil {
		return nil, err
	}
	if f.GlobalOnly, err = boolQuery(r, "global"); err != nil {
		return nil, err
	}
	gs, err := s.svc.SearchSecurityPolicyGroups(ctx(r), f)
	if err != nil {
		return nil, err
	}
	out := make([]api.SecurityGroup, 0, len(gs))
	for _, g := range gs {
		out = append(out, securityGroupToAPI(g))
	}
	return out, nil
}

// securityGroup finds the group {id} names (see securityGroupNamed).
func (s *Server) securityGroup(r *http.Request) (model.SecurityPolicyGroup, error) {
	return s.securityGroupNamed(r, r.PathValue("id"))
}

// securityGroupNamed finds a group by id or else by name among the
// groups the caller sees (names are unique).
func (s *Server) securityGroupNamed(r *http.Request, id string) (model.SecurityPolicyGroup, error) {
	g, err := s.svc.GetSecurityPolicyGroup(ctx(r), id)
	if model.CodeOf(err) != model.CodeNotFound {
		return g, err
	}
	gs, lerr := s.svc.SearchSecurityPolicyGroups(ctx(r), service.SecurityPolicyGroupFilter{})
	if lerr != nil {
		return g, err
	}
	for _, o := range gs {
		if o.Name == id {
			return o, nil
		}
	}
	return g, err
}

func groupSettings(req api.SecurityGroupsPost) service.SecurityPolicyGroupSettings {
	enabled := req.Enabled == nil || *req.Enabled
	return service.SecurityPolicyGroupSettings{Name: req.Name, Description: req.Description, Owner: req.Owner, Group: req.Group,
		Enabled: enabled, Global: req.Global, DefaultAction: req.DefaultAction}
}

func (s *Server) createSecurityGroup(r *http.Request) (any, error) {
	var req api.SecurityGroupsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	g, err := s.svc.CreateSecurityPolicyGroup(ctx(r), groupSettings(req))
	if err != nil {
		return nil, err
	}
	return securityGroupToAPI(g), nil
}

func (s *Server) getSecurityGroup(r *http.Request) (any, error) {
	g, err := s.securityGroup(r)
	if err != nil {
		return nil, err
	}
	return securityGroupToAPI(g), nil
}

// securityGroupEdit runs edit on the group {id} names and answers the
// group as it is after.
func (s *Server) securityGroupEdit(r *http.Request, edit func(id string) error) (any, error) {
	g, err := s.securityGroup(r)
	if err != nil {
		return nil, err
	}
	if err := edit(g.ID); err != nil {
		return nil, err
	}
	if g, err = s.svc.GetSecurityPolicyGroup(ctx(r), g.ID); err != nil {
		return nil, err
	}
	return securityGroupToAPI(g), nil
}

func (s *Server) putSecurityGroup(r *http.Request) (any, error) {
	var req api.SecurityGroupsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return s.securityGroupEdit(r, func(id string) error {
		return s.svc.UpdateSecurityPolicyGroup(ctx(r), id, groupSettings(req))
	})
}

func (s *Server) deleteSecurityGroup(r *http.Request) (any, error) {
	g, err := s.securityGroup(r)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteSecurityPolicyGroup(ctx(r), g.ID)
}

// ruleEditOf reads the rule edit a rules route asks for: op with the
// {index} of the path and, for add and modify, the rule in the body, for
// move the direction.
func ruleEditOf(r *http.Request, op service.RuleOp) (service.RuleEdit, error) {
	e := service.RuleEdit{Op: op}
	if op != service.RuleAdd {
		i, err := strconv.Atoi(r.PathValue("index"))
		if err != nil {
			return e, model.FieldError("index", "%q is not a rule index (0 for the first)", r.PathValue("index"))
		}
		e.Index = i
	}
	switch op {
	case service.RuleAdd, service.RuleModify:
		var rule api.SecurityRule
		if err := decode(r, &rule); err != nil {
			return e, err
		}
		e.Rule = ruleOf(rule)
	case service.RuleMove:
		var mv api.RuleMovePost
		if err := decode(r, &mv); err != nil {
			return e, err
		}
		up, err := service.ParseDirection(mv.Direction)
		if err != nil {
			return e, err
		}
		e.Up = up
	}
	return e, nil
}

func (s *Server) editSecurityGroupRules(op service.RuleOp) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		e, err := ruleEditOf(r, op)
		if err != nil {
			return nil, err
		}
		return s.securityGroupEdit(r, func(id string) error { return s.svc.EditSecurityPolicyGroupRules(ctx(r), id, e) })
	}
}
