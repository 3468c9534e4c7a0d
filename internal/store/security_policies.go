package store

import (
	"context"
	"encoding/json"

	"github.com/kumo-cloud/kumo/internal/model"
)

func rulesJSON(rules []model.SecurityRule) string {
	if rules == nil {
		rules = []model.SecurityRule{}
	}
	b, _ := json.Marshal(rules)
	return string(b)
}

func parseRules(raw string) ([]model.SecurityRule, error) {
	rules := []model.SecurityRule{}
	if raw == "" {
		return rules, nil
	}
	return rules, json.Unmarshal([]byte(raw), &rules)
}

const securityGroupColumns = `id, name, description, owner, user_group, enabled, is_global, default_action, rules, created_at, updated_at, tenant_id`

func scanSecurityGroup(s scanner) (model.SecurityPolicyGroup, error) {
	var g model.SecurityPolicyGroup
	var rules string
	var created, updated int64
	err := s.Scan(&g.ID, &g.Name, &g.Description, &g.Owner, &g.Group, &g.Enabled, &g.Global, &g.DefaultAction, &rules, &created, &updated, &g.TenantID)
	g.CreatedAt, g.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err == nil {
		g.Rules, err = parseRules(rules)
	}
	return g, classify(err)
}

// CreateSecurityPolicyGroup inserts a security policy group.
func (q Queries) CreateSecurityPolicyGroup(ctx context.Context, g model.SecurityPolicyGroup) error {
	g.TenantID = tenantOrDefault(g.TenantID)
	_, err := q.q.ExecContext(ctx, `INSERT INTO security_policy_groups (`+securityGroupColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		g.ID, g.Name, g.Description, g.Owner, g.Group, g.Enabled, g.Global, g.DefaultAction, rulesJSON(g.Rules),
		micros(g.CreatedAt), micros(g.UpdatedAt), g.TenantID)
	return classify(err)
}

// GetSecurityPolicyGroup returns a group by id.
func (q Queries) GetSecurityPolicyGroup(ctx context.Context, id string) (model.SecurityPolicyGroup, error) {
	return scanSecurityGroup(q.q.QueryRowContext(ctx, `SELECT `+securityGroupColumns+` FROM security_policy_groups WHERE id = $1`, id))
}

// LockSecurityPolicyGroup returns a group for a read-modify-write in a
// transaction: the no-op UPDATE locks its row on PostgreSQL until commit,
// so concurrent rule edits do not lose each other's changes.
func (q Queries) LockSecurityPolicyGroup(ctx context.Context, id string) (model.SecurityPolicyGroup, error) {
	if err := q.execOne(ctx, `UPDATE security_policy_groups SET updated_at = updated_at WHERE id = $1`, id); err != nil {
		return model.SecurityPolicyGroup{}, err
	}
	return q.GetSecurityPolicyGroup(ctx, id)
}

// ListSecurityPolicyGroups returns all groups by name.
func (q Queries) ListSecurityPolicyGroups(ctx context.Context) ([]model.SecurityPolicyGroup, error) {
	return queryAll(ctx, q.q, scanSecurityGroup, `SELECT `+securityGroupColumns+` FROM security_policy_groups ORDER BY name`)
}

// UpdateSecurityPolicyGroup writes a group whole, rules included.
func (q Queries) UpdateSecurityPolicyGroup(ctx context.Context, g model.SecurityPolicyGroup) error {
	g.TenantID = tenantOrDefault(g.TenantID)
	return q.execOne(ctx, `UPDATE security_policy_groups SET name = $2, description = $3, owner = $4, user_group = $5,
		enabled = $6, is_global = $7, default_action = $8, rules = $9, updated_at = $10, tenant_id = $11 WHERE id = $1`,
		g.ID, g.Name, g.Description, g.Owner, g.Group, g.Enabled, g.Global, g.DefaultAction, rulesJSON(g.Rules), micros(g.UpdatedAt), g.TenantID)
}

// DeleteSecurityPolicyGroup removes a group; guests made with it keep
// their own copy of its rules.
func (q Queries) DeleteSecurityPolicyGroup(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM security_policy_groups WHERE id = $1`, id)
}

const securityPolicyColumns = `vm_id, default_action, rules, updated_at`

func scanSecurityPolicy(s scanner) (model.SecurityPolicy, error) {
	var p model.SecurityPolicy
	var rules string
	var updated int64
	err := s.Scan(&p.VMID, &p.DefaultAction, &rules, &updated)
	p.UpdatedAt = fromMicros(updated)
	if err == nil {
		p.Rules, err = parseRules(rules)
	}
	return p, classify(err)
}

// GetSecurityPolicy returns the stored policy of a VM (ErrNotFound if it
// has none of its own).
func (q Queries) GetSecurityPolicy(ctx context.Context, vmID string) (model.SecurityPolicy, error) {
	return scanSecurityPolicy(q.q.QueryRowContext(ctx, `SELECT `+securityPolicyColumns+` FROM vm_security_policies WHERE vm_id = $1`, vmID))
}

// PutSecurityPolicy stores a VM's policy whole.
func (q Queries) PutSecurityPolicy(ctx context.Context, p model.SecurityPolicy) error {
	res, err := q.q.ExecContext(ctx, `UPDATE vm_security_policies SET default_action = $2, rules = $3, updated_at = $4 WHERE vm_id = $1`,
		p.VMID, p.DefaultAction, rulesJSON(p.Rules), micros(p.UpdatedAt))
	if err != nil {
		return classify(err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = q.q.ExecContext(ctx, `INSERT INTO vm_security_policies (`+securityPolicyColumns+`) VALUES ($1, $2, $3, $4)`,
		p.VMID, p.DefaultAction, rulesJSON(p.Rules), micros(p.UpdatedAt))
	return classify(err)
}

// LockVMPolicy takes the VM's row lock (on PostgreSQL; SQLite
// transactions are serialised already) so that edits of its policy take
// turns; it changes nothing.
func (q Queries) LockVMPolicy(ctx context.Context, vmID string) error {
	return q.execOne(ctx, `UPDATE vms SET updated_at = updated_at WHERE id = $1`, vmID)
}
