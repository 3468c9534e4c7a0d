package cloudtower

import (
	"context"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// vlan is CloudTower's Vlan. Every Kumo guest has one NIC on QEMU
// user-mode NAT, a private network of its own; each pool is shown with
// one such network, so NICs have a vlan to point at. Kumo cannot make
// VLANs (no bridges or tap devices yet), so creating, changing and
// deleting them is refused, as are adding and removing NICs.
type vlan struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	VlanID  int    `json:"vlan_id"`
	Type    string `json:"type"`
	Cluster *ref   `json:"cluster"`
	VMNics  []ref  `json:"vm_nics"`
}

const natVlanName = "NAT"

func vlans(inv *inventory) []vlan {
	out := make([]vlan, 0, len(inv.pools))
	for _, p := range inv.pools {
		vl := vlan{ID: vlanID(p.ID), Name: natVlanName, Type: "VM", Cluster: &ref{p.ID, p.Name}, VMNics: []ref{}}
		for _, v := range inv.vms {
			if v.PoolID == p.ID {
				vl.VMNics = append(vl.VMNics, ref{nicID(v.ID), v.Name})
			}
		}
		out = append(out, vl)
	}
	return out
}

// vlanPool returns the pool of a vlan id.
func (s *Server) vlanPool(ctx context.Context, id string) (model.Pool, error) {
	poolID, ok := strings.CutSuffix(id, "-nat")
	if !ok {
		return model.Pool{}, model.NotFound("vlan", id)
	}
	p, err := s.svc.GetPool(ctx, poolID)
	if err != nil || p.ID != poolID {
		return model.Pool{}, model.NotFound("vlan", id)
	}
	return p, nil
}

// getVlans is /get-vlans.
func (s *Server) getVlans(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	inv, err := s.inventory(r.Context())
	if err != nil {
		return nil, err
	}
	return list(q, vlans(inv))
}
