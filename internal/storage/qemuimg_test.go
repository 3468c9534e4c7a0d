package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func requireQemuImg(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("qemu-img is required in CI")
		}
		tb.Skip("qemu-img not installed")
	}
}

// makeImage writes a qcow2 image of virtual size size whose first
// dataBytes are random data.
func makeImage(tb testing.TB, dir string, size, dataBytes int64) string {
	tb.Helper()
	raw := filepath.Join(dir, "src.raw")
	f, err := os.Create(raw)
	if err != nil {
		tb.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for written := int64(0); written < dataBytes; written += int64(len(buf)) {
		rand.Read(buf)
		if _, err := f.Write(buf[:min(int64(len(buf)), dataBytes-written)]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Truncate(size); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	out := filepath.Join(dir, "src.qcow2")
	if b, err := exec.Command("qemu-img", "convert", "-O", "qcow2", raw, out).CombinedOutput(); err != nil {
		tb.Fatalf("make image: %v: %s", err, b)
	}
	os.Remove(raw)
	return out
}

func TestCloneAndResize(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	src := makeImage(t, dir, 64<<20, 4<<20)

	cow := filepath.Join(dir, "cow.qcow2")
	if err := q.Clone(ctx, src, cow, CloneCOW, 0); err != nil {
		t.Fatal(err)
	}
	info, err := q.Info(ctx, cow)
	if err != nil {
		t.Fatal(err)
	}
	if info.BackingFile == "" || info.VirtualSize != 64<<20 || info.ActualSize > 1<<20 {
		t.Fatalf("COW clone: %+v", info)
	}
	full := filepath.Join(dir, "full.qcow2")
	if err := q.Clone(ctx, src, full, CloneFull, 128<<20); err != nil {
		t.Fatal(err)
	}
	if info, _ = q.Info(ctx, full); info.BackingFile != "" || info.VirtualSize != 128<<20 || info.ActualSize < 4<<20 {
		t.Fatalf("full clone: %+v", info)
	}

	tests := []struct {
		name   string
		size   int64
		shrink bool
		want   error
	}{
		{"grow", 256 << 20, false, nil},
		{"shrink without asking", 128 << 20, false, ErrInvalidSize},
		{"shrink", 128 << 20, true, nil},
		{"shrink into data", 2 << 20, true, ErrInvalidSize},
		{"not whole sectors", 100<<20 + 3, false, ErrInvalidSize},
		{"zero", 0, false, ErrInvalidSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := q.Resize(ctx, full, tc.size, tc.shrink)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Resize(%d, %v) = %v, want %v", tc.size, tc.shrink, err, tc.want)
			}
			if err == nil {
				if info, _ := q.Info(ctx, full); info.VirtualSize != tc.size {
					t.Fatalf("size after resize: %d, want %d", info.VirtualSize, tc.size)
				}
			}
		})
	}

	if err := q.Clone(ctx, src, filepath.Join(dir, "small.qcow2"), CloneCOW, 1<<20); !errors.Is(err, ErrInvalidSize) {
		t.Fatalf("clone smaller than the image: %v", err)
	}
	missing := filepath.Join(dir, "out.qcow2")
	if err := q.Clone(ctx, filepath.Join(dir, "nope"), missing, CloneFull, 0); !errors.Is(err, ErrNotFound) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("clone of a missing file: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("failed clone left a file behind")
	}
	if err := q.Delete(ctx, missing); err != nil {
		t.Fatalf("delete of a missing file: %v", err)
	}
}

func TestProbeUpload(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	src := makeImage(t, dir, 8<<20, 1<<20)
	overlay := filepath.Join(dir, "overlay.qcow2")
	if err := q.Clone(ctx, src, overlay, CloneCOW, 0); err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(dir, "disk.raw")
	os.WriteFile(raw, make([]byte, 1<<20), 0o600)
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("hello, not an image"), 0o600)

	tests := []struct {
		path   string
		format string
		want   error
	}{
		{src, "qcow2", nil},
		{raw, "raw", nil},
		{overlay, "", ErrBackingFileForbidden},
		{junk, "", ErrUnsupportedFormat},
	}
	if _, err := exec.LookPath("genisoimage"); err == nil {
		iso := filepath.Join(dir, "media.iso")
		os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hi"), 0o600)
		if b, err := exec.Command("genisoimage", "-quiet", "-o", iso, filepath.Join(dir, "hello.txt")).CombinedOutput(); err != nil {
			t.Fatalf("genisoimage: %v: %s", err, b)
		}
		tests = append(tests, struct {
			path   string
			format string
			want   error
		}{iso, "iso", nil})
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			info, err := q.ProbeUpload(ctx, tc.path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ProbeUpload = %v, want %v", err, tc.want)
			}
			if err == nil && info.Format != tc.format {
				t.Fatalf("format %s, want %s", info.Format, tc.format)
			}
		})
	}
}

// benchClone measures making a disk from an image whose size is
// dataBytes of real data.
func benchClone(b *testing.B, mode CloneMode, dataBytes int64) {
	requireQemuImg(b)
	ctx := context.Background()
	dir := b.TempDir()
	src := makeImage(b, dir, dataBytes, dataBytes)
	q := NewQemuImg()
	b.SetBytes(dataBytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst := filepath.Join(dir, "clone-"+strconv.Itoa(i)+".qcow2")
		if err := q.Clone(ctx, src, dst, mode, 0); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.Remove(dst)
		b.StartTimer()
	}
}

func BenchmarkCloneCOW15MB(b *testing.B)  { benchClone(b, CloneCOW, 15<<20) }
func BenchmarkCloneCOW2GB(b *testing.B)   { benchClone(b, CloneCOW, 2<<30) }
func BenchmarkCloneFull15MB(b *testing.B) { benchClone(b, CloneFull, 15<<20) }
func BenchmarkCloneFull2GB(b *testing.B)  { benchClone(b, CloneFull, 2<<30) }
