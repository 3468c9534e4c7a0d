package diskspace_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kumo-cloud/kumo/internal/diskspace"
	"github.com/kumo-cloud/kumo/internal/diskspace/diskspacetest"
)

// TestFreeAndFull fills a real 8 MiB tmpfs: Free follows what is
// written, the write that fails is recognised as a full disk, and so is
// that error wrapped the way callers wrap it.
func TestFreeAndFull(t *testing.T) {
	dir := diskspacetest.Tmpfs(t, 8)
	total, free, err := diskspace.Free(dir)
	if err != nil || total != 8<<20 || free != 8<<20 {
		t.Fatalf("Free of an empty 8 MiB tmpfs = %d, %d, %v", total, free, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a"), make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, free, _ := diskspace.Free(dir); free != 5<<20 {
		t.Fatalf("Free after writing 3 MiB = %d, want %d", free, 5<<20)
	}
	err = os.WriteFile(filepath.Join(dir, "b"), make([]byte, 6<<20), 0o600)
	if err == nil {
		t.Fatal("writing 6 MiB into 5 MiB free succeeded")
	}
	if !diskspace.IsFull(err) || !diskspace.IsFull(fmt.Errorf("store the image: %w", err)) {
		t.Fatalf("IsFull(%v) = false", err)
	}
	if diskspace.IsFull(os.ErrNotExist) || diskspace.IsFull(nil) || diskspace.IsFull(errors.New("connection refused")) {
		t.Fatal("IsFull holds for errors that are not a full disk")
	}
	// Other programs say it in words.
	for _, text := range []string{
		"qemu-img: error while writing at byte 0: No space left on device",
		"database or disk is full (13)",
		"ERROR: could not extend file: No space left on device (SQLSTATE 53100)",
	} {
		if !diskspace.IsFull(errors.New(text)) {
			t.Errorf("IsFull(%q) = false", text)
		}
	}
}

// TestReserveWriter streams into a real 8 MiB tmpfs with a 2 MiB reserve:
// the stream stops before the reserve is touched.
func TestReserveWriter(t *testing.T) {
	dir := diskspacetest.Tmpfs(t, 8)
	f, err := os.Create(filepath.Join(dir, "upload"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &diskspace.ReserveWriter{W: f, Dir: dir, Reserve: 2 << 20, CheckEvery: 256 << 10}
	chunk := bytes.Repeat([]byte{1}, 64<<10)
	var written int64
	for written < 16<<20 {
		n, err := w.Write(chunk)
		written += int64(n)
		if err != nil {
			if !errors.Is(err, diskspace.ErrBelowReserve) || !diskspace.IsFull(err) {
				t.Fatalf("write failed with %v, want ErrBelowReserve", err)
			}
			break
		}
	}
	_, free, _ := diskspace.Free(dir)
	if written >= 16<<20 || free < 2<<20-256<<10 {
		t.Fatalf("wrote %d bytes, %d left free; the reserve of 2 MiB was not kept", written, free)
	}
	if written < 5<<20 {
		t.Fatalf("stopped after %d bytes, long before the reserve", written)
	}
}

func TestFill(t *testing.T) {
	dir := diskspacetest.Tmpfs(t, 4)
	diskspacetest.Fill(t, dir)
	if _, free, _ := diskspace.Free(dir); free != 0 {
		t.Fatalf("%d bytes free after Fill", free)
	}
}
