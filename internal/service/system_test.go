package service

import (
	"context"
	"testing"
)

func TestInitialized(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t, Config{})
	if ok, err := s.Initialized(ctx); err != nil || ok {
		t.Fatalf("before the first admin: %v %v", ok, err)
	}
	if _, _, err := s.EnsureAdmin(ctx, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Initialized(ctx); err != nil || !ok {
		t.Fatalf("after the first admin: %v %v", ok, err)
	}
}
