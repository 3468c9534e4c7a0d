package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kumo-cloud/kumo/internal/diskspace"
	"github.com/kumo-cloud/kumo/internal/diskspace/diskspacetest"
)

// TestCloneOnFullDisk makes a full clone of a 12 MiB image onto a real
// 8 MiB tmpfs: qemu-img fails for lack of space, the error says so in a
// way diskspace.IsFull recognises, and no temporary file is left.
func TestCloneOnFullDisk(t *testing.T) {
	requireQemuImg(t)
	src := makeRaw(t, filepath.Join(t.TempDir(), "src.raw"), 12<<20, 12<<20, 7)
	dir := diskspacetest.Tmpfs(t, 8)
	dst := filepath.Join(dir, "root.qcow2")
	err := NewQemuImg().Clone(context.Background(), src, dst, CloneFull, 0)
	if err == nil {
		t.Fatal("a 12 MiB full clone fitted into 8 MiB")
	}
	if !diskspace.IsFull(err) {
		t.Fatalf("IsFull(%v) = false", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind on the full disk: %v", entries)
	}
}
