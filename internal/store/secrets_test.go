package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/secretbox"
)

// secretFixture stores one of each secret Kumo keeps, and returns the
// plaintexts.
func secretFixture(t *testing.T, db *DB) []string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", CreatedAt: now}))
	must(db.CreateHost(ctx, model.Host{ID: "h", Name: "h", PoolID: "p", State: model.HostOnline, CreatedAt: now}))
	vm := model.VM{ID: "vm-secret", Name: "vm-secret", PoolID: "p", HostID: "h", Cores: 1, MemoryMiB: 64, CloneMode: model.CloneCOW,
		PowerState: model.PowerStopped, Status: model.PowerStopped, CreatedAt: now, UpdatedAt: now,
		CloudInit: &model.CloudInit{AdminName: "root", AdminSecret: "Cloud-Init-Secret-1", RootEnabled: true},
		GuestAuth: &model.GuestAuth{User: "root", Password: "Guest-Secret-2"}}
	must(db.CreateVM(ctx, vm))
	vm.GuestAuth = &model.GuestAuth{User: "root", Password: "Guest-Secret-3"}
	must(db.UpdateVM(ctx, vm))
	must(db.CreateBareMetal(ctx, model.BareMetal{ID: "bm", UUID: "u-1", IP: "10.0.0.9", IPMIHost: "10.0.0.10", IPMIUser: "admin",
		IPMIPassword: "IPMI-Secret-4", Owner: "admin", CreatedAt: now}))
	l := model.LDAPServer{ID: "ldap", Name: "corp", URL: "ldap://127.0.0.1:389", Base: "dc=kumo", BindDN: "cn=admin,dc=kumo",
		BindPassword: "LDAP-Secret-5", Encryption: "None", LoginAttribute: "uid", CreatedAt: now, UpdatedAt: now}
	must(db.CreateLDAPServer(ctx, l))
	l.BindPassword = "LDAP-Secret-6"
	must(db.UpdateLDAPServer(ctx, l))
	return []string{"Cloud-Init-Secret-1", "Guest-Secret-3", "IPMI-Secret-4", "LDAP-Secret-6"}
}

// rawCells returns every cell of the secret columns' tables as text,
// read around the store as someone holding a copy of the database would.
func rawCells(t *testing.T, db *DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range []string{"vms", "bare_metals", "ldap_servers"} {
		rows, err := db.sql.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				switch v := v.(type) {
				case string:
					s = v
				case []byte:
					s = string(v)
				default:
					continue
				}
				out[table+"."+cols[i]] = append(out[table+"."+cols[i]], s)
			}
		}
		rows.Close()
	}
	return out
}

// TestSecretsAreSealedAtRest stores every kind of secret and reads the
// rows directly: on SQLite and PostgreSQL no cell holds a secret, every
// secret column holds the sealed form, and the store reads the secrets
// back. On SQLite the database files themselves hold none either.
func TestSecretsAreSealedAtRest(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			secrets := secretFixture(t, db)
			cells := rawCells(t, db)
			for col, vals := range cells {
				for _, v := range vals {
					for _, s := range secrets {
						if strings.Contains(v, s) {
							t.Errorf("%s holds the secret %q in plaintext: %q", col, s, v)
						}
					}
				}
			}
			for _, c := range secretColumns {
				vals := cells[c.purpose()]
				if len(vals) == 0 {
					t.Errorf("no row of %s was stored", c.purpose())
				}
				for _, v := range vals {
					if !secretbox.IsSealed(v) {
						t.Errorf("%s = %q, not sealed", c.purpose(), v)
					}
				}
			}
			ctx := context.Background()
			vm, err := db.GetVM(ctx, "vm-secret")
			if err != nil || vm.CloudInit == nil || vm.CloudInit.AdminSecret != "Cloud-Init-Secret-1" || vm.GuestAuth == nil ||
				vm.GuestAuth.Password != "Guest-Secret-3" || vm.CloudInit.AdminName != "root" {
				t.Errorf("VM read back as %+v %+v, %v", vm.CloudInit, vm.GuestAuth, err)
			}
			if m, err := db.GetBareMetal(ctx, "bm"); err != nil || m.IPMIPassword != "IPMI-Secret-4" {
				t.Errorf("bare metal read back as %q, %v", m.IPMIPassword, err)
			}
			if ls, err := db.ListLDAPServers(ctx); err != nil || len(ls) != 1 || ls[0].BindPassword != "LDAP-Secret-6" {
				t.Errorf("LDAP servers read back as %+v, %v", ls, err)
			}
		})
	}
}

func TestSQLiteFileHoldsNoSecret(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kumo.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	useTestSecrets(t, db)
	secrets := secretFixture(t, db)
	// Before and after the WAL is checkpointed into the main file.
	check := func(when string) {
		for _, p := range []string{path, path + "-wal"} {
			raw, err := os.ReadFile(p)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(raw, []byte(s)) {
					t.Errorf("%s: %s holds %q", when, filepath.Base(p), s)
				}
			}
		}
	}
	check("open")
	db.Close()
	check("closed")
}

// TestPlaintextSecretsAreSealedOnce: rows written before sealing began
// (inserted here as the previous version did, in plaintext) are sealed
// by the first UseSecrets, and by no later one; a plaintext value that
// appears afterwards is refused, not returned.
func TestPlaintextSecretsAreSealedOnce(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			secretFixture(t, db)
			for _, stmt := range []string{
				`UPDATE bare_metals SET ipmi_password = 'Old-IPMI-Plain'`,
				`UPDATE ldap_servers SET bind_password = 'Old-LDAP-Plain'`,
				`UPDATE vms SET guest_auth = '{"user":"root","password":"Old-Guest-Plain"}', cloud_init = '{"admin_name":"root","admin_secret":"Old-CI-Plain","root_enabled":true}'`,
			} {
				if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.GetBareMetal(ctx, "bm"); !errors.Is(err, secretbox.ErrNotSealed) {
				t.Fatalf("a plaintext IPMI password was read: %v", err)
			}
			n, err := db.UseSecrets(ctx, db.Queries.secrets)
			if err != nil || n != 4 {
				t.Fatalf("UseSecrets sealed %d, %v; want 4", n, err)
			}
			for col, vals := range rawCells(t, db) {
				for _, v := range vals {
					if strings.Contains(v, "-Plain") {
						t.Errorf("%s still holds plaintext %q", col, v)
					}
				}
			}
			if m, err := db.GetBareMetal(ctx, "bm"); err != nil || m.IPMIPassword != "Old-IPMI-Plain" {
				t.Errorf("converted IPMI password reads %q, %v", m.IPMIPassword, err)
			}
			if vm, err := db.GetVM(ctx, "vm-secret"); err != nil || vm.GuestAuth.Password != "Old-Guest-Plain" || vm.CloudInit.AdminSecret != "Old-CI-Plain" {
				t.Errorf("converted VM secrets read %+v %+v, %v", vm.GuestAuth, vm.CloudInit, err)
			}
			if ls, err := db.ListLDAPServers(ctx); err != nil || ls[0].BindPassword != "Old-LDAP-Plain" {
				t.Errorf("converted LDAP password reads %+v, %v", ls, err)
			}
			if n, err := db.UseSecrets(ctx, db.Queries.secrets); err != nil || n != 0 {
				t.Errorf("a second UseSecrets sealed %d, %v; want 0", n, err)
			}
		})
	}
}

// TestWrongOrMissingSecretsKey: another key is refused at UseSecrets,
// before any read; a handle without a key reads and writes no secret.
func TestWrongOrMissingSecretsKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kumo.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if has, err := db.HasSealedSecrets(ctx); err != nil || has {
		t.Fatalf("an empty database has sealed secrets: %v %v", has, err)
	}
	useTestSecrets(t, db)
	secretFixture(t, db)
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if has, err := db.HasSealedSecrets(ctx); err != nil || !has {
		t.Errorf("HasSealedSecrets = %v, %v after secrets were stored", has, err)
	}
	if _, err := db.GetBareMetal(ctx, "bm"); err == nil || !strings.Contains(err.Error(), "secrets key") {
		t.Errorf("read without a key: %v", err)
	}
	if err := db.CreateBareMetal(ctx, model.BareMetal{ID: "bm2", UUID: "u-2", IPMIPassword: "x", CreatedAt: time.Now()}); err == nil {
		t.Error("a secret was written without a key")
	}
	other, _, _ := secretbox.Generate()
	if _, err := db.UseSecrets(ctx, other); !errors.Is(err, ErrSecretsKeyMismatch) {
		t.Errorf("UseSecrets with another key: %v, want ErrSecretsKeyMismatch", err)
	}
	if _, err := db.GetBareMetal(ctx, "bm"); err == nil {
		t.Error("a refused key was kept")
	}
}

// TestSQLiteFilesArePrivate: the database, its WAL and shared memory
// files are 0600 after writes in a 0755 directory with umask 022, and
// files a previous version left 0644 are tightened at the next open.
func TestSQLiteFilesArePrivate(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kumo.db")
	modes := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", when, err)
				continue
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s has mode %04o, want 0600", when, filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreatePool(ctx, model.Pool{ID: "p", Name: "p", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	modes("new database")
	db.Close()

	// As a previous version, or a crash, leaves them: readable by all,
	// with an empty WAL and shared memory file beside the database.
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreatePool(ctx, model.Pool{ID: "p2", Name: "p2", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	modes("reopened database")
}
