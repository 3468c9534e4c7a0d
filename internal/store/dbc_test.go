package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestDBCSessionsAndNonces(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := model.DBCSession{ID: "sess-1", Wallet: "5Wallet", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
			if err := db.CreateDBCSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			got, err := db.GetDBCSession(ctx, "sess-1")
			if err != nil || got != s {
				t.Fatalf("GetDBCSession = %+v, %v; want %+v", got, err, s)
			}
			if _, err := db.GetDBCSession(ctx, "other"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown session: %v, want ErrNotFound", err)
			}
			if err := db.UseDBCNonce(ctx, "5Wallet", "n1", 1); err != nil {
				t.Fatal(err)
			}
			if err := db.UseDBCNonce(ctx, "5Wallet", "n1", 2); !errors.Is(err, ErrConflict) {
				t.Errorf("reused nonce: %v, want ErrConflict", err)
			}
			if err := db.UseDBCNonce(ctx, "5Other", "n1", 2); err != nil {
				t.Errorf("same nonce of another wallet: %v", err)
			}
		})
	}
}
