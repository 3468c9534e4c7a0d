package service

import (
	"context"
	"errors"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// AddressPoolSettings are an address pool's changeable settings.
type AddressPoolSettings struct {
	Gateway  string
	DNS      []string
	Provider model.AddressProvider
	Mode     string
}

// maxRangeSize bounds one range, so that finding a free address stays a
// quick walk.
const maxRangeSize = 1 << 16

func parseIPv4(field, s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, model.FieldError(field, "%q is not an IPv4 address", s)
	}
	return a, nil
}

// checkAddressPool fills in defaults and refuses what Kumo cannot serve.
// Guests have one interface, on QEMU user-mode NAT, whose virtual network
// Kumo shapes to the pool (see guestNetwork); a second, external interface
// does not exist, so only the internal mode is accepted.
func checkAddressPool(set *AddressPoolSettings) error {
	if set.Gateway == "" {
		return model.FieldError("gateway", "is required: guests route through it")
	}
	if _, err := parseIPv4("gateway", set.Gateway); err != nil {
		return err
	}
	for _, d := range set.DNS {
		if _, err := parseIPv4("dns", d); err != nil {
			return err
		}
	}
	if set.DNS == nil {
		set.DNS = []string{}
	}
	switch set.Provider {
	case "":
		set.Provider = model.ProviderDHCP
	case model.ProviderDHCP, model.ProviderCloudInit:
	default:
		return model.FieldError("provider", "%q is not a provider: use %q or %q", set.Provider, model.ProviderDHCP, model.ProviderCloudInit)
	}
	switch set.Mode {
	case "":
		set.Mode = model.RangeInternal
	case model.RangeInternal:
	case model.RangeExternal, "both":
		return model.FieldError("mode", "%q needs a second, external interface on every guest; Kumo guests have one NAT interface, so only %q is supported",
			set.Mode, model.RangeInternal)
	default:
		return model.FieldError("mode", "%q is not a mode: use internal, external or both", set.Mode)
	}
	return nil
}

// ListAddressPools returns all address pools.
func (s *Service) ListAddressPools(ctx context.Context) ([]model.AddressPool, error) {
	if err := Authorize(ctx, model.PermAddressPoolRead); err != nil {
		return nil, err
	}
	return s.db.ListAddressPools(ctx)
}

// GetAddressPool returns an address pool by id or name.
func (s *Service) GetAddressPool(ctx context.Context, idOrName string) (model.AddressPool, error) {
	if err := Authorize(ctx, model.PermAddressPoolRead); err != nil {
		return model.AddressPool{}, err
	}
	p, err := s.db.GetAddressPool(ctx, idOrName)
	return p, notFound(err, "address pool", idOrName)
}

// CreateAddressPool adds an address pool (admin only).
func (s *Service) CreateAddressPool(ctx context.Context, name string, set AddressPoolSettings) (model.AddressPool, error) {
	if err := Authorize(ctx, model.PermAddressPoolCreate); err != nil {
		return model.AddressPool{}, err
	}
	if err := validName("name", name); err != nil {
		return model.AddressPool{}, err
	}
	if err := checkAddressPool(&set); err != nil {
		return model.AddressPool{}, err
	}
	p := model.AddressPool{ID: uuid.NewString(), Name: name, Gateway: set.Gateway, DNS: set.DNS, Provider: set.Provider, Mode: set.Mode, CreatedAt: now()}
	if err := s.db.CreateAddressPool(ctx, p); err != nil {
		return model.AddressPool{}, conflict(err, "address pool %q already exists", name)
	}
	return p, nil
}

// UpdateAddressPool changes an address pool (admin only). The gateway
// must stay inside every range's network, and cannot change while guests
// hold addresses (their configuration was made with the old one).
func (s *Service) UpdateAddressPool(ctx context.Context, idOrName string, set AddressPoolSettings) (model.AddressPool, error) {
	if err := Authorize(ctx, model.PermAddressPoolUpdate); err != nil {
		return model.AddressPool{}, err
	}
	if err := checkAddressPool(&set); err != nil {
		return model.AddressPool{}, err
	}
	var p model.AddressPool
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		p, err = q.GetAddressPool(ctx, idOrName)
		if err != nil {
			return notFound(err, "address pool", idOrName)
		}
		if set.Gateway != p.Gateway {
			allocs, err := q.ListAddressAllocations(ctx, p.ID)
			if err != nil {
				return err
			}
			if len(allocs) > 0 {
				return model.Errorf(model.CodeConflict, "address pool %s has %d allocated addresses; its gateway cannot change", p.Name, len(allocs))
			}
			ranges, err := q.ListAddressRanges(ctx, p.ID)
			if err != nil {
				return err
			}
			for _, r := range ranges {
				if err := gatewayFits(set.Gateway, r); err != nil {
					return err
				}
			}
		}
		p.Gateway, p.DNS, p.Provider, p.Mode = set.Gateway, set.DNS, set.Provider, set.Mode
		return notFound(q.UpdateAddressPool(ctx, p), "address pool", idOrName)
	})
	return p, err
}

// DeleteAddressPool removes an address pool and its ranges (admin only);
// a pool that a compute pool uses or that has allocated addresses stays.
func (s *Service) DeleteAddressPool(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.PermAddressPoolDelete); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		p, err := q.GetAddressPool(ctx, idOrName)
		if err != nil {
			return notFound(err, "address pool", idOrName)
		}
		if err := q.LockAddressPool(ctx, p.Name); err != nil {
			return notFound(err, "address pool", idOrName)
		}
		users, err := q.AddressPoolUsers(ctx, p.Name)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return model.Errorf(model.CodeConflict, "address pool %s is in use by compute pools %s", p.Name, strings.Join(users, ", "))
		}
		err = q.DeleteAddressPool(ctx, p.ID)
		if errors.Is(err, store.ErrConflict) {
			return model.Errorf(model.CodeConflict, "address pool %s is in use: %v", p.Name, errors.Unwrap(err))
		}
		return notFound(err, "address pool", idOrName)
	})
}

// AddressPoolUsage is an address pool with its ranges and allocations.
type AddressPoolUsage struct {
	Pool        model.AddressPool
	Ranges      []model.AddressRange
	Allocations []model.AddressAllocation
	// Addresses counts the addresses of its internal ranges.
	Addresses int
}

// AddressPoolUsage returns a pool's ranges and allocations.
func (s *Service) AddressPoolUsage(ctx context.Context, idOrName string) (AddressPoolUsage, error) {
	p, err := s.GetAddressPool(ctx, idOrName)
	if err != nil {
		return AddressPoolUsage{}, err
	}
	u := AddressPoolUsage{Pool: p}
	if u.Ranges, err = s.db.ListAddressRanges(ctx, p.ID); err != nil {
		return u, err
	}
	if u.Allocations, err = s.db.ListAddressAllocations(ctx, p.ID); err != nil {
		return u, err
	}
	for _, r := range u.Ranges {
		if r.Type == model.RangeInternal {
			u.Addresses += rangeSize(r)
		}
	}
	return u, nil
}

func rangeSize(r model.AddressRange) int {
	a, err1 := netip.ParseAddr(r.Start)
	b, err2 := netip.ParseAddr(r.End)
	if err1 != nil || err2 != nil {
		return 0
	}
	x, y := a.As4(), b.As4()
	return int(be32(y)-be32(x)) + 1
}

func be32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// prefixOf turns a dotted netmask into a prefix length, refusing masks
// that are not contiguous.
func prefixOf(netmask string) (int, error) {
	m, err := parseIPv4("netmask", netmask)
	if err != nil {
		return 0, err
	}
	v := be32(m.As4())
	ones := bits.LeadingZeros32(^v)
	if v<<ones != 0 || ones == 0 || ones > 30 {
		return 0, model.FieldError("netmask", "%s is not a netmask of a network with room for guests (/1 to /30)", netmask)
	}
	return ones, nil
}

// gatewayFits checks that a range's network holds the pool's gateway and
// that the range does not hand it out.
func gatewayFits(gateway string, r model.AddressRange) error {
	bits, err := prefixOf(r.Netmask)
	if err != nil {
		return err
	}
	gw, err := parseIPv4("gateway", gateway)
	if err != nil {
		return err
	}
	start, _ := netip.ParseAddr(r.Start)
	end, _ := netip.ParseAddr(r.End)
	network := netip.PrefixFrom(start, bits).Masked()
	if !network.Contains(gw) {
		return model.FieldError("gateway", "gateway %s is outside range %s-%s's network %s", gateway, r.Start, r.End, network)
	}
	if gw.Compare(start) >= 0 && gw.Compare(end) <= 0 {
		return model.FieldError("gateway", "gateway %s is inside range %s-%s; guests must not get it", gateway, r.Start, r.End)
	}
	return nil
}

// parseAddressRange checks a range on its own: IPv4 addresses in order,
// in one network by netmask, without its network or broadcast address,
// of internal type, and of bounded size.
func parseAddressRange(rangeType, start, end, netmask string) (model.AddressRange, error) {
	switch rangeType {
	case "", model.RangeInternal:
		rangeType = model.RangeInternal
	case model.RangeExternal:
		return model.AddressRange{}, model.FieldError("type", "external ranges need a second, external interface on every guest; Kumo guests have one NAT interface, so only internal ranges are supported")
	default:
		return model.AddressRange{}, model.FieldError("type", "%q is not a range type: use internal", rangeType)
	}
	a, err := parseIPv4("start", start)
	if err != nil {
		return model.AddressRange{}, err
	}
	b, err := parseIPv4("end", end)
	if err != nil {
		return model.AddressRange{}, err
	}
	bits, err := prefixOf(netmask)
	if err != nil {
		return model.AddressRange{}, err
	}
	if b.Less(a) {
		return model.AddressRange{}, model.FieldError("end", "%s comes before the start %s", end, start)
	}
	network := netip.PrefixFrom(a, bits).Masked()
	if !network.Contains(b) {
		return model.AddressRange{}, model.FieldError("end", "%s is not in the start's network %s", end, network)
	}
	v := be32(network.Addr().As4()) | (1<<(32-bits) - 1)
	broadcast := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	if a == network.Addr() || b == broadcast {
		return model.AddressRange{}, model.FieldError("start", "the range must not include the network address %s or the broadcast address %s", network.Addr(), broadcast)
	}
	mask, _ := netip.ParseAddr(netmask)
	r := model.AddressRange{Start: a.String(), End: b.String(), Netmask: mask.String(), Type: rangeType, CreatedAt: now()}
	if rangeSize(r) > maxRangeSize {
		return model.AddressRange{}, model.FieldError("end", "a range holds at most %d addresses", maxRangeSize)
	}
	return r, nil
}

// AddAddressRange adds the range start-end to an address pool (admin
// only). Besides parseAddressRange's checks, the range's network must
// hold the pool's gateway (outside the range), and the range may overlap
// no other range of any pool.
func (s *Service) AddAddressRange(ctx context.Context, pool, rangeType, start, end, netmask string) (model.AddressRange, error) {
	if err := Authorize(ctx, model.PermAddressPoolUpdate); err != nil {
		return model.AddressRange{}, err
	}
	r, err := parseAddressRange(rangeType, start, end, netmask)
	if err != nil {
		return r, err
	}
	a, _ := netip.ParseAddr(r.Start)
	b, _ := netip.ParseAddr(r.End)
	err = s.db.InTx(ctx, func(q store.Queries) error {
		p, err := q.GetAddressPool(ctx, pool)
		if err != nil {
			return notFound(err, "address pool", pool)
		}
		r.PoolID = p.ID
		if err := gatewayFits(p.Gateway, r); err != nil {
			return err
		}
		all, err := q.ListAddressRanges(ctx, "")
		if err != nil {
			return err
		}
		for _, o := range all {
			os, _ := netip.ParseAddr(o.Start)
			oe, _ := netip.ParseAddr(o.End)
			if !(b.Less(os) || oe.Less(a)) {
				return model.Errorf(model.CodeConflict, "range %s-%s overlaps range %s-%s", r.Start, r.End, o.Start, o.End)
			}
		}
		return conflict(q.CreateAddressRange(ctx, r), "a range starting at %s already exists", r.Start)
	})
	return r, err
}

// AddressRangeUsage is a range with the addresses allocated from it.
type AddressRangeUsage struct {
	Range       model.AddressRange
	Allocations []model.AddressAllocation
}

// GetAddressRange returns the range starting at start with its
// allocations.
func (s *Service) GetAddressRange(ctx context.Context, start string) (AddressRangeUsage, error) {
	if err := Authorize(ctx, model.PermAddressPoolRead); err != nil {
		return AddressRangeUsage{}, err
	}
	if _, err := parseIPv4("start", start); err != nil {
		return AddressRangeUsage{}, err
	}
	r, err := s.db.GetAddressRange(ctx, start)
	if err != nil {
		return AddressRangeUsage{}, notFound(err, "address range", start)
	}
	all, err := s.db.ListAddressAllocations(ctx, r.PoolID)
	if err != nil {
		return AddressRangeUsage{}, err
	}
	u := AddressRangeUsage{Range: r, Allocations: []model.AddressAllocation{}}
	for _, a := range all {
		if a.RangeStart == r.Start {
			u.Allocations = append(u.Allocations, a)
		}
	}
	return u, nil
}

// ListAddressRanges returns the ranges of one type of a pool.
func (s *Service) ListAddressRanges(ctx context.Context, pool, rangeType string) ([]model.AddressRange, error) {
	if err := Authorize(ctx, model.PermAddressPoolRead); err != nil {
		return nil, err
	}
	if rangeType != model.RangeInternal && rangeType != model.RangeExternal {
		return nil, model.FieldError("type", "%q is not a range type: use internal or external", rangeType)
	}
	p, err := s.GetAddressPool(ctx, pool)
	if err != nil {
		return nil, err
	}
	all, err := s.db.ListAddressRanges(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []model.AddressRange{}
	for _, r := range all {
		if r.Type == rangeType {
			out = append(out, r)
		}
	}
	return out, nil
}

// RemoveAddressRange removes a range none of whose addresses is allocated
// (admin only).
func (s *Service) RemoveAddressRange(ctx context.Context, start string) error {
	if err := Authorize(ctx, model.PermAddressPoolUpdate); err != nil {
		return err
	}
	if _, err := parseIPv4("start", start); err != nil {
		return err
	}
	err := s.db.DeleteAddressRange(ctx, start)
	if errors.Is(err, store.ErrConflict) {
		return model.Errorf(model.CodeConflict, "range %s is in use: %v", start, errors.Unwrap(err))
	}
	return notFound(err, "address range", start)
}

// VMAddress returns the address allocated to a VM, if any.
func (s *Service) VMAddress(ctx context.Context, vmID string) (model.AddressAllocation, bool, error) {
	vm, err := s.GetVM(ctx, vmID)
	if err != nil {
		return model.AddressAllocation{}, false, err
	}
	a, err := s.db.GetVMAddress(ctx, vm.ID)
	if errors.Is(err, store.ErrNotFound) {
		return a, false, nil
	}
	return a, err == nil, err
}

// guestNetwork is the static configuration of a VM's first NIC made from
// its allocation, or nil when the VM has none.
func (s *Service) guestNetwork(ctx context.Context, vmID string) (*model.GuestNetwork, error) {
	a, err := s.db.GetVMAddress(ctx, vmID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r, err := s.db.GetAddressRange(ctx, a.RangeStart)
	if err != nil {
		return nil, notFound(err, "address range", a.RangeStart)
	}
	p, err := s.db.GetAddressPool(ctx, a.PoolID)
	if err != nil {
		return nil, notFound(err, "address pool", a.PoolID)
	}
	bits, err := prefixOf(r.Netmask)
	if err != nil {
		return nil, err
	}
	return &model.GuestNetwork{Address: a.Address, Prefix: bits, Gateway: p.Gateway, DNS: p.DNS, Provider: p.Provider}, nil
}

// AddressAllocations returns every allocated address, by VM id.
func (s *Service) AddressAllocations(ctx context.Context) (map[string]string, error) {
	vms, err := s.ListVMs(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.db.ListAddressAllocations(ctx, "")
	if err != nil {
		return nil, err
	}
	visible := make(map[string]bool, len(vms))
	for _, vm := range vms {
		visible[vm.ID] = true
	}
	out := make(map[string]string, len(all))
	for _, a := range all {
		if visible[a.VMID] {
			out[a.VMID] = a.Address
		}
	}
	return out, nil
}
