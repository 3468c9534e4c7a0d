package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Sentinel errors; callers match them with errors.Is.
var (
	ErrInvalidSize          = errors.New("invalid disk size")
	ErrNotFound             = errors.New("image file not found")
	ErrUnsupportedFormat    = errors.New("unsupported image format")
	ErrBackingFileForbidden = errors.New("image has a backing file")
)

// QemuImg implements Volumes with the qemu-img tool.
type QemuImg struct {
	Binary string // default "qemu-img"
}

// NewQemuImg returns a QemuImg using qemu-img from PATH.
func NewQemuImg() *QemuImg { return &QemuImg{Binary: "qemu-img"} }

var _ Volumes = (*QemuImg)(nil)

func (q *QemuImg) run(ctx context.Context, args ...string) ([]byte, error) {
	bin := q.Binary
	if bin == "" {
		bin = "qemu-img"
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("qemu-img %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

func exists(path string) error {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %s: %w", ErrNotFound, path, os.ErrNotExist)
		}
		return err
	}
	return nil
}

// Info inspects an image file. The file may be in use by a running VM, so
// its lock is not taken (-U).
func (q *QemuImg) Info(ctx context.Context, path string) (ImageInfo, error) {
	var info ImageInfo
	if err := exists(path); err != nil {
		return info, err
	}
	out, err := q.run(ctx, "info", "-U", "--output=json", path)
	if err != nil {
		return info, err
	}
	var raw struct {
		Format      string `json:"format"`
		VirtualSize int64  `json:"virtual-size"`
		ActualSize  int64  `json:"actual-size"`
		BackingFile string `json:"backing-filename"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return info, fmt.Errorf("parse qemu-img info of %s: %w", path, err)
	}
	return ImageInfo{Format: raw.Format, VirtualSize: raw.VirtualSize, ActualSize: raw.ActualSize, BackingFile: raw.BackingFile}, nil
}

// checkSize refuses sizes a disk cannot have. Sizes must be whole 512-byte
// sectors, because that is what a guest's block device is made of.
func checkSize(size int64) error {
	if size <= 0 || size%512 != 0 {
		return fmt.Errorf("%w: %d bytes (must be positive and a multiple of 512)", ErrInvalidSize, size)
	}
	return nil
}

// Clone makes dst from src. The new file is written under a temporary name
// and renamed at the end, so a failed clone leaves nothing behind.
func (q *QemuImg) Clone(ctx context.Context, src, dst string, mode CloneMode, sizeBytes int64) error {
	info, err := q.Info(ctx, src)
	if err != nil {
		return err
	}
	if info.Format != "qcow2" && info.Format != "raw" {
		return fmt.Errorf("%w: %s is %s", ErrUnsupportedFormat, src, info.Format)
	}
	if sizeBytes != 0 {
		if err := checkSize(sizeBytes); err != nil {
			return err
		}
		if sizeBytes < info.VirtualSize {
			return fmt.Errorf("%w: %d bytes is smaller than the image's %d", ErrInvalidSize, sizeBytes, info.VirtualSize)
		}
	}
	absSrc, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	tmp := dst + ".tmp"
	os.Remove(tmp)
	switch mode {
	case CloneCOW, "":
		// An overlay refers to its backing file by path; its cost does not
		// depend on the backing file's size.
		args := []string{"create", "-q", "-f", "qcow2", "-F", info.Format, "-b", absSrc, tmp}
		if sizeBytes > info.VirtualSize {
			args = append(args, strconv.FormatInt(sizeBytes, 10))
		}
		_, err = q.run(ctx, args...)
	case CloneFull:
		_, err = q.run(ctx, "convert", "-q", "-f", info.Format, "-O", "qcow2", absSrc, tmp)
		if err == nil && sizeBytes > info.VirtualSize {
			_, err = q.run(ctx, "resize", "-q", tmp, strconv.FormatInt(sizeBytes, 10))
		}
	default:
		return fmt.Errorf("unknown clone mode %q", mode)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

// Create makes an empty qcow2 disk.
func (q *QemuImg) Create(ctx context.Context, dst string, sizeBytes int64) error {
	if err := checkSize(sizeBytes); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if _, err := q.run(ctx, "create", "-q", "-f", "qcow2", tmp, strconv.FormatInt(sizeBytes, 10)); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

// Resize grows a disk, or shrinks it when shrink is set. A shrink below
// the highest allocated byte is refused: the host cannot see which guest
// blocks are free, but it can see which are written, and cutting written
// data off would corrupt the guest's filesystem.
func (q *QemuImg) Resize(ctx context.Context, path string, sizeBytes int64, shrink bool) error {
	if err := checkSize(sizeBytes); err != nil {
		return err
	}
	info, err := q.Info(ctx, path)
	if err != nil {
		return err
	}
	switch {
	case sizeBytes == info.VirtualSize:
		return nil
	case sizeBytes > info.VirtualSize:
		_, err = q.run(ctx, "resize", "-q", "-f", info.Format, path, strconv.FormatInt(sizeBytes, 10))
		return err
	case !shrink:
		return fmt.Errorf("%w: %d bytes is smaller than the disk's %d; shrinking must be asked for", ErrInvalidSize, sizeBytes, info.VirtualSize)
	}
	end, err := q.allocatedEnd(ctx, path)
	if err != nil {
		return err
	}
	if sizeBytes < end {
		return fmt.Errorf("%w: data is written up to byte %d of %s; cannot shrink to %d", ErrInvalidSize, end, path, sizeBytes)
	}
	_, err = q.run(ctx, "resize", "-q", "-f", info.Format, "--shrink", path, strconv.FormatInt(sizeBytes, 10))
	return err
}

// allocatedEnd returns the end of the last extent holding data.
func (q *QemuImg) allocatedEnd(ctx context.Context, path string) (int64, error) {
	out, err := q.run(ctx, "map", "-U", "--output=json", path)
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

// Delete removes a disk; a missing file is not an error.
func (q *QemuImg) Delete(ctx context.Context, path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Convert writes src into dst in format (qcow2 or raw), e.g. to compact a
// disk or to make a COW clone independent.
func (q *QemuImg) Convert(ctx context.Context, src, dst, format string) error {
	if format != "qcow2" && format != "raw" {
		return fmt.Errorf("%w: %s", ErrUnsupportedFormat, format)
	}
	if err := exists(src); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if _, err := q.run(ctx, "convert", "-q", "-U", "-O", format, src, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

// ProbeUpload checks that an uploaded file is a usable image and says what
// it is: "iso" for ISO 9660 media, else qcow2 or raw. A qcow2 file with a
// backing file is refused: a user's upload must not make the host read
// files it names.
func (q *QemuImg) ProbeUpload(ctx context.Context, path string) (ImageInfo, error) {
	iso, err := isISO9660(path)
	if err != nil {
		return ImageInfo{}, err
	}
	info, err := q.Info(ctx, path)
	if err != nil {
		return ImageInfo{}, err
	}
	if iso {
		info.Format = "iso"
		return info, nil
	}
	switch info.Format {
	case "qcow2":
		if info.BackingFile != "" {
			return info, fmt.Errorf("%w: %s", ErrBackingFileForbidden, info.BackingFile)
		}
		if _, err := q.run(ctx, "check", "-q", "-f", "qcow2", path); err != nil {
			return info, fmt.Errorf("qcow2 image is damaged: %w", err)
		}
	case "raw":
		// qemu-img calls anything it does not recognise raw; a raw disk
		// image has whole sectors at least (qemu-img rounds the virtual
		// size up, so the file itself is measured).
		fi, err := os.Stat(path)
		if err != nil {
			return info, err
		}
		if fi.Size() == 0 || fi.Size()%512 != 0 {
			return info, fmt.Errorf("%w: not a qcow2 or ISO image, and not a raw disk (%d bytes is not whole 512-byte sectors)", ErrUnsupportedFormat, fi.Size())
		}
	default:
		return info, fmt.Errorf("%w: %s", ErrUnsupportedFormat, info.Format)
	}
	return info, nil
}

// isISO9660 looks for the "CD001" signature of the first volume descriptor.
func isISO9660(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 5)
	if _, err := f.ReadAt(buf, 0x8001); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	return string(buf) == "CD001", nil
}
