package model

import "time"

// Role names. Admins may do everything; users get the menus of their
// user group's roles and see their own resources (see Visibility).
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

// User is a person or script that logs in.
type User struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	PasswordHash string `json:"-"`
	Role         string `json:"role"`
	Nick         string `json:"nick"`
	Mail         string `json:"mail"`
	// Group is the user group the user belongs to, "" for none.
	Group     string    `json:"group"`
	CreatedAt time.Time `json:"created_at"`
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
