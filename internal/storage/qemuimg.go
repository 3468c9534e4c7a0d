package storage

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Sentinel errors; callers match them with errors.Is.
var (
	// ErrInvalidSize is a size a disk cannot have, or may not be given.
	ErrInvalidSize = errors.New("invalid disk size")
	// ErrHasSnapshots refuses what would drop a disk's internal snapshots.
	ErrHasSnapshots = errors.New("the disk has snapshots")
	// ErrNotFound is a missing image file (such errors match
	// os.ErrNotExist too) or a missing snapshot.
	ErrNotFound = errors.New("not found")
	// ErrUnsupportedFormat is an image format kumo does not work with.
	ErrUnsupportedFormat = errors.New("unsupported image format")
	// ErrBackingFileForbidden is an uploaded image that names another
	// file (a backing file or an external data file).
	ErrBackingFileForbidden = errors.New("image refers to another file")
	// ErrInvalidName is a snapshot name kumo does not accept.
	ErrInvalidName = errors.New("invalid snapshot name")
)

// Refusal is an operation refused for a reason the caller can act on
// (ErrInvalidSize, ErrHasSnapshots, ...). Callers wrap it with the file
// it is about, for logs; its Reason names no file, so an API may show it.
type Refusal struct {
	Kind   error  // the sentinel error it matches
	Detail string // what about it, "" for nothing more
}

func refuse(kind error, format string, args ...any) *Refusal {
	return &Refusal{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

func (r *Refusal) Error() string { return r.Reason() }

// Unwrap makes errors.Is see the Kind.
func (r *Refusal) Unwrap() error { return r.Kind }

// Reason is the refusal without any file name.
func (r *Refusal) Reason() string {
	if r.Detail == "" {
		return r.Kind.Error()
	}
	return r.Kind.Error() + ": " + r.Detail
}

// refusalReason is the reason of the Refusal in err, or "" if it holds
// none; Reason is the one API users get.
func refusalReason(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason()
	}
	return ""
}

// QemuImg implements Volumes by running qemu-img. It holds no state, so
// one value may be used from many goroutines.
//
// Every path handed to qemu-img is made absolute first: qemu reads a name
// such as "json:{...}" or "nbd://host" as a protocol rather than a file,
// and a name starting with "-" as an option, but never one starting with
// "/".
type QemuImg struct {
	Binary string // the qemu-img program; "" means qemu-img from PATH
}

// NewQemuImg returns a QemuImg using qemu-img from PATH.
func NewQemuImg() *QemuImg { return &QemuImg{Binary: "qemu-img"} }

var _ Volumes = (*QemuImg)(nil)

// maxStderr bounds how much of qemu-img's stderr an error carries.
const maxStderr = 4 << 10

// run runs qemu-img. On failure the error holds the command line and
// qemu-img's stderr, and stdout is still returned: some subcommands
// (check) report through both.
func (q *QemuImg) run(ctx context.Context, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, cmp.Or(q.Binary, "qemu-img"), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if ctx.Err() != nil {
		// "signal: killed" would hide why.
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	msg := strings.TrimSpace(stderr.String())
	if len(msg) > maxStderr {
		msg = msg[:maxStderr] + "..."
	}
	if msg != "" {
		msg = ": " + msg
	}
	return stdout.Bytes(), fmt.Errorf("qemu-img %s: %w%s", strings.Join(args, " "), err, msg)
}

// absPath makes path absolute and checks that it exists, so a missing
// file is reported as ErrNotFound rather than as qemu-img's message.
func absPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("image file %s: %w (%w)", abs, refuse(ErrNotFound, ""), fs.ErrNotExist)
		}
		return "", err
	}
	return abs, nil
}

// qemuInfo is the part of `qemu-img info --output=json` kumo reads.
type qemuInfo struct {
	Format         string `json:"format"`
	VirtualSize    int64  `json:"virtual-size"`
	ActualSize     int64  `json:"actual-size"`
	BackingFile    string `json:"backing-filename"`
	BackingFormat  string `json:"backing-filename-format"`
	Encrypted      bool   `json:"encrypted"`
	FormatSpecific struct {
		Data struct {
			DataFile string `json:"data-file"`
			Corrupt  bool   `json:"corrupt"`
		} `json:"data"`
	} `json:"format-specific"`
	Snapshots []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DateSec     int64  `json:"date-sec"`
		DateNsec    int64  `json:"date-nsec"`
		VMStateSize int64  `json:"vm-state-size"`
	} `json:"snapshots"`
}

func (i qemuInfo) imageInfo() ImageInfo {
	return ImageInfo{Format: i.Format, VirtualSize: i.VirtualSize, ActualSize: i.ActualSize, BackingFile: i.BackingFile}
}

// info runs qemu-img info on an absolute path. format "" lets qemu-img
// probe it. The file may be in use by a running VM, so its lock is not
// taken (-U); what is read is header data, which a running VM changes
// only by resizing or snapshotting. Backing files are not opened.
func (q *QemuImg) info(ctx context.Context, path, format string) (qemuInfo, error) {
	var info qemuInfo
	args := []string{"info", "-U", "--output=json"}
	if format != "" {
		args = append(args, "-f", format)
	}
	out, err := q.run(ctx, append(args, path)...)
	if err != nil {
		return info, fmt.Errorf("inspect %s: %w", path, err)
	}
	if err := json.Unmarshal(out, &info); err != nil {
		return info, fmt.Errorf("inspect %s: parse qemu-img info: %w", path, err)
	}
	return info, nil
}

// Info inspects an image file. Its format is probed, which is sound for
// the files kumo makes (qcow2) and for images, whose format was settled
// by ProbeUpload; it is not for a raw disk a guest has written to.
func (q *QemuImg) Info(ctx context.Context, path string) (ImageInfo, error) {
	abs, err := absPath(path)
	if err != nil {
		return ImageInfo{}, err
	}
	info, err := q.info(ctx, abs, "")
	return info.imageInfo(), err
}

// checkFormat refuses formats other than the two kumo works with.
func checkFormat(path, format string) error {
	if format != "qcow2" && format != "raw" {
		return fmt.Errorf("%s: %w", path, refuse(ErrUnsupportedFormat, "it is %s (only qcow2 and raw)", format))
	}
	return nil
}

// checkSize refuses sizes a disk cannot have. A size must be whole
// 512-byte sectors, the unit of a guest's block device. It is not rounded
// up: the caller asked for an exact size and would be billed for another.
func checkSize(size int64) error {
	if size <= 0 || size%512 != 0 {
		return refuse(ErrInvalidSize, "%d bytes (must be positive and a multiple of 512)", size)
	}
	return nil
}

// Clone makes dst from the image at src. A COW clone is a qcow2 overlay
// naming src by its absolute path, so src must stay where it is, unchanged,
// for as long as the clone lives. A full clone is an independent qcow2
// copy. sizeBytes 0 keeps the image's size; a size below it is refused,
// since the guest's filesystem would be cut off. An empty mode means COW.
//
// dst is written under a temporary name and renamed at the end, so a
// failed clone leaves nothing behind. An existing dst is refused.
func (q *QemuImg) Clone(ctx context.Context, src, dst string, mode CloneMode, sizeBytes int64) error {
	if mode != CloneCOW && mode != CloneFull && mode != "" {
		return fmt.Errorf("clone %s to %s: unknown clone mode %q", src, dst, mode)
	}
	absSrc, err := absPath(src)
	if err != nil {
		return fmt.Errorf("clone %s to %s: %w", src, dst, err)
	}
	info, err := q.info(ctx, absSrc, "")
	if err != nil {
		return fmt.Errorf("clone %s to %s: %w", src, dst, err)
	}
	if err := checkFormat(absSrc, info.Format); err != nil {
		return fmt.Errorf("clone %s to %s: %w", src, dst, err)
	}
	if sizeBytes != 0 {
		if err := checkSize(sizeBytes); err != nil {
			return fmt.Errorf("clone %s to %s: %w", src, dst, err)
		}
		if sizeBytes < info.VirtualSize {
			return fmt.Errorf("clone %s to %s: %w", src, dst, refuse(ErrInvalidSize, "%d bytes is smaller than the image's %d", sizeBytes, info.VirtualSize))
		}
	}
	grow := sizeBytes > info.VirtualSize
	err = publish(dst, false, func(tmp string) error {
		if mode == CloneFull {
			// No -U: a source being written to would give a torn copy,
			// so qemu-img's lock refusal is the right answer.
			if _, err := q.run(ctx, "convert", "-q", "-f", info.Format, "-O", "qcow2", absSrc, tmp); err != nil {
				return err
			}
			if grow {
				_, err := q.run(ctx, "resize", "-q", "-f", "qcow2", tmp, strconv.FormatInt(sizeBytes, 10))
				return err
			}
			return nil
		}
		// Only src's header is read, so the cost does not depend on its
		// size. -F names src's format so it is never probed again.
		args := []string{"create", "-q", "-f", "qcow2", "-F", info.Format, "-b", absSrc, tmp}
		if grow {
			args = append(args, strconv.FormatInt(sizeBytes, 10))
		}
		_, err := q.run(ctx, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("clone %s to %s: %w", src, dst, err)
	}
	return nil
}

// Create makes an empty qcow2 disk; an existing dst is refused.
func (q *QemuImg) Create(ctx context.Context, dst string, sizeBytes int64) error {
	if err := checkSize(sizeBytes); err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	err := publish(dst, false, func(tmp string) error {
		_, err := q.run(ctx, "create", "-q", "-f", "qcow2", tmp, strconv.FormatInt(sizeBytes, 10))
		return err
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	return nil
}

// Resize grows a disk, or shrinks it when shrink is set. The disk must
// not be in use: qemu-img takes its write lock.
//
// How much of the disk the guest uses cannot be known from the host, so a
// shrink is refused if it would cut off any data the disk holds, as
// `qemu-img map` reports it across the backing chain. A guest that wants a
// smaller disk must shrink its filesystem and partitions first and discard
// (trim) what it freed. A GPT disk keeps a backup header in its last
// sectors and so can never shrink; that is right, as cutting it off would
// damage the partition table.
func (q *QemuImg) Resize(ctx context.Context, path string, sizeBytes int64, shrink bool) error {
	if err := checkSize(sizeBytes); err != nil {
		return fmt.Errorf("resize %s: %w", path, err)
	}
	abs, err := absPath(path)
	if err != nil {
		return fmt.Errorf("resize %s: %w", path, err)
	}
	info, err := q.info(ctx, abs, "")
	if err != nil {
		return fmt.Errorf("resize %s: %w", path, err)
	}
	if err := checkFormat(abs, info.Format); err != nil {
		return fmt.Errorf("resize %s: %w", path, err)
	}
	args := []string{"resize", "-q", "-f", info.Format}
	switch {
	case sizeBytes == info.VirtualSize:
		return nil
	case sizeBytes < info.VirtualSize && !shrink:
		return fmt.Errorf("resize %s: %w", path, refuse(ErrInvalidSize, "%d bytes is smaller than the disk's %d and shrinking was not asked for", sizeBytes, info.VirtualSize))
	case sizeBytes < info.VirtualSize:
		end, err := q.dataEnd(ctx, abs, info.Format)
		if err != nil {
			return fmt.Errorf("resize %s: %w", path, err)
		}
		if sizeBytes < end {
			return fmt.Errorf("resize %s: %w", path, refuse(ErrInvalidSize, "the disk holds data up to byte %d, so it cannot shrink to %d", end, sizeBytes))
		}
		args = append(args, "--shrink")
	}
	if _, err := q.run(ctx, append(args, abs, strconv.FormatInt(sizeBytes, 10))...); err != nil {
		return fmt.Errorf("resize %s: %w", path, err)
	}
	return nil
}

// dataEnd returns the end of the last extent of the disk that holds data
// other than zeros. The lock is taken (no -U) so that a disk in use fails
// here rather than being measured while it changes.
func (q *QemuImg) dataEnd(ctx context.Context, path, format string) (int64, error) {
	out, err := q.run(ctx, "map", "--output=json", "-f", format, path)
	if err != nil {
		return 0, err
	}
	var extents []struct {
		Start  int64 `json:"start"`
		Length int64 `json:"length"`
		Data   bool  `json:"data"`
		Zero   bool  `json:"zero"`
	}
	if err := json.Unmarshal(out, &extents); err != nil {
		return 0, fmt.Errorf("parse qemu-img map of %s: %w", path, err)
	}
	var end int64
	for _, e := range extents {
		if e.Data && !e.Zero {
			end = max(end, e.Start+e.Length)
		}
	}
	return end, nil
}

// Delete removes a disk; a missing file is not an error. Whether other
// disks use it as their backing file is the caller's to know.
func (q *QemuImg) Delete(ctx context.Context, path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// Convert writes a full copy of src into dst in format ("qcow2" or "raw"):
// to compact a disk, to turn a raw image into qcow2, or to make a clone
// independent of its backing chain. Internal snapshots are not copied.
// dst may be src itself, or another existing file, which is replaced only
// once the copy is complete. src must not be in use.
func (q *QemuImg) Convert(ctx context.Context, src, dst, format string) error {
	if err := checkFormat("the target", format); err != nil {
		return fmt.Errorf("convert %s to %s: %w", src, dst, err)
	}
	absSrc, err := absPath(src)
	if err != nil {
		return fmt.Errorf("convert %s to %s: %w", src, dst, err)
	}
	info, err := q.info(ctx, absSrc, "")
	if err != nil {
		return fmt.Errorf("convert %s to %s: %w", src, dst, err)
	}
	if err := checkFormat(absSrc, info.Format); err != nil {
		return fmt.Errorf("convert %s to %s: %w", src, dst, err)
	}
	err = publish(dst, true, func(tmp string) error {
		_, err := q.run(ctx, "convert", "-q", "-f", info.Format, "-O", format, absSrc, tmp)
		return err
	})
	if err != nil {
		return fmt.Errorf("convert %s to %s: %w", src, dst, err)
	}
	return nil
}

// Compact rewrites a disk into a fresh qcow2 file that holds only the
// clusters with data: what a guest freed and trimmed, and zeroed space,
// no longer take room on the host. A disk on a backing file keeps it, and
// only what differs from the backing is written. The file is replaced
// once the copy is complete. Internal snapshots are not kept, so a disk
// with snapshots is refused. The disk must not be in use.
func (q *QemuImg) Compact(ctx context.Context, path string) error {
	abs, err := absPath(path)
	if err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	info, err := q.info(ctx, abs, "")
	if err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	if err := checkFormat(abs, info.Format); err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	if len(info.Snapshots) > 0 {
		return fmt.Errorf("compact %s: %w", path, refuse(ErrHasSnapshots, "it has %d snapshots, which compacting would drop", len(info.Snapshots)))
	}
	args := []string{"convert", "-q", "-f", info.Format, "-O", "qcow2"}
	if info.BackingFile != "" {
		backing := info.BackingFile
		if !filepath.IsAbs(backing) {
			backing = filepath.Join(filepath.Dir(abs), backing)
		}
		bfmt := info.BackingFormat
		if bfmt == "" {
			bfmt = "qcow2"
		}
		args = append(args, "-B", backing, "-F", bfmt)
	}
	err = publish(abs, true, func(tmp string) error {
		_, err := q.run(ctx, append(args, abs, tmp)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	return nil
}

// Rebase makes the qcow2 disk at path use backing as its backing file
// instead of the one it has. It is qemu-img's safe rebase: whatever
// differs between the old and the new backing is copied into the disk
// first, so the guest sees the same data. backing "" makes the disk
// independent (see Flatten). The disk must not be in use.
//
// It works in place: an interrupted rebase leaves the disk on its old
// backing file with some of the data copied, which is still correct.
func (q *QemuImg) Rebase(ctx context.Context, path, backing string) error {
	abs, err := absPath(path)
	if err != nil {
		return fmt.Errorf("rebase %s: %w", path, err)
	}
	info, err := q.info(ctx, abs, "")
	if err != nil {
		return fmt.Errorf("rebase %s: %w", path, err)
	}
	if info.Format != "qcow2" {
		return fmt.Errorf("rebase %s: %w", path, refuse(ErrUnsupportedFormat, "it is %s (only qcow2 has a backing file)", info.Format))
	}
	args := []string{"rebase", "-q", "-f", "qcow2", "-b", ""}
	if backing != "" {
		absBacking, err := absPath(backing)
		if err != nil {
			return fmt.Errorf("rebase %s: %w", path, err)
		}
		binfo, err := q.info(ctx, absBacking, "")
		if err != nil {
			return fmt.Errorf("rebase %s: %w", path, err)
		}
		if err := checkFormat(absBacking, binfo.Format); err != nil {
			return fmt.Errorf("rebase %s: %w", path, err)
		}
		args = []string{"rebase", "-q", "-f", "qcow2", "-b", absBacking, "-F", binfo.Format}
	}
	if _, err := q.run(ctx, append(args, abs)...); err != nil {
		return fmt.Errorf("rebase %s: %w", path, err)
	}
	return nil
}

// Flatten makes a COW clone independent of its image by copying the data
// it reads from its backing chain into it. A disk without a backing file
// is left alone. Unlike Convert it needs room only for the data copied,
// not for a second disk.
func (q *QemuImg) Flatten(ctx context.Context, path string) error {
	info, err := q.Info(ctx, path)
	if err != nil {
		return fmt.Errorf("flatten %s: %w", path, err)
	}
	if info.BackingFile == "" {
		return nil
	}
	if err := q.Rebase(ctx, path, ""); err != nil {
		return fmt.Errorf("flatten: %w", err)
	}
	return nil
}

// publish runs write on a new temporary file next to dst, then renames it
// to dst, so dst appears complete or not at all. Temporary files are
// hidden and end in ".tmp"; one is left only if the process dies. Unless
// replace is set an existing dst is refused (checked before the work,
// since callers serialise work on one disk).
func publish(dst string, replace bool, write func(tmp string) error) error {
	dst, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	if !replace {
		if _, err := os.Lstat(dst); err == nil {
			return fmt.Errorf("%s: %w", dst, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	dir := filepath.Dir(dst)
	f, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	if err := write(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	// qemu-img flushed the file when closing it; make the rename durable
	// too, so a crash cannot bring back an older dst or none.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
