package service

import (
	"context"
	"net/netip"
	"strings"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// SecurityPolicyGroupSettings are a group's changeable settings.
type SecurityPolicyGroupSettings struct {
	Name          string
	Description   string
	Owner         string // default: the caller
	Group         string
	Enabled       bool
	Global        bool
	DefaultAction string
}

var ruleProtocols = map[string]bool{"all": true, "tcp": true, "udp": true, "icmp": true}

// checkAction accepts accept and reject; empty is accept (the document's
// default).
func checkAction(field string, action *string) error {
	switch *action {
	case "":
		*action = model.ActionAccept
	case model.ActionAccept, model.ActionReject:
	default:
		return model.FieldError(field, "%q is not an action: use accept or reject", *action)
	}
	return nil
}

// CheckSecurityRule validates a rule and fills in its defaults.
func CheckSecurityRule(r *model.SecurityRule) error {
	if err := checkAction("action", &r.Action); err != nil {
		return err
	}
	if r.Protocol == "" {
		r.Protocol = "all"
	}
	if !ruleProtocols[r.Protocol] {
		return model.FieldError("protocol", "%q is not a protocol: use all, tcp, udp or icmp", r.Protocol)
	}
	switch {
	case r.ToPort < 0 || r.ToPort > 65535:
		return model.FieldError("to_port", "%d is not a port (1-65535, or 0 for any)", r.ToPort)
	case r.ToPort != 0 && (r.Protocol == "all" || r.Protocol == "icmp"):
		return model.FieldError("to_port", "a port needs protocol tcp or udp, not %s", r.Protocol)
	case r.Interface < 0:
		return model.FieldError("interface", "must be 0 (all interfaces) or a NIC number from 1")
	}
	if r.FromAddress != "" {
		if _, err := netip.ParseAddr(r.FromAddress); err != nil {
			if _, err := netip.ParsePrefix(r.FromAddress); err != nil {
				return model.FieldError("from_address", "%q is not an IP address or network", r.FromAddress)
			}
		}
	}
	return nil
}

// securityGroupObject is what authorization knows of a security policy
// group: its owner's, shared in its tenant like VMs, and readable by
// everyone when global.
func securityGroupObject(g model.SecurityPolicyGroup) owned {
	return owned{kind: "security policy group", key: g.ID, owner: g.Owner, tenant: g.TenantID, group: g.Group,
		shares: instancesShared, sharedWithCaller: func() bool { return g.Global }}
}

// check validates settings and fills in the owner (the caller by
// default; only admins make groups for others) and its tenant.
func (set *SecurityPolicyGroupSettings) check(ctx context.Context, s *Service) (tenant string, err error) {
	if err := validName("name", set.Name); err != nil {
		return "", err
	}
	if err := checkAction("default_action", &set.DefaultAction); err != nil {
		return "", err
	}
	owner, _, tenant, err := s.ownership(ctx, set.Owner, "")
	if err != nil {
		return "", err
	}
	set.Owner = owner
	return tenant, nil
}

// CreateSecurityPolicyGroup adds a group without rules.
func (s *Service) CreateSecurityPolicyGroup(ctx context.Context, set SecurityPolicyGroupSettings) (model.SecurityPolicyGroup, error) {
	if err := Authorize(ctx, model.PermSecurityGroupCreate); err != nil {
		return model.SecurityPolicyGroup{}, err
	}
	tenant, err := set.check(ctx, s)
	if err != nil {
		return model.SecurityPolicyGroup{}, err
	}
	g := model.SecurityPolicyGroup{ID: uuid.NewString(), Name: set.Name, Description: set.Description, Owner: set.Owner, Group: set.Group, TenantID: tenant,
		Enabled: set.Enabled, Global: set.Global, DefaultAction: set.DefaultAction, Rules: []model.SecurityRule{}, CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateSecurityPolicyGroup(ctx, g); err != nil {
		return model.SecurityPolicyGroup{}, conflict(err, "a security policy group named %q already exists", set.Name)
	}
	return g, nil
}

// GetSecurityPolicyGroup returns a group by id.
func (s *Service) GetSecurityPolicyGroup(ctx context.Context, id string) (model.SecurityPolicyGroup, error) {
	if _, err := caller(ctx); err != nil {
		return model.SecurityPolicyGroup{}, err
	}
	g, err := s.db.GetSecurityPolicyGroup(ctx, id)
	if err != nil {
		return g, notFound(err, "security policy group", id)
	}
	if err := authorizeOn(ctx, model.PermSecurityGroupRead, securityGroupObject(g)); err != nil {
		return model.SecurityPolicyGroup{}, err
	}
	return g, nil
}

// SecurityPolicyGroupFilter selects groups in a search.
type SecurityPolicyGroupFilter struct {
	Owner, Group            string
	EnabledOnly, GlobalOnly bool
}

// SearchSecurityPolicyGroups returns the groups the caller may see (all
// for admins, else global ones and their own) that match f.
func (s *Service) SearchSecurityPolicyGroups(ctx context.Context, f SecurityPolicyGroupFilter) ([]model.SecurityPolicyGroup, error) {
	if err := Authorize(ctx, model.PermSecurityGroupRead); err != nil {
		return nil, err
	}
	all, err := s.db.ListSecurityPolicyGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := []model.SecurityPolicyGroup{}
	for _, g := range all {
		switch {
		case !visibleTo(ctx, model.PermSecurityGroupRead, securityGroupObject(g)),
			f.Owner != "" && g.Owner != f.Owner,
			f.Group != "" && g.Group != f.Group,
			f.EnabledOnly && !g.Enabled,
			f.GlobalOnly && !g.Global:
			continue
		}
		out = append(out, g)
	}
	return out, nil
}

// editSecurityPolicyGroup runs edit on a group in a transaction that
// holds its row, and stores the result.
func (s *Service) editSecurityPolicyGroup(ctx context.Context, id string, edit func(g *model.SecurityPolicyGroup) error) error {
	if _, err := caller(ctx); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := q.LockSecurityPolicyGroup(ctx, id)
		if err != nil {
			return notFound(err, "security policy group", id)
		}
		if err := authorizeOn(ctx, model.PermSecurityGroupUpdate, securityGroupObject(g)); err != nil {
			return err
		}
		if err := edit(&g); err != nil {
			return err
		}
		g.UpdatedAt = now()
		return conflict(q.UpdateSecurityPolicyGroup(ctx, g), "a security policy group named %q already exists", g.Name)
	})
}

// UpdateSecurityPolicyGroup changes a group's settings; guests made with
// it keep their policy.
func (s *Service) UpdateSecurityPolicyGroup(ctx context.Context, id string, set SecurityPolicyGroupSettings) error {
	tenant, err := set.check(ctx, s)
	if err != nil {
		return err
	}
	return s.editSecurityPolicyGroup(ctx, id, func(g *model.SecurityPolicyGroup) error {
		g.Name, g.Description, g.Owner, g.Group, g.TenantID = set.Name, set.Description, set.Owner, set.Group, tenant
		g.Enabled, g.Global, g.DefaultAction = set.Enabled, set.Global, set.DefaultAction
		return nil
	})
}

// DeleteSecurityPolicyGroup removes a group; guests made with it keep
// their policy.
func (s *Service) DeleteSecurityPolicyGroup(ctx context.Context, id string) error {
	if _, err := caller(ctx); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := q.LockSecurityPolicyGroup(ctx, id)
		if err != nil {
			return notFound(err, "security policy group", id)
		}
		if err := authorizeOn(ctx, model.PermSecurityGroupDelete, securityGroupObject(g)); err != nil {
			return err
		}
		return notFound(q.DeleteSecurityPolicyGroup(ctx, id), "security policy group", id)
	})
}

// RuleEdit is one change to an ordered rule list.
type RuleEdit struct {
	Op    RuleOp
	Index int
	Rule  model.SecurityRule // for add and modify
	Up    bool               // for move
}

// RuleOp names a rule list change.
type RuleOp int

// Rule list changes.
const (
	RuleAdd RuleOp = iota
	RuleModify
	RuleMove
	RuleRemove
)

// applyRuleEdit changes rules as e says. Moving the first rule up or the
// last one down is refused, so the caller learns nothing happened.
func applyRuleEdit(rules []model.SecurityRule, e RuleEdit) ([]model.SecurityRule, error) {
	if e.Op == RuleAdd || e.Op == RuleModify {
		if err := CheckSecurityRule(&e.Rule); err != nil {
			return nil, err
		}
	}
	if e.Op != RuleAdd && (e.Index < 0 || e.Index >= len(rules)) {
		return nil, model.Errorf(model.CodeNotFound, "rule %d not found: the policy has %d rules (indexes from 0)", e.Index, len(rules))
	}
	out := append([]model.SecurityRule{}, rules...)
	switch e.Op {
	case RuleAdd:
		out = append(out, e.Rule)
	case RuleModify:
		out[e.Index] = e.Rule
	case RuleRemove:
		out = append(out[:e.Index], out[e.Index+1:]...)
	case RuleMove:
		to := e.Index + 1
		if e.Up {
			to = e.Index - 1
		}
		if to < 0 || to >= len(out) {
			return nil, model.Errorf(model.CodeConflict, "rule %d is already the %s", e.Index, map[bool]string{true: "first", false: "last"}[e.Up])
		}
		out[e.Index], out[to] = out[to], out[e.Index]
	}
	return out, nil
}

// ParseDirection reads the document's move direction.
func ParseDirection(d string) (up bool, err error) {
	switch strings.ToLower(d) {
	case "up":
		return true, nil
	case "down":
		return false, nil
	}
	return false, model.FieldError("direction", "%q is not a direction: use up or down", d)
}

// EditSecurityPolicyGroupRules changes a group's rules.
func (s *Service) EditSecurityPolicyGroupRules(ctx context.Context, id string, e RuleEdit) error {
	return s.editSecurityPolicyGroup(ctx, id, func(g *model.SecurityPolicyGroup) error {
		rules, err := applyRuleEdit(g.Rules, e)
		g.Rules = rules
		return err
	})
}

// policyFromGroup is the policy a new VM gets from a group: a copy, which
// later changes to the group do not touch.
func (s *Service) policyFromGroup(ctx context.Context, id string) (*model.SecurityPolicy, error) {
	g, err := s.GetSecurityPolicyGroup(ctx, id)
	if err != nil {
		return nil, err
	}
	if !g.Enabled {
		return nil, model.Errorf(model.CodeConflict, "security policy group %s is disabled", g.Name)
	}
	p := &model.SecurityPolicy{DefaultAction: g.DefaultAction, Rules: g.Rules}
	if err := enforceable(*p); err != nil {
		return nil, err
	}
	return p, nil
}
