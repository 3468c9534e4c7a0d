package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kumo-cloud/kumo/internal/secretbox"
)

// Secrets Kumo must read back (it talks to BMCs and directories with
// them, and hands guest passwords to their owners) are stored sealed by
// a secretbox.Box whose key is not in the database. Password hashes and
// token hashes are not secrets of this kind: they stay hashes.

// secretColumn is a column whose every non-empty value is sealed.
type secretColumn struct{ table, column string }

// purpose is what a value of the column is sealed for: a value copied
// into another column does not open there.
func (c secretColumn) purpose() string { return c.table + "." + c.column }

// Every column holding a secret. Each table's primary key is id.
var (
	secretIPMIPassword   = secretColumn{"bare_metals", "ipmi_password"}
	secretLDAPBindPasswd = secretColumn{"ldap_servers", "bind_password"}
	secretVMGuestAuth    = secretColumn{"vms", "guest_auth"} // JSON with the password last set
	secretVMCloudInit    = secretColumn{"vms", "cloud_init"} // JSON with the admin's password
	secretColumns        = []secretColumn{secretIPMIPassword, secretLDAPBindPasswd, secretVMGuestAuth, secretVMCloudInit}
	errNoSecretsKey      = errors.New("stored secrets are locked: the control plane has not loaded its secrets key")
	sealedPattern        = secretbox.Prefix + "%"
)

// ErrSecretsKeyMismatch is a secrets key that does not open the secrets
// stored in the database.
var ErrSecretsKeyMismatch = errors.New("the secrets key does not decrypt the secrets stored in the database")

// seal returns the stored form of a secret of column c.
func (q Queries) seal(c secretColumn, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if q.secrets == nil {
		return "", errNoSecretsKey
	}
	return q.secrets.Seal(c.purpose(), plain), nil
}

// open returns the secret a stored value of column c holds. Only the
// sealed form is accepted: a plaintext value is an error, not a secret.
func (q Queries) open(c secretColumn, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	if q.secrets == nil {
		return "", errNoSecretsKey
	}
	plain, err := q.secrets.Open(c.purpose(), stored)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", c.purpose(), err)
	}
	return plain, nil
}

// HasSealedSecrets reports whether any secret is stored sealed: then the
// key that sealed it is needed, and a new one would not do.
func (db *DB) HasSealedSecrets(ctx context.Context) (bool, error) {
	for _, c := range secretColumns {
		var n int
		err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.table+` WHERE `+c.column+` LIKE $1`, sealedPattern).Scan(&n)
		if err != nil {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

// UseSecrets makes box the one that seals and opens stored secrets. It
// checks first that box opens the secrets sealed already (so a wrong key
// stops the start instead of failing every later read), then seals in
// one transaction every secret still stored in plaintext (rows written
// before secrets were sealed), and returns how many it sealed. Call it
// once, before the database is used.
func (db *DB) UseSecrets(ctx context.Context, box *secretbox.Box) (int, error) {
	probe := Queries{q: fullAware{db.sql}, secrets: box}
	for _, c := range secretColumns {
		var stored string
		err := db.sql.QueryRowContext(ctx, `SELECT `+c.column+` FROM `+c.table+` WHERE `+c.column+` LIKE $1 LIMIT 1`, sealedPattern).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if _, err := probe.open(c, stored); err != nil {
			return 0, fmt.Errorf("%w (%s)", ErrSecretsKeyMismatch, c.purpose())
		}
	}
	sealed := 0
	db.Queries.secrets = box
	err := db.InTx(ctx, func(q Queries) error {
		for _, c := range secretColumns {
			type row struct{ id, plain string }
			rows, err := queryAll(ctx, q.q, func(s scanner) (row, error) {
				var r row
				return r, s.Scan(&r.id, &r.plain)
			}, `SELECT id, `+c.column+` FROM `+c.table+` WHERE `+c.column+` <> '' AND `+c.column+` NOT LIKE $1`, sealedPattern)
			if err != nil {
				return err
			}
			for _, r := range rows {
				stored, err := q.seal(c, r.plain)
				if err != nil {
					return err
				}
				if err := q.execOne(ctx, `UPDATE `+c.table+` SET `+c.column+` = $2 WHERE id = $1`, r.id, stored); err != nil {
					return fmt.Errorf("seal %s of %s: %w", c.purpose(), r.id, err)
				}
				sealed++
			}
		}
		return nil
	})
	if err != nil {
		db.Queries.secrets = nil
		return 0, fmt.Errorf("seal plaintext secrets: %w", err)
	}
	return sealed, nil
}
