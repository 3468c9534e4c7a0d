package storage

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// Snapshot is an internal snapshot of a qcow2 disk.
type Snapshot struct {
	ID          string    `json:"id"` // qemu's number for it
	Name        string    `json:"name"`
	CreatedAt   time.Time `json:"created_at"`
	VMStateSize int64     `json:"vm_state_size"` // saved RAM; 0 for a disk-only snapshot
}

// The snapshot helpers work on a stopped disk: qemu-img takes the disk's
// write lock, so a disk in use by a running VM fails with qemu-img's
// locking message. A running VM is snapshotted through QMP instead.

// checkSnapshotName refuses names qemu-img could misread. qemu-img finds a
// snapshot by ID or by name, and IDs are numbers, so a name of digits
// alone could select another snapshot. The character set keeps names
// plain in command lines and logs.
func checkSnapshotName(name string) error {
	if name == "" || len(name) > 128 {
		return refuse(ErrInvalidName, "%q (1 to 128 characters)", name)
	}
	digits := true
	for i, r := range name {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			digits = false
		case i > 0 && (r == '-' || r == '_' || r == '.'):
			digits = false
		default:
			return refuse(ErrInvalidName, "%q (letters, digits and -_. only, starting with a letter or digit)", name)
		}
	}
	if digits {
		return refuse(ErrInvalidName, "%q (digits alone would be read as a snapshot ID)", name)
	}
	return nil
}

// snapshots lists the snapshots of the qcow2 disk at an absolute path.
func (q *QemuImg) snapshots(ctx context.Context, path string) ([]Snapshot, error) {
	info, err := q.info(ctx, path, "")
	if err != nil {
		return nil, err
	}
	if info.Format != "qcow2" {
		return nil, fmt.Errorf("%s: %w", path, refuse(ErrUnsupportedFormat, "it is %s (only qcow2 has snapshots)", info.Format))
	}
	list := make([]Snapshot, 0, len(info.Snapshots))
	for _, s := range info.Snapshots {
		list = append(list, Snapshot{
			ID: s.ID, Name: s.Name,
			CreatedAt:   time.Unix(s.DateSec, s.DateNsec).UTC(),
			VMStateSize: s.VMStateSize,
		})
	}
	return list, nil
}

// qcow2Opts names a qcow2 file for --image-opts. qemu-img snapshot had
// no -f before QEMU 8, and the format must not be probed.
func qcow2Opts(path string) string {
	return "driver=qcow2,file.driver=file,file.filename=" + strings.ReplaceAll(path, ",", ",,")
}

// findSnapshot looks a snapshot up by name in the disk at path.
func (q *QemuImg) findSnapshot(ctx context.Context, path, name string) (abs string, found bool, err error) {
	if err := checkSnapshotName(name); err != nil {
		return "", false, err
	}
	if abs, err = absPath(path); err != nil {
		return "", false, err
	}
	list, err := q.snapshots(ctx, abs)
	if err != nil {
		return "", false, err
	}
	for _, s := range list {
		if s.Name == name {
			return abs, true, nil
		}
	}
	return abs, false, nil
}

// SnapshotCreate records the disk's current state as snapshot name. A name
// already taken is refused (qemu-img itself would make a second snapshot
// of the same name).
func (q *QemuImg) SnapshotCreate(ctx context.Context, path, name string) error {
	abs, found, err := q.findSnapshot(ctx, path, name)
	if err != nil {
		return fmt.Errorf("create snapshot %q of %s: %w", name, path, err)
	}
	if found {
		return fmt.Errorf("create snapshot %q of %s: %w", name, path, fs.ErrExist)
	}
	if _, err := q.run(ctx, "snapshot", "-q", "--image-opts", "-c", name, qcow2Opts(abs)); err != nil {
		return fmt.Errorf("create snapshot %q of %s: %w", name, path, err)
	}
	return nil
}

// SnapshotList returns the disk's snapshots, oldest first.
func (q *QemuImg) SnapshotList(ctx context.Context, path string) ([]Snapshot, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, fmt.Errorf("list snapshots of %s: %w", path, err)
	}
	list, err := q.snapshots(ctx, abs)
	if err != nil {
		return nil, fmt.Errorf("list snapshots of %s: %w", path, err)
	}
	return list, nil
}

// SnapshotApply reverts the disk to snapshot name; what was written since
// is lost. The snapshot itself stays.
func (q *QemuImg) SnapshotApply(ctx context.Context, path, name string) error {
	abs, found, err := q.findSnapshot(ctx, path, name)
	if err != nil {
		return fmt.Errorf("apply snapshot %q to %s: %w", name, path, err)
	}
	if !found {
		return fmt.Errorf("apply snapshot %q to %s: %w", name, path, refuse(ErrNotFound, "snapshot %q", name))
	}
	if _, err := q.run(ctx, "snapshot", "-q", "--image-opts", "-a", name, qcow2Opts(abs)); err != nil {
		return fmt.Errorf("apply snapshot %q to %s: %w", name, path, err)
	}
	return nil
}

// SnapshotDelete removes snapshot name; like Delete, removing one that
// does not exist is not an error, so a retried task succeeds.
func (q *QemuImg) SnapshotDelete(ctx context.Context, path, name string) error {
	abs, found, err := q.findSnapshot(ctx, path, name)
	if err != nil {
		return fmt.Errorf("delete snapshot %q of %s: %w", name, path, err)
	}
	if !found {
		return nil
	}
	if _, err := q.run(ctx, "snapshot", "-q", "--image-opts", "-d", name, qcow2Opts(abs)); err != nil {
		return fmt.Errorf("delete snapshot %q of %s: %w", name, path, err)
	}
	return nil
}
