package cloudtower

import (
	"github.com/kumo-cloud/kumo/internal/model"
)

// elfImage is CloudTower's ElfImage: an ISO image of Kumo's image store.
type elfImage struct {
	ID             string  `json:"id"`
	LocalID        string  `json:"local_id"`
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	Size           int64   `json:"size"`
	Path           string  `json:"path"`
	Cluster        *ref    `json:"cluster"`
	VMDisks        []ref   `json:"vm_disks"`
	LocalCreatedAt *string `json:"local_created_at"`
}

// imageCluster is the cluster an image is shown in. Kumo's images
// belong to the whole control plane, not to a pool; CloudTower's belong
// to one cluster, so they are shown in the first pool (the default one
// on an install with one pool), which makes the guide's
// {where: {cluster: {id}}} select them there.
func (inv *inventory) imageCluster() *ref {
	if len(inv.pools) == 0 {
		return nil
	}
	return &ref{inv.pools[0].ID, inv.pools[0].Name}
}

func elfImages(inv *inventory) []elfImage {
	out := []elfImage{}
	for _, img := range inv.images {
		if img.Format != model.FormatISO || img.State != model.ImageReady {
			continue
		}
		e := elfImage{ID: img.ID, LocalID: img.ID, Name: img.Name, Description: img.Description, Size: img.SizeBytes, Path: "images/" + img.ID,
			Cluster: inv.imageCluster(), VMDisks: []ref{}, LocalCreatedAt: timestamp(img.CreatedAt)}
		for _, v := range inv.vms {
			if v.ImageID == img.ID && v.BootMedia {
				e.VMDisks = append(e.VMDisks, ref{cdromID(v.ID), v.Name})
			}
		}
		out = append(out, e)
	}
	return out
}
