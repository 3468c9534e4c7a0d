package secretbox

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, _, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	const secret = "dbtu2017-ipmi"
	s1, s2 := b.Seal("bare_metals.ipmi_password", secret), b.Seal("bare_metals.ipmi_password", secret)
	if !IsSealed(s1) || strings.Contains(s1, secret) {
		t.Fatalf("sealed form %q", s1)
	}
	if s1 == s2 {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if got, err := b.Open("bare_metals.ipmi_password", s1); err != nil || got != secret {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open("ldap_servers.bind_password", s1); !errors.Is(err, ErrWrongKey) {
		t.Errorf("opened for another purpose: %v", err)
	}
	if _, err := b.Open("bare_metals.ipmi_password", secret); !errors.Is(err, ErrNotSealed) {
		t.Errorf("plaintext accepted: %v", err)
	}
	other, _, _ := Generate()
	if got, err := other.Open("bare_metals.ipmi_password", s1); !errors.Is(err, ErrWrongKey) || got != "" {
		t.Errorf("another key opened it: %q %v", got, err)
	}
	tampered := s1[:len(s1)-2] + "AA"
	if tampered == s1 {
		tampered = s1[:len(s1)-2] + "BB"
	}
	if _, err := b.Open("bare_metals.ipmi_password", tampered); !errors.Is(err, ErrWrongKey) {
		t.Errorf("tampered value opened: %v", err)
	}
	if _, err := b.Open("x", Prefix+"not base64!"); !errors.Is(err, ErrWrongKey) {
		t.Errorf("garbage opened: %v", err)
	}
	if b.Seal("x", "") != "" {
		t.Error("the empty value was sealed")
	}
	if got, err := b.Open("x", ""); got != "" || err != nil {
		t.Errorf("open of empty: %q %v", got, err)
	}
}

func TestKeyFile(t *testing.T) {
	// A permissive umask must not make the key readable by others.
	defer syscall.Umask(syscall.Umask(0))
	path := filepath.Join(t.TempDir(), "secrets.key")
	if _, err := LoadKey(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing key: %v", err)
	}
	b, err := CreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	if _, err := CreateKey(path); err == nil {
		t.Error("an existing key was replaced")
	}
	loaded, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := loaded.Open("p", b.Seal("p", "s3cret")); err != nil || got != "s3cret" {
		t.Errorf("the loaded key does not open what the created one sealed: %q %v", got, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key others may read was loaded: %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, err := LoadKey(path); err == nil {
		t.Error("a malformed key was loaded")
	}
}

// BenchmarkOpen is the cost every read of a VM row pays for its two
// sealed columns.
func BenchmarkOpen(b *testing.B) {
	box, _, _ := Generate()
	sealed := box.Seal("vms.cloud_init", `{"admin_name":"root","admin_secret":"Cloud-Init-Secret","root_enabled":true}`)
	for b.Loop() {
		if _, err := box.Open("vms.cloud_init", sealed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	box, _, _ := Generate()
	for b.Loop() {
		box.Seal("vms.cloud_init", `{"admin_name":"root","admin_secret":"Cloud-Init-Secret","root_enabled":true}`)
	}
}
