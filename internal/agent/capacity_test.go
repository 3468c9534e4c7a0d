package agent

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kumo-cloud/kumo/internal/diskspace/diskspacetest"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
)

func testAgent() *Agent {
	return &Agent{log: slog.New(slog.NewTextHandler(io.Discard, nil)), id: identity{Name: "h1"}}
}

// TestPublicError checks what the controller (and through its tasks,
// API users) is told of failures that carry host paths and command lines.
func TestPublicError(t *testing.T) {
	a := testAgent()
	const path = "/var/lib/kumo/vms/v1/.root.qcow2.1.tmp"
	qemuFull := fmt.Errorf("make disk of VM v1: clone /var/lib/kumo/images/i1 to %s: %w",
		path, fmt.Errorf("qemu-img convert -q -f qcow2 -O qcow2 /var/lib/kumo/images/i1 %s: exit status 1: qemu-img: error while writing at byte 0: No space left on device", path))
	tests := []struct {
		name string
		err  error
		code model.ErrorCode
		want string
	}{
		{"qemu-img out of space", qemuFull, model.CodeInsufficientCapacity, "not enough free space on host h1 for the provision of VM v1"},
		{"ENOSPC from a write", &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}, model.CodeInsufficientCapacity, "not enough free space on host h1"},
		{"other failure", fmt.Errorf("qemu-img create -q -f qcow2 %s 9000000000000000000: exit status 1: Image size too large", path), model.CodeInternal, "the provision of VM v1 failed on host h1"},
		{"invalid size", diskError(fmt.Errorf("clone a to %s: %w: 100 bytes (must be positive and a multiple of 512)", path, storage.ErrInvalidSize)), model.CodeInvalidArgument, "invalid disk size: 100 bytes"},
		{"model error with a cause", &model.Error{Code: model.CodeUnavailable, Message: "download image i1", Err: &os.PathError{Op: "open", Path: path, Err: syscall.EIO}}, model.CodeUnavailable, "download image i1"},
	}
	for _, tc := range tests {
		got := a.publicError("provision", "v1", tc.err)
		if model.CodeOf(got) != tc.code || !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%s: %v (%s), want %s containing %q", tc.name, got, model.CodeOf(got), tc.code, tc.want)
		}
		for _, leak := range []string{"/var/lib", "qemu-img", ".tmp"} {
			if strings.Contains(got.Error(), leak) {
				t.Errorf("%s: %q contains %q", tc.name, got.Error(), leak)
			}
		}
	}
}

// TestRequireFree fills a real tmpfs: an operation that needs more than
// is free (with the margin) is refused with insufficient_capacity; one
// that fits passes.
func TestRequireFree(t *testing.T) {
	a := testAgent()
	dir := diskspacetest.Tmpfs(t, 64)
	if err := a.requireFree(dir, 8<<20, "a full copy"); err != nil {
		t.Fatalf("8 MiB on an empty 64 MiB file system: %v", err)
	}
	if err := a.requireFree(dir, 60<<20, "a full copy"); !model.IsCode(err, model.CodeInsufficientCapacity) {
		t.Fatalf("60 MiB and the margin on a 64 MiB file system: %v", err)
	}
	if err := a.requireFree(dir, 1<<62, "a huge copy"); !model.IsCode(err, model.CodeInsufficientCapacity) {
		t.Fatalf("2^62 bytes: %v", err)
	}
	filler := diskspacetest.Fill(t, filepath.Join(dir))
	err := a.requireFree(dir, 0, "the disk of VM v1")
	if !model.IsCode(err, model.CodeInsufficientCapacity) || strings.Contains(err.Error(), dir) {
		t.Fatalf("an overlay on a full file system: %v", err)
	}
	os.Remove(filler)
	if err := a.requireFree(dir, 0, "the disk of VM v1"); err != nil {
		t.Fatalf("after freeing the space: %v", err)
	}
}
