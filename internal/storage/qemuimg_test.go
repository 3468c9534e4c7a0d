package storage

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireQemuImg skips a test on a machine without qemu-img, except in CI,
// where a missing qemu-img must not pass for a green run.
func requireQemuImg(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("qemu-img is required in CI")
		}
		tb.Skip("qemu-img not installed")
	}
}

// qemuImg runs qemu-img for a test's setup or checks.
func qemuImg(tb testing.TB, args ...string) {
	tb.Helper()
	if out, err := exec.Command("qemu-img", args...).CombinedOutput(); err != nil {
		tb.Fatalf("qemu-img %v: %v: %s", args, err, out)
	}
}

// sameContent says whether two images show a guest the same data.
func sameContent(tb testing.TB, a, b string) bool {
	tb.Helper()
	out, err := exec.Command("qemu-img", "compare", "-U", a, b).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return false
	}
	tb.Fatalf("qemu-img compare %s %s: %v: %s", a, b, err, out)
	return false
}

// makeRaw writes a raw disk of size bytes whose first dataBytes are
// pseudo-random (so that no zero detection can skip them), seeded by seed.
func makeRaw(tb testing.TB, path string, size, dataBytes int64, seed uint64) string {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	buf := make([]byte, 4<<20)
	for written := int64(0); written < dataBytes; {
		n := min(int64(len(buf)), dataBytes-written)
		rng.Read(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			tb.Fatal(err)
		}
		written += n
	}
	if err := f.Truncate(size); err != nil {
		tb.Fatal(err)
	}
	return path
}

// makeQcow2 writes a qcow2 image like makeRaw's.
func makeQcow2(tb testing.TB, path string, size, dataBytes int64, seed uint64) string {
	tb.Helper()
	raw := makeRaw(tb, path+".raw", size, dataBytes, seed)
	qemuImg(tb, "convert", "-f", "raw", "-O", "qcow2", raw, path)
	os.Remove(raw)
	return path
}

// noLeftovers fails if dir holds a temporary file of a failed operation.
func noLeftovers(tb testing.TB, dir string) {
	tb.Helper()
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(tmp) > 0 {
		tb.Fatalf("temporary files left behind: %v", tmp)
	}
}

func TestInfo(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	qcow2 := makeQcow2(t, filepath.Join(dir, "disk.qcow2"), 64<<20, 4<<20, 1)
	raw := makeRaw(t, filepath.Join(dir, "disk.raw"), 8<<20, 1<<20, 2)

	tests := []struct {
		name    string
		path    string
		format  string
		size    int64
		minUsed int64
		wantErr error
	}{
		{"qcow2", qcow2, "qcow2", 64 << 20, 4 << 20, nil},
		{"raw", raw, "raw", 8 << 20, 1 << 20, nil},
		{"missing", filepath.Join(dir, "nope"), "", 0, 0, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := q.Info(ctx, tc.path)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Info = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("missing file error %v does not match os.ErrNotExist", err)
				}
				return
			}
			if info.Format != tc.format || info.VirtualSize != tc.size || info.ActualSize < tc.minUsed || info.BackingFile != "" {
				t.Fatalf("Info = %+v, want format %s, virtual size %d, at least %d bytes used", info, tc.format, tc.size, tc.minUsed)
			}
		})
	}
}

func TestClone(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	src := makeQcow2(t, filepath.Join(dir, "image.qcow2"), 64<<20, 8<<20, 1)
	raw := makeRaw(t, filepath.Join(dir, "image.raw"), 16<<20, 1<<20, 2)
	vmdk := filepath.Join(dir, "image.vmdk")
	qemuImg(t, "create", "-q", "-f", "vmdk", vmdk, "16M")
	taken := filepath.Join(dir, "taken.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", taken, "1M")

	tests := []struct {
		name     string
		src      string
		mode     CloneMode
		size     int64
		wantErr  error
		wantSize int64
		backing  bool
	}{
		{"cow", src, CloneCOW, 0, nil, 64 << 20, true},
		{"cow grown", src, CloneCOW, 128 << 20, nil, 128 << 20, true},
		{"cow of raw", raw, CloneCOW, 0, nil, 16 << 20, true},
		{"cow same size", src, CloneCOW, 64 << 20, nil, 64 << 20, true},
		{"full", src, CloneFull, 0, nil, 64 << 20, false},
		{"full grown", src, CloneFull, 128 << 20, nil, 128 << 20, false},
		{"full of raw", raw, CloneFull, 0, nil, 16 << 20, false},
		{"smaller than image", src, CloneCOW, 32 << 20, ErrInvalidSize, 0, false},
		{"smaller than image full", src, CloneFull, 32 << 20, ErrInvalidSize, 0, false},
		{"not whole sectors", src, CloneCOW, 128<<20 + 1, ErrInvalidSize, 0, false},
		{"negative", src, CloneFull, -512, ErrInvalidSize, 0, false},
		{"missing source", filepath.Join(dir, "nope"), CloneFull, 0, ErrNotFound, 0, false},
		{"vmdk source", vmdk, CloneCOW, 0, ErrUnsupportedFormat, 0, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(dir, "clone"+string(rune('a'+i))+".qcow2")
			err := q.Clone(ctx, tc.src, dst, tc.mode, tc.size)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Clone = %v, want %v", err, tc.wantErr)
			}
			noLeftovers(t, dir)
			if tc.wantErr != nil {
				if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("failed clone left %s behind", dst)
				}
				return
			}
			info, err := q.Info(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != "qcow2" || info.VirtualSize != tc.wantSize || (info.BackingFile != "") != tc.backing {
				t.Fatalf("clone is %+v, want qcow2 of %d bytes, backing file %v", info, tc.wantSize, tc.backing)
			}
			if tc.backing && info.ActualSize > 1<<20 {
				t.Fatalf("COW clone uses %d bytes: not thin", info.ActualSize)
			}
			if !tc.backing && tc.src == src && info.ActualSize < 8<<20 {
				t.Fatalf("full clone uses %d bytes: data not copied", info.ActualSize)
			}
			if !sameContent(t, tc.src, dst) {
				t.Fatal("clone does not show the image's data")
			}
		})
	}

	t.Run("existing destination", func(t *testing.T) {
		err := q.Clone(ctx, src, taken, CloneFull, 0)
		if !errors.Is(err, fs.ErrExist) {
			t.Fatalf("Clone onto an existing file = %v, want fs.ErrExist", err)
		}
		if info, _ := q.Info(ctx, taken); info.VirtualSize != 1<<20 {
			t.Fatalf("existing file was changed: %+v", info)
		}
		noLeftovers(t, dir)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		dst := filepath.Join(dir, "cancelled.qcow2")
		if err := q.Clone(ctx, src, dst, CloneFull, 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("Clone = %v, want context.Canceled", err)
		}
		if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
			t.Fatal("cancelled clone left its file behind")
		}
		noLeftovers(t, dir)
	})
}

func TestCreate(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	tests := []struct {
		name    string
		size    int64
		wantErr error
	}{
		{"one GiB", 1 << 30, nil},
		{"one sector", 512, nil},
		{"zero", 0, ErrInvalidSize},
		{"negative", -1 << 20, ErrInvalidSize},
		{"not whole sectors", 1<<20 + 100, ErrInvalidSize},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(dir, "disk"+string(rune('a'+i))+".qcow2")
			err := q.Create(ctx, dst, tc.size)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Create(%d) = %v, want %v", tc.size, err, tc.wantErr)
			}
			noLeftovers(t, dir)
			info, ierr := q.Info(ctx, dst)
			if tc.wantErr != nil {
				if !errors.Is(ierr, ErrNotFound) {
					t.Fatalf("failed Create left a file: %v", ierr)
				}
				return
			}
			if ierr != nil || info.Format != "qcow2" || info.VirtualSize != tc.size || info.ActualSize > 1<<20 {
				t.Fatalf("created %+v (%v), want an empty qcow2 of %d bytes", info, ierr, tc.size)
			}
		})
	}
	if err := q.Create(ctx, filepath.Join(dir, "diska.qcow2"), 1<<20); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing disk = %v, want fs.ErrExist", err)
	}
}

func TestResize(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	image := makeQcow2(t, filepath.Join(dir, "image.qcow2"), 32<<20, 16<<20, 1)
	disk := filepath.Join(dir, "disk.qcow2")
	if err := q.Clone(ctx, image, disk, CloneFull, 128<<20); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "overlay.qcow2")
	if err := q.Clone(ctx, image, overlay, CloneCOW, 64<<20); err != nil {
		t.Fatal(err)
	}
	raw := makeRaw(t, filepath.Join(dir, "disk.raw"), 8<<20, 1<<20, 2)

	// The steps run in order on the same disks.
	tests := []struct {
		name     string
		path     string
		size     int64
		shrink   bool
		wantErr  error
		wantSize int64
	}{
		{"grow", disk, 256 << 20, false, nil, 256 << 20},
		{"grow with shrink set", disk, 300 << 20, true, nil, 300 << 20},
		{"same size", disk, 300 << 20, false, nil, 300 << 20},
		{"shrink not asked for", disk, 128 << 20, false, ErrInvalidSize, 300 << 20},
		{"shrink", disk, 128 << 20, true, nil, 128 << 20},
		{"shrink to the data's end", disk, 16 << 20, true, nil, 16 << 20},
		{"shrink into data", disk, 8 << 20, true, ErrInvalidSize, 16 << 20},
		{"shrink overlay into backing data", overlay, 8 << 20, true, ErrInvalidSize, 64 << 20},
		{"shrink overlay", overlay, 32 << 20, true, nil, 32 << 20},
		{"grow raw", raw, 16 << 20, false, nil, 16 << 20},
		{"shrink raw", raw, 4 << 20, true, nil, 4 << 20},
		{"zero", disk, 0, true, ErrInvalidSize, 16 << 20},
		{"negative", disk, -512, true, ErrInvalidSize, 16 << 20},
		{"not whole sectors", disk, 100<<20 + 3, false, ErrInvalidSize, 16 << 20},
		{"missing disk", filepath.Join(dir, "nope"), 1 << 30, false, ErrNotFound, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := q.Resize(ctx, tc.path, tc.size, tc.shrink)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Resize(%d, shrink %v) = %v, want %v", tc.size, tc.shrink, err, tc.wantErr)
			}
			if tc.wantSize == 0 {
				return
			}
			if info, err := q.Info(ctx, tc.path); err != nil || info.VirtualSize != tc.wantSize {
				t.Fatalf("size after resize: %d (%v), want %d", info.VirtualSize, err, tc.wantSize)
			}
		})
	}
	// Shrinking kept every byte of data.
	if !sameContent(t, image, disk) {
		t.Fatal("resized disk lost the image's data")
	}
}

func TestDelete(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	disk := filepath.Join(dir, "disk.qcow2")
	if err := q.Create(ctx, disk, 1<<20); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the second time the file is gone already
		if err := q.Delete(ctx, disk); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
		if _, err := os.Stat(disk); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Delete #%d left the file: %v", i+1, err)
		}
	}
}

func TestConvert(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	image := makeQcow2(t, filepath.Join(dir, "image.qcow2"), 32<<20, 4<<20, 1)
	overlay := filepath.Join(dir, "overlay.qcow2")
	if err := q.Clone(ctx, image, overlay, CloneCOW, 0); err != nil {
		t.Fatal(err)
	}
	compact := filepath.Join(dir, "compact.qcow2")
	if err := q.Clone(ctx, image, compact, CloneFull, 0); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		src     string
		dst     string
		format  string
		wantErr error
	}{
		{"qcow2 to raw", image, filepath.Join(dir, "out.raw"), "raw", nil},
		{"raw to qcow2", filepath.Join(dir, "out.raw"), filepath.Join(dir, "out.qcow2"), "qcow2", nil},
		{"overlay to independent qcow2", overlay, filepath.Join(dir, "flat.qcow2"), "qcow2", nil},
		{"in place", compact, compact, "qcow2", nil},
		{"unsupported target", image, filepath.Join(dir, "out.vmdk"), "vmdk", ErrUnsupportedFormat},
		{"missing source", filepath.Join(dir, "nope"), filepath.Join(dir, "x.qcow2"), "qcow2", ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := q.Convert(ctx, tc.src, tc.dst, tc.format)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Convert = %v, want %v", err, tc.wantErr)
			}
			noLeftovers(t, dir)
			if tc.wantErr != nil {
				if _, err := os.Stat(tc.dst); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("failed Convert left %s", tc.dst)
				}
				return
			}
			info, err := q.Info(ctx, tc.dst)
			if err != nil || info.Format != tc.format || info.BackingFile != "" || info.VirtualSize != 32<<20 {
				t.Fatalf("converted to %+v (%v), want independent %s", info, err, tc.format)
			}
			if !sameContent(t, image, tc.dst) {
				t.Fatal("converted image has other data")
			}
		})
	}
}

func TestFlattenAndRebase(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	image := makeQcow2(t, filepath.Join(dir, "image.qcow2"), 16<<20, 4<<20, 1)
	other := makeQcow2(t, filepath.Join(dir, "other.qcow2"), 16<<20, 2<<20, 2)
	disk := filepath.Join(dir, "disk.qcow2")
	if err := q.Clone(ctx, image, disk, CloneCOW, 0); err != nil {
		t.Fatal(err)
	}
	snapshotOfImage := filepath.Join(dir, "expected.qcow2")
	if err := q.Convert(ctx, image, snapshotOfImage, "qcow2"); err != nil {
		t.Fatal(err)
	}

	// On another backing file the disk must still show the same data.
	if err := q.Rebase(ctx, disk, other); err != nil {
		t.Fatal(err)
	}
	if info, _ := q.Info(ctx, disk); info.BackingFile != other {
		t.Fatalf("backing file after rebase: %q, want %q", info.BackingFile, other)
	}
	if !sameContent(t, snapshotOfImage, disk) {
		t.Fatal("rebase changed what the guest sees")
	}

	if err := q.Flatten(ctx, disk); err != nil {
		t.Fatal(err)
	}
	if info, _ := q.Info(ctx, disk); info.BackingFile != "" || info.ActualSize < 4<<20 {
		t.Fatalf("after flatten: %+v, want no backing file and the data copied in", info)
	}
	// Independent: the old backing files may go.
	os.Remove(image)
	os.Remove(other)
	if !sameContent(t, snapshotOfImage, disk) {
		t.Fatal("flattened disk lost data")
	}
	if err := q.Flatten(ctx, disk); err != nil {
		t.Fatalf("flattening an independent disk: %v", err)
	}
	if err := q.Rebase(ctx, disk, filepath.Join(dir, "nope")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rebase onto a missing file = %v, want ErrNotFound", err)
	}
	raw := makeRaw(t, filepath.Join(dir, "disk.raw"), 1<<20, 0, 0)
	if err := q.Rebase(ctx, raw, ""); !errors.Is(err, ErrUnsupportedFormat) {
		t.Fatalf("rebase of a raw disk = %v, want ErrUnsupportedFormat", err)
	}
}

func TestCompact(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()

	// A fully preallocated disk with 4 MiB of data takes all 32 MiB;
	// compacted, it takes about what its data needs.
	raw := makeRaw(t, filepath.Join(dir, "data.raw"), 32<<20, 4<<20, 7)
	fat := filepath.Join(dir, "fat.qcow2")
	qemuImg(t, "convert", "-f", "raw", "-O", "qcow2", "-o", "preallocation=full", raw, fat)
	before, err := q.Info(ctx, fat)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Compact(ctx, fat); err != nil {
		t.Fatal(err)
	}
	noLeftovers(t, dir)
	after, err := q.Info(ctx, fat)
	if err != nil {
		t.Fatal(err)
	}
	if after.ActualSize >= before.ActualSize/2 || after.ActualSize < 4<<20 || after.VirtualSize != 32<<20 {
		t.Errorf("compacted from %d to %d bytes on the host (virtual %d), want about 4 MiB", before.ActualSize, after.ActualSize, after.VirtualSize)
	}
	if !sameContent(t, raw, fat) {
		t.Error("compacting changed the disk's data")
	}

	// An overlay keeps its backing file and its own writes.
	image := makeQcow2(t, filepath.Join(dir, "image.qcow2"), 32<<20, 4<<20, 1)
	overlay := filepath.Join(dir, "overlay.qcow2")
	if err := q.Clone(ctx, image, overlay, CloneCOW, 0); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 2M", overlay).CombinedOutput(); err != nil {
		t.Fatalf("qemu-io: %v: %s", err, out)
	}
	want := filepath.Join(dir, "want.qcow2")
	qemuImg(t, "convert", "-O", "qcow2", overlay, want)
	if err := q.Compact(ctx, overlay); err != nil {
		t.Fatal(err)
	}
	info, err := q.Info(ctx, overlay)
	if err != nil || info.BackingFile == "" {
		t.Fatalf("compacted overlay %+v (%v) lost its backing file", info, err)
	}
	if !sameContent(t, want, overlay) {
		t.Error("compacting changed the overlay's data")
	}

	// Internal snapshots would be lost: refused.
	qemuImg(t, "snapshot", "-c", "s1", want)
	if err := q.Compact(ctx, want); !errors.Is(err, ErrHasSnapshots) {
		t.Errorf("compact with snapshots = %v, want refused", err)
	}
}

// TestRefusalReasons checks that what storage refuses keeps the file in
// its error (for logs) and leaves it out of its reason (for API users),
// and still matches its sentinel.
func TestRefusalReasons(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	disk := filepath.Join(dir, "disk.qcow2")
	if err := q.Create(ctx, disk, 16<<20); err != nil {
		t.Fatal(err)
	}
	if err := q.SnapshotCreate(ctx, disk, "before"); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "upload")
	if err := os.WriteFile(garbage, []byte("not a disk"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, probeErr := q.ProbeUpload(ctx, garbage)
	for _, tc := range []struct {
		what   string
		err    error
		kind   error
		reason string
	}{
		{"shrink without asking", q.Resize(ctx, disk, 8<<20, false), ErrInvalidSize,
			"invalid disk size: 8388608 bytes is smaller than the disk's 16777216 and shrinking was not asked for"},
		{"odd size", q.Resize(ctx, disk, 1000, false), ErrInvalidSize, "invalid disk size: 1000 bytes (must be positive and a multiple of 512)"},
		{"compact with snapshots", q.Compact(ctx, disk), ErrHasSnapshots, "the disk has snapshots: it has 1 snapshots, which compacting would drop"},
		{"apply a missing snapshot", q.SnapshotApply(ctx, disk, "nope"), ErrNotFound, `not found: snapshot "nope"`},
		{"a missing file", q.Resize(ctx, filepath.Join(dir, "gone.qcow2"), 1<<20, false), ErrNotFound, "not found"},
		{"an upload that is no disk", probeErr, ErrUnsupportedFormat,
			"unsupported image format: not qcow2 or ISO, and 10 bytes is not whole 512-byte sectors of a raw disk"},
	} {
		if !errors.Is(tc.err, tc.kind) {
			t.Errorf("%s: %v is not %v", tc.what, tc.err, tc.kind)
		}
		if !strings.Contains(tc.err.Error(), dir) {
			t.Errorf("%s: error %q does not name the file", tc.what, tc.err)
		}
		if got := Reason(tc.err); got != tc.reason || strings.Contains(got, dir) {
			t.Errorf("%s: reason %q, want %q", tc.what, got, tc.reason)
		}
	}
	if Reason(errors.New("qemu-img failed")) != "" {
		t.Error("an error that is no refusal has a reason")
	}
}
