package store

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Roles, user groups, their members and role bindings, and the
// operation log. A role's statements are JSON; groups, members and
// bindings are rows with foreign keys, so deleting a user or a group
// ends its memberships and bindings.

const roleColumns = `id, tenant_id, name, description, statements, builtin, created_at, updated_at`

func scanRole(s scanner) (model.Role, error) {
	var r model.Role
	var statements string
	var created, updated int64
	err := s.Scan(&r.ID, &r.TenantID, &r.Name, &r.Description, &statements, &r.Builtin, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err == nil {
		err = json.Unmarshal([]byte(statements), &r.Statements)
	}
	if r.Statements == nil {
		r.Statements = []model.Statement{}
	}
	return r, classify(err)
}

func statementsJSON(sts []model.Statement) string {
	if len(sts) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(sts)
	return string(b)
}

// CreateRole inserts a role.
func (q Queries) CreateRole(ctx context.Context, r model.Role) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO iam_roles (`+roleColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.ID, r.TenantID, r.Name, r.Description, statementsJSON(r.Statements), r.Builtin, micros(r.CreatedAt), micros(r.UpdatedAt))
	return classify(err)
}

// GetRole returns a role of a tenant by id or name.
func (q Queries) GetRole(ctx context.Context, tenantID, idOrName string) (model.Role, error) {
	return scanRole(q.q.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM iam_roles WHERE tenant_id = $1 AND (id = $2 OR name = $2)
		ORDER BY id = $2 DESC LIMIT 1`, tenantID, idOrName))
}

// GetRoleByID returns a role by id, whatever its tenant.
func (q Queries) GetRoleByID(ctx context.Context, id string) (model.Role, error) {
	return scanRole(q.q.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM iam_roles WHERE id = $1`, id))
}

// ListRoles returns the roles of a tenant ("" for every tenant) by name.
func (q Queries) ListRoles(ctx context.Context, tenantID string) ([]model.Role, error) {
	return queryAll(ctx, q.q, scanRole, `SELECT `+roleColumns+` FROM iam_roles WHERE $1 = '' OR tenant_id = $1 ORDER BY name, id`, tenantID)
}

// UpdateRole stores a role's name, description and statements.
func (q Queries) UpdateRole(ctx context.Context, r model.Role) error {
	return q.execOne(ctx, `UPDATE iam_roles SET name = $2, description = $3, statements = $4, updated_at = $5 WHERE id = $1`,
		r.ID, r.Name, r.Description, statementsJSON(r.Statements), micros(r.UpdatedAt))
}

// DeleteRole removes a role and its user bindings; group bindings keep
// it (a foreign key), so callers unbind it from groups first.
func (q Queries) DeleteRole(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM iam_roles WHERE id = $1`, id)
}

// GroupsWithRole returns the names of the groups holding a role.
func (q Queries) GroupsWithRole(ctx context.Context, roleID string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT g.name FROM iam_group_roles gr JOIN iam_groups g ON g.id = gr.group_id
		WHERE gr.role_id = $1 ORDER BY g.name`, roleID)
}

// UsersWithRole returns the ids of the users a role is bound to.
func (q Queries) UsersWithRole(ctx context.Context, roleID string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT user_id FROM iam_user_roles WHERE role_id = $1 ORDER BY user_id`, roleID)
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, classify(err)
}

const groupColumns = `g.id, g.tenant_id, g.name, g.display, g.description, g.instance_visible, g.disk_image_visible,
	g.media_image_visible, g.created_at, g.updated_at,
	(SELECT COUNT(*) FROM iam_group_members m WHERE m.group_id = g.id)`

func scanGroup(s scanner) (model.UserGroup, error) {
	var g model.UserGroup
	var created, updated int64
	err := s.Scan(&g.ID, &g.TenantID, &g.Name, &g.Display, &g.Description, &g.Visibility.Instances, &g.Visibility.DiskImages,
		&g.Visibility.MediaImages, &created, &updated, &g.MemberCount)
	g.CreatedAt, g.UpdatedAt = fromMicros(created), fromMicros(updated)
	return g, classify(err)
}

// CreateUserGroup inserts a group without roles or members.
func (q Queries) CreateUserGroup(ctx context.Context, g model.UserGroup) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO iam_groups (id, tenant_id, name, display, description, instance_visible,
		disk_image_visible, media_image_visible, builtin, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, $9, $10)`,
		g.ID, g.TenantID, g.Name, g.Display, g.Description, g.Visibility.Instances, g.Visibility.DiskImages, g.Visibility.MediaImages,
		micros(g.CreatedAt), micros(g.UpdatedAt))
	return classify(err)
}

func (q Queries) fillGroup(ctx context.Context, g model.UserGroup, err error) (model.UserGroup, error) {
	if err != nil {
		return g, err
	}
	if g.Roles, err = q.GroupRoles(ctx, g.ID); err != nil {
		return g, err
	}
	g.Members, err = q.GroupMembers(ctx, g.ID)
	return g, err
}

// GetUserGroup returns a group of a tenant by id or name, with its role
// and member names.
func (q Queries) GetUserGroup(ctx context.Context, tenantID, idOrName string) (model.UserGroup, error) {
	g, err := scanGroup(q.q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM iam_groups g
		WHERE g.tenant_id = $1 AND (g.id = $2 OR g.name = $2) ORDER BY g.id = $2 DESC LIMIT 1`, tenantID, idOrName))
	return q.fillGroup(ctx, g, err)
}

// GetUserGroupByID returns a group by id, whatever its tenant.
func (q Queries) GetUserGroupByID(ctx context.Context, id string) (model.UserGroup, error) {
	g, err := scanGroup(q.q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM iam_groups g WHERE g.id = $1`, id))
	return q.fillGroup(ctx, g, err)
}

// ListUserGroups returns the groups of a tenant ("" for every tenant) by
// name, with member counts but without roles and member names.
func (q Queries) ListUserGroups(ctx context.Context, tenantID string) ([]model.UserGroup, error) {
	return queryAll(ctx, q.q, scanGroup, `SELECT `+groupColumns+` FROM iam_groups g WHERE $1 = '' OR g.tenant_id = $1
		ORDER BY g.name, g.id`, tenantID)
}

// UpdateUserGroup stores a group's name, display name, description and
// visibility.
func (q Queries) UpdateUserGroup(ctx context.Context, g model.UserGroup) error {
	return q.execOne(ctx, `UPDATE iam_groups SET name = $2, display = $3, description = $4, instance_visible = $5,
		disk_image_visible = $6, media_image_visible = $7, updated_at = $8 WHERE id = $1`,
		g.ID, g.Name, g.Display, g.Description, g.Visibility.Instances, g.Visibility.DiskImages, g.Visibility.MediaImages,
		micros(g.UpdatedAt))
}

// DeleteUserGroup removes a group with its memberships and role bindings.
func (q Queries) DeleteUserGroup(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM iam_groups WHERE id = $1`, id)
}

// GroupRoles returns the names of a group's roles.
func (q Queries) GroupRoles(ctx context.Context, groupID string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT r.name FROM iam_group_roles gr JOIN iam_roles r ON r.id = gr.role_id
		WHERE gr.group_id = $1 ORDER BY r.name`, groupID)
}

// SetGroupRoles replaces a group's roles (by id); the roles must exist.
func (q Queries) SetGroupRoles(ctx context.Context, groupID string, roleIDs []string) error {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM iam_group_roles WHERE group_id = $1`, groupID); err != nil {
		return err
	}
	for _, r := range roleIDs {
		if err := q.BindGroupRole(ctx, groupID, r); err != nil {
			return err
		}
	}
	return nil
}

// BindGroupRole binds a role to a group; binding it again is no change.
func (q Queries) BindGroupRole(ctx context.Context, groupID, roleID string) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO iam_group_roles (group_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, groupID, roleID)
	return classify(err)
}

// UnbindGroupRole takes a role from a group.
func (q Queries) UnbindGroupRole(ctx context.Context, groupID, roleID string) error {
	return q.execOne(ctx, `DELETE FROM iam_group_roles WHERE group_id = $1 AND role_id = $2`, groupID, roleID)
}

// UnbindRoleEverywhere takes a role from every group and user.
func (q Queries) UnbindRoleEverywhere(ctx context.Context, roleID string) error {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM iam_group_roles WHERE role_id = $1`, roleID); err != nil {
		return err
	}
	_, err := q.q.ExecContext(ctx, `DELETE FROM iam_user_roles WHERE role_id = $1`, roleID)
	return err
}

// BindUserRole binds a role to a user; binding it again is no change.
func (q Queries) BindUserRole(ctx context.Context, userID, roleID string) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO iam_user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, userID, roleID)
	return classify(err)
}

// UnbindUserRole takes a role from a user.
func (q Queries) UnbindUserRole(ctx context.Context, userID, roleID string) error {
	return q.execOne(ctx, `DELETE FROM iam_user_roles WHERE user_id = $1 AND role_id = $2`, userID, roleID)
}

// UserRoles returns the roles bound to a user directly, by name.
func (q Queries) UserRoles(ctx context.Context, userID string) ([]model.Role, error) {
	return queryAll(ctx, q.q, scanRole, `SELECT `+prefixed("r.", roleColumns)+` FROM iam_user_roles ur
		JOIN iam_roles r ON r.id = ur.role_id WHERE ur.user_id = $1 ORDER BY r.name`, userID)
}

// GroupRoleObjects returns the roles bound to a group, by name.
func (q Queries) GroupRoleObjects(ctx context.Context, groupID string) ([]model.Role, error) {
	return queryAll(ctx, q.q, scanRole, `SELECT `+prefixed("r.", roleColumns)+` FROM iam_group_roles gr
		JOIN iam_roles r ON r.id = gr.role_id WHERE gr.group_id = $1 ORDER BY r.name`, groupID)
}

// prefixed qualifies each column of a comma list.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// GroupMembers returns the names of a group's members.
func (q Queries) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT u.name FROM iam_group_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = $1 ORDER BY u.name`, groupID)
}

// AddGroupMember puts a user into a group; ErrConflict if it is in it.
func (q Queries) AddGroupMember(ctx context.Context, groupID, userID string) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO iam_group_members (group_id, user_id) VALUES ($1, $2)`, groupID, userID)
	return classify(err)
}

// RemoveGroupMember takes a user out of a group.
func (q Queries) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return q.execOne(ctx, `DELETE FROM iam_group_members WHERE user_id = $1 AND group_id = $2`, userID, groupID)
}

// UserGroups returns the groups a user is in, by name.
func (q Queries) UserGroups(ctx context.Context, userID string) ([]model.UserGroup, error) {
	return queryAll(ctx, q.q, scanGroup, `SELECT `+groupColumns+` FROM iam_groups g
		JOIN iam_group_members m ON m.group_id = g.id WHERE m.user_id = $1 ORDER BY g.name`, userID)
}

// Access is what a user's groups and roles give it: the groups' names
// and visibility, and the statements of every role bound to the user or
// to one of its groups.
type Access struct {
	Groups     []string
	Visibility model.Visibility
	Statements []model.Statement
	// Menus are the bundles the roles' allow statements name.
	Menus []string
}

// UserAccess returns what the user with the given id may do.
func (q Queries) UserAccess(ctx context.Context, userID string) (Access, error) {
	a := Access{Groups: []string{}, Statements: []model.Statement{}, Menus: []string{}}
	groups, err := q.UserGroups(ctx, userID)
	if err != nil {
		return a, err
	}
	roles, err := q.UserRoles(ctx, userID)
	if err != nil {
		return a, err
	}
	for _, g := range groups {
		a.Groups = append(a.Groups, g.Name)
		a.Visibility = a.Visibility.Or(g.Visibility)
		rs, err := q.GroupRoleObjects(ctx, g.ID)
		if err != nil {
			return a, err
		}
		roles = append(roles, rs...)
	}
	seen := map[string]bool{}
	for _, r := range roles {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		a.Statements = append(a.Statements, r.Statements...)
		for _, m := range r.Menus() {
			if !seen["menu:"+m] {
				seen["menu:"+m] = true
				a.Menus = append(a.Menus, m)
			}
		}
	}
	return a, nil
}

// CreateOperationLog appends an entry to the operation log.
func (q Queries) CreateOperationLog(ctx context.Context, l model.OperationLog) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO operation_logs (id, created_at, user_name, address, content) VALUES ($1, $2, $3, $4, $5)`,
		l.ID, micros(l.Time), l.User, l.Address, l.Content)
	return classify(err)
}

// LogFilter selects operation log entries: those at or after After and
// before Before (zero times do not limit), newest first, skipping Offset
// and returning at most Limit (0: all).
type LogFilter struct {
	After, Before time.Time
	Offset, Limit int
	// Users, if not nil, keeps the entries of these users only.
	Users []string
}

func (f LogFilter) where() (string, []any) {
	var conds []string
	var args []any
	if !f.After.IsZero() {
		args = append(args, micros(f.After))
		conds = append(conds, "created_at >= $"+strconv.Itoa(len(args)))
	}
	if !f.Before.IsZero() {
		args = append(args, micros(f.Before))
		conds = append(conds, "created_at < $"+strconv.Itoa(len(args)))
	}
	if f.Users != nil {
		in := []string{"NULL"} // never matches; keeps the list non-empty
		for _, u := range f.Users {
			args = append(args, u)
			in = append(in, "$"+strconv.Itoa(len(args)))
		}
		conds = append(conds, "user_name IN ("+strings.Join(in, ", ")+")")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListOperationLogs returns the entries the filter selects and how many
// entries match it in all (ignoring Offset and Limit).
func (q Queries) ListOperationLogs(ctx context.Context, f LogFilter) ([]model.OperationLog, int, error) {
	where, args := f.where()
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM operation_logs`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	query := `SELECT id, created_at, user_name, address, content FROM operation_logs` + where + ` ORDER BY created_at DESC, id DESC`
	// SQLite needs a LIMIT before an OFFSET, and PostgreSQL has no
	// "LIMIT -1": no limit is the largest one.
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	args = append(args, limit, max(f.Offset, 0))
	query += " LIMIT $" + strconv.Itoa(len(args)-1) + " OFFSET $" + strconv.Itoa(len(args))
	logs, err := queryAll(ctx, q.q, scanOperationLog, query, args...)
	return logs, total, err
}

func scanOperationLog(s scanner) (model.OperationLog, error) {
	var l model.OperationLog
	var at int64
	err := s.Scan(&l.ID, &at, &l.User, &l.Address, &l.Content)
	l.Time = fromMicros(at)
	return l, classify(err)
}

// OperationLogExists reports whether an entry exists.
func (q Queries) OperationLogExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM operation_logs WHERE id = $1`, id).Scan(&n)
	return n > 0, err
}

// DeleteOperationLog removes one entry.
func (q Queries) DeleteOperationLog(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM operation_logs WHERE id = $1`, id)
}
