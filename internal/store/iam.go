package store

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Roles, user groups and their members, resource visibility and the
// operation log. A role's menus are stored comma-joined (menu names are
// validated words without commas); a group's roles and members are rows.

// CreateRole inserts a role.
func (q Queries) CreateRole(ctx context.Context, r model.Role, created time.Time) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO roles (name, menu, created_at) VALUES ($1, $2, $3)`,
		r.Name, strings.Join(r.Menu, ","), micros(created))
	return classify(err)
}

func scanRole(s scanner) (model.Role, error) {
	var r model.Role
	var menu string
	err := s.Scan(&r.Name, &menu)
	r.Menu = splitTags(menu)
	return r, classify(err)
}

// GetRole returns the role with the given name.
func (q Queries) GetRole(ctx context.Context, name string) (model.Role, error) {
	return scanRole(q.q.QueryRowContext(ctx, `SELECT name, menu FROM roles WHERE name = $1`, name))
}

// ListRoles returns all roles by name.
func (q Queries) ListRoles(ctx context.Context) ([]model.Role, error) {
	return queryAll(ctx, q.q, scanRole, `SELECT name, menu FROM roles ORDER BY name`)
}

// SetRoleMenu replaces a role's menus.
func (q Queries) SetRoleMenu(ctx context.Context, name string, menu []string) error {
	return q.execOne(ctx, `UPDATE roles SET menu = $2 WHERE name = $1`, name, strings.Join(menu, ","))
}

// DeleteRole removes a role.
func (q Queries) DeleteRole(ctx context.Context, name string) error {
	return q.execOne(ctx, `DELETE FROM roles WHERE name = $1`, name)
}

// GroupsWithRole returns the names of the groups holding a role.
func (q Queries) GroupsWithRole(ctx context.Context, role string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT group_name FROM user_group_roles WHERE role_name = $1 ORDER BY group_name`, role)
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, classify(err)
}

const groupColumns = `g.name, g.display, g.instance_visible, g.disk_image_visible, g.media_image_visible, g.created_at,
	(SELECT COUNT(*) FROM user_group_members m WHERE m.group_name = g.name)`

func scanGroup(s scanner) (model.UserGroup, error) {
	var g model.UserGroup
	var created int64
	err := s.Scan(&g.Name, &g.Display, &g.Visibility.Instances, &g.Visibility.DiskImages, &g.Visibility.MediaImages,
		&created, &g.MemberCount)
	g.CreatedAt = fromMicros(created)
	return g, classify(err)
}

// CreateUserGroup inserts a group without roles (see SetGroupRoles).
func (q Queries) CreateUserGroup(ctx context.Context, g model.UserGroup) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO user_groups (name, display, instance_visible, disk_image_visible,
		media_image_visible, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		g.Name, g.Display, g.Visibility.Instances, g.Visibility.DiskImages, g.Visibility.MediaImages, micros(g.CreatedAt))
	return classify(err)
}

// GetUserGroup returns a group with its roles and member names.
func (q Queries) GetUserGroup(ctx context.Context, name string) (model.UserGroup, error) {
	g, err := scanGroup(q.q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM user_groups g WHERE g.name = $1`, name))
	if err != nil {
		return g, err
	}
	if g.Roles, err = q.GroupRoles(ctx, name); err != nil {
		return g, err
	}
	g.Members, err = q.GroupMembers(ctx, name)
	return g, err
}

// ListUserGroups returns all groups by name, with member counts but
// without roles and member names.
func (q Queries) ListUserGroups(ctx context.Context) ([]model.UserGroup, error) {
	return queryAll(ctx, q.q, scanGroup, `SELECT `+groupColumns+` FROM user_groups g ORDER BY g.name`)
}

// SetUserGroupDisplay replaces a group's display name.
func (q Queries) SetUserGroupDisplay(ctx context.Context, name, display string) error {
	return q.execOne(ctx, `UPDATE user_groups SET display = $2 WHERE name = $1`, name, display)
}

// SetGroupVisibility replaces a group's resource visibility.
func (q Queries) SetGroupVisibility(ctx context.Context, name string, v model.Visibility) error {
	return q.execOne(ctx, `UPDATE user_groups SET instance_visible = $2, disk_image_visible = $3, media_image_visible = $4
		WHERE name = $1`, name, v.Instances, v.DiskImages, v.MediaImages)
}

// DeleteUserGroup removes a group and its role links. Members keep the
// group from being deleted (a foreign key), so callers check GroupMembers
// first.
func (q Queries) DeleteUserGroup(ctx context.Context, name string) error {
	return q.execOne(ctx, `DELETE FROM user_groups WHERE name = $1`, name)
}

// GroupRoles returns the names of a group's roles.
func (q Queries) GroupRoles(ctx context.Context, group string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT role_name FROM user_group_roles WHERE group_name = $1 ORDER BY role_name`, group)
}

// SetGroupRoles replaces a group's roles; the roles must exist.
func (q Queries) SetGroupRoles(ctx context.Context, group string, roles []string) error {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM user_group_roles WHERE group_name = $1`, group); err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := q.q.ExecContext(ctx, `INSERT INTO user_group_roles (group_name, role_name) VALUES ($1, $2)`, group, r); err != nil {
			return classify(err)
		}
	}
	return nil
}

// GroupMembers returns the names of a group's members.
func (q Queries) GroupMembers(ctx context.Context, group string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT u.name FROM user_group_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_name = $1 ORDER BY u.name`, group)
}

// AddGroupMember puts a user into a group. A user already in a group
// (this one or another) is an ErrConflict: a user has one group.
func (q Queries) AddGroupMember(ctx context.Context, group, userID string) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO user_group_members (user_id, group_name) VALUES ($1, $2)`, userID, group)
	return classify(err)
}

// RemoveGroupMember takes a user out of a group.
func (q Queries) RemoveGroupMember(ctx context.Context, group, userID string) error {
	return q.execOne(ctx, `DELETE FROM user_group_members WHERE user_id = $1 AND group_name = $2`, userID, group)
}

// Access is what a user may do: its group, the menus of the group's roles
// and the group's resource visibility.
type Access struct {
	Group      string
	Menu       []string
	Visibility model.Visibility
}

// UserAccess returns what the user with the given id may do. A user
// without a group has no menus and sees only its own resources.
func (q Queries) UserAccess(ctx context.Context, userID string) (Access, error) {
	var a Access
	err := q.q.QueryRowContext(ctx, `SELECT g.name, g.instance_visible, g.disk_image_visible, g.media_image_visible
		FROM user_group_members m JOIN user_groups g ON g.name = m.group_name WHERE m.user_id = $1`, userID).
		Scan(&a.Group, &a.Visibility.Instances, &a.Visibility.DiskImages, &a.Visibility.MediaImages)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return Access{Menu: []string{}}, nil
	} else if err != nil {
		return a, err
	}
	menus, err := queryAll(ctx, q.q, scanString, `SELECT r.menu FROM user_group_roles gr JOIN roles r ON r.name = gr.role_name
		WHERE gr.group_name = $1 ORDER BY r.name`, a.Group)
	if err != nil {
		return a, err
	}
	seen := map[string]bool{}
	a.Menu = []string{}
	for _, joined := range menus {
		for _, m := range splitTags(joined) {
			if !seen[m] {
				seen[m] = true
				a.Menu = append(a.Menu, m)
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
