package model

import "time"

// Role names. Admins may do everything; users get the permissions of
// their roles and see their own resources (see Visibility).
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

// PasswordForm says what a stored password hash was computed over.
type PasswordForm string

// Password forms.
const (
	// PasswordPlain hashes the password as typed (hashes stored before
	// Kumo knew SHA-512 clients).
	PasswordPlain PasswordForm = "plain"
	// PasswordSHA512 hashes the lowercase hex SHA-512 of the password,
	// the form ZStack clients send, so one hash serves both.
	PasswordSHA512 PasswordForm = "sha512"
)

// User is a person or script that logs in.
type User struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	PasswordHash string       `json:"-"`
	PasswordForm PasswordForm `json:"-"`
	Role         string       `json:"role"`
	Nick         string       `json:"nick"`
	Mail         string       `json:"mail"`
	Description  string       `json:"description"`
	// TenantID is the tenant the user belongs to; TenantAdmin marks the
	// tenant's own admin (a ZStack account's login, a DBC wallet).
	TenantID    string `json:"tenant_id"`
	TenantAdmin bool   `json:"tenant_admin"`
	// Group is the first user group the user belongs to, "" for none
	// (Groups lists them all).
	Group     string    `json:"group"`
	Groups    []string  `json:"groups,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Session is a login. Only the SHA-256 of the token is stored, so a leaked
// database does not leak usable tokens.
type Session struct {
	ID        string    `json:"id"`
	TokenHash string    `json:"-"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}
