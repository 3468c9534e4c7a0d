package api

import "time"

// LoginRequest is the body of POST /v1/login.
type LoginRequest struct {
	Username string `json:"username" required:"true"`
	Password string `json:"password" required:"true"`
}

// Session is a login. Token is only present in the reply to a login;
// send it as "Authorization: Bearer <token>".
type Session struct {
	Token     string    `json:"token,omitempty"`
	User      string    `json:"user"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
}
