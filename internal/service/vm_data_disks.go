package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// maxDataDisks bounds a VM's data disks: names run from vdb to vdz, and
// the system disk and a seed take virtio slots too.
const maxDataDisks = 16

// AddVMDataDisk gives a stopped VM a new empty data disk, named after the
// last one (vdb, vdc, ...). Its host makes the file when the VM starts.
func (s *Service) AddVMDataDisk(ctx context.Context, idOrName string, sizeBytes int64, mountDir string) (model.DataDisk, error) {
	if sizeBytes <= 0 || sizeBytes%512 != 0 || sizeBytes > model.MaxDiskBytes {
		return model.DataDisk{}, model.FieldError("size", "%d bytes: must be more than 0, a multiple of 512 and at most %d", sizeBytes, model.MaxDiskBytes)
	}
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return model.DataDisk{}, err
	}
	if err := stopped(vm, "add a data disk"); err != nil {
		return model.DataDisk{}, err
	}
	// The disk is made thin at the VM's next start: the margin is what
	// it takes at first.
	if err := s.hostDiskRoom(ctx, vm.HostID, "size", "a data disk of VM "+vm.Name, sizeBytes, 0); err != nil {
		return model.DataDisk{}, err
	}
	var disk model.DataDisk
	err = s.db.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetVM(ctx, vm.ID)
		if err != nil {
			return notFound(err, "VM", vm.ID)
		}
		if len(cur.DataDisks) >= maxDataDisks {
			return model.Errorf(model.CodeConflict, "VM %s has %d data disks, the most it can have", cur.Name, maxDataDisks)
		}
		name := nextDataDiskName(cur.DataDisks)
		if name > "vdz" {
			return model.Errorf(model.CodeConflict, "VM %s has a data disk vdz: remove it to add another", cur.Name)
		}
		if err := checkQuota(ctx, q, cur.TenantID, quotaDemand{model.QuotaDiskBytes: sizeBytes}); err != nil {
			return err
		}
		disk = model.DataDisk{Name: name, SizeBytes: sizeBytes, MountDir: mountDir}
		cur.DataDisks, cur.UpdatedAt = append(cur.DataDisks, disk), now()
		return notFound(q.UpdateVM(ctx, cur), "VM", vm.ID)
	})
	return disk, err
}

// nextDataDiskName is the name after the last disk's, so names are never
// reused while a later disk exists (a guest would see disks change
// places otherwise).
func nextDataDiskName(disks []model.DataDisk) string {
	last := byte('a')
	for _, d := range disks {
		if len(d.Name) == 3 && d.Name[2] > last {
			last = d.Name[2]
		}
	}
	return fmt.Sprintf("vd%c", last+1)
}

// RemoveVMDataDisk removes a stopped VM's data disk; its host deletes the
// file, and what it held, when the VM next starts.
func (s *Service) RemoveVMDataDisk(ctx context.Context, idOrName, name string) error {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(vm.DataDisks, func(d model.DataDisk) bool { return d.Name == name })
	if i < 0 {
		return model.Errorf(model.CodeNotFound, "VM %s has no data disk %q", vm.Name, name)
	}
	if err := stopped(vm, "remove a data disk"); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetVM(ctx, vm.ID)
		if err != nil {
			return notFound(err, "VM", vm.ID)
		}
		cur.DataDisks = slices.DeleteFunc(cur.DataDisks, func(d model.DataDisk) bool { return d.Name == name })
		cur.UpdatedAt = now()
		return notFound(q.UpdateVM(ctx, cur), "VM", vm.ID)
	})
}
