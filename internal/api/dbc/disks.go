package dbc

import (
	"github.com/kumo-cloud/kumo/internal/model"
)

// Disks are named as the guest sees them on virtio: vda is the system
// disk. Kumo's VMs have no data disks yet, so vdb and later do not exist.
const systemDisk = "vda"

type disk struct {
	Disk string `json:"disk"`
	Size string `json:"size"`
	Type string `json:"type"`
}

func (s *Server) listDisks(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	return []disk{{Disk: systemDisk, Size: gib(vm.DiskBytes), Type: "system"}}, nil
}

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
	if p.Disk != systemDisk {
		return nil, model.Errorf(model.CodeNotFound, "task %s has no disk %q: it has only its system disk %s (data disks are not implemented in Kumo yet)", vm.ID, p.Disk, systemDisk)
	}
	if p.Size <= 0 {
		return nil, model.FieldError("additional.size", "must be more than 0 (GiB)")
	}
	op, err := s.svc.ResizeVMDisk(c.ctx(), vm.ID, 0, int64(float64(p.Size)*(1<<30))/512*512)
	if err != nil {
		return nil, err
	}
	return map[string]string{"task_id": vm.ID, "disk": p.Disk, "operation_id": op.ID}, nil
}

func (s *Server) addDisk(c *call) (any, error) {
	var p struct {
		Size     number `json:"size"`
		MountDir string `json:"mount_dir"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if _, err := s.ownTask(c); err != nil {
		return nil, err
	}
	return nil, errNotImplemented("data disks are not implemented in Kumo yet: a VM has its system disk only (needs a disk list in the VM model, store and agent)")
}

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
	return nil, model.Errorf(model.CodeNotFound, "task %s has no disk %q: it has only its system disk %s (data disks are not implemented in Kumo yet)", vm.ID, p.Disk, systemDisk)
}
