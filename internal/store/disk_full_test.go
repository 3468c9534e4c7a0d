package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/diskspace/diskspacetest"
	"github.com/kumo-cloud/kumo/internal/model"
)

// TestSQLiteDiskFull opens the SQLite database on a real 16 MiB tmpfs and
// fills the file system: writes fail with insufficient_capacity and a
// message without the database's path, reads go on, and once space is
// freed writes work again.
func TestSQLiteDiskFull(t *testing.T) {
	dir := diskspacetest.Tmpfs(t, 16)
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(dir, "kumo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	user := func(i int) model.User {
		return model.User{ID: fmt.Sprintf("u%d", i), Name: fmt.Sprintf("user-%d", i), PasswordHash: strings.Repeat("h", 4000), TenantID: "default", CreatedAt: now}
	}
	if err := db.CreateUser(ctx, user(0)); err != nil {
		t.Fatal(err)
	}
	filler := diskspacetest.Fill(t, dir)
	// The WAL and the file may have room left in pages already on disk:
	// write until the file system's lack of space shows.
	var werr error
	for i := 1; i < 5000 && werr == nil; i++ {
		werr = db.CreateUser(ctx, user(i))
	}
	if werr == nil {
		t.Fatal("5000 users of 4 KB fitted on a full 16 MiB file system")
	}
	if !model.IsCode(werr, model.CodeInsufficientCapacity) || !errors.Is(werr, ErrDiskFull) {
		t.Fatalf("write on a full disk: %v (code %s), want insufficient_capacity", werr, model.CodeOf(werr))
	}
	if strings.Contains(werr.Error(), dir) {
		t.Fatalf("error names the database's path: %v", werr)
	}
	var txErr error
	for i := 0; i < 50 && txErr == nil; i++ {
		txErr = db.InTx(ctx, func(q Queries) error { return q.CreateUser(ctx, user(10000+i)) })
	}
	if !model.IsCode(txErr, model.CodeInsufficientCapacity) {
		t.Fatalf("transaction on a full disk: %v, want insufficient_capacity", txErr)
	}
	if u, err := db.GetUserByName(ctx, "user-0"); err != nil || u.ID != "u0" {
		t.Fatalf("read on a full disk: %+v, %v", u, err)
	}
	if _, err := db.ListUsers(ctx); err != nil {
		t.Fatalf("list on a full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, user(20000)); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
}
