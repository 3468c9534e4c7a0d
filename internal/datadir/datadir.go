// Package datadir keeps a Kumo data dir private to the user Kumo runs
// as: it holds the database (password hashes, sealed secrets), the
// cluster CA's and the host's private keys and the secrets key, and VM
// disks.
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Secure makes dir private before anything is kept in it: it creates it
// 0700 if it is missing, tightens it to 0700 if it is more open (and
// logs that it did), and does the same for tls/ and the private keys in
// it (*.key, 0600). It refuses, with an error saying what to do, a dir or
// key file owned by another user or one it cannot tighten.
func Secure(dir string, log *slog.Logger) error {
	if err := secureDir(dir, log); err != nil {
		return err
	}
	tls := filepath.Join(dir, "tls")
	if _, err := os.Stat(tls); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := secureDir(tls, log); err != nil {
		return err
	}
	keys, err := filepath.Glob(filepath.Join(tls, "*.key"))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tighten(k, 0o600, log); err != nil {
			return err
		}
	}
	return nil
}

func secureDir(dir string, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
		// MkdirAll's mode is cut by the umask, never widened.
		return nil
	}
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data dir %s is not a directory", dir)
	}
	return tighten(dir, 0o700, log)
}

// tighten gives path the mode want if it has more permissions than that.
func tighten(path string, want fs.FileMode, log *slog.Logger) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s belongs to uid %d, not to uid %d that Kumo runs as: run Kumo as its owner, or chown it to this user",
			path, st.Uid, os.Geteuid())
	}
	have := fi.Mode().Perm()
	if have&^want == 0 {
		return nil
	}
	if err := os.Chmod(path, want); err != nil {
		return fmt.Errorf("%s has mode %04o and cannot be made private (%04o): %w; fix it with: chmod %o %s",
			path, have, want, errors.Unwrap(err), want, shellQuote(path))
	}
	log.Warn("made a data dir path private", "path", path, "was", fmt.Sprintf("%04o", have), "now", fmt.Sprintf("%04o", want))
	return nil
}

func shellQuote(s string) string {
	if !strings.ContainsAny(s, " '\"\\$`") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
