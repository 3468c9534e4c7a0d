package nano

import (
	"net/http"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A Nano security policy group is a named, ordered list of rules that a
// new guest's security policy is copied from. Groups are only stored
// templates, so every group can be kept; enforcement questions arise when
// a guest uses one (see security_policies.go).

type securityPolicyGroup struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	User          string `json:"user"`
	Group         string `json:"group"`
	Enabled       bool   `json:"enabled"`
	Global        bool   `json:"global"`
	DefaultAction string `json:"default_action"`
}

type securityPolicyGroupSettings struct {
	Name          string `json:"name"`
	Description   string `json:"description"`
	User          string `json:"user"`
	Group         string `json:"group"`
	Enabled       bool   `json:"enabled"`
	Global        bool   `json:"global"`
	DefaultAction string `json:"default_action"`
}

// securityRule is a rule as the document writes it.
type securityRule struct {
	Action      string `json:"action"`
	ToPort      int    `json:"to_port,omitempty"`
	Protocol    string `json:"protocol"`
	FromAddress string `json:"from_address,omitempty"`
	Interface   int    `json:"interface"`
}

func securityRuleOf(r model.SecurityRule) securityRule {
	return securityRule{Action: r.Action, ToPort: r.ToPort, Protocol: r.Protocol, FromAddress: r.FromAddress, Interface: r.Interface}
}

func securityRulesOf(rules []model.SecurityRule) []securityRule {
	out := make([]securityRule, 0, len(rules))
	for _, r := range rules {
		out = append(out, securityRuleOf(r))
	}
	return out
}

func (r securityRule) model() model.SecurityRule {
	return model.SecurityRule{Action: r.Action, ToPort: r.ToPort, Protocol: r.Protocol, FromAddress: r.FromAddress, Interface: r.Interface}
}

func securityPolicyGroupOf(g model.SecurityPolicyGroup) securityPolicyGroup {
	return securityPolicyGroup{ID: g.ID, Name: g.Name, Description: g.Description, User: g.Owner, Group: g.Group,
		Enabled: g.Enabled, Global: g.Global, DefaultAction: g.DefaultAction}
}

func (req securityPolicyGroupSettings) settings() service.SecurityPolicyGroupSettings {
	return service.SecurityPolicyGroupSettings{Name: req.Name, Description: req.Description, Owner: req.User, Group: req.Group,
		Enabled: req.Enabled, Global: req.Global, DefaultAction: req.DefaultAction}
}

func (s *Server) getSecurityPolicyGroup(r *http.Request) (reply, error) {
	g, err := s.svc.GetSecurityPolicyGroup(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	return ok(securityPolicyGroupOf(g))
}

func (s *Server) createSecurityPolicyGroup(r *http.Request) (reply, error) {
	var req securityPolicyGroupSettings
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	g, err := s.svc.CreateSecurityPolicyGroup(ctx(r), req.settings())
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]string{"id": g.ID})
}

func (s *Server) modifySecurityPolicyGroup(r *http.Request) (reply, error) {
	var req securityPolicyGroupSettings
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	return done(s.svc.UpdateSecurityPolicyGroup(ctx(r), r.PathValue("id"), req.settings()))
}

func (s *Server) deleteSecurityPolicyGroup(r *http.Request) (reply, error) {
	return done(s.svc.DeleteSecurityPolicyGroup(ctx(r), r.PathValue("id")))
}

func (s *Server) listSecurityPolicyGroupRules(r *http.Request) (reply, error) {
	g, err := s.svc.GetSecurityPolicyGroup(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	return ok(securityRulesOf(g.Rules))
}

// ruleIndex reads {index}: a rule's position, from 0.
func ruleIndex(r *http.Request) (int, error) {
	i, err := strconv.Atoi(r.PathValue("index"))
	if err != nil || i < 0 {
		return 0, model.FieldError("index", "%q is not a rule index (0, 1, 2...)", r.PathValue("index"))
	}
	return i, nil
}

// ruleEdit reads the rule change a request asks for: op with the body
// and path it needs.
func ruleEdit(r *http.Request, op service.RuleOp, body any) (service.RuleEdit, error) {
	e := service.RuleEdit{Op: op}
	switch b := body.(type) {
	case *securityRule:
		if err := decode(r, b); err != nil {
			return e, err
		}
		e.Rule = b.model()
	case *ruleMove:
		if err := decode(r, b); err != nil {
			return e, err
		}
		up, err := service.ParseDirection(b.Direction)
		if err != nil {
			return e, err
		}
		e.Up = up
	}
	if op != service.RuleAdd {
		i, err := ruleIndex(r)
		if err != nil {
			return e, err
		}
		e.Index = i
	}
	return e, nil
}

type ruleMove struct {
	Direction string `json:"direction"`
	Guest     string `json:"guest,omitempty"`
}

func (s *Server) editGroupRules(op service.RuleOp, body func() any) func(r *http.Request) (reply, error) {
	return func(r *http.Request) (reply, error) {
		var b any
		if body != nil {
			b = body()
		}
		e, err := ruleEdit(r, op, b)
		if err != nil {
			return reply{}, err
		}
		if mv, isMove := b.(*ruleMove); isMove && mv.Guest != "" {
			return reply{}, model.FieldError("guest", "unknown field: a group's rules belong to the group in the path")
		}
		return done(s.svc.EditSecurityPolicyGroupRules(ctx(r), r.PathValue("id"), e))
	}
}

func newRule() any { return &securityRule{} }
func newMove() any { return &ruleMove{} }

// queryBool reads a boolean query parameter; absent or empty is false.
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, model.FieldError(name, "%q is not a boolean (true or false)", v)
	}
	return b, nil
}

func (s *Server) searchSecurityPolicyGroups(r *http.Request) (reply, error) {
	f := service.SecurityPolicyGroupFilter{Owner: r.URL.Query().Get("owner"), Group: r.URL.Query().Get("group")}
	var err error
	if f.EnabledOnly, err = queryBool(r, "enabled_only"); err != nil {
		return reply{}, err
	}
	if f.GlobalOnly, err = queryBool(r, "global_only"); err != nil {
		return reply{}, err
	}
	groups, err := s.svc.SearchSecurityPolicyGroups(ctx(r), f)
	if err != nil {
		return reply{}, err
	}
	out := make([]securityPolicyGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, securityPolicyGroupOf(g))
	}
	return ok(out)
}
