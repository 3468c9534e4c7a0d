package agent

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
)

// dataDiskName is what a data disk may be called: it ends up in a file
// name, so nothing else is taken.
var dataDiskName = regexp.MustCompile(`^vd[b-z]$`)

const dataDiskPrefix = "data-"

// dataDisk is the file of a VM's data disk.
func (a *Agent) dataDisk(id, name string) string {
	return filepath.Join(a.dir(id), dataDiskPrefix+name+".qcow2")
}

// ensureDataDisks makes the VM's data disk files what cfg lists: missing
// ones are made empty, smaller ones grown, and files of disks no longer
// listed removed (the control plane's list is the desired state; a disk
// is deleted only while its VM is stopped, so the next start is when
// its file goes).
func (a *Agent) ensureDataDisks(ctx context.Context, id string, disks []model.DataDisk) ([]hypervisor.Disk, error) {
	keep := map[string]bool{}
	var out []hypervisor.Disk
	for _, d := range disks {
		if !dataDiskName.MatchString(d.Name) {
			return nil, model.FieldError("data_disks", "%q is not a data disk name (vdb to vdz)", d.Name)
		}
		path := a.dataDisk(id, d.Name)
		keep[filepath.Base(path)] = true
		if err := a.growDataDisk(ctx, path, d.SizeBytes); err != nil {
			return nil, err
		}
		out = append(out, hypervisor.Disk{Path: path, Format: "qcow2"})
	}
	entries, err := os.ReadDir(a.dir(id))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), dataDiskPrefix) && strings.HasSuffix(e.Name(), ".qcow2") && !keep[e.Name()] {
			if err := a.cfg.Volumes.Delete(ctx, filepath.Join(a.dir(id), e.Name())); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// growDataDisk makes the disk at path at least sizeBytes large, making
// it if it does not exist.
func (a *Agent) growDataDisk(ctx context.Context, path string, sizeBytes int64) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return a.cfg.Volumes.Create(ctx, path, sizeBytes)
	}
	info, err := a.cfg.Volumes.Info(ctx, path)
	if err != nil {
		return err
	}
	if sizeBytes > info.VirtualSize {
		return a.cfg.Volumes.Resize(ctx, path, sizeBytes, false)
	}
	return nil
}
