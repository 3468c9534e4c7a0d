package pki

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// JoinToken is what an agent needs to join: where the controller is, which
// CA to trust, and a one-time secret. It is passed around as one string.
type JoinToken struct {
	Address       string `json:"address"` // https://host:port of the cluster listener
	ID            string `json:"id"`
	Secret        string `json:"secret"`
	CAFingerprint string `json:"ca_fingerprint"`
}

// Encode returns the token as a single URL-safe string.
func (t JoinToken) Encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseJoinToken decodes a token made by Encode.
func ParseJoinToken(s string) (JoinToken, error) {
	var t JoinToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, fmt.Errorf("join token is not valid base64: %w", err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("join token is malformed: %w", err)
	}
	if t.Address == "" || t.ID == "" || t.Secret == "" || t.CAFingerprint == "" {
		return t, errors.New("join token is incomplete")
	}
	return t, nil
}
