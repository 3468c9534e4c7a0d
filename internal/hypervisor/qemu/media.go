package qemu

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// InsertMedia loads the ISO at path into the VM's CD-ROM drive
// (MediaDrive), like putting a disc in: the guest sees a media change.
func (d *Driver) InsertMedia(ctx context.Context, dir, path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("insert media: path %q is not absolute", path)
	}
	return d.execute(ctx, dir, "blockdev-change-medium", map[string]any{
		"id": MediaDrive, "filename": path, "format": "raw", "read-only-mode": "read-only",
	}, nil)
}

// EjectMedia removes the disc from the VM's CD-ROM drive. force: a guest
// that locked the tray (a mounted disc) must not be able to refuse.
func (d *Driver) EjectMedia(ctx context.Context, dir string) error {
	err := d.execute(ctx, dir, "eject", map[string]any{"id": MediaDrive, "force": true}, nil)
	if err != nil && strings.Contains(err.Error(), "No medium") {
		return nil // already empty
	}
	return err
}

// blockInfo is the part of query-block's reply Media reads.
type blockInfo struct {
	Device   string `json:"device"`
	QDev     string `json:"qdev"`
	Inserted *struct {
		File string `json:"file"`
	} `json:"inserted"`
}

// Media returns the file in the VM's CD-ROM drive, "" when it is empty.
func (d *Driver) Media(ctx context.Context, dir string) (string, error) {
	var blocks []blockInfo
	if err := d.execute(ctx, dir, "query-block", nil, &blocks); err != nil {
		return "", err
	}
	for _, b := range blocks {
		// qdev is the device id, or its QOM path ending in the id.
		if b.QDev == MediaDrive || strings.HasSuffix(b.QDev, "/"+MediaDrive) || b.Device == "drive-"+MediaDrive {
			if b.Inserted == nil {
				return "", nil
			}
			return b.Inserted.File, nil
		}
	}
	return "", fmt.Errorf("VM in %s has no CD-ROM drive %s", dir, MediaDrive)
}

// SaveSnapshot saves the running VM (RAM, device state and every writable
// disk) as internal snapshot name, through HMP's savevm: it picks the
// disks that can hold it by itself (read-only media and seeds are left
// out), which the snapshot-save job needs spelled out as node names. The
// guest pauses for the time it takes.
func (d *Driver) SaveSnapshot(ctx context.Context, dir, name string) error {
	return d.hmp(ctx, dir, "savevm", name)
}

// DeleteSnapshot removes internal snapshot name from the running VM's
// disks (qemu-img cannot: QEMU holds the disk's lock). Deleting one that
// does not exist is not an error, so a retried task succeeds.
func (d *Driver) DeleteSnapshot(ctx context.Context, dir, name string) error {
	return d.hmp(ctx, dir, "delvm", name)
}

// hmp runs an HMP command whose arguments must be a snapshot name: HMP
// parses a line, so anything but plain names could change its meaning.
// HMP reports failures as text, not as QMP errors.
func (d *Driver) hmp(ctx context.Context, dir, command, name string) error {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return fmt.Errorf("%s: snapshot name %q: letters, digits and -_. only", command, name)
	}
	var out string
	if err := d.execute(ctx, dir, "human-monitor-command", map[string]any{"command-line": command + " " + name}, &out); err != nil {
		return err
	}
	if out = strings.TrimSpace(out); out != "" {
		return fmt.Errorf("%s %s on VM in %s: %s", command, name, dir, out)
	}
	return nil
}
