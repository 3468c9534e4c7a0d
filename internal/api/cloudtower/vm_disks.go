package cloudtower

import (
	"net/http"
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
