package cloudtower

import (
	"context"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// inventory is what the resources refer to each other by: one read of
// pools, hosts, images and VMs per call, so that a list is consistent
// with itself.
type inventory struct {
	pools  []model.Pool
	hosts  []model.Host
	images []model.Image
	vms    []model.VM
	pool   map[string]model.Pool
	host   map[string]model.Host
	image  map[string]model.Image
}

func (s *Server) inventory(ctx context.Context) (*inventory, error) {
	inv := &inventory{pool: map[string]model.Pool{}, host: map[string]model.Host{}, image: map[string]model.Image{}}
	var err error
	if inv.pools, err = s.svc.ListPools(ctx); err != nil {
		return nil, err
	}
	if inv.hosts, err = s.svc.ListHosts(ctx); err != nil {
		return nil, err
	}
	if inv.images, err = s.svc.ListImages(ctx); err != nil {
		return nil, err
	}
	if inv.vms, err = s.svc.ListVMs(ctx); err != nil {
		return nil, err
	}
	for _, p := range inv.pools {
		inv.pool[p.ID] = p
	}
	for _, h := range inv.hosts {
		inv.host[h.ID] = h
	}
	for _, img := range inv.images {
		inv.image[img.ID] = img
	}
	return inv, nil
}

// ref is a relation to another resource, as CloudTower nests them.
type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (inv *inventory) poolRef(id string) *ref {
	p, ok := inv.pool[id]
	if !ok {
		return nil
	}
	return &ref{p.ID, p.Name}
}

func (inv *inventory) hostRef(id string) *ref {
	h, ok := inv.host[id]
	if !ok {
		return nil
	}
	return &ref{h.ID, h.Name}
}

func (inv *inventory) imageRef(id string) *ref {
	img, ok := inv.image[id]
	if !ok {
		return nil
	}
	return &ref{img.ID, img.Name}
}

// timestamp is how CloudTower writes times; zero is null.
func timestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}
