package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func securityPolicyToAPI(p model.SecurityPolicy) api.SecurityPolicy {
	return api.SecurityPolicy{VM: p.VMID, DefaultAction: p.DefaultAction, Rules: rulesToAPI(p.Rules), UpdatedAt: p.UpdatedAt}
}

func (s *Server) getSecurityPolicy(r *http.Request) (any, error) {
	p, err := s.svc.GetSecurityPolicy(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return securityPolicyToAPI(p), nil
}

func (s *Server) patchSecurityPolicy(r *http.Request) (any, error) {
	var req api.SecurityPolicyPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if err := s.svc.SetSecurityDefaultAction(ctx(r), r.PathValue("id"), req.DefaultAction); err != nil {
		return nil, err
	}
	return s.getSecurityPolicy(r)
}

func (s *Server) editSecurityPolicyRules(op service.RuleOp) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		e, err := ruleEditOf(r, op)
		if err != nil {
			return nil, err
		}
		if err := s.svc.EditSecurityRules(ctx(r), r.PathValue("id"), e); err != nil {
			return nil, err
		}
		return s.getSecurityPolicy(r)
	}
}
