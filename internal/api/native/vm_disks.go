package native

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// systemDiskName is the system disk's name on /v1: its virtio name in a
// guest, as data disks are named (model.DataDisk).
const systemDiskName = "vda"

// vmDisks are a VM's disks, the system disk first, as the service
// indexes them (ResizeVMDisk).
func vmDisks(vm model.VM) []api.Disk {
	out := []api.Disk{{Name: systemDiskName, Index: 0, Type: "system", SizeBytes: vm.DiskBytes}}
	for i, d := range vm.DataDisks {
		out = append(out, api.Disk{Name: d.Name, Index: i + 1, Type: "data", SizeBytes: d.SizeBytes, MountDir: d.MountDir})
	}
	return out
}

// vmDisk finds a disk of a VM by name.
func vmDisk(vm model.VM, name string) (api.Disk, error) {
	for _, d := range vmDisks(vm) {
		if d.Name == name {
			return d, nil
		}
	}
	return api.Disk{}, model.Errorf(model.CodeNotFound, "VM %s has no disk %q", vm.Name, name)
}

func (s *Server) listVMDisks(r *http.Request) (any, error) {
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return vmDisks(vm), nil
}

func (s *Server) addVMDisk(r *http.Request) (any, error) {
	var req api.DisksPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	d, err := s.svc.AddVMDataDisk(ctx(r), r.PathValue("id"), req.SizeBytes, req.MountDir)
	if err != nil {
		return nil, fieldRenamed(err, "size", "size_bytes")
	}
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return vmDisk(vm, d.Name)
}

func (s *Server) resizeVMDisk(r *http.Request) (any, error) {
	var req api.DiskPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d, err := vmDisk(vm, r.PathValue("disk"))
	if err != nil {
		return nil, err
	}
	t, err := s.svc.ResizeVMDisk(ctx(r), vm.ID, d.Index, req.SizeBytes)
	if err != nil {
		return nil, fieldRenamed(err, "size", "size_bytes")
	}
	return taskToAPI(t), nil
}

func (s *Server) removeVMDisk(r *http.Request) (any, error) {
	if r.PathValue("disk") == systemDiskName {
		vm, err := s.svc.GetVM(ctx(r), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return nil, model.Errorf(model.CodeConflict, "%s is VM %s's system disk: delete the VM instead", systemDiskName, vm.Name)
	}
	return nil, s.svc.RemoveVMDataDisk(ctx(r), r.PathValue("id"), r.PathValue("disk"))
}

// fieldRenamed names a field of the service's error as the body names it.
func fieldRenamed(err error, from, to string) error {
	var me *model.Error
	if errors.As(err, &me) && me.Field == from {
		cp := *me
		cp.Field = to
		if rest, ok := strings.CutPrefix(cp.Message, from+": "); ok {
			cp.Message = to + ": " + rest
		}
		return &cp
	}
	return err
}
