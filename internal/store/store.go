// Package store persists Kumo's model in SQL. One implementation runs on
// SQLite (embedded, pure Go) and on PostgreSQL; the SQL is written to be
// portable between the two, with $N placeholders.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/kumo-cloud/kumo/internal/diskspace"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/secretbox"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique constraint is violated.
var ErrConflict = errors.New("already exists")

// DB is the database handle.
type DB struct {
	Queries
	sql     *sql.DB
	dialect string
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Queries holds every query; it runs either on the database or inside a
// transaction (see DB.InTx).
type Queries struct {
	q querier
	// secrets seals and opens secret columns (see UseSecrets); nil
	// until then, when they can be neither read nor written.
	secrets *secretbox.Box
}

// Open opens the database named by dsn and applies pending migrations. A
// dsn starting with postgres:// or postgresql:// selects PostgreSQL; anything
// else is a SQLite file path.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		db      *sql.DB
		err     error
		dialect goose.Dialect
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err = sql.Open("pgx", dsn)
		dialect = goose.DialectPostgres
	} else {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		if err := privateSQLiteFiles(dsn); err != nil {
			return nil, err
		}
		// WAL lets readers run beside the one writer; immediate transactions
		// take the write lock up front, so two writers never deadlock on a
		// lock upgrade; busy_timeout makes a writer wait instead of failing.
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)"+
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		dialect = goose.DialectSQLite3
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	provider, err := goose.NewProvider(dialect, db, sub)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return &DB{Queries: Queries{q: fullAware{db}}, sql: db, dialect: string(dialect)}, nil
}

// ErrDiskFull is what every query returns when the database's disk is
// full (SQLite's SQLITE_FULL, PostgreSQL's disk_full, ENOSPC): a
// model error of code insufficient_capacity, so every API answers it as
// such and no driver text (PostgreSQL's names a file) reaches a client.
var ErrDiskFull = model.Errorf(model.CodeInsufficientCapacity,
	"not enough free space on the database's disk to store the change; free some space (reads still work)")

// diskFull turns a full-disk error into ErrDiskFull.
func diskFull(err error) error {
	if err != nil && diskspace.IsFull(err) {
		return ErrDiskFull
	}
	return err
}

// fullAware is a querier whose errors say when the disk is full. Reads
// seldom fail that way, writes do: SQLite appends to its WAL and grows
// the file, PostgreSQL extends its relations.
type fullAware struct{ q querier }

func (f fullAware) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := f.q.ExecContext(ctx, query, args...)
	return res, diskFull(err)
}

func (f fullAware) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := f.q.QueryContext(ctx, query, args...)
	return rows, diskFull(err)
}

func (f fullAware) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return f.q.QueryRowContext(ctx, query, args...)
}

// privateSQLiteFiles makes the database file, and its WAL and shared
// memory files if they exist, readable by their owner only, whatever the
// umask and the directory: they hold password hashes and session data.
// SQLite creates the -wal and -shm files with the mode of the database
// file, so creating that one 0600 before SQLite does covers them too.
func privateSQLiteFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("database file: %w", err)
		}
		if fi.Mode().Perm() != 0o600 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("make database file %s private (mode 0600): %w", p, err)
			}
		}
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect names the SQL dialect in use ("sqlite3" or "postgres").
func (db *DB) Dialect() string { return db.dialect }

// InTx runs fn in a transaction, committing if fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(q Queries) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		if diskspace.IsFull(err) {
			return ErrDiskFull
		}
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(Queries{q: fullAware{tx}, secrets: db.Queries.secrets}); err != nil {
		tx.Rollback()
		return err
	}
	return diskFull(tx.Commit())
}

// micros converts a time to the stored form; the zero time is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros.
func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// classify turns driver errors into the store's sentinel errors.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if diskspace.IsFull(err) {
		return ErrDiskFull
	}
	msg := err.Error()
	// SQLite: "UNIQUE constraint failed"; PostgreSQL: SQLSTATE 23505.
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "23505") {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

// exec runs a statement and reports ErrNotFound when it touched no row.
func (q Queries) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return classify(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query and scans each row with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
