package datadir

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestSecureTightens: an existing 0755 data dir with a readable tls/ and
// key files comes out 0700 and 0600, and the log says so; certificates
// are public and keep their mode.
func TestSecureTightens(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := filepath.Join(t.TempDir(), "data")
	tls := filepath.Join(dir, "tls")
	if err := os.MkdirAll(tls, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	for name, m := range map[string]os.FileMode{"ca.key": 0o644, "secrets.key": 0o640, "ca.crt": 0o644} {
		if err := os.WriteFile(filepath.Join(tls, name), []byte("x"), m); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(tls, name), m)
	}
	var logged bytes.Buffer
	if err := Secure(dir, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, tls: 0o700, filepath.Join(tls, "ca.key"): 0o600,
		filepath.Join(tls, "secrets.key"): 0o600, filepath.Join(tls, "ca.crt"): 0o644} {
		if got := mode(t, path); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
	if n := strings.Count(logged.String(), "made a data dir path private"); n != 4 {
		t.Errorf("logged %d tightenings, want 4:\n%s", n, logged.String())
	}
	logged.Reset()
	if err := Secure(dir, slog.New(slog.NewTextHandler(&logged, nil))); err != nil || logged.Len() != 0 {
		t.Errorf("a second Secure: %v, logged %q", err, logged.String())
	}
}

func TestSecureCreatesPrivateDir(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := filepath.Join(t.TempDir(), "a", "data")
	if err := Secure(dir, slog.Default()); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("new data dir has mode %04o, want 0700", got)
	}
}

// TestSecureRefusesOthersDir: a data dir of another user is refused
// with a message naming the owner, not chmod-ed behind its owner's back.
func TestSecureRefusesOthersDir(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		dir = filepath.Join(dir, "nobody")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	} else {
		dir = "/" // root's, and not this user's
	}
	before := mode(t, dir)
	err := Secure(dir, slog.Default())
	if err == nil || !strings.Contains(err.Error(), "belongs to uid") {
		t.Fatalf("Secure(%s) = %v, want a refusal naming the owner", dir, err)
	}
	if mode(t, dir) != before {
		t.Errorf("the mode of %s changed", dir)
	}
}
