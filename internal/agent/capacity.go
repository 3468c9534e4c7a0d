package agent

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kumo-cloud/kumo/internal/diskspace"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// publicError is what the controller is told of a failed call: a full
// disk becomes insufficient_capacity, a Kumo error keeps its code and
// message, anything else (qemu-img's command line and stderr, a file
// system error naming a path) is logged here and reported as an
// internal failure of the operation. The controller shows these texts to
// API users in tasks' errors, and they must not learn the host's layout.
func (a *Agent) publicError(op, id string, err error) error {
	var me *model.Error
	if errors.As(err, &me) && me.Code != model.CodeInternal && !diskspace.IsFull(err) {
		if me.Err != nil {
			a.log.Warn(op+" failed", "vm", id, "err", err)
		}
		return &model.Error{Code: me.Code, Message: me.Message, Field: me.Field}
	}
	a.log.Warn(op+" failed", "vm", id, "err", err)
	if diskspace.IsFull(err) {
		return model.Errorf(model.CodeInsufficientCapacity, "not enough free space on host %s for the %s of VM %s", a.id.Name, op, id)
	}
	return model.Errorf(model.CodeInternal, "the %s of VM %s failed on host %s (the host agent's log has the details)", op, id, a.id.Name)
}

// diskError gives storage's sentinel errors their API codes, with the
// reason and without paths.
func diskError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrInvalidSize):
		return &model.Error{Code: model.CodeInvalidArgument, Field: "disk_bytes", Message: storage.Reason(err)}
	case errors.Is(err, storage.ErrHasSnapshots):
		return &model.Error{Code: model.CodeConflict, Message: storage.Reason(err)}
	}
	return err
}

// requireFree refuses an operation that needs about need bytes in dir
// when its file system has less than that and the margin free, before
// anything is written: a half-made disk on a full file system helps no
// one, and the VMs already running there need the room to write.
func (a *Agent) requireFree(dir string, need int64, what string) error {
	_, free, err := diskspace.Free(dir)
	if err != nil {
		return nil // cannot tell: the operation finds out itself
	}
	if need < 0 || need > model.MaxDiskBytes {
		need = model.MaxDiskBytes
	}
	if free < need+model.DiskMarginBytes {
		return model.Errorf(model.CodeInsufficientCapacity, "not enough free space on host %s for %s: %d MiB needed, %d MiB free",
			a.id.Name, what, (need+model.DiskMarginBytes)>>20, free>>20)
	}
	return nil
}

// sameFS reports whether two directories are on one file system, so that
// what goes into one takes from the other's room.
func sameFS(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return true // assume the worst
	}
	sa, okA := fa.Sys().(*syscall.Stat_t)
	sb, okB := fb.Sys().(*syscall.Stat_t)
	return !okA || !okB || sa.Dev == sb.Dev
}

// satAdd adds two sizes, stopping at the largest int64 instead of
// wrapping to a negative number that any free space would "cover".
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// realRootDisk is the file of the VM's system disk: in a storage pool
// the root disk path is a link to it.
func (a *Agent) realRootDisk(id string) string {
	if real, err := filepath.EvalSymlinks(a.rootDisk(id)); err == nil {
		return real
	}
	return a.rootDisk(id)
}
