package cloudtower

import (
	"net/http"
	"slices"

	"github.com/kumo-cloud/kumo/internal/model"
)

// vmNicItem is CloudTower's VmNic as /get-vm-nics lists it: a NIC of a
// VM (its NAT NIC, and its NIC on a network if it is on one), with the
// VM it belongs to.
type vmNicItem struct {
	vmNic
	VM       ref    `json:"vm"`
	NicIndex int    `json:"nic_index"`
	LocalID  string `json:"local_id"`
	// Kumo has no guest tools to report the guest's addresses.
	GuestInfoIPAddresses   []string `json:"guest_info_ip_addresses"`
	GuestInfoIPAddressesV6 []string `json:"guest_info_ip_addresses_v6"`
}

// getVMNics is /get-vm-nics.
func (s *Server) getVMNics(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	inv, err := s.inventory(r.Context())
	if err != nil {
		return nil, err
	}
	return list(q, s.vmNics(r, inv))
}

func (s *Server) vmNics(r *http.Request, inv *inventory) []vmNicItem {
	out := []vmNicItem{}
	for _, v := range s.vms(r.Context(), inv) {
		for i, n := range v.VMNics {
			out = append(out, vmNicItem{n, ref{v.ID, v.Name}, i, n.ID, []string{}, []string{}})
		}
	}
	return out
}

// nicRemoval is the body of /remove-vm-nic-by-where.
type nicRemoval struct {
	Where  map[string]any `json:"where"`
	Effect *struct {
		VMIDs []string `json:"vm_ids"`
	} `json:"effect"`
}

// removeVMNicByWhere is /remove-vm-nic-by-where: takes stopped VMs off
// the networks of the NICs the where selects (see /get-vm-nics), of the
// VMs effect.vm_ids names if it names any. A NAT NIC (nic_index 0) is
// refused. Every NIC is checked before any is removed; task_id is null.
func (s *Server) removeVMNicByWhere(r *http.Request, body []byte) (any, error) {
	var d nicRemoval
	if err := decodeStrict(body, &d); err != nil {
		return nil, err
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	picked, err := selectWhere(d.Where, s.vmNics(r, inv), func(n vmNicItem) string { return n.ID }, "NIC")
	if err != nil {
		return nil, err
	}
	if d.Effect != nil && d.Effect.VMIDs != nil {
		if len(d.Effect.VMIDs) == 0 {
			return nil, model.FieldError("effect.vm_ids", "is empty: leave it out for the VMs of every NIC selected")
		}
		picked = slices.DeleteFunc(picked, func(n vmNicItem) bool { return !slices.Contains(d.Effect.VMIDs, n.VM.ID) })
		if len(picked) == 0 {
			return nil, model.Errorf(model.CodeNotFound, "the where selects no NIC of the VMs effect.vm_ids names")
		}
	}
	byID := map[string]model.VM{}
	for _, v := range inv.vms {
		byID[v.ID] = v
	}
	var vms []model.VM
	for _, n := range picked {
		v := byID[n.VM.ID]
		if n.NicIndex == 0 {
			return nil, errRefused("NIC " + n.ID + " is the user-mode NAT NIC every Kumo VM has: it cannot be removed")
		}
		if err := needStopped(v, "removes NICs"); err != nil {
			return nil, err
		}
		vms = append(vms, v)
	}
	return s.changeEach(ctx, vms, func(id string) error {
		return s.svc.LeaveLAN(ctx, id)
	})
}
