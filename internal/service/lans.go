package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"regexp"
	"slices"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// LANs are isolated layer-2 segments between VMs of one host. A VM on a
// LAN has a second NIC, a QEMU socket netdev on the LAN's multicast group
// and port: VMs on one LAN see each other's frames, and no others, since
// every LAN has a group and port of its own. The segment is the host's
// loopback multicast, so a LAN spans one host, and its VMs are placed on
// that host. Any process of the host could join the group: the host is
// trusted, as it is with the VMs' disks.

// lanNameRE is what a LAN may be called (DBC: 6-10 letters or digits).
var lanNameRE = regexp.MustCompile(`^[A-Za-z0-9]{6,10}$`)

// Multicast addresses of LANs: organisation-local scope 239.192.0.0/16
// (multicast segments have 239.193.0.0/16), on ports 20000-59999.
const (
	lanGroupBase = 0xefc00000 // 239.192.0.0
	lanGroupSpan = 1 << 16
	lanPortBase  = 20000
	lanPortSpan  = 40000
)

// lanObject is what authorization knows of a LAN: it belongs to its
// maker's tenant, whose members all use it.
func lanObject(l model.LAN) owned {
	return owned{kind: "network", key: l.Name, owner: l.Owner, tenant: l.TenantID, shares: everyMember}
}

// reachLAN returns a LAN the caller holds perm on; others are not found.
func (s *Service) reachLAN(ctx context.Context, q store.Queries, name string, perm model.Permission) (model.LAN, error) {
	if _, err := caller(ctx); err != nil {
		return model.LAN{}, err
	}
	l, err := q.GetLAN(ctx, name)
	if err != nil {
		return l, notFound(err, "network", name)
	}
	return l, authorizeOn(ctx, perm, lanObject(l))
}

// CreateLAN makes a LAN of cidr on a host, owned by the caller.
func (s *Service) CreateLAN(ctx context.Context, name, cidr, hostID string) (model.LAN, error) {
	return s.CreateNamedLAN(ctx, name, "", cidr, hostID)
}

// CreateNamedLAN is CreateLAN with a display name, the name people read
// when it is not the LAN's own (see SetLANDisplayName).
func (s *Service) CreateNamedLAN(ctx context.Context, name, display, cidr, hostID string) (model.LAN, error) {
	if err := Authorize(ctx, model.PermNetworkCreate); err != nil {
		return model.LAN{}, err
	}
	if err := validLabel("display_name", display, 0, 255); err != nil {
		return model.LAN{}, err
	}
	owner, _, tenant, err := s.ownership(ctx, "", "")
	if err != nil {
		return model.LAN{}, err
	}
	if !lanNameRE.MatchString(name) {
		return model.LAN{}, model.FieldError("network_name", "%q is not 6-10 letters or digits", name)
	}
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx || pfx.Bits() > 29 || pfx.Bits() < 8 {
		return model.LAN{}, model.FieldError("ip_cidr", "%q is not an IPv4 network from /8 to /29 like 192.168.66.0/24", cidr)
	}
	// The caller names the host its LAN is for; it needs no right to read
	// hosts for that.
	h, err := s.db.GetHost(ctx, hostID)
	if err != nil {
		return model.LAN{}, notFound(err, "host", hostID)
	}
	// A random group and port, tried again if another LAN has them.
	for range 8 {
		g, _ := rand.Int(rand.Reader, big.NewInt(lanGroupSpan))
		p, _ := rand.Int(rand.Reader, big.NewInt(lanPortSpan))
		group := uint32(lanGroupBase) + uint32(g.Int64())
		l := model.LAN{Name: name, DisplayName: display, CIDR: cidr, HostID: h.ID, Owner: owner, TenantID: tenant,
			MulticastGroup: netip.AddrFrom4([4]byte{byte(group >> 24), byte(group >> 16), byte(group >> 8), byte(group)}).String(),
			MulticastPort:  lanPortBase + int(p.Int64()), CreatedAt: now()}
		err := s.db.CreateLAN(ctx, l)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return model.LAN{}, internal(err, "store the LAN")
		}
		if _, err := s.db.GetLAN(ctx, name); err == nil {
			return model.LAN{}, model.Errorf(model.CodeConflict, "a network named %q exists already", name)
		}
	}
	return model.LAN{}, model.Errorf(model.CodeInsufficientCapacity, "no free multicast address for LAN %s", name)
}

// GetLAN returns a LAN the caller may read.
func (s *Service) GetLAN(ctx context.Context, name string) (model.LAN, error) {
	return s.reachLAN(ctx, s.db.Queries, name, model.PermNetworkRead)
}

// DeleteLAN deletes a LAN no VM is on.
func (s *Service) DeleteLAN(ctx context.Context, name string) error {
	return s.db.InTx(ctx, func(q store.Queries) error {
		if _, err := s.reachLAN(ctx, q, name, model.PermNetworkDelete); err != nil {
			return err
		}
		members, err := q.LANMembers(ctx, name)
		if err != nil {
			return internal(err, "list the LAN's VMs")
		}
		if len(members) > 0 {
			return model.Errorf(model.CodeConflict, "network %s has %d VMs on it: delete them first", name, len(members))
		}
		return notFound(q.DeleteLAN(ctx, name), "network", name)
	})
}

// VMLAN returns the VM's place on a LAN; not found if it is on none.
func (s *Service) VMLAN(ctx context.Context, vmID string) (model.LANMember, error) {
	if _, err := s.GetVM(ctx, vmID); err != nil {
		return model.LANMember{}, err
	}
	m, err := s.db.VMLANMember(ctx, vmID)
	return m, notFound(err, "LAN member", vmID)
}

// joinLAN puts a new VM on a LAN at the first free address (the
// network's first address is left to routers, as is custom).
func joinLAN(ctx context.Context, q store.Queries, l model.LAN, vmID string) error {
	members, err := q.LANMembers(ctx, l.Name)
	if err != nil {
		return internal(err, "list the LAN's VMs")
	}
	taken := map[string]bool{}
	for _, m := range members {
		taken[m.Address] = true
	}
	pfx := netip.MustParsePrefix(l.CIDR)
	first := pfx.Addr().Next() // the network address is no host's
	for a := first.Next(); pfx.Contains(a); a = a.Next() {
		if !pfx.Contains(a.Next()) {
			break // the broadcast address
		}
		if !taken[a.String()] {
			return internal(q.AddLANMember(ctx, model.LANMember{VMID: vmID, LAN: l.Name, Address: a.String()}), "join the LAN")
		}
	}
	return model.Errorf(model.CodeInsufficientCapacity, "network %s (%s) has no free address", l.Name, l.CIDR)
}

// lanNIC is the NIC of a VM on a LAN, nil for a VM on none.
func (s *Service) lanNIC(ctx context.Context, vmID string) (*hypervisor.NIC, error) {
	m, err := s.db.VMLANMember(ctx, vmID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, internal(err, "look up the VM's LAN")
	}
	l, err := s.db.GetLAN(ctx, m.LAN)
	if err != nil {
		return nil, notFound(err, "network", m.LAN)
	}
	return &hypervisor.NIC{Mode: "mcast", MAC: LANMACFor(vmID), Multicast: fmt.Sprintf("%s:%d", l.MulticastGroup, l.MulticastPort)}, nil
}

// LANMACFor derives the MAC of a VM's LAN NIC from its id: like MACFor's,
// in another prefix, so the two NICs never share one.
func LANMACFor(id string) string {
	u, err := uuid.Parse(id)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("52:54:01:%02x:%02x:%02x", u[13], u[14], u[15])
}

// ListLANs returns the LANs the caller may read.
func (s *Service) ListLANs(ctx context.Context) ([]model.LAN, error) {
	if err := Authorize(ctx, model.PermNetworkRead); err != nil {
		return nil, err
	}
	ls, err := s.db.ListLANs(ctx)
	if err != nil {
		return nil, internal(err, "list LANs")
	}
	return slices.DeleteFunc(ls, func(l model.LAN) bool { return !visibleTo(ctx, model.PermNetworkRead, lanObject(l)) }), nil
}

// SetLANVlanID labels a LAN with a VLAN id (0-4094), as CloudTower
// clients name their networks; frames on the LAN are not tagged.
func (s *Service) SetLANVlanID(ctx context.Context, name string, vlanID int) error {
	if vlanID < 0 || vlanID > 4094 {
		return model.FieldError("vlan_id", "%d: must be from 0 to 4094", vlanID)
	}
	if _, err := s.reachLAN(ctx, s.db.Queries, name, model.PermNetworkUpdate); err != nil {
		return err
	}
	return notFound(s.db.SetLANVlanID(ctx, name, vlanID), "network", name)
}

// SetLANDisplayName gives a LAN the name people read when it is not the
// LAN's own (a CloudTower vlan named "sample name"): free text by
// validLabel, at most 255 characters; "" shows the LAN by its name.
func (s *Service) SetLANDisplayName(ctx context.Context, name, display string) error {
	if err := validLabel("display_name", display, 0, 255); err != nil {
		return err
	}
	if _, err := s.reachLAN(ctx, s.db.Queries, name, model.PermNetworkUpdate); err != nil {
		return err
	}
	return notFound(s.db.SetLANDisplayName(ctx, name, display), "network", name)
}

// JoinLAN puts an existing stopped VM on a LAN, at the LAN's first free
// address: its second NIC appears at its next start. The VM must be on
// the LAN's host (LANs are host-local) and on no other LAN.
func (s *Service) JoinLAN(ctx context.Context, idOrName, lanName string) error {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return err
	}
	if err := stopped(vm, "put it on a network"); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		l, err := s.reachLAN(ctx, q, lanName, model.PermNetworkRead)
		if err != nil {
			return err
		}
		if l.TenantID != vm.TenantID {
			return model.NotFound("network", lanName)
		}
		if vm.HostID != l.HostID {
			return model.Errorf(model.CodeConflict, "VM %s is on host %s, network %s on host %s: a network spans one host", vm.Name, vm.HostID, l.Name, l.HostID)
		}
		if m, err := q.VMLANMember(ctx, vm.ID); err == nil {
			return model.Errorf(model.CodeConflict, "VM %s is on network %s already: a VM is on one network at most", vm.Name, m.LAN)
		} else if !errors.Is(err, store.ErrNotFound) {
			return internal(err, "look up the VM's LAN")
		}
		return joinLAN(ctx, q, l, vm.ID)
	})
}

// LeaveLAN takes a stopped VM off its LAN: its second NIC is gone at
// its next start.
func (s *Service) LeaveLAN(ctx context.Context, idOrName string) error {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return err
	}
	if err := stopped(vm, "take it off its network"); err != nil {
		return err
	}
	return notFound(s.db.RemoveLANMember(ctx, vm.ID), "LAN member", vm.ID)
}

// LANMembers returns the VMs on a LAN, by address.
func (s *Service) LANMembers(ctx context.Context, name string) ([]model.LANMember, error) {
	if _, err := s.reachLAN(ctx, s.db.Queries, name, model.PermNetworkRead); err != nil {
		return nil, err
	}
	ms, err := s.db.LANMembers(ctx, name)
	return ms, internal(err, "list the LAN's VMs")
}
