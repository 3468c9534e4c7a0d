package cloudtower

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// vmDiskItem is CloudTower's VmDisk as /get-vm-disks lists it: a drive
// of a VM (its system disk, its one CD-ROM drive, its data disks), with
// the VM it belongs to.
type vmDiskItem struct {
	vmDisk
	VM ref `json:"vm"`
}

// getVMDisks is /get-vm-disks: every drive of every visible VM, as
// get-vms nests them.
func (s *Server) getVMDisks(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	inv, err := s.inventory(r.Context())
	if err != nil {
		return nil, err
	}
	var out []vmDiskItem
	for _, v := range s.vms(r.Context(), inv) {
		for _, d := range v.VMDisks {
			out = append(out, vmDiskItem{d, ref{v.ID, v.Name}})
		}
	}
	if out == nil {
		out = []vmDiskItem{}
	}
	return list(q, out)
}

// byteUnits are the SDK's ByteUnit multipliers.
var byteUnits = map[string]int64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40, "PB": 1 << 50}

// diskExpansion is the body of /expand-vm-disk.
type diskExpansion struct {
	Where    map[string]any `json:"where"`
	Size     *float64       `json:"size"`
	SizeUnit string         `json:"size_unit"`
}

// expandVMDisk is /expand-vm-disk: grows the disks the where selects
// (see /get-vm-disks: system and data disks, not CD-ROM drives) to size
// (in size_unit, bytes by default), each by a task of its stopped VM.
// Every selected disk is checked before any task is submitted.
func (s *Server) expandVMDisk(r *http.Request, body []byte) (any, error) {
	var d diskExpansion
	if err := decodeStrict(body, &d); err != nil {
		return nil, err
	}
	if d.Size == nil {
		return nil, model.FieldError("size", "is required")
	}
	unit := int64(1)
	if d.SizeUnit != "" {
		var ok bool
		if unit, ok = byteUnits[d.SizeUnit]; !ok {
			return nil, model.FieldError("size_unit", "%q: use B, KB, MB, GB, TB or PB", d.SizeUnit)
		}
	}
	size := *d.Size * float64(unit)
	if size <= 0 || size != float64(int64(size)) || int64(size)%512 != 0 || size > float64(model.MaxDiskBytes) {
		return nil, model.FieldError("size", "%v %s: must be a positive multiple of 512 bytes, at most %d bytes", *d.Size, d.SizeUnit, model.MaxDiskBytes)
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	var all []vmDiskItem
	for _, v := range s.vms(ctx, inv) {
		for _, vd := range v.VMDisks {
			all = append(all, vmDiskItem{vd, ref{v.ID, v.Name}})
		}
	}
	picked, err := selectWhere(d.Where, all, func(d vmDiskItem) string { return d.ID }, "disk")
	if err != nil {
		return nil, err
	}
	byID := map[string]model.VM{}
	for _, v := range inv.vms {
		byID[v.ID] = v
	}
	type growth struct {
		vm    model.VM
		index int
	}
	var todo []growth
	for _, p := range picked {
		v := byID[p.VM.ID]
		g := growth{vm: v, index: -1}
		if p.ID == diskID(v.ID) {
			g.index = 0
		}
		for i, dd := range v.DataDisks {
			if p.ID == dataDiskID(v.ID, dd.Name) {
				g.index = i + 1
			}
		}
		if g.index < 0 {
			return nil, errRefused("disk " + p.ID + " is a CD-ROM drive of VM " + v.Name + ": only disks grow")
		}
		current := v.DiskBytes
		if g.index > 0 {
			current = v.DataDisks[g.index-1].SizeBytes
		}
		if int64(size) <= current {
			return nil, model.FieldError("size", "%d bytes is not larger than disk %s's %d: Kumo's disks only grow", int64(size), p.ID, current)
		}
		if err := needStopped(v, "grows disks"); err != nil {
			return nil, err
		}
		todo = append(todo, g)
	}
	out := make(batch[vm], 0, len(todo))
	for _, g := range todo {
		t, err := s.svc.ResizeVMDisk(ctx, g.vm.ID, g.index, int64(size))
		if err != nil {
			return nil, err
		}
		data, err := s.vmAfter(ctx, g.vm.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, withTask[vm]{taskOf(t), data})
	}
	return out, nil
}
