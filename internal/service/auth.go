package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
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

// Principal is the authenticated caller of a service method.
type Principal struct {
	UserID    string
	Name      string
	Role      string
	SessionID string
	// Group is the caller's user group ("" for none); Menu the menus its
	// roles grant; Visibility what of other members it may see.
	Group      string
	Menu       []string
	Visibility model.Visibility
}

// FullAccess reports whether the caller is an admin, who may do and see
// everything whatever its group says, so a mistake in roles can never
// lock the platform's administrators out.
func (p Principal) FullAccess() bool { return p.Role == model.RoleAdmin }

// Allows reports whether the caller holds one of the menus.
func (p Principal) Allows(menus ...string) bool {
	if p.FullAccess() {
		return true
	}
	for _, have := range p.Menu {
		for _, m := range menus {
			if have == m {
				return true
			}
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns a context carrying the caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller carried by ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// requireAdmin fails unless the caller is an admin.
func requireAdmin(ctx context.Context) error {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return model.Errorf(model.CodeUnauthenticated, "login required")
	}
	if p.Role != model.RoleAdmin {
		return model.Errorf(model.CodePermissionDenied, "user %s may not do this: admin role required", p.Name)
	}
	return nil
}

// Authorize fails unless the caller holds one of the menus (admins hold
// them all). No menus means any logged-in caller.
func Authorize(ctx context.Context, menus ...string) error {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return model.Errorf(model.CodeUnauthenticated, "login required")
	}
	if len(menus) == 0 || p.Allows(menus...) {
		return nil
	}
	group := "no user group"
	if p.Group != "" {
		group = "user group " + p.Group
	}
	return model.Errorf(model.CodePermissionDenied, "user %s may not do this: it needs the %s permission, and the roles of %s grant %v",
		p.Name, strings.Join(menus, " or "), group, p.Menu)
}

func requesterOf(ctx context.Context) string {
	p, _ := PrincipalFrom(ctx)
	return p.Name
}

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
	if _, err := s.createUser(ctx, model.User{Name: name, Role: model.RoleAdmin, Group: model.AdminGroupName}, password); err != nil {
		return false, "", err
	}
	return true, password, nil
}

// CreateUser adds a user (admin only).
func (s *Service) CreateUser(ctx context.Context, name, password, role string) (model.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return model.User{}, err
	}
	return s.createUser(ctx, model.User{Name: name, Role: role}, password)
}

// createUser validates and stores a new user with a hashed password, in
// u.Group if set.
func (s *Service) createUser(ctx context.Context, u model.User, password string) (model.User, error) {
	if err := validName("name", u.Name); err != nil {
		return model.User{}, err
	}
	if err := validPassword("password", password); err != nil {
		return model.User{}, err
	}
	if u.Role != model.RoleAdmin && u.Role != model.RoleUser {
		return model.User{}, model.FieldError("role", "must be %q or %q", model.RoleAdmin, model.RoleUser)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return model.User{}, err
	}
	u.ID, u.PasswordHash, u.CreatedAt = uuid.NewString(), hash, now()
	err = s.db.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateUser(ctx, u); err != nil {
			return conflict(err, "user %q already exists", u.Name)
		}
		if u.Group == "" {
			return nil
		}
		if _, err := q.GetUserGroup(ctx, u.Group); err != nil {
			return notFound(err, "user group", u.Group)
		}
		return q.AddGroupMember(ctx, u.Group, u.ID)
	})
	if err != nil {
		return model.User{}, err
	}
	return u, nil
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

// Login checks a password and opens a session. The token is returned only
// here; the database keeps its hash.
func (s *Service) Login(ctx context.Context, name, password string) (token string, sess model.Session, err error) {
	u, err := s.db.GetUserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a wrong password, so names cannot be probed.
		CheckPassword("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", password)
		return "", sess, model.Errorf(model.CodeUnauthenticated, "wrong user name or password")
	}
	if err != nil {
		return "", sess, err
	}
	if !CheckPassword(u.PasswordHash, password) {
		return "", sess, model.Errorf(model.CodeUnauthenticated, "wrong user name or password")
	}
	return s.openSession(ctx, u)
}

// LoginVerified opens a session for a user whose identity a directory
// trusted by the platform has verified (a ZStack LDAP binding): the
// caller, not Kumo, checked the password.
func (s *Service) LoginVerified(ctx context.Context, name string) (token string, sess model.Session, err error) {
	u, err := s.db.GetUserByName(ctx, name)
	if err != nil {
		return "", sess, notFound(err, "user", name)
	}
	return s.openSession(ctx, u)
}

func (s *Service) openSession(ctx context.Context, u model.User) (token string, sess model.Session, err error) {
	token = RandomSecret(32)
	t := now()
	sess = model.Session{ID: uuid.NewString(), TokenHash: hashToken(token), UserID: u.ID, CreatedAt: t, ExpiresAt: t.Add(s.cfg.SessionTTL)}
	if err := s.db.CreateSession(ctx, sess); err != nil {
		return "", sess, err
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
	p := Principal{UserID: u.ID, Name: u.Name, Role: u.Role, SessionID: sess.ID}
	access, err := s.db.UserAccess(ctx, u.ID)
	if err != nil {
		return Principal{}, sess, internal(err, "read the user's group and roles")
	}
	p.Group, p.Menu, p.Visibility = access.Group, access.Menu, access.Visibility
	if p.FullAccess() {
		p.Menu = append([]string(nil), model.Menus...)
	}
	return p, sess, nil
}

// RenewSession extends the caller's session by the session lifetime.
func (s *Service) RenewSession(ctx context.Context) (model.Session, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return model.Session{}, model.Errorf(model.CodeUnauthenticated, "login required")
	}
	exp := now().Add(s.cfg.SessionTTL)
	if err := s.db.SetSessionExpiry(ctx, p.SessionID, exp.UnixMicro()); err != nil {
		return model.Session{}, notFound(err, "session", p.SessionID)
	}
	return model.Session{ID: p.SessionID, UserID: p.UserID, ExpiresAt: exp.Truncate(time.Microsecond)}, nil
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context) error {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return model.Errorf(model.CodeUnauthenticated, "login required")
	}
	return notFound(s.db.DeleteSession(ctx, p.SessionID), "session", p.SessionID)
}
