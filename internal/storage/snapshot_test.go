package storage

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestSnapshots(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	disk := makeQcow2(t, filepath.Join(dir, "disk.qcow2"), 16<<20, 4<<20, 1)
	before := filepath.Join(dir, "before.raw")
	if err := q.Convert(ctx, disk, before, "raw"); err != nil {
		t.Fatal(err)
	}
	other := makeRaw(t, filepath.Join(dir, "other.raw"), 16<<20, 4<<20, 2)
	raw := makeRaw(t, filepath.Join(dir, "disk.raw"), 1<<20, 0, 0)
	// overwrite changes the disk's data in place, as a guest would.
	overwrite := func(t *testing.T) {
		qemuImg(t, "convert", "-n", "-f", "raw", "-O", "qcow2", other, disk)
		if sameContent(t, before, disk) {
			t.Fatal("setup: overwriting the disk changed nothing")
		}
	}
	start := time.Now().Add(-time.Minute)

	// The steps run in order on the same disk; want is the snapshot names
	// listed after each.
	tests := []struct {
		name    string
		do      func(t *testing.T) error
		wantErr error
		want    []string
	}{
		{"create", func(t *testing.T) error { return q.SnapshotCreate(ctx, disk, "base") }, nil, []string{"base"}},
		{"create taken name", func(t *testing.T) error { return q.SnapshotCreate(ctx, disk, "base") }, fs.ErrExist, []string{"base"}},
		{"create second", func(t *testing.T) error { overwrite(t); return q.SnapshotCreate(ctx, disk, "after-write.1") }, nil, []string{"base", "after-write.1"}},
		{"create digits only", func(t *testing.T) error { return q.SnapshotCreate(ctx, disk, "1") }, ErrInvalidName, []string{"base", "after-write.1"}},
		{"create empty name", func(t *testing.T) error { return q.SnapshotCreate(ctx, disk, "") }, ErrInvalidName, []string{"base", "after-write.1"}},
		{"create name with space", func(t *testing.T) error { return q.SnapshotCreate(ctx, disk, "a b") }, ErrInvalidName, []string{"base", "after-write.1"}},
		{"create name starting with dash", func(t *testing.T) error { return q.SnapshotCreate(ctx, disk, "-x") }, ErrInvalidName, []string{"base", "after-write.1"}},
		{"apply missing", func(t *testing.T) error { return q.SnapshotApply(ctx, disk, "nope") }, ErrNotFound, []string{"base", "after-write.1"}},
		{"apply", func(t *testing.T) error { return q.SnapshotApply(ctx, disk, "base") }, nil, []string{"base", "after-write.1"}},
		{"delete", func(t *testing.T) error { return q.SnapshotDelete(ctx, disk, "base") }, nil, []string{"after-write.1"}},
		{"delete again", func(t *testing.T) error { return q.SnapshotDelete(ctx, disk, "base") }, nil, []string{"after-write.1"}},
		{"delete last", func(t *testing.T) error { return q.SnapshotDelete(ctx, disk, "after-write.1") }, nil, []string{}},
		{"create on raw", func(t *testing.T) error { return q.SnapshotCreate(ctx, raw, "base") }, ErrUnsupportedFormat, []string{}},
		{"create on missing disk", func(t *testing.T) error { return q.SnapshotCreate(ctx, filepath.Join(dir, "nope"), "base") }, ErrNotFound, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(t); !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			list, err := q.SnapshotList(ctx, disk)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range list {
				names = append(names, s.Name)
				if s.ID == "" || s.CreatedAt.Before(start) || s.CreatedAt.After(time.Now().Add(time.Minute)) {
					t.Errorf("snapshot %+v: missing ID or odd time", s)
				}
			}
			if !slices.Equal(names, tc.want) && !(len(names) == 0 && len(tc.want) == 0) {
				t.Fatalf("snapshots %v, want %v", names, tc.want)
			}
		})
	}
	// "apply" brought the data of "base" back.
	if !sameContent(t, before, disk) {
		t.Fatal("applying the snapshot did not restore the disk's data")
	}
	if _, err := q.SnapshotList(ctx, raw); !errors.Is(err, ErrUnsupportedFormat) {
		t.Fatalf("SnapshotList of a raw disk = %v, want ErrUnsupportedFormat", err)
	}
}
