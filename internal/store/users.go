package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const userColumns = `id, name, password_hash, role, created_at`

func scanUser(s scanner) (model.User, error) {
	var u model.User
	var created int64
	err := s.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.Role, &created)
	u.CreatedAt = fromMicros(created)
	return u, classify(err)
}

// CreateUser inserts a user.
func (q Queries) CreateUser(ctx context.Context, u model.User) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		u.ID, u.Name, u.PasswordHash, u.Role, micros(u.CreatedAt))
	return classify(err)
}

// GetUser returns the user with the given id.
func (q Queries) GetUser(ctx context.Context, id string) (model.User, error) {
	return scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// GetUserByName returns the user with the given name.
func (q Queries) GetUserByName(ctx context.Context, name string) (model.User, error) {
	return scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`, name))
}

// CountUsers returns how many users exist.
func (q Queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// ListUsers returns all users by name.
func (q Queries) ListUsers(ctx context.Context) ([]model.User, error) {
	return queryAll(ctx, q.q, scanUser, `SELECT `+userColumns+` FROM users ORDER BY name`)
}

// SetUserPassword replaces a user's password hash.
func (q Queries) SetUserPassword(ctx context.Context, id, hash string) error {
	return q.execOne(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, id, hash)
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

// DeleteExpiredSessions removes sessions that expired before now (unix µs).
func (q Queries) DeleteExpiredSessions(ctx context.Context, now int64) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now)
	return err
}
