package server

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/secretbox"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// lockedBuffer is a log sink the server writes to from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runningServer is a control plane without a local agent, serving on
// loopback until stop.
type runningServer struct {
	srv  *Server
	stop func() error
}

func startServer(t *testing.T, dir string, log *lockedBuffer) (*runningServer, error) {
	t.Helper()
	cfg := Config{DataDir: dir, Listen: "127.0.0.1:0", ClusterListen: "127.0.0.1:0", AdminPassword: "correct-horse-battery",
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg)
	if err != nil {
		cancel()
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	// The API serves once the service started: a login says it is up,
	// or Run's error says why it is not.
	c := client.New("http://"+srv.Addr(), "")
	loginCtx, loginCancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer loginCancel()
	loggedIn := make(chan error, 1)
	go func() {
		_, err := c.Login(loginCtx, "admin", "correct-horse-battery")
		loggedIn <- err
	}()
	select {
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("server stopped at once")
		}
		return nil, err
	case err := <-loggedIn:
		if err != nil {
			cancel()
			<-done
			return nil, err
		}
	}
	return &runningServer{srv: srv, stop: func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("server did not stop within 30s")
		}
	}}, nil
}

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestServerKeepsSecretsAtRest starts a real control plane in a 0755
// data dir under umask 022 and checks the files it leaves; then rows a
// previous version stored in plaintext are sealed by the next start;
// then a missing or replaced key stops the start with a clear error.
func TestServerKeepsSecretsAtRest(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	var log lockedBuffer
	rs, err := startServer(t, dir, &log)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "kumo.db")
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "tls"): 0o700, db: 0o600, db + "-wal": 0o600,
		db + "-shm": 0o600, service.SecretsKeyPath(dir): 0o600, filepath.Join(dir, "tls", "ca.key"): 0o600} {
		if got := perm(t, path); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
	if !strings.Contains(log.String(), "made a data dir path private") {
		t.Errorf("tightening the data dir was not logged")
	}
	if err := rs.stop(); err != nil {
		t.Fatal(err)
	}

	// What the previous version stored: secrets in plaintext.
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, stmt := range []string{
		`INSERT INTO bare_metals (id, uuid, ip, ipmi_host, ipmi_user, ipmi_password, owner, created_at, tenant_id)
			VALUES ('bm', 'u-1', '10.0.0.9', '127.0.0.1:1', 'admin', 'Plain-IPMI-Pw', 'admin', 1, 'default')`,
		`INSERT INTO ldap_servers (id, name, url, base_dn, bind_dn, bind_password, created_at, updated_at)
			VALUES ('ldap', 'corp', 'ldap://127.0.0.1:1', 'dc=kumo', 'cn=admin,dc=kumo', 'Plain-Bind-Pw', 1, 1)`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	rs, err = startServer(t, dir, &log)
	if err != nil {
		t.Fatal(err)
	}
	var ipmi, bind string
	if err := raw.QueryRow(`SELECT b.ipmi_password, l.bind_password FROM bare_metals b, ldap_servers l`).Scan(&ipmi, &bind); err != nil {
		t.Fatal(err)
	}
	if !secretbox.IsSealed(ipmi) || !secretbox.IsSealed(bind) || strings.Contains(ipmi+bind, "Plain") {
		t.Errorf("after a start the rows hold %q and %q, want them sealed", ipmi, bind)
	}
	ctx := service.AsControlPlane(context.Background())
	ls, err := rs.srv.Service().ListLDAPServers(ctx)
	if err != nil || len(ls) != 1 || ls[0].BindPassword != "Plain-Bind-Pw" {
		t.Errorf("the converted LDAP server reads %+v, %v", ls, err)
	}
	if !strings.Contains(log.String(), "encrypted secrets that were stored in plaintext") || !strings.Contains(log.String(), "count=2") {
		t.Errorf("the conversion was not logged with its count:\n%s", log.String())
	}
	if err := rs.stop(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Plain-IPMI-Pw", "Plain-Bind-Pw"} {
		if strings.Contains(log.String(), s) {
			t.Errorf("the log holds the secret %q", s)
		}
	}

	// Without its key the database's secrets are lost: say so, do not
	// make a new key.
	key := service.SecretsKeyPath(dir)
	saved, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(key)
	if _, err := startServer(t, dir, &log); err == nil || !strings.Contains(err.Error(), "their key") || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("start without the key: %v", err)
	}
	if _, err := os.Stat(key); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a start without the key made one: %v", err)
	}
	if _, err := secretbox.CreateKey(key); err != nil {
		t.Fatal(err)
	}
	if _, err := startServer(t, dir, &log); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Errorf("start with another key: %v", err)
	}
	if err := os.WriteFile(key, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	rs, err = startServer(t, dir, &log)
	if err != nil {
		t.Fatalf("start with the key put back: %v", err)
	}
	if err := rs.stop(); err != nil {
		t.Fatal(err)
	}
}
