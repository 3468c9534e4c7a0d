package e2e

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// noSecretInDatabase reads the control plane's SQLite files as someone
// holding a copy of them would and fails if secret is anywhere in them
// (any table: rows, task parameters, job replies) or if the files are
// readable by others than their owner.
func noSecretInDatabase(t *testing.T, k *kumo, secret string) {
	t.Helper()
	db := filepath.Join(k.dataDir, "kumo.db")
	for _, p := range []string{db, db + "-wal"} {
		raw, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%s holds the secret %q in plaintext", filepath.Base(p), secret)
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
