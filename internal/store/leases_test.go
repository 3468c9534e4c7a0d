package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLeaseIsExclusive: of two holders only one gets the lease until it
// expires or is released, and twenty racing for a free lease make exactly
// one winner, on SQLite and PostgreSQL.
func TestLeaseIsExclusive(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Unix(1_800_000_000, 0)
			ttl := 15 * time.Second
			if _, err := db.AcquireLease(ctx, "controller", "a", "a on host1", t0, ttl); err != nil {
				t.Fatalf("first acquire: %v", err)
			}
			cur, err := db.AcquireLease(ctx, "controller", "b", "b on host2", t0.Add(5*time.Second), ttl)
			if !errors.Is(err, ErrLeaseHeld) || cur.Holder != "a" || cur.Description != "a on host1" {
				t.Fatalf("second holder got %+v, %v; want a's lease and ErrLeaseHeld", cur, err)
			}
			// a renews; b is still refused after a's first expiry.
			if _, err := db.AcquireLease(ctx, "controller", "a", "a on host1", t0.Add(10*time.Second), ttl); err != nil {
				t.Fatalf("renew: %v", err)
			}
			if _, err := db.AcquireLease(ctx, "controller", "b", "b", t0.Add(20*time.Second), ttl); !errors.Is(err, ErrLeaseHeld) {
				t.Fatalf("b took a renewed lease: %v", err)
			}
			// After a's renewed lease expires, b takes it; a cannot renew.
			if l, err := db.AcquireLease(ctx, "controller", "b", "b", t0.Add(26*time.Second), ttl); err != nil || l.Holder != "b" {
				t.Fatalf("b after expiry: %+v %v", l, err)
			}
			if _, err := db.AcquireLease(ctx, "controller", "a", "a", t0.Add(27*time.Second), ttl); !errors.Is(err, ErrLeaseHeld) {
				t.Fatalf("a renewed a lease it lost: %v", err)
			}
			// Release hands it over at once; releasing someone else's does nothing.
			if err := db.ReleaseLease(ctx, "controller", "a"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AcquireLease(ctx, "controller", "a", "a", t0.Add(28*time.Second), ttl); !errors.Is(err, ErrLeaseHeld) {
				t.Fatalf("a's release of b's lease freed it: %v", err)
			}
			if err := db.ReleaseLease(ctx, "controller", "b"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AcquireLease(ctx, "controller", "a", "a", t0.Add(29*time.Second), ttl); err != nil {
				t.Fatalf("acquire after release: %v", err)
			}

			var wg sync.WaitGroup
			var mu sync.Mutex
			winners := 0
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := db.AcquireLease(ctx, "race", fmt.Sprint("h", i), "", t0, ttl)
					if err == nil {
						mu.Lock()
						winners++
						mu.Unlock()
					} else if !errors.Is(err, ErrLeaseHeld) {
						t.Errorf("racer %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			if winners != 1 {
				t.Fatalf("%d holders won a free lease, want 1", winners)
			}
		})
	}
}
