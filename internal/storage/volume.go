// Package storage manages the disk image files of VMs on one host.
package storage

import (
	"context"
	"errors"
	"strings"
)

// CloneMode says how a VM disk is made from an image.
type CloneMode string

// Clone modes.
const (
	// CloneCOW makes a qcow2 overlay whose backing file is the image: fast,
	// and its cost does not grow with the image size.
	CloneCOW CloneMode = "cow"
	// CloneFull copies the image into an independent qcow2 file.
	CloneFull CloneMode = "full"
)

// ImageInfo is what qemu-img reports about a file.
type ImageInfo struct {
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual_size"` // bytes the guest sees
	ActualSize  int64  `json:"actual_size"`  // bytes used on the host
	BackingFile string `json:"backing_file,omitempty"`
}

// Volumes creates and changes disk image files.
type Volumes interface {
	// Info inspects any image file.
	Info(ctx context.Context, path string) (ImageInfo, error)
	// Clone makes dst from the image at src. If sizeBytes is larger than
	// the image's virtual size the new disk is grown to it.
	Clone(ctx context.Context, src, dst string, mode CloneMode, sizeBytes int64) error
	// Create makes an empty qcow2 disk.
	Create(ctx context.Context, dst string, sizeBytes int64) error
	// Resize grows (or, with shrink, shrinks) a disk. Shrinking below the
	// used size is refused.
	Resize(ctx context.Context, path string, sizeBytes int64, shrink bool) error
	// Compact rewrites a disk to take no more room than its data needs.
	Compact(ctx context.Context, path string) error
	// Delete removes the file; deleting a missing file is not an error.
	Delete(ctx context.Context, path string) error
	// Internal snapshots of a stopped qcow2 disk (see snapshot.go).
	SnapshotCreate(ctx context.Context, path, name string) error
	SnapshotList(ctx context.Context, path string) ([]Snapshot, error)
	SnapshotApply(ctx context.Context, path, name string) error
	SnapshotDelete(ctx context.Context, path, name string) error
}

// publicSentinels are the errors whose text, and what follows it, says
// why an operation failed without naming the files it worked on.
var publicSentinels = []error{ErrInvalidSize, ErrHasSnapshots, ErrUnsupportedFormat, ErrBackingFileForbidden, ErrInvalidName, ErrNotFound}

// Reason is why a storage operation failed, fit for an API user: the
// reason of a Refusal in err, else the text of err from the first of
// storage's sentinels it wraps, up to a
// qemu-img command line if one follows; "" if it wraps none. Storage's
// errors name what was done to which file before the sentinel, and say
// why after it.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	if r := refusalReason(err); r != "" {
		return r
	}
	msg := err.Error()
	at := -1
	for _, s := range publicSentinels {
		if !errors.Is(err, s) {
			continue
		}
		if i := strings.Index(msg, s.Error()); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	if at < 0 {
		return ""
	}
	msg = msg[at:]
	if i := strings.Index(msg, ": qemu-img "); i >= 0 {
		msg = msg[:i]
	}
	return msg
}
