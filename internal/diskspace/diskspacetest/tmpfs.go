// Package diskspacetest gives tests a real small file system to fill: a
// tmpfs of a given size, mounted for the test and unmounted after it.
package diskspacetest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Tmpfs mounts a tmpfs of sizeMiB under a new temporary directory and
// returns its path; the test is skipped unless it runs as root (mounting
// needs it), and fails in CI then. The mount is removed at cleanup.
func Tmpfs(t testing.TB, sizeMiB int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("full-disk tests need root to mount a tmpfs")
		}
		t.Skip("full-disk tests need root to mount a tmpfs")
	}
	dir, err := os.MkdirTemp("", "kumo-full-disk-*")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.Itoa(sizeMiB)+"m,mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		os.Remove(dir)
		t.Fatalf("mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		// Lazy: a QEMU or a file a failed test left open must not keep
		// the mount, or the next run's temporary directories, around.
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
		os.Remove(dir)
	})
	return dir
}

// Fill writes a file into dir until its file system is full and returns
// the file's path; deleting it frees the space again.
func Fill(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i) // tmpfs stores zeros too; this is for other file systems
	}
	for {
		_, err := f.Write(buf)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatalf("fill %s: %v", dir, err)
		}
	}
	// Then the last partial blocks, so nothing at all is left.
	for _, err := f.Write(buf[:4096]); err == nil; _, err = f.Write(buf[:4096]) {
	}
	for _, err := f.Write(buf[:1]); err == nil; _, err = f.Write(buf[:1]) {
	}
	return path
}
