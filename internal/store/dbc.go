package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

// CreateDBCSession records a session id issued to a wallet.
func (q Queries) CreateDBCSession(ctx context.Context, s model.DBCSession) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO dbc_sessions (id, wallet, created_at) VALUES ($1, $2, $3)`,
		s.ID, s.Wallet, micros(s.CreatedAt))
	return classify(err)
}

// GetDBCSession returns an issued session id.
func (q Queries) GetDBCSession(ctx context.Context, id string) (model.DBCSession, error) {
	var s model.DBCSession
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, wallet, created_at FROM dbc_sessions WHERE id = $1`, id).
		Scan(&s.ID, &s.Wallet, &created)
	s.CreatedAt = fromMicros(created)
	return s, classify(err)
}

// UseDBCNonce records that wallet signed nonce; ErrConflict if it was
// used before.
func (q Queries) UseDBCNonce(ctx context.Context, wallet, nonce string, now int64) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO dbc_nonces (wallet, nonce, used_at) VALUES ($1, $2, $3)`, wallet, nonce, now)
	return classify(err)
}
