package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Enforcement. Every Kumo guest's NIC is QEMU user-mode NAT: the host
// kernel never sees the guest's packets, so no host firewall (nftables)
// can filter them per guest, and the NAT itself lets no inbound
// connection reach the guest (Kumo's Nano dialect makes no port
// forwards). What user-mode NAT really does is therefore "reject
// everything inbound". Kumo stores a guest's policy, and accepts any
// policy that this behaviour honours: default action reject and reject
// rules. A policy that would let traffic in (default accept, or an
// accept rule) cannot be enforced, and is refused with a conflict rather
// than stored as if it worked. Tap/bridge NICs with nftables rules are
// where this would change.

// natPolicy is the policy user-mode NAT enforces by itself, and what a
// guest without a stored policy reports.
func natPolicy(vmID string) model.SecurityPolicy {
	return model.SecurityPolicy{VMID: vmID, DefaultAction: model.ActionReject, Rules: []model.SecurityRule{}}
}

// ErrPolicyNotEnforceable explains why user-mode NAT refuses a policy.
var ErrPolicyNotEnforceable = errors.New("guests on QEMU user-mode NAT take no inbound traffic and no host firewall sees their packets, " +
	"so Kumo cannot enforce per-guest accept rules or an accept default; only reject policies are honoured")

// enforceable says whether user-mode NAT honours p.
func enforceable(p model.SecurityPolicy) error {
	if p.DefaultAction != model.ActionReject {
		return &model.Error{Code: model.CodeConflict, Message: fmt.Sprintf("default action %s cannot be enforced: %v", p.DefaultAction, ErrPolicyNotEnforceable)}
	}
	for i, r := range p.Rules {
		if r.Action != model.ActionReject {
			return &model.Error{Code: model.CodeConflict, Message: fmt.Sprintf("rule %d (%s %s port %d) cannot be enforced: %v",
				i, r.Action, r.Protocol, r.ToPort, ErrPolicyNotEnforceable)}
		}
	}
	return nil
}

// GetSecurityPolicy returns a VM's security policy.
func (s *Service) GetSecurityPolicy(ctx context.Context, vmID string) (model.SecurityPolicy, error) {
	vm, err := s.GetVM(ctx, vmID)
	if err != nil {
		return model.SecurityPolicy{}, err
	}
	p, err := s.db.GetSecurityPolicy(ctx, vm.ID)
	if errors.Is(err, store.ErrNotFound) {
		return natPolicy(vm.ID), nil
	}
	return p, err
}

// editSecurityPolicy changes a VM's policy in one transaction and stores
// it only if the VM's network can enforce the result.
func (s *Service) editSecurityPolicy(ctx context.Context, vmID string, edit func(p *model.SecurityPolicy) error) error {
	vm, err := s.reachVM(ctx, vmID, model.PermVMUpdate)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		// Locks the VM's row (PostgreSQL) so that edits take turns.
		if err := q.LockVMPolicy(ctx, vm.ID); err != nil {
			return notFound(err, "VM", vmID)
		}
		p, err := q.GetSecurityPolicy(ctx, vm.ID)
		if errors.Is(err, store.ErrNotFound) {
			p, err = natPolicy(vm.ID), nil
		}
		if err != nil {
			return err
		}
		if err := edit(&p); err != nil {
			return err
		}
		if err := enforceable(p); err != nil {
			return err
		}
		p.UpdatedAt = now()
		return q.PutSecurityPolicy(ctx, p)
	})
}

// SetSecurityDefaultAction sets what happens to packets no rule matches.
func (s *Service) SetSecurityDefaultAction(ctx context.Context, vmID, action string) error {
	if action == "" {
		return model.FieldError("action", "is required: accept or reject")
	}
	if err := checkAction("action", &action); err != nil {
		return err
	}
	return s.editSecurityPolicy(ctx, vmID, func(p *model.SecurityPolicy) error {
		p.DefaultAction = action
		return nil
	})
}

// EditSecurityRules changes a VM's rules.
func (s *Service) EditSecurityRules(ctx context.Context, vmID string, e RuleEdit) error {
	return s.editSecurityPolicy(ctx, vmID, func(p *model.SecurityPolicy) error {
		rules, err := applyRuleEdit(p.Rules, e)
		p.Rules = rules
		return err
	})
}
