package service

import (
	"context"
	"slices"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// maxVMPage bounds one page of a VM list, so that no caller gets a list of
// every VM of a large installation at once.
const maxVMPage = 1000

// ListVMsPage returns one page of the VMs the caller may read that match
// q, and how many match in all. The filter and order run in the
// database; for a caller who sees every VM the page does too, for others
// the VMs they may not see are dropped before paging, so totals and
// pages count only what they see.
func (s *Service) ListVMsPage(ctx context.Context, q model.VMListQuery) (model.VMPage, error) {
	if err := Authorize(ctx, model.PermVMRead); err != nil {
		return model.VMPage{}, err
	}
	p, err := caller(ctx)
	if err != nil {
		return model.VMPage{}, err
	}
	if q.Limit < 0 || q.Offset < 0 {
		return model.VMPage{}, model.FieldError("limit", "limit and offset must not be negative")
	}
	if q.Limit == 0 || q.Limit > maxVMPage {
		q.Limit = maxVMPage
	}
	if q.Sort != "" && !slices.Contains(model.VMSortKeys, q.Sort) {
		return model.VMPage{}, model.FieldError("sort", "cannot sort VMs by %q: use one of %v", q.Sort, model.VMSortKeys)
	}
	f := store.VMFilter{Owner: q.Owner, TenantID: q.Tenant, OrderBy: q.Sort, Desc: q.Desc}
	if q.Name != "" {
		f.NameLike = store.LikePattern(q.Name)
	}
	for _, st := range q.Statuses {
		f.Statuses = append(f.Statuses, string(st))
	}
	// An unknown host or pool matches nothing rather than failing: a
	// filter asks a question, and "none" is its answer.
	if q.Host != "" {
		if h, err := s.db.GetHost(ctx, q.Host); err == nil {
			f.HostID = h.ID
		} else {
			return model.VMPage{VMs: []model.VM{}}, nil
		}
	}
	if q.Pool != "" {
		if pl, err := s.db.GetPool(ctx, q.Pool); err == nil {
			f.PoolID = pl.ID
		} else {
			return model.VMPage{VMs: []model.VM{}}, nil
		}
	}
	if p.FullAccess() {
		total, err := s.db.CountVMsFiltered(ctx, f)
		if err != nil {
			return model.VMPage{}, err
		}
		f.Limit, f.Offset = q.Limit, q.Offset
		vms, err := s.db.ListVMsFiltered(ctx, f)
		return model.VMPage{VMs: vms, Total: total}, err
	}
	all, err := s.db.ListVMsFiltered(ctx, f)
	if err != nil {
		return model.VMPage{}, err
	}
	visible := s.visibleVMs(ctx, all)
	return model.VMPage{VMs: pageOf(visible, q.Offset, q.Limit), Total: len(visible)}, nil
}

// pageOf is the page [offset, offset+limit) of items (to the end if limit
// is 0), never nil, for lists that are cut after a filter in Go.
func pageOf[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := len(items)
	if limit > 0 {
		end = min(end, offset+limit)
	}
	return items[offset:end]
}
