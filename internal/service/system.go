package service

import "context"

// Initialized reports whether the system has its first user, which
// EnsureAdmin makes when the server starts. It needs no caller: Nano's
// portal asks before it shows the login form, and the answer tells
// nothing but that.
func (s *Service) Initialized(ctx context.Context) (bool, error) {
	n, err := s.db.CountUsers(ctx)
	return n > 0, err
}
