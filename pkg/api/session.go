package api

import "time"

// LoginRequest is the body of POST /v1/login: a user name and password,
// or a DBC wallet's signature of a one-time nonce (the wallet then acts
// as the admin of its own tenant).
type LoginRequest struct {
	// Username is the user logging in.
	Username string `json:"username,omitempty" example:"admin"`
	// Password is the user's password, as typed or as its lowercase hex
	// SHA-512 (the form ZStack clients send).
	Password string `json:"password,omitempty" example:"s3cret-passw0rd"`
	// Wallet is an SS58 address (or hex ed25519 key) of a DBC wallet,
	// instead of Username.
	Wallet string `json:"wallet,omitempty" example:"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"`
	// Nonce is a string the wallet never signed before.
	Nonce string `json:"nonce,omitempty" example:"1733224142-8f1c"`
	// Sign is the wallet's ed25519 signature of Nonce, in hex.
	Sign string `json:"sign,omitempty" example:"0x5a0c...e1"`
}

// Session is a login. Token is only present in the reply to a login;
// send it as "Authorization: Bearer <token>".
type Session struct {
	// Token is the session's secret, shown once.
	Token string `json:"token,omitempty" example:"q3Jv0d0nN4W2JcV8p1n5bYVtS0m2r8T3kZ1xQe7c9aE"`
	// User is the name of the logged-in user.
	User string `json:"user" example:"admin"`
	// Role is admin (the platform's) or user.
	Role string `json:"role" enum:"admin,user" example:"admin"`
	// Tenant is the id of the user's tenant.
	Tenant string `json:"tenant" example:"default"`
	// ExpiresAt is when the session ends unless renewed.
	ExpiresAt time.Time `json:"expires_at" example:"2026-12-04T13:09:42Z"`
}
