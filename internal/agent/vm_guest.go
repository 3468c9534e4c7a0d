package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// Changes to a VM beyond its power state: QoS, guest passwords and the
// system disk. Each runs under the VM's lock (see routes).

func decodeBody(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return model.Errorf(model.CodeInvalidArgument, "decode request: %v", err)
	}
	return nil
}

// observed returns the VM's state, or not found if this host lacks it.
func (a *Agent) observed(ctx context.Context, id string) (hypervisor.PowerState, error) {
	dir := a.dir(id)
	if _, err := os.Stat(dir); err != nil {
		return "", model.NotFound("VM", id)
	}
	st, err := a.cfg.Driver.Status(ctx, dir)
	return st.State, err
}

func (a *Agent) setQoS(ctx context.Context, id string, qos hypervisor.QoS) error {
	state, err := a.observed(ctx, id)
	if err != nil {
		return err
	}
	if state != hypervisor.StateRunning && state != hypervisor.StatePaused {
		return model.Errorf(model.CodeConflict, "VM %s is %s: QoS is applied to a running VM", id, state)
	}
	if err := a.cfg.Driver.SetQoS(ctx, a.dir(id), qos); err != nil {
		return fmt.Errorf("set QoS of VM %s: %w", id, err)
	}
	return nil
}

func (a *Agent) setPassword(ctx context.Context, id string, req hostlink.PasswordRequest) error {
	if req.User == "" || req.Password == "" {
		return model.Errorf(model.CodeInvalidArgument, "user and password are required")
	}
	state, err := a.observed(ctx, id)
	if err != nil {
		return err
	}
	if state != hypervisor.StateRunning {
		return model.Errorf(model.CodeConflict, "VM %s is %s: its guest agent answers only while it runs", id, state)
	}
	err = a.cfg.Driver.SetUserPassword(ctx, a.dir(id), req.User, req.Password)
	if errors.Is(err, hypervisor.ErrNoGuestAgent) {
		return model.Errorf(model.CodeUnavailable, "VM %s: the guest agent (qemu-guest-agent) does not answer; is it installed and running in the guest?", id)
	}
	if err != nil {
		return fmt.Errorf("set password in VM %s: %w", id, err)
	}
	return nil
}

// changeDisk resizes, compacts or reimages the system disk of a stopped
// VM. A reimage writes the new disk beside the old one and renames it
// over, so a failure leaves the old disk as it was.
func (a *Agent) changeDisk(ctx context.Context, id string, req hostlink.DiskRequest) (hostlink.DiskInfo, error) {
	state, err := a.observed(ctx, id)
	if err != nil {
		return hostlink.DiskInfo{}, err
	}
	if state != hypervisor.StateStopped {
		return hostlink.DiskInfo{}, model.Errorf(model.CodeConflict, "VM %s is %s: its disk can change only while it is stopped", id, state)
	}
	disk := a.rootDisk(id)
	if req.Disk != "" {
		if !dataDiskName.MatchString(req.Disk) || req.Op != hostlink.DiskResize {
			return hostlink.DiskInfo{}, model.FieldError("disk", "%s of data disk %q: data disks vdb to vdz can be resized only", req.Op, req.Disk)
		}
		disk = a.dataDisk(id, req.Disk)
	}
	// In a storage pool the path is a link to the disk in the pool's
	// directory; work on that file, so a rewritten disk stays there.
	if real, err := filepath.EvalSymlinks(disk); err == nil {
		disk = real
	}
	if err := a.diskChangeRoom(ctx, id, disk, req); err != nil {
		return hostlink.DiskInfo{}, err
	}
	switch {
	case req.Op == hostlink.DiskResize && req.Disk != "":
		// A data disk not used since it was added has no file yet.
		err = a.growDataDisk(ctx, disk, req.SizeBytes)
	case req.Op == hostlink.DiskResize:
		err = a.cfg.Volumes.Resize(ctx, disk, req.SizeBytes, false)
	case req.Op == hostlink.DiskCompact:
		err = a.cfg.Volumes.Compact(ctx, disk)
	case req.Op == hostlink.DiskReimage:
		err = a.reimage(ctx, disk, req)
	default:
		return hostlink.DiskInfo{}, model.FieldError("op", "unknown disk operation %q", req.Op)
	}
	if err != nil {
		return hostlink.DiskInfo{}, diskError(fmt.Errorf("%s disk of VM %s: %w", req.Op, id, err))
	}
	info, err := a.cfg.Volumes.Info(ctx, disk)
	if err != nil {
		return hostlink.DiskInfo{}, err
	}
	return hostlink.DiskInfo{VirtualBytes: info.VirtualSize, ActualBytes: info.ActualSize}, nil
}

// diskChangeRoom checks that the disk's file system has room for a
// change that writes a new copy: a compact rewrites what the disk holds,
// a reimage as a full clone copies the image.
func (a *Agent) diskChangeRoom(ctx context.Context, id, disk string, req hostlink.DiskRequest) error {
	dir := filepath.Dir(disk)
	switch {
	case req.Op == hostlink.DiskCompact:
		info, err := a.cfg.Volumes.Info(ctx, disk)
		if err != nil {
			return nil // the compact reports it
		}
		return a.requireFree(dir, info.ActualSize, "compacting the disk of VM "+id)
	case req.Op == hostlink.DiskReimage && req.CloneMode == model.CloneFull:
		return a.requireFree(dir, max(req.Image.VirtualSize, req.Image.SizeBytes), "a full copy of image "+req.Image.ID+" for VM "+id)
	case req.Op == hostlink.DiskReimage:
		return a.requireFree(dir, 0, "a new disk of VM "+id)
	}
	return nil
}

func (a *Agent) reimage(ctx context.Context, disk string, req hostlink.DiskRequest) error {
	if req.Image.Format == model.FormatISO {
		return model.Errorf(model.CodeInvalidArgument, "image %s is an ISO, not a disk image", req.Image.ID)
	}
	image, err := a.ensureImage(ctx, req.Image)
	if err != nil {
		return err
	}
	fresh := disk + ".new"
	a.cfg.Volumes.Delete(ctx, fresh) // left by an interrupted reimage
	if err := a.cfg.Volumes.Clone(ctx, image, fresh, storage.CloneMode(req.CloneMode), req.SizeBytes); err != nil {
		a.cfg.Volumes.Delete(ctx, fresh)
		return err
	}
	return os.Rename(fresh, disk)
}
