package store

import (
	"context"
	"strconv"
	"strings"
)

// What converting the ZStack dialect's documents of the pre-tenant
// format (service.ImportLegacy) needs beyond the everyday queries.

// ListZStackResourcesOfKinds returns the documents of any of the kinds,
// oldest first, in one query.
func (q Queries) ListZStackResourcesOfKinds(ctx context.Context, kinds []string) ([]ZStackResource, error) {
	if len(kinds) == 0 {
		return []ZStackResource{}, nil
	}
	marks := make([]string, len(kinds))
	args := make([]any, len(kinds))
	for i, k := range kinds {
		marks[i], args[i] = "$"+strconv.Itoa(i+1), k
	}
	return queryAll(ctx, q.q, scanZStackResource, `SELECT kind, uuid, body, created_at FROM zstack_resources
		WHERE kind IN (`+strings.Join(marks, ", ")+`) ORDER BY created_at, kind, uuid`, args...)
}

// MoveUserToTenant makes a user a member (or the admin) of a tenant. Its
// memberships in groups and bindings to roles of other tenants end, since
// a group and a role are of one tenant; it returns how many ended.
func (q Queries) MoveUserToTenant(ctx context.Context, userID, tenantID string, tenantAdmin bool, now int64) (int64, error) {
	if err := q.execOne(ctx, `UPDATE users SET tenant_id = $2, tenant_admin = $3, updated_at = $4 WHERE id = $1`,
		userID, tenantID, tenantAdmin, now); err != nil {
		return 0, err
	}
	var ended int64
	for _, stmt := range []string{
		`DELETE FROM iam_group_members WHERE user_id = $1 AND group_id IN (SELECT id FROM iam_groups WHERE tenant_id <> $2)`,
		`DELETE FROM iam_user_roles WHERE user_id = $1 AND role_id IN (SELECT id FROM iam_roles WHERE tenant_id <> $2)`,
	} {
		res, err := q.q.ExecContext(ctx, stmt, userID, tenantID)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		ended += n
	}
	return ended, nil
}

// MoveOwnedObjects puts every object a user owns (VMs, images, LANs,
// bare-metal machines, security policy groups, schedule jobs and
// triggers) into a tenant, out of any group of the old one, and returns
// how many moved.
func (q Queries) MoveOwnedObjects(ctx context.Context, ownerName, ownerID, tenantID string) (int64, error) {
	var moved int64
	byName := []any{ownerName, tenantID}
	byID := []any{ownerID, tenantID}
	for _, u := range []struct {
		stmt string
		args []any
	}{
		{`UPDATE vms SET tenant_id = $2, user_group = '' WHERE owner = $1`, byName},
		{`UPDATE images SET tenant_id = $2, user_group = '' WHERE owner = $1`, byName},
		{`UPDATE security_policy_groups SET tenant_id = $2, user_group = '' WHERE owner = $1`, byName},
		{`UPDATE lans SET tenant_id = $2 WHERE owner = $1`, byName},
		{`UPDATE bare_metals SET tenant_id = $2 WHERE owner = $1`, byName},
		{`UPDATE schedule_jobs SET tenant_id = $2 WHERE owner_id = $1`, byID},
		{`UPDATE schedule_triggers SET tenant_id = $2 WHERE owner_id = $1`, byID},
	} {
		res, err := q.q.ExecContext(ctx, u.stmt, u.args...)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		moved += n
	}
	return moved, nil
}
