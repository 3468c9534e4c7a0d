package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A guest's security policy: a default action and ordered rules for
// inbound packets. Kumo stores it, but its guests are on QEMU user-mode
// NAT, which no host firewall sees into and which lets nothing in: a
// policy that would accept traffic cannot be enforced and is refused with
// 409 (service.enforceable says why); reject policies are honoured and
// stored. A guest without a policy of its own reports the one NAT
// enforces, default reject with no rules.
//
// Three of the document's paths (/guests/security_policy/rules/{index}
// and .../order) name no guest: it is given as ?guest=ID, or as "guest"
// in the body.

type securityPolicy struct {
	DefaultAction string         `json:"default_action"`
	Rules         []securityRule `json:"rules"`
}

func (s *Server) getSecurityPolicy(r *http.Request) (reply, error) {
	p, err := s.svc.GetSecurityPolicy(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	return ok(securityPolicy{DefaultAction: p.DefaultAction, Rules: securityRulesOf(p.Rules)})
}

func (s *Server) setSecurityDefaultAction(r *http.Request) (reply, error) {
	var req struct {
		Action string `json:"action"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	return done(s.svc.SetSecurityDefaultAction(ctx(r), r.PathValue("id"), req.Action))
}

func (s *Server) addSecurityRule(r *http.Request) (reply, error) {
	e, err := ruleEdit(r, service.RuleAdd, &securityRule{})
	if err != nil {
		return reply{}, err
	}
	return done(s.svc.EditSecurityRules(ctx(r), r.PathValue("id"), e))
}

// guestOfRequest finds the guest of the paths that do not name one (the
// portal's paths name it, as /guests/{id}/security_policy/rules/...).
func guestOfRequest(r *http.Request, fromBody string) (string, error) {
	if id := firstOf(r.PathValue("id"), r.URL.Query().Get("guest"), fromBody); id != "" {
		return id, nil
	}
	return "", model.FieldError("guest", "is required: this path names no guest, so give its id as ?guest=ID or \"guest\" in the body")
}

type guestRule struct {
	securityRule
	Guest string `json:"guest,omitempty"`
}

func (s *Server) modifySecurityRule(r *http.Request) (reply, error) {
	var req guestRule
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	id, err := guestOfRequest(r, req.Guest)
	if err != nil {
		return reply{}, err
	}
	i, err := ruleIndex(r)
	if err != nil {
		return reply{}, err
	}
	return done(s.svc.EditSecurityRules(ctx(r), id, service.RuleEdit{Op: service.RuleModify, Index: i, Rule: req.securityRule.model()}))
}

func (s *Server) moveSecurityRule(r *http.Request) (reply, error) {
	var req ruleMove
	e, err := ruleEdit(r, service.RuleMove, &req)
	if err != nil {
		return reply{}, err
	}
	id, err := guestOfRequest(r, req.Guest)
	if err != nil {
		return reply{}, err
	}
	return done(s.svc.EditSecurityRules(ctx(r), id, e))
}

func (s *Server) removeSecurityRule(r *http.Request) (reply, error) {
	var req struct {
		Guest string `json:"guest"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	id, err := guestOfRequest(r, req.Guest)
	if err != nil {
		return reply{}, err
	}
	e, err := ruleEdit(r, service.RuleRemove, nil)
	if err != nil {
		return reply{}, err
	}
	return done(s.svc.EditSecurityRules(ctx(r), id, e))
}
