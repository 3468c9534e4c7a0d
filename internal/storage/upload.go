package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// ProbeUpload checks that an uploaded file is an image kumo can use and
// says what it is: Format "qcow2", "raw", or "iso" for ISO 9660 media.
//
// The file is untrusted. Some image headers name other files: a qcow2
// backing file or external data file, a qcow or qed backing file, the
// extents of a VMDK descriptor. Were such an upload accepted, the VMs made
// from it would read those host files (or network addresses, via qemu's
// "json:" and URL names). So the header is read here before qemu-img is
// let near the file: qcow2 uploads naming another file are refused with
// ErrBackingFileForbidden, and the other such formats with
// ErrUnsupportedFormat. Only then does qemu-img inspect and check it.
func (q *QemuImg) ProbeUpload(ctx context.Context, path string) (ImageInfo, error) {
	abs, err := absPath(path)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w", path, err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w", path, err)
	}
	defer f.Close()
	// qemu probes formats from the first 2 KiB too.
	hdr := make([]byte, 2048)
	n, err := f.ReadAt(hdr, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w", path, err)
	}
	hdr = hdr[:n]

	switch format := sniffFormat(hdr); format {
	case "qcow2":
		info, err := q.probeQcow2(ctx, abs, hdr)
		if err != nil {
			return ImageInfo{}, fmt.Errorf("probe upload %s: %w", path, err)
		}
		return info, nil
	case "":
	default:
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w: it is %s (only qcow2, raw and ISO)", path, ErrUnsupportedFormat, format)
	}

	// None of the formats that name other files: qemu-img's own probe is
	// safe now, and finds the formats kumo does not take (vdi, vhdx, ...).
	info, err := q.info(ctx, abs, "")
	if err != nil {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w", path, unreadable(err))
	}
	if info.Format != "raw" {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w: it is %s (only qcow2, raw and ISO)", path, ErrUnsupportedFormat, info.Format)
	}
	iso, err := isISO9660(f)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w", path, err)
	}
	if iso {
		info.Format = "iso"
		return info.imageInfo(), nil
	}
	// qemu-img calls anything it does not recognise raw. A disk is made
	// of whole sectors, which rules out most files that are not disks.
	fi, err := f.Stat()
	if err != nil {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w", path, err)
	}
	if fi.Size() == 0 || fi.Size()%512 != 0 {
		return ImageInfo{}, fmt.Errorf("probe upload %s: %w: not qcow2 or ISO, and %d bytes is not whole 512-byte sectors of a raw disk", path, ErrUnsupportedFormat, fi.Size())
	}
	return info.imageInfo(), nil
}

// unreadable marks a qemu-img failure as the upload's fault when qemu-img
// ran and refused the file, rather than failing to run at all.
func unreadable(err error) error {
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		return fmt.Errorf("%w: the file is not an image qemu-img can read: %w", ErrUnsupportedFormat, err)
	}
	return err
}

// sniffFormat names the format of a file from its first bytes, for qcow2
// and for the formats whose headers can name other files; "" means none
// of them. It errs towards naming a format, as a name is a refusal.
func sniffFormat(hdr []byte) string {
	switch {
	case bytes.HasPrefix(hdr, []byte("QFI\xfb")):
		if len(hdr) >= 8 && binary.BigEndian.Uint32(hdr[4:8]) < 2 {
			return "qcow"
		}
		return "qcow2"
	case bytes.HasPrefix(hdr, []byte("QED\x00")):
		return "qed"
	case bytes.HasPrefix(hdr, []byte("KDMV")), bytes.HasPrefix(hdr, []byte("COWD")):
		return "vmdk"
	case isVMDKDescriptor(hdr):
		return "vmdk"
	}
	return ""
}

// isVMDKDescriptor says whether qemu could take the file for a VMDK
// descriptor: text whose first line other than comments and blanks is
// "version=".
func isVMDKDescriptor(hdr []byte) bool {
	for len(hdr) > 0 {
		switch hdr[0] {
		case '#':
			i := bytes.IndexByte(hdr, '\n')
			if i < 0 {
				return false
			}
			hdr = hdr[i+1:]
		case ' ', '\t', '\r', '\n':
			hdr = hdr[1:]
		default:
			return bytes.HasPrefix(hdr, []byte("version="))
		}
	}
	return false
}

// qcow2 header fields (all big-endian), from qemu's docs/interop/qcow2.txt.
const (
	qcow2VersionOff       = 4
	qcow2BackingOff       = 8  // uint64 offset of the backing file name; 0 if none
	qcow2CryptOff         = 32 // uint32 encryption method; 0 if none
	qcow2IncompatOff      = 72 // uint64 incompatible features, version 3 on
	qcow2HeaderV3Len      = 104
	qcow2IncompatDataFile = 1 << 2 // an external data file holds the guest data
)

// probeQcow2 vets an uploaded qcow2 file: its own header first, then what
// qemu-img makes of it, then qemu-img check.
func (q *QemuImg) probeQcow2(ctx context.Context, path string, hdr []byte) (ImageInfo, error) {
	if len(hdr) < qcow2HeaderV3Len {
		return ImageInfo{}, fmt.Errorf("%w: qcow2 header is cut short", ErrUnsupportedFormat)
	}
	if binary.BigEndian.Uint64(hdr[qcow2BackingOff:]) != 0 {
		return ImageInfo{}, fmt.Errorf("%w: the qcow2 header names a backing file", ErrBackingFileForbidden)
	}
	if binary.BigEndian.Uint32(hdr[qcow2VersionOff:]) >= 3 &&
		binary.BigEndian.Uint64(hdr[qcow2IncompatOff:])&qcow2IncompatDataFile != 0 {
		return ImageInfo{}, fmt.Errorf("%w: the qcow2 header names an external data file", ErrBackingFileForbidden)
	}
	if binary.BigEndian.Uint32(hdr[qcow2CryptOff:]) != 0 {
		return ImageInfo{}, fmt.Errorf("%w: encrypted qcow2 (a VM could not read it)", ErrUnsupportedFormat)
	}

	// -f qcow2: the format is settled, so qemu-img does not probe. Its
	// view is checked too, in case the header reading above missed a way.
	info, err := q.info(ctx, path, "qcow2")
	if err != nil {
		return ImageInfo{}, unreadable(err)
	}
	switch {
	case info.BackingFile != "":
		return ImageInfo{}, fmt.Errorf("%w: backing file %s", ErrBackingFileForbidden, info.BackingFile)
	case info.FormatSpecific.Data.DataFile != "":
		return ImageInfo{}, fmt.Errorf("%w: external data file %s", ErrBackingFileForbidden, info.FormatSpecific.Data.DataFile)
	case info.Encrypted:
		return ImageInfo{}, fmt.Errorf("%w: encrypted qcow2 (a VM could not read it)", ErrUnsupportedFormat)
	case info.FormatSpecific.Data.Corrupt:
		return ImageInfo{}, fmt.Errorf("%w: qcow2 image is marked corrupt", ErrUnsupportedFormat)
	}
	if err := q.check(ctx, path); err != nil {
		return ImageInfo{}, err
	}
	return info.imageInfo(), nil
}

// check runs qemu-img check on a qcow2 file. Leaked clusters (exit status
// 3) only waste space and are accepted; corruption and errors are not.
func (q *QemuImg) check(ctx context.Context, path string) error {
	out, err := q.run(ctx, "check", "--output=json", "-f", "qcow2", path)
	var res struct {
		Corruptions int64 `json:"corruptions"`
		Leaks       int64 `json:"leaks"`
		CheckErrors int64 `json:"check-errors"`
	}
	jerr := json.Unmarshal(out, &res)
	if jerr == nil && res.Corruptions+res.CheckErrors > 0 {
		return fmt.Errorf("%w: qcow2 image is damaged: %d corruptions, %d check errors", ErrUnsupportedFormat, res.Corruptions, res.CheckErrors)
	}
	var exit *exec.ExitError
	if err != nil && !(jerr == nil && errors.As(err, &exit) && exit.ExitCode() == 3) {
		return fmt.Errorf("%w: qcow2 image failed the check: %w", ErrUnsupportedFormat, err)
	}
	if jerr != nil {
		return fmt.Errorf("parse qemu-img check of %s: %w", path, jerr)
	}
	return nil
}

// isISO9660 looks for the "CD001" signature of the first volume
// descriptor, at sector 16 of 2048 bytes.
func isISO9660(f *os.File) (bool, error) {
	buf := make([]byte, 5)
	if _, err := f.ReadAt(buf, 0x8001); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	return string(buf) == "CD001", nil
}
