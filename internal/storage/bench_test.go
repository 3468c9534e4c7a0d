package storage

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchClone measures making a disk from a qcow2 image holding dataBytes
// of real (non-zero, allocated) data. The image is made once per
// benchmark: b.Loop runs the function body once, unlike a b.N loop.
func benchClone(b *testing.B, mode CloneMode, dataBytes int64) {
	requireQemuImg(b)
	ctx := context.Background()
	dir := b.TempDir()
	src := makeQcow2(b, filepath.Join(dir, "image.qcow2"), dataBytes, dataBytes, 1)
	if info, err := NewQemuImg().Info(ctx, src); err != nil || info.ActualSize < dataBytes {
		b.Fatalf("source image is not fully allocated: %+v %v", info, err)
	}
	q := NewQemuImg()
	if mode == CloneFull {
		b.SetBytes(dataBytes)
	}
	i := 0
	for b.Loop() {
		dst := filepath.Join(dir, "clone-"+strconv.Itoa(i)+".qcow2")
		i++
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
