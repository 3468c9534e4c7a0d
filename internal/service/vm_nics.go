package service

import (
	"context"
	"errors"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// natGuestAddress is the address QEMU's user-mode NAT hands a guest when
// its VM has no allocation from an address pool.
const natGuestAddress = "10.0.2.15"

// VMNICs returns a VM's NICs as its host gives them to the guest (see
// vmConfig): the NAT NIC, then the LAN's, then one per multicast address.
func (s *Service) VMNICs(ctx context.Context, idOrName string) ([]model.VMNIC, error) {
	vm, err := s.GetVM(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	nat := model.VMNIC{Type: model.NICNAT, MAC: MACFor(vm.ID), Address: natGuestAddress}
	a, err := s.db.GetVMAddress(ctx, vm.ID)
	switch {
	case err == nil:
		nat.Address = a.Address
	case !errors.Is(err, store.ErrNotFound):
		return nil, internal(err, "look up the VM's address")
	}
	out := []model.VMNIC{nat}
	m, err := s.db.VMLANMember(ctx, vm.ID)
	switch {
	case err == nil:
		out = append(out, model.VMNIC{Type: model.NICLAN, MAC: LANMACFor(vm.ID), Network: m.LAN, Address: m.Address})
	case !errors.Is(err, store.ErrNotFound):
		return nil, internal(err, "look up the VM's LAN")
	}
	for i, nic := range multicastNICs(vm) {
		out = append(out, model.VMNIC{Type: model.NICMulticast, MAC: nic.MAC, Network: vm.Multicast[i]})
	}
	for i := range out {
		out[i].Index = i
	}
	return out, nil
}
