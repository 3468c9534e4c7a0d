package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// writeAt patches bytes into a file, to craft hostile uploads.
func writeAt(tb testing.TB, path string, off int64, b []byte) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		tb.Fatal(err)
	}
}

// corruptRefcounts zeroes the first refcount block of a qcow2 file: the
// header still reads, but qemu-img check finds clusters in use with a
// refcount of 0.
func corruptRefcounts(tb testing.TB, path string) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	clusterSize := int64(1) << binary.BigEndian.Uint32(b[20:])
	table := binary.BigEndian.Uint64(b[48:])
	block := binary.BigEndian.Uint64(b[table:])
	writeAt(tb, path, int64(block), make([]byte, clusterSize))
}

func TestProbeUpload(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	q := NewQemuImg()
	path := func(name string) string { return filepath.Join(dir, name) }

	qcow2 := makeQcow2(t, path("image.qcow2"), 8<<20, 1<<20, 1)
	raw := makeRaw(t, path("disk.raw"), 1<<20, 64<<10, 2)
	overlay := path("overlay.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", qcow2, overlay)
	relative := path("relative.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", "-F", "raw", "-b", "/etc/passwd", relative)
	// A qcow2 overlay that also carries the ISO signature where an ISO
	// has it: it must not pass for an ISO.
	isoOverlay := path("iso-overlay.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", qcow2, isoOverlay)
	writeAt(t, isoOverlay, 0x8001, []byte("CD001"))
	dataFile := path("data-file.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", "-o", "data_file="+path("data.raw"), dataFile, "1M")
	vmdk := path("image.vmdk")
	qemuImg(t, "create", "-q", "-f", "vmdk", vmdk, "1M")
	vdi := path("image.vdi")
	qemuImg(t, "create", "-q", "-f", "vdi", vdi, "1M")
	descriptor := path("descriptor.vmdk")
	text := "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\nRW 2048 FLAT \"/etc/passwd\" 0\n"
	os.WriteFile(descriptor, append([]byte(text), make([]byte, 512-len(text))...), 0o600)
	damaged := makeQcow2(t, path("damaged.qcow2"), 8<<20, 1<<20, 3)
	corruptRefcounts(t, damaged)
	badHeader := path("bad-header.qcow2")
	os.WriteFile(badHeader, append([]byte("QFI\xfb\x00\x00\x00\x03"), make([]byte, 1016)...), 0o600)
	junk := path("junk")
	os.WriteFile(junk, []byte("hello, not an image"), 0o600)
	empty := path("empty")
	os.WriteFile(empty, nil, 0o600)

	tests := []struct {
		name    string
		path    string
		format  string
		size    int64
		wantErr error
	}{
		{"qcow2", qcow2, "qcow2", 8 << 20, nil},
		{"raw", raw, "raw", 1 << 20, nil},
		{"qcow2 with backing file", overlay, "", 0, ErrBackingFileForbidden},
		{"qcow2 backed by a host file", relative, "", 0, ErrBackingFileForbidden},
		{"qcow2 with backing file and ISO signature", isoOverlay, "", 0, ErrBackingFileForbidden},
		{"qcow2 with external data file", dataFile, "", 0, ErrBackingFileForbidden},
		{"damaged qcow2", damaged, "", 0, ErrUnsupportedFormat},
		{"qcow2 header qemu-img cannot open", badHeader, "", 0, ErrUnsupportedFormat},
		{"vmdk", vmdk, "", 0, ErrUnsupportedFormat},
		{"vmdk descriptor", descriptor, "", 0, ErrUnsupportedFormat},
		{"vdi", vdi, "", 0, ErrUnsupportedFormat},
		{"junk", junk, "", 0, ErrUnsupportedFormat},
		{"empty", empty, "", 0, ErrUnsupportedFormat},
		{"missing", path("nope"), "", 0, ErrNotFound},
	}
	if _, err := exec.LookPath("genisoimage"); err == nil {
		os.WriteFile(path("hello.txt"), []byte("hi"), 0o600)
		iso := path("media.iso")
		if out, err := exec.Command("genisoimage", "-quiet", "-o", iso, path("hello.txt")).CombinedOutput(); err != nil {
			t.Fatalf("genisoimage: %v: %s", err, out)
		}
		fi, err := os.Stat(iso)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name    string
			path    string
			format  string
			size    int64
			wantErr error
		}{"iso", iso, "iso", fi.Size(), nil})
	} else {
		t.Log("genisoimage not installed: the ISO case is not tested")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := q.ProbeUpload(ctx, tc.path)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ProbeUpload = %v, want %v", err, tc.wantErr)
			}
			if err == nil && (info.Format != tc.format || info.VirtualSize != tc.size || info.BackingFile != "") {
				t.Fatalf("ProbeUpload = %+v, want format %s of %d bytes", info, tc.format, tc.size)
			}
		})
	}
}

func TestSniffFormat(t *testing.T) {
	qcow2 := func(version uint32) []byte {
		b := make([]byte, 512)
		copy(b, "QFI\xfb")
		binary.BigEndian.PutUint32(b[4:], version)
		return b
	}
	tests := []struct {
		name string
		hdr  []byte
		want string
	}{
		{"qcow2 v3", qcow2(3), "qcow2"},
		{"qcow2 v2", qcow2(2), "qcow2"},
		{"qcow v1", qcow2(1), "qcow"},
		{"qed", []byte("QED\x00rest"), "qed"},
		{"vmdk sparse", []byte("KDMV\x01\x00\x00\x00"), "vmdk"},
		{"vmdk3", []byte("COWD"), "vmdk"},
		{"vmdk descriptor", []byte("# Disk DescriptorFile\n\n  version=1\n"), "vmdk"},
		{"descriptor without comment", []byte("version=2\r\n"), "vmdk"},
		{"text", []byte("hello\nversion=1\n"), ""},
		{"unterminated comment", []byte("# version=1"), ""},
		{"zeros", make([]byte, 2048), ""},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sniffFormat(tc.hdr); got != tc.want {
				t.Fatalf("sniffFormat = %q, want %q", got, tc.want)
			}
		})
	}
}
