package cloudtower

import (
	"net/http"
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
	out := []vmNicItem{}
	for _, v := range s.vms(r.Context(), inv) {
		for i, n := range v.VMNics {
			out = append(out, vmNicItem{n, ref{v.ID, v.Name}, i, n.ID, []string{}, []string{}})
		}
	}
	return list(q, out)
}
