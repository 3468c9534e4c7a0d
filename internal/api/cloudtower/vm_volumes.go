package cloudtower

import (
	"net/http"
)

// vmVolume is CloudTower's VmVolume. Kumo has no free-standing volumes:
// each VM's system disk is shown as a volume mounted on it, so scripts
// can read sizes and find a VM's disks. Creating, deleting, mounting
// and unmounting volumes are refused (see routes.go).
type vmVolume struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Size             int64   `json:"size"`
	Sharing          bool    `json:"sharing"`
	Mounting         bool    `json:"mounting"`
	ElfStoragePolicy string  `json:"elf_storage_policy"`
	Cluster          *ref    `json:"cluster"`
	ClusterID        string  `json:"cluster_id"`
	VMDisks          []ref   `json:"vm_disks"`
	LocalCreatedAt   *string `json:"local_created_at"`
}

func vmVolumes(inv *inventory) []vmVolume {
	out := make([]vmVolume, 0, len(inv.vms))
	for _, v := range inv.vms {
		out = append(out, vmVolume{ID: volumeID(v.ID), Name: v.Name + "-disk-0", Size: v.DiskBytes, Mounting: true,
			ElfStoragePolicy: "REPLICA_2_THIN_PROVISION", Cluster: inv.poolRef(v.PoolID), ClusterID: v.PoolID,
			VMDisks: []ref{{diskID(v.ID), v.Name}}, LocalCreatedAt: timestamp(v.CreatedAt)})
	}
	return out
}

// getVMVolumes is /get-vm-volumes. The guide filters by cluster_id,
// which is served as a field next to the cluster relation.
func (s *Server) getVMVolumes(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	inv, err := s.inventory(r.Context())
	if err != nil {
		return nil, err
	}
	return list(q, vmVolumes(inv))
}
