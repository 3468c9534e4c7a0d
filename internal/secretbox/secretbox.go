// Package secretbox seals the secrets Kumo must be able to read back
// (IPMI passwords, LDAP bind passwords, guest passwords) before they are
// stored, with AES-256-GCM under a key that lives in the control plane's
// data dir and never in the database: a copy of the database alone
// reveals none of them.
//
// A sealed value is Prefix followed by the base64 of nonce|ciphertext.
// The prefix names the format's version, so a later format can be told
// apart from this one and from plaintext written before sealing began.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Prefix begins every value sealed in this format.
const Prefix = "enc:v1:"

// KeySize is the size of a key: AES-256.
const KeySize = 32

var (
	// ErrNotSealed is a stored value that is not in the sealed form:
	// plaintext that was never converted, or a value written around Kumo.
	ErrNotSealed = errors.New("the stored value is not encrypted")
	// ErrWrongKey is a sealed value the key does not open: another key
	// sealed it, or it was changed.
	ErrWrongKey = errors.New("the stored value cannot be decrypted with this control plane's secrets key (another key sealed it, or it was altered)")
)

// Box seals and opens values with one key.
type Box struct {
	aead cipher.AEAD
}

// New returns a box for a KeySize-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("a secrets key is %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Generate returns a box for a new random key and the key.
func Generate() (*Box, []byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	b, err := New(key)
	return b, key, err
}

// Seal returns the stored form of plaintext. purpose names what the value
// is ("bare_metals.ipmi_password") and is authenticated with it, so a
// sealed value copied into another column does not open there. The empty
// string stays empty: it is no secret that there is none.
func (b *Box) Seal(purpose, plaintext string) string {
	if plaintext == "" {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		// crypto/rand does not fail on Linux; if it ever does, sealing
		// with a repeated nonce would be worse than stopping.
		panic("secretbox: no randomness for a nonce: " + err.Error())
	}
	return Prefix + base64.StdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(purpose)))
}

// Open returns the plaintext of a value Seal made for the same purpose.
// It accepts only the sealed form (and the empty string): plaintext is
// ErrNotSealed, a value this key did not seal ErrWrongKey.
func (b *Box) Open(purpose, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	enc, ok := strings.CutPrefix(stored, Prefix)
	if !ok {
		return "", ErrNotSealed
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return "", ErrWrongKey
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}

// IsSealed reports whether a stored value is in the sealed form.
func IsSealed(stored string) bool { return strings.HasPrefix(stored, Prefix) }

// LoadKey reads the key file at path (base64 of KeySize bytes). A missing
// file is an error satisfying errors.Is(err, fs.ErrNotExist); a file that
// others than its owner may read is refused, since the key is worth as
// much as every secret it seals.
func LoadKey(path string) (*Box, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets key %s has mode %04o: it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("secrets key %s is not the base64 of %d bytes", path, KeySize)
	}
	return New(key)
}

// CreateKey makes a new key file at path, mode 0600, failing if one
// exists: a key is never replaced, since the secrets it sealed would be
// lost with it.
func CreateKey(path string) (*Box, error) {
	b, key, err := Generate()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("secrets key %s exists already", path)
		}
		return nil, fmt.Errorf("create secrets key: %w", err)
	}
	// The umask may have taken bits away, never added them; Chmod makes
	// the mode exact anyway.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	return b, nil
}
