package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// ErrExhausted is returned when an address pool has no free address left.
var ErrExhausted = errors.New("no free address")

const addressPoolColumns = `id, name, gateway, dns, provider, mode, created_at`

func scanAddressPool(s scanner) (model.AddressPool, error) {
	var p model.AddressPool
	var dns string
	var created int64
	err := s.Scan(&p.ID, &p.Name, &p.Gateway, &dns, &p.Provider, &p.Mode, &created)
	p.CreatedAt = fromMicros(created)
	p.DNS = []string{}
	if dns != "" {
		p.DNS = strings.Split(dns, ",")
	}
	return p, classify(err)
}

// CreateAddressPool inserts an address pool.
func (q Queries) CreateAddressPool(ctx context.Context, p model.AddressPool) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO address_pools (`+addressPoolColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.ID, p.Name, p.Gateway, strings.Join(p.DNS, ","), p.Provider, p.Mode, micros(p.CreatedAt))
	return classify(err)
}

// GetAddressPool returns the address pool with the given id or name.
func (q Queries) GetAddressPool(ctx context.Context, idOrName string) (model.AddressPool, error) {
	return scanAddressPool(q.q.QueryRowContext(ctx, `SELECT `+addressPoolColumns+` FROM address_pools WHERE id = $1 OR name = $1`, idOrName))
}

// ListAddressPools returns all address pools by name.
func (q Queries) ListAddressPools(ctx context.Context) ([]model.AddressPool, error) {
	return queryAll(ctx, q.q, scanAddressPool, `SELECT `+addressPoolColumns+` FROM address_pools ORDER BY name`)
}

// UpdateAddressPool changes an address pool's settings.
func (q Queries) UpdateAddressPool(ctx context.Context, p model.AddressPool) error {
	return q.execOne(ctx, `UPDATE address_pools SET gateway = $2, dns = $3, provider = $4, mode = $5 WHERE id = $1`,
		p.ID, p.Gateway, strings.Join(p.DNS, ","), p.Provider, p.Mode)
}

// DeleteAddressPool removes an address pool and its ranges. It fails with
// ErrConflict while any address of the pool is allocated.
func (q Queries) DeleteAddressPool(ctx context.Context, id string) error {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM address_allocations WHERE pool_id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %d addresses of the pool are allocated", ErrConflict, n)
	}
	return q.execOne(ctx, `DELETE FROM address_pools WHERE id = $1`, id)
}

// AddressPoolUsers returns the names of the compute pools using an
// address pool.
func (q Queries) AddressPoolUsers(ctx context.Context, name string) ([]string, error) {
	return queryAll(ctx, q.q, scanString, `SELECT name FROM pools WHERE address_pool = $1 ORDER BY name`, name)
}

const addressRangeColumns = `start_address, end_address, netmask, pool_id, range_type, created_at`

func scanAddressRange(s scanner) (model.AddressRange, error) {
	var r model.AddressRange
	var created int64
	err := s.Scan(&r.Start, &r.End, &r.Netmask, &r.PoolID, &r.Type, &created)
	r.CreatedAt = fromMicros(created)
	return r, classify(err)
}

// CreateAddressRange inserts a range; overlap checks are the caller's.
func (q Queries) CreateAddressRange(ctx context.Context, r model.AddressRange) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO address_ranges (`+addressRangeColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.Start, r.End, r.Netmask, r.PoolID, r.Type, micros(r.CreatedAt))
	return classify(err)
}

// GetAddressRange returns the range starting at start.
func (q Queries) GetAddressRange(ctx context.Context, start string) (model.AddressRange, error) {
	return scanAddressRange(q.q.QueryRowContext(ctx, `SELECT `+addressRangeColumns+` FROM address_ranges WHERE start_address = $1`, start))
}

// ListAddressRanges returns the ranges of a pool, or of every pool if
// poolID is empty, in address order.
func (q Queries) ListAddressRanges(ctx context.Context, poolID string) ([]model.AddressRange, error) {
	rs, err := queryAll(ctx, q.q, scanAddressRange, `SELECT `+addressRangeColumns+` FROM address_ranges WHERE pool_id = $1 OR $1 = ''`, poolID)
	if err != nil {
		return nil, err
	}
	sort.Slice(rs, func(i, j int) bool { return addrLess(rs[i].Start, rs[j].Start) })
	return rs, nil
}

// DeleteAddressRange removes a range. It fails with ErrConflict while any
// of its addresses is allocated.
func (q Queries) DeleteAddressRange(ctx context.Context, start string) error {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM address_allocations WHERE range_start = $1`, start).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %d addresses of the range are allocated", ErrConflict, n)
	}
	return q.execOne(ctx, `DELETE FROM address_ranges WHERE start_address = $1`, start)
}

const allocationColumns = `address, pool_id, range_start, vm_id, created_at`

func scanAllocation(s scanner) (model.AddressAllocation, error) {
	var a model.AddressAllocation
	var created int64
	err := s.Scan(&a.Address, &a.PoolID, &a.RangeStart, &a.VMID, &created)
	a.CreatedAt = fromMicros(created)
	return a, classify(err)
}

// ListAddressAllocations returns the allocations of a pool (all pools if
// poolID is empty) in address order.
func (q Queries) ListAddressAllocations(ctx context.Context, poolID string) ([]model.AddressAllocation, error) {
	as, err := queryAll(ctx, q.q, scanAllocation, `SELECT `+allocationColumns+` FROM address_allocations WHERE pool_id = $1 OR $1 = ''`, poolID)
	if err != nil {
		return nil, err
	}
	sort.Slice(as, func(i, j int) bool { return addrLess(as[i].Address, as[j].Address) })
	return as, nil
}

// GetVMAddress returns the address allocated to a VM.
func (q Queries) GetVMAddress(ctx context.Context, vmID string) (model.AddressAllocation, error) {
	return scanAllocation(q.q.QueryRowContext(ctx, `SELECT `+allocationColumns+` FROM address_allocations WHERE vm_id = $1`, vmID))
}

// AllocateAddress gives the VM the lowest free address of the pool's
// internal ranges. Run it in the transaction that inserts the VM: the
// first statement locks the pool's row on PostgreSQL (SQLite transactions
// are serialised already), so two allocations never pick the same
// address; the primary key on address would refuse it anyway. The
// allocation is released when the VM row is deleted.
func (q Queries) AllocateAddress(ctx context.Context, poolID, vmID string, at int64) (model.AddressAllocation, error) {
	if err := q.execOne(ctx, `UPDATE address_pools SET alloc_seq = alloc_seq + 1 WHERE id = $1`, poolID); err != nil {
		return model.AddressAllocation{}, err
	}
	ranges, err := q.ListAddressRanges(ctx, poolID)
	if err != nil {
		return model.AddressAllocation{}, err
	}
	taken, err := q.ListAddressAllocations(ctx, poolID)
	if err != nil {
		return model.AddressAllocation{}, err
	}
	used := make(map[string]bool, len(taken))
	for _, a := range taken {
		used[a.Address] = true
	}
	for _, r := range ranges {
		if r.Type != model.RangeInternal {
			continue
		}
		start, err1 := netip.ParseAddr(r.Start)
		end, err2 := netip.ParseAddr(r.End)
		if err1 != nil || err2 != nil {
			return model.AddressAllocation{}, fmt.Errorf("address range %s-%s is corrupt", r.Start, r.End)
		}
		for a := start; a.IsValid() && a.Compare(end) <= 0; a = a.Next() {
			if used[a.String()] {
				continue
			}
			alloc := model.AddressAllocation{Address: a.String(), PoolID: poolID, RangeStart: r.Start, VMID: vmID, CreatedAt: fromMicros(at)}
			_, err := q.q.ExecContext(ctx, `INSERT INTO address_allocations (`+allocationColumns+`) VALUES ($1, $2, $3, $4, $5)`,
				alloc.Address, alloc.PoolID, alloc.RangeStart, alloc.VMID, at)
			return alloc, classify(err)
		}
	}
	return model.AddressAllocation{}, ErrExhausted
}

// addrLess orders address strings numerically; unparsable ones sort as
// strings after the rest.
func addrLess(a, b string) bool {
	x, errX := netip.ParseAddr(a)
	y, errY := netip.ParseAddr(b)
	if errX != nil || errY != nil {
		return errX == nil || (errY != nil && a < b)
	}
	return x.Less(y)
}

// LockAddressPool takes the named address pool's row lock for the rest of
// the transaction (see LockStoragePool). ErrNotFound if it does not exist.
func (q Queries) LockAddressPool(ctx context.Context, name string) error {
	return q.execOne(ctx, `UPDATE address_pools SET alloc_seq = alloc_seq WHERE name = $1`, name)
}
