package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Password hashing: argon2id with the OWASP minimum parameters (19 MiB,
// two passes), encoded in the PHC string format so parameters can change.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an encoded hash.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// RandomSecret returns n random bytes, URL-safe base64 encoded.
func RandomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Passwords are stored as argon2id hashes of their SHA-512 form: the
// lowercase hex SHA-512 of the password as typed. ZStack's clients send
// exactly that form, the other APIs the password itself, so one stored
// hash verifies both (docs/iam.md). A password given as 128 hex digits
// is taken to be in that form already.

// passwordForm returns the SHA-512 form of a password as given.
func passwordForm(given string) string {
	if isSHA512Hex(given) {
		return strings.ToLower(given)
	}
	sum := sha512.Sum512([]byte(given))
	return hex.EncodeToString(sum[:])
}

func isSHA512Hex(s string) bool {
	if len(s) != 2*sha512.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// hashNewPassword validates a password and returns its stored hash.
func hashNewPassword(field, password string) (string, error) {
	if !isSHA512Hex(password) {
		if err := validPassword(field, password); err != nil {
			return "", err
		}
	}
	return HashPassword(passwordForm(password))
}

// passwordMatches reports whether a password as given matches a user's
// stored hash. Hashes stored before the SHA-512 form take the password
// as typed.
func passwordMatches(u model.User, given string) bool {
	if u.PasswordHash == "" {
		return false // users that log in otherwise (DBC wallets)
	}
	if u.PasswordForm == model.PasswordPlain {
		return CheckPassword(u.PasswordHash, given)
	}
	return CheckPassword(u.PasswordHash, passwordForm(given))
}

// EnsureAdmin creates the first admin if there are no users. If password
// is empty one is generated; the password is returned only when a user was
// created, so it can be shown once.
func (s *Service) EnsureAdmin(ctx context.Context, name, password string) (created bool, pw string, err error) {
	n, err := s.db.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	if password == "" {
		password = RandomSecret(12)
	}
	// The first admin is in the built-in admin group, so the portal shows
	// it as such; its full access does not depend on it.
	if _, err := s.createUser(ctx, model.User{Name: name, Role: model.RoleAdmin, TenantID: model.DefaultTenantID},
		password, []string{model.AdminGroupName}); err != nil {
		return false, "", err
	}
	return true, password, nil
}

func validPassword(field, password string) error {
	if len(password) < 8 {
		return model.FieldError(field, "must be at least 8 characters")
	}
	if len(password) > 1024 {
		return model.FieldError(field, "must be at most 1024 bytes")
	}
	return nil
}

// wrongLogin is the one answer to a failed login, so names cannot be
// told from passwords.
var wrongLogin = model.Errorf(model.CodeUnauthenticated, "wrong user name or password")

// Login checks a password and opens a session. The token is returned only
// here; the database keeps its hash.
func (s *Service) Login(ctx context.Context, name, password string) (token string, sess model.Session, err error) {
	var u model.User
	err = s.guardLogin(ctx, "password", name, func() (err error) {
		u, err = s.checkLogin(ctx, name, password)
		return err
	})
	if err != nil {
		return "", sess, err
	}
	return s.openSession(ctx, u)
}

// checkLogin returns the user a name and password log in as.
func (s *Service) checkLogin(ctx context.Context, name, password string) (model.User, error) {
	u, err := s.db.GetUserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a wrong password, so names cannot be probed.
		CheckPassword("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", password)
		return u, wrongLogin
	}
	if err != nil {
		return u, err
	}
	if !passwordMatches(u, password) {
		return u, wrongLogin
	}
	if u.PasswordForm == model.PasswordPlain && !isSHA512Hex(password) {
		// Move a hash of the password as typed to the SHA-512 form, now
		// that the password is known, so SHA-512 clients can log in too.
		if hash, err := HashPassword(passwordForm(password)); err == nil {
			if err := s.db.SetUserPassword(ctx, u.ID, hash, model.PasswordSHA512); err != nil {
				s.log.Warn("store the SHA-512 form of a password hash", "user", u.Name, "err", err)
			}
		}
	}
	return u, nil
}

func (s *Service) openSession(ctx context.Context, u model.User) (token string, sess model.Session, err error) {
	token = RandomSecret(32)
	t := now()
	sess = model.Session{ID: uuid.NewString(), TokenHash: hashToken(token), UserID: u.ID, CreatedAt: t, ExpiresAt: t.Add(s.cfg.SessionTTL)}
	if err := s.db.CreateSession(ctx, sess); err != nil {
		if !errors.Is(err, store.ErrDiskFull) {
			return "", sess, err
		}
		// Logging in must work on a full disk: it is how an operator
		// gets in to free space. The session is held in memory.
		if !s.held.put(sess) {
			return "", sess, err
		}
		s.log.Warn("the database's disk is full: session held in memory until it ends or the controller restarts", "user", u.Name)
		return token, sess, nil
	}
	_ = s.db.DeleteExpiredSessions(ctx, t.UnixMicro())
	return token, sess, nil
}

// Authenticate returns the caller a session token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, model.Session, error) {
	if token == "" {
		return Principal{}, model.Session{}, model.Errorf(model.CodeUnauthenticated, "login required: no session token given")
	}
	sess, err := s.db.GetSessionByTokenHash(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		var held bool
		if sess, held = s.held.get(hashToken(token)); held {
			err = nil
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, sess, model.Errorf(model.CodeUnauthenticated, "session token is not valid")
	}
	if err != nil {
		return Principal{}, sess, err
	}
	if now().After(sess.ExpiresAt) {
		return Principal{}, sess, model.Errorf(model.CodeUnauthenticated, "session expired at %s", sess.ExpiresAt.Format(time.RFC3339))
	}
	u, err := s.db.GetUser(ctx, sess.UserID)
	if err != nil {
		return Principal{}, sess, notFound(err, "user", sess.UserID)
	}
	p, err := s.principalOf(ctx, u)
	p.SessionID = sess.ID
	return p, sess, err
}

// principalOf resolves what a user may do: its tenant, groups and the
// statements of every role bound to it or its groups.
func (s *Service) principalOf(ctx context.Context, u model.User) (Principal, error) {
	p := Principal{UserID: u.ID, Name: u.Name, Role: u.Role, TenantID: u.TenantID, TenantAdmin: u.TenantAdmin}
	t, err := s.db.GetTenant(ctx, u.TenantID)
	if err != nil {
		return Principal{}, internal(err, "read the user's tenant")
	}
	p.TenantKind, p.tenantVisibility = t.Kind, t.Visibility
	access, err := s.db.UserAccess(ctx, u.ID)
	if err != nil {
		return Principal{}, internal(err, "read the user's groups and roles")
	}
	p.Groups, p.Menu, p.Visibility, p.statements = access.Groups, access.Menus, access.Visibility, access.Statements
	if len(p.Groups) > 0 {
		p.Group = p.Groups[0]
	}
	if p.FullAccess() {
		p.Menu = append([]string(nil), model.Menus...)
	}
	return p, nil
}

// RenewSession extends the caller's session by the session lifetime.
func (s *Service) RenewSession(ctx context.Context) (model.Session, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.Session{}, err
	}
	exp := now().Add(s.cfg.SessionTTL)
	if err := s.db.SetSessionExpiry(ctx, p.SessionID, exp.UnixMicro()); err != nil && !(errors.Is(err, store.ErrNotFound) && s.held.setExpiry(p.SessionID, exp)) {
		return model.Session{}, notFound(err, "session", p.SessionID)
	}
	return model.Session{ID: p.SessionID, UserID: p.UserID, ExpiresAt: exp.Truncate(time.Microsecond)}, nil
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if s.held.drop(p.SessionID) {
		return nil
	}
	return notFound(s.db.DeleteSession(ctx, p.SessionID), "session", p.SessionID)
}
