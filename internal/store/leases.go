package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Lease is a named, expiring claim on the database by one holder.
type Lease struct {
	Name   string
	Holder string
	// Description says who the holder is, for people: host, pid, data dir.
	Description string
	AcquiredAt  time.Time
	ExpiresAt   time.Time
}

// ErrLeaseHeld is returned when another holder's lease has not expired.
var ErrLeaseHeld = errors.New("lease held by another holder")

// AcquireLease takes or renews the lease name for holder until now+ttl.
// It succeeds when the lease is free, expired, or already holder's, in
// one conditional upsert, so two controllers racing for it on SQLite or
// PostgreSQL cannot both win. Otherwise it returns the current lease and
// ErrLeaseHeld.
func (db *DB) AcquireLease(ctx context.Context, name, holder, description string, now time.Time, ttl time.Duration) (Lease, error) {
	res, err := db.sql.ExecContext(ctx, `INSERT INTO leases (name, holder, description, acquired_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name) DO UPDATE SET
			acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
			holder = excluded.holder, description = excluded.description, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < $4`,
		name, holder, description, now.UnixMicro(), now.Add(ttl).UnixMicro())
	if err != nil {
		return Lease{}, err
	}
	cur, err := db.GetLease(ctx, name)
	if err != nil {
		return Lease{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return cur, err
	} else if n == 0 || cur.Holder != holder {
		return cur, ErrLeaseHeld
	}
	return cur, nil
}

// GetLease returns the lease name, or ErrNotFound.
func (db *DB) GetLease(ctx context.Context, name string) (Lease, error) {
	l := Lease{Name: name}
	var acquired, expires int64
	err := db.sql.QueryRowContext(ctx, `SELECT holder, description, acquired_at, expires_at FROM leases WHERE name = $1`, name).
		Scan(&l.Holder, &l.Description, &acquired, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	l.AcquiredAt, l.ExpiresAt = time.UnixMicro(acquired).UTC(), time.UnixMicro(expires).UTC()
	return l, err
}

// ReleaseLease ends holder's lease at once, so the next holder need not
// wait for it to expire. Releasing a lease one does not hold does nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2`, name, holder)
	return err
}
