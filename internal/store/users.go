package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

// selectUsers reads users with the first of their groups by name.
const selectUsers = `SELECT u.id, u.name, u.password_hash, u.password_form, u.role, u.nick, u.mail, u.description,
	COALESCE(u.tenant_id, 'default'), u.tenant_admin,
	COALESCE((SELECT MIN(g.name) FROM iam_group_members m JOIN iam_groups g ON g.id = m.group_id WHERE m.user_id = u.id), ''),
	u.created_at, u.updated_at
	FROM users u`

func scanUser(s scanner) (model.User, error) {
	var u model.User
	var created, updated int64
	err := s.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.PasswordForm, &u.Role, &u.Nick, &u.Mail, &u.Description,
		&u.TenantID, &u.TenantAdmin, &u.Group, &created, &updated)
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return u, classify(err)
}

// CreateUser inserts a user (groups are joined with AddGroupMember).
func (q Queries) CreateUser(ctx context.Context, u model.User) error {
	if u.PasswordForm == "" {
		u.PasswordForm = model.PasswordSHA512
	}
	u.TenantID = tenantOrDefault(u.TenantID)
	_, err := q.q.ExecContext(ctx, `INSERT INTO users (id, name, password_hash, password_form, role, nick, mail, description,
		tenant_id, tenant_admin, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.Name, u.PasswordHash, u.PasswordForm, u.Role, u.Nick, u.Mail, u.Description, u.TenantID, u.TenantAdmin,
		micros(u.CreatedAt), micros(u.UpdatedAt))
	return classify(err)
}

// GetUser returns the user with the given id.
func (q Queries) GetUser(ctx context.Context, id string) (model.User, error) {
	return scanUser(q.q.QueryRowContext(ctx, selectUsers+` WHERE u.id = $1`, id))
}

// GetUserByName returns the user with the given name.
func (q Queries) GetUserByName(ctx context.Context, name string) (model.User, error) {
	return scanUser(q.q.QueryRowContext(ctx, selectUsers+` WHERE u.name = $1`, name))
}

// CountUsers returns how many users exist.
func (q Queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CountUsersWithRole returns how many users have the given role.
func (q Queries) CountUsersWithRole(ctx context.Context, role string) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = $1`, role).Scan(&n)
	return n, err
}

// ListUsers returns all users by name.
func (q Queries) ListUsers(ctx context.Context) ([]model.User, error) {
	return queryAll(ctx, q.q, scanUser, selectUsers+` ORDER BY u.name`)
}

// ListTenantUsers returns the users of a tenant by name.
func (q Queries) ListTenantUsers(ctx context.Context, tenantID string) ([]model.User, error) {
	return queryAll(ctx, q.q, scanUser, selectUsers+` WHERE u.tenant_id = $1 ORDER BY u.name`, tenantID)
}

// SetUserInfo replaces a user's nick name, mail address and description.
func (q Queries) SetUserInfo(ctx context.Context, id, nick, mail, description string, now int64) error {
	return q.execOne(ctx, `UPDATE users SET nick = $2, mail = $3, description = $4, updated_at = $5 WHERE id = $1`,
		id, nick, mail, description, now)
}

// DeleteUser removes a user; its sessions, group memberships and role
// bindings go with it.
func (q Queries) DeleteUser(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM users WHERE id = $1`, id)
}

// SetUserPassword replaces a user's password hash and the form it was
// computed over.
func (q Queries) SetUserPassword(ctx context.Context, id, hash string, form model.PasswordForm) error {
	return q.execOne(ctx, `UPDATE users SET password_hash = $2, password_form = $3 WHERE id = $1`, id, hash, form)
}

// CreateSession inserts a session.
func (q Queries) CreateSession(ctx context.Context, s model.Session) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO sessions (id, token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		s.ID, s.TokenHash, s.UserID, micros(s.ExpiresAt), micros(s.CreatedAt))
	return classify(err)
}

// GetSessionByTokenHash returns the session whose token hashes to hash.
func (q Queries) GetSessionByTokenHash(ctx context.Context, hash string) (model.Session, error) {
	var s model.Session
	var exp, created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, token_hash, user_id, expires_at, created_at FROM sessions WHERE token_hash = $1`, hash).
		Scan(&s.ID, &s.TokenHash, &s.UserID, &exp, &created)
	s.ExpiresAt, s.CreatedAt = fromMicros(exp), fromMicros(created)
	return s, classify(err)
}

// SetSessionExpiry moves a session's expiry.
func (q Queries) SetSessionExpiry(ctx context.Context, id string, exp int64) error {
	return q.execOne(ctx, `UPDATE sessions SET expires_at = $2 WHERE id = $1`, id, exp)
}

// DeleteSession removes a session.
func (q Queries) DeleteSession(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM sessions WHERE id = $1`, id)
}

// DeleteUserSessions removes every session of a user but keep (a
// session id, or "" for none).
func (q Queries) DeleteUserSessions(ctx context.Context, userID, keep string) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keep)
	return err
}

// DeleteExpiredSessions removes sessions that expired before now (unix µs).
func (q Queries) DeleteExpiredSessions(ctx context.Context, now int64) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now)
	return err
}
