package service

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

// VMRefNames are the names of what VMs refer to by id.
type VMRefNames struct {
	Hosts, Pools, Images map[string]string // id -> name
}

// VMReferenceNames returns the names of the hosts, pools and images that
// vms refer to, so that lists show names where they hold ids. A name is
// part of what a caller who may read the VM sees of it, whether or not
// the caller may read the host, pool or image itself; names of objects
// no VM given refers to are not returned.
func (s *Service) VMReferenceNames(ctx context.Context, vms []model.VM) (VMRefNames, error) {
	if _, err := caller(ctx); err != nil {
		return VMRefNames{}, err
	}
	want := map[string]bool{}
	for _, v := range vms {
		want[v.HostID], want[v.PoolID], want[v.ImageID] = true, true, true
	}
	out := VMRefNames{Hosts: map[string]string{}, Pools: map[string]string{}, Images: map[string]string{}}
	hosts, err := s.db.ListHosts(ctx)
	if err != nil {
		return out, err
	}
	for _, h := range hosts {
		if want[h.ID] {
			out.Hosts[h.ID] = h.Name
		}
	}
	pools, err := s.db.ListPools(ctx)
	if err != nil {
		return out, err
	}
	for _, p := range pools {
		if want[p.ID] {
			out.Pools[p.ID] = p.Name
		}
	}
	images, err := s.db.ListImages(ctx)
	if err != nil {
		return out, err
	}
	for _, i := range images {
		if want[i.ID] {
			out.Images[i.ID] = i.Name
		}
	}
	return out, nil
}
