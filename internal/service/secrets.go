package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/secretbox"
	"github.com/kumo-cloud/kumo/internal/store"
)

// SecretsKeyPath is where a control plane keeps the key that seals the
// secrets it stores (IPMI and LDAP bind passwords, guest passwords):
// beside the CA's key in its data dir, never in the database, so a copy
// of the database (a PostgreSQL dump, a stolen kumo.db) reveals none.
func SecretsKeyPath(dataDir string) string { return filepath.Join(dataDir, "tls", "secrets.key") }

// unlockSecrets loads the secrets key, making it on first use, and hands
// it to the store, which checks it against the secrets stored and seals
// those a previous version stored in plaintext.
func (s *Service) unlockSecrets(ctx context.Context) error {
	path := SecretsKeyPath(s.cfg.DataDir)
	box, err := secretbox.LoadKey(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		sealed, err := s.db.HasSealedSecrets(ctx)
		if err != nil {
			return fmt.Errorf("look for stored secrets: %w", err)
		}
		if sealed {
			return fmt.Errorf("the database holds encrypted secrets but their key %s is missing: restore it from a backup of this "+
				"control plane's data dir (a new key cannot decrypt them)", path)
		}
		if box, err = secretbox.CreateKey(path); err != nil {
			return err
		}
		s.log.Info("created the key that encrypts stored secrets", "path", path)
	case err != nil:
		return fmt.Errorf("load the secrets key: %w", err)
	}
	n, err := s.db.UseSecrets(ctx, box)
	if errors.Is(err, store.ErrSecretsKeyMismatch) {
		return fmt.Errorf("the secrets key %s does not decrypt the secrets stored in the database: it is not the key that "+
			"encrypted them (was it replaced, or is the database another control plane's?); put the original key back", path)
	}
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("encrypted secrets that were stored in plaintext", "count", n)
	}
	return nil
}
