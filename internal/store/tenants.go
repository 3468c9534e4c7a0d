package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Tenants, their quotas and usage, and shares of objects between them.

// tenantOrDefault is the tenant an object is stored in: objects made
// without one belong to the platform's own tenant.
func tenantOrDefault(id string) string {
	if id == "" {
		return model.DefaultTenantID
	}
	return id
}

const tenantColumns = `id, name, kind, description, instance_visible, disk_image_visible, media_image_visible, created_at, updated_at`

func scanTenant(s scanner) (model.Tenant, error) {
	var t model.Tenant
	var created, updated int64
	err := s.Scan(&t.ID, &t.Name, &t.Kind, &t.Description, &t.Visibility.Instances, &t.Visibility.DiskImages,
		&t.Visibility.MediaImages, &created, &updated)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, classify(err)
}

// CreateTenant inserts a tenant; ErrConflict if its id or name is taken.
func (q Queries) CreateTenant(ctx context.Context, t model.Tenant) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.Name, t.Kind, t.Description, t.Visibility.Instances, t.Visibility.DiskImages, t.Visibility.MediaImages,
		micros(t.CreatedAt), micros(t.UpdatedAt))
	return classify(err)
}

// GetTenant returns a tenant by id or name.
func (q Queries) GetTenant(ctx context.Context, idOrName string) (model.Tenant, error) {
	return scanTenant(q.q.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1 OR name = $1
		ORDER BY id = $1 DESC LIMIT 1`, idOrName))
}

// ListTenants returns every tenant by name.
func (q Queries) ListTenants(ctx context.Context) ([]model.Tenant, error) {
	return queryAll(ctx, q.q, scanTenant, `SELECT `+tenantColumns+` FROM tenants ORDER BY name`)
}

// UpdateTenant stores a tenant's description and visibility.
func (q Queries) UpdateTenant(ctx context.Context, t model.Tenant) error {
	return q.execOne(ctx, `UPDATE tenants SET description = $2, instance_visible = $3, disk_image_visible = $4,
		media_image_visible = $5, updated_at = $6 WHERE id = $1`,
		t.ID, t.Description, t.Visibility.Instances, t.Visibility.DiskImages, t.Visibility.MediaImages, micros(t.UpdatedAt))
}

// DeleteTenant removes a tenant with its quotas and the shares made to
// it. Its users and objects keep it from going (foreign keys).
func (q Queries) DeleteTenant(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM tenants WHERE id = $1`, id)
}

// LockTenant makes the transaction the only one changing what a tenant
// holds until it ends: the UPDATE locks the tenant's row on PostgreSQL
// (SQLite has one writer at a time anyway). Quota checks take it first,
// so two creates cannot both take the last of a quota.
func (q Queries) LockTenant(ctx context.Context, id string) error {
	return q.execOne(ctx, `UPDATE tenants SET quota_seq = quota_seq + 1 WHERE id = $1`, id)
}

// SetQuota sets a tenant's limit of a quota.
func (q Queries) SetQuota(ctx context.Context, qt model.Quota) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO quotas (tenant_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		qt.TenantID, qt.Name, qt.Value, micros(qt.UpdatedAt))
	return classify(err)
}

// DeleteQuota lifts a tenant's limit of a quota.
func (q Queries) DeleteQuota(ctx context.Context, tenantID, name string) error {
	return q.execOne(ctx, `DELETE FROM quotas WHERE tenant_id = $1 AND name = $2`, tenantID, name)
}

// ListQuotas returns a tenant's limits ("" for every tenant's).
func (q Queries) ListQuotas(ctx context.Context, tenantID string) ([]model.Quota, error) {
	return queryAll(ctx, q.q, func(s scanner) (model.Quota, error) {
		var qt model.Quota
		var updated int64
		err := s.Scan(&qt.TenantID, &qt.Name, &qt.Value, &updated)
		qt.UpdatedAt = fromMicros(updated)
		return qt, classify(err)
	}, `SELECT tenant_id, name, value, updated_at FROM quotas WHERE $1 = '' OR tenant_id = $1 ORDER BY tenant_id, name`, tenantID)
}

// Keys of TenantUsage beside the quota names.
const (
	HoldsLANs       = "lans"
	HoldsBareMetals = "bare_metals"
)

// TenantUsage returns what a tenant holds, by quota name (and HoldsLANs,
// HoldsBareMetals).
func (q Queries) TenantUsage(ctx context.Context, tenantID string) (map[string]int64, error) {
	used := map[string]int64{}
	rows, err := q.q.QueryContext(ctx, `SELECT cores, memory_mib, disk_bytes, data_disks, power_state FROM vms WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var cores, mem, disk int64
		var dataDisks string
		var power model.PowerState
		if err := rows.Scan(&cores, &mem, &disk, &dataDisks, &power); err != nil {
			return nil, err
		}
		used[model.QuotaVMCount]++
		used[model.QuotaVMCores] += cores
		used[model.QuotaVMMemory] += mem << 20
		used[model.QuotaDiskBytes] += disk
		if dataDisks != "" {
			var dds []model.DataDisk
			if err := json.Unmarshal([]byte(dataDisks), &dds); err != nil {
				return nil, err
			}
			for _, d := range dds {
				used[model.QuotaDiskBytes] += d.SizeBytes
			}
		}
		if power != model.PowerStopped {
			used[model.QuotaVMRunning]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var n, bytes sql.NullInt64
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*), SUM(size_bytes) FROM images WHERE tenant_id = $1`, tenantID).Scan(&n, &bytes); err != nil {
		return nil, err
	}
	used[model.QuotaImageCount], used[model.QuotaImageBytes] = n.Int64, bytes.Int64
	// Not quotas, but what keeps a tenant from being deleted.
	for key, table := range map[string]string{HoldsLANs: "lans", HoldsBareMetals: "bare_metals"} {
		var c int64
		if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE tenant_id = $1`, tenantID).Scan(&c); err != nil {
			return nil, err
		}
		used[key] = c
	}
	return used, nil
}

// ShareObject shares an object with a tenant ("" for every tenant);
// sharing it again is no change.
func (q Queries) ShareObject(ctx context.Context, sh model.Share) error {
	table, column := shareTable(sh.ObjectKind)
	var tenant any
	if sh.TenantID != "" {
		tenant = sh.TenantID
	}
	_, err := q.q.ExecContext(ctx, `INSERT INTO `+table+` (`+column+`, tenant_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		sh.ObjectID, tenant, micros(sh.CreatedAt))
	return classify(err)
}

// UnshareObject revokes a share; all of them when allTenants.
func (q Queries) UnshareObject(ctx context.Context, kind, objectID, tenantID string, allTenants bool) error {
	table, column := shareTable(kind)
	if allTenants {
		_, err := q.q.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+column+` = $1`, objectID)
		return err
	}
	_, err := q.q.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+column+` = $1 AND COALESCE(tenant_id, '') = $2`, objectID, tenantID)
	return err
}

// ListShares returns the shares of a kind of object, oldest first.
func (q Queries) ListShares(ctx context.Context, kind string) ([]model.Share, error) {
	table, column := shareTable(kind)
	return queryAll(ctx, q.q, func(s scanner) (model.Share, error) {
		sh := model.Share{ObjectKind: kind}
		var created int64
		err := s.Scan(&sh.ObjectID, &sh.TenantID, &created)
		sh.CreatedAt = fromMicros(created)
		return sh, classify(err)
	}, `SELECT `+column+`, COALESCE(tenant_id, ''), created_at FROM `+table+` ORDER BY created_at, `+column)
}

func shareTable(kind string) (table, column string) {
	if kind == "vm" {
		return "vm_shares", "vm_id"
	}
	return "image_shares", "image_id"
}

// DeleteTenantObjects removes a tenant's users (with their sessions,
// memberships and bindings), groups and roles, before the tenant goes.
func (q Queries) DeleteTenantObjects(ctx context.Context, tenantID string) error {
	for _, stmt := range []string{
		`DELETE FROM iam_group_roles WHERE group_id IN (SELECT id FROM iam_groups WHERE tenant_id = $1)`,
		`DELETE FROM iam_group_roles WHERE role_id IN (SELECT id FROM iam_roles WHERE tenant_id = $1)`,
		`DELETE FROM iam_groups WHERE tenant_id = $1`,
		`DELETE FROM iam_roles WHERE tenant_id = $1`,
		`DELETE FROM users WHERE tenant_id = $1`,
	} {
		if _, err := q.q.ExecContext(ctx, stmt, tenantID); err != nil {
			return err
		}
	}
	return nil
}
