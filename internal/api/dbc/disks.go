package dbc

import (
	"slices"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Disks are named as the guest sees them on virtio: vda is the system
// disk, vdb and on the data disks.
const systemDisk = "vda"

type disk struct {
	Disk     string `json:"disk"`
	Size     string `json:"size"`
	Type     string `json:"type"` // system or data
	MountDir string `json:"mount_dir,omitempty"`
}

func (s *Server) listDisks(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	out := []disk{{Disk: systemDisk, Size: gib(vm.DiskBytes), Type: "system"}}
	for _, d := range vm.DataDisks {
		out = append(out, disk{Disk: d.Name, Size: gib(d.SizeBytes), Type: "data", MountDir: d.MountDir})
	}
	return out, nil
}

// diskIndex is the service's index of a disk: 0 the system disk, then
// the data disks.
func diskIndex(vm model.VM, name string) (int, error) {
	if name == systemDisk {
		return 0, nil
	}
	i := slices.IndexFunc(vm.DataDisks, func(d model.DataDisk) bool { return d.Name == name })
	if i < 0 {
		return 0, model.Errorf(model.CodeNotFound, "task %s has no disk %q", vm.ID, name)
	}
	return i + 1, nil
}

// sizeBytes turns a size in GiB into bytes, rounded down to a sector.
func sizeBytes(gib number) int64 { return int64(float64(gib)*(1<<30)) / 512 * 512 }

type resizeDiskParams struct {
	Disk string `json:"disk"`
	Size number `json:"size"` // GiB
}

// resizeDisk grows a stopped VM's disk to the given size.
func (s *Server) resizeDisk(c *call) (any, error) {
	var p resizeDiskParams
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	index, err := diskIndex(vm, p.Disk)
	if err != nil {
		return nil, err
	}
	if p.Size <= 0 {
		return nil, model.FieldError("additional.size", "must be more than 0 (GiB)")
	}
	op, err := s.svc.ResizeVMDisk(c.ctx(), vm.ID, index, sizeBytes(p.Size))
	if err != nil {
		return nil, err
	}
	return map[string]string{"task_id": vm.ID, "disk": p.Disk, "operation_id": op.ID}, nil
}

// addDisk adds an empty data disk to a stopped VM; it is there from the
// VM's next start.
func (s *Server) addDisk(c *call) (any, error) {
	var p struct {
		Size     number `json:"size"`
		MountDir string `json:"mount_dir"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	if p.Size <= 0 {
		return nil, model.FieldError("additional.size", "must be more than 0 (GiB)")
	}
	if p.MountDir == "" {
		p.MountDir = "/data" // the document's default
	}
	d, err := s.svc.AddVMDataDisk(c.ctx(), vm.ID, sizeBytes(p.Size), p.MountDir)
	if err != nil {
		return nil, err
	}
	return disk{Disk: d.Name, Size: gib(d.SizeBytes), Type: "data", MountDir: d.MountDir}, nil
}

// deleteDisk removes a stopped VM's data disk and what it holds.
func (s *Server) deleteDisk(c *call) (any, error) {
	var p struct {
		Disk string `json:"disk"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	if p.Disk == systemDisk {
		return nil, model.Errorf(model.CodeConflict, "disk %s is task %s's system disk: delete the task instead", systemDisk, vm.ID)
	}
	if err := s.svc.RemoveVMDataDisk(c.ctx(), vm.ID, p.Disk); err != nil {
		return nil, err
	}
	return map[string]string{"task_id": vm.ID, "disk": p.Disk}, nil
}
