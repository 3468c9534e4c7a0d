package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// requireRunning fails with a conflict unless the VM's QEMU runs (its
// guest may be paused): media changes and live snapshots need QEMU.
func (a *Agent) requireRunning(ctx context.Context, id, doing string) error {
	st, err := a.status(ctx, id)
	if err != nil {
		return err
	}
	if st.State != hypervisor.StateRunning && st.State != hypervisor.StatePaused {
		return model.Errorf(model.CodeConflict, "cannot %s VM %s: it is %s, not running", doing, id, st.State)
	}
	return nil
}

// media reports which image is in the VM's CD-ROM drive.
func (a *Agent) media(ctx context.Context, id string) (hostlink.MediaStatus, error) {
	if err := a.requireRunning(ctx, id, "read the media of"); err != nil {
		return hostlink.MediaStatus{}, err
	}
	path, err := a.cfg.Driver.Media(ctx, a.dir(id))
	if err != nil {
		return hostlink.MediaStatus{}, err
	}
	if path == "" || filepath.Dir(path) != filepath.Clean(a.imageDir()) {
		return hostlink.MediaStatus{}, nil
	}
	return hostlink.MediaStatus{ImageID: filepath.Base(path)}, nil
}

// insertMedia puts an image from the host's cache (fetched if missing)
// into the running VM's CD-ROM drive.
func (a *Agent) insertMedia(ctx context.Context, id string, ref hostlink.ImageRef) (hostlink.MediaStatus, error) {
	if ref.Format != model.FormatISO {
		return hostlink.MediaStatus{}, model.FieldError("image", "is %s, not an ISO media image", ref.Format)
	}
	if err := a.requireRunning(ctx, id, "insert media into"); err != nil {
		return hostlink.MediaStatus{}, err
	}
	path, err := a.ensureImage(ctx, ref)
	if err != nil {
		return hostlink.MediaStatus{}, err
	}
	if err := a.cfg.Driver.InsertMedia(ctx, a.dir(id), path); err != nil {
		return hostlink.MediaStatus{}, fmt.Errorf("insert media %s into VM %s: %w", ref.ID, id, err)
	}
	return a.media(ctx, id)
}

func (a *Agent) ejectMedia(ctx context.Context, id string) error {
	if err := a.requireRunning(ctx, id, "eject the media of"); err != nil {
		return err
	}
	if err := a.cfg.Driver.EjectMedia(ctx, a.dir(id)); err != nil {
		return fmt.Errorf("eject media of VM %s: %w", id, err)
	}
	return nil
}

// vmPower returns the VM's observed state, refusing states in which its
// disk is neither free for qemu-img nor reachable through QEMU.
func (a *Agent) vmPower(ctx context.Context, id, doing string) (running bool, err error) {
	st, err := a.status(ctx, id)
	if err != nil {
		return false, err
	}
	switch st.State {
	case hypervisor.StateRunning, hypervisor.StatePaused:
		return true, nil
	case hypervisor.StateStopped:
		return false, nil
	}
	return false, model.Errorf(model.CodeConflict, "cannot %s VM %s while it is %s: stop it first", doing, id, st.State)
}

// createSnapshot snapshots a running VM live (RAM included) through QEMU,
// and a stopped one's disk with qemu-img.
func (a *Agent) createSnapshot(ctx context.Context, id, name string) (hostlink.SnapshotResult, error) {
	running, err := a.vmPower(ctx, id, "snapshot")
	if err != nil {
		return hostlink.SnapshotResult{}, err
	}
	// A live snapshot saves the guest's RAM and device state into the
	// disk; what the disk holds is a fair estimate of its size. A
	// snapshot of a stopped disk copies tables only.
	var need int64
	if running {
		if fi, err := os.Stat(a.rootDisk(id)); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				need = st.Blocks * 512
			}
		}
	}
	if err := a.requireFree(filepath.Dir(a.realRootDisk(id)), need, "snapshot "+name+" of VM "+id); err != nil {
		return hostlink.SnapshotResult{}, err
	}
	if running {
		err = a.cfg.Driver.SaveSnapshot(ctx, a.dir(id), name)
	} else {
		err = a.cfg.Volumes.SnapshotCreate(ctx, a.rootDisk(id), name)
	}
	return hostlink.SnapshotResult{Running: running}, snapshotError(err, id, name)
}

// revertSnapshot reverts the stopped VM's disk. A running VM is refused:
// loading a snapshot into a live guest (loadvm) would swap its memory
// under any client connected to it, and Nano allows revert only when the
// guest is stopped.
func (a *Agent) revertSnapshot(ctx context.Context, id, name string) error {
	running, err := a.vmPower(ctx, id, "revert a snapshot of")
	if err != nil {
		return err
	}
	if running {
		return model.Errorf(model.CodeConflict, "VM %s is running: stop the guest first to revert it to snapshot %s", id, name)
	}
	return snapshotError(a.cfg.Volumes.SnapshotApply(ctx, a.rootDisk(id), name), id, name)
}

func (a *Agent) deleteSnapshot(ctx context.Context, id, name string) error {
	running, err := a.vmPower(ctx, id, "delete a snapshot of")
	if err != nil {
		return err
	}
	if running {
		return snapshotError(a.cfg.Driver.DeleteSnapshot(ctx, a.dir(id), name), id, name)
	}
	return snapshotError(a.cfg.Volumes.SnapshotDelete(ctx, a.rootDisk(id), name), id, name)
}

// snapshotError gives storage's sentinel errors their API codes.
func snapshotError(err error, id, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return model.NotFound("snapshot", name)
	case errors.Is(err, storage.ErrInvalidName):
		return &model.Error{Code: model.CodeInvalidArgument, Field: "name", Message: storage.Reason(err)}
	}
	return fmt.Errorf("snapshot %s of VM %s: %w", name, id, err)
}
