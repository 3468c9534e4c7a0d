package service

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

// TestVMPortForwards: forwards are added and removed one at a time,
// checked field by field, never twice on a VM nor on two VMs of a host;
// VMNICs shows the NAT NIC of a VM on no LAN.
func TestVMPortForwards(t *testing.T) {
	s := newTestService(t, Config{})
	account, _, img := quotaFixture(t, s)
	s.tasks.Close() // no agent runs here
	a, _, err := s.CreateVM(account, CreateVMRequest{Name: "fwd-a", Image: img.ID, MemoryMiB: 64})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.CreateVM(account, CreateVMRequest{Name: "fwd-b", Image: img.ID, MemoryMiB: 64})
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.AddVMPortForward(account, a.Name, model.PortForward{HostPort: 2222, GuestPort: 22})
	if err != nil || f != (model.PortForward{Protocol: "tcp", HostPort: 2222, GuestPort: 22}) {
		t.Fatalf("add: %+v %v", f, err)
	}
	if _, err := s.AddVMPortForward(account, a.Name, model.PortForward{Protocol: "udp", HostPort: 2222, GuestPort: 53}); err != nil {
		t.Fatalf("the same port over udp: %v", err)
	}
	for _, tc := range []struct {
		vm    string
		f     model.PortForward
		code  model.ErrorCode
		field string
	}{
		{a.Name, model.PortForward{HostPort: 2222, GuestPort: 23}, model.CodeConflict, ""},
		{b.Name, model.PortForward{HostPort: 2222, GuestPort: 22}, model.CodeConflict, ""},
		{a.Name, model.PortForward{Protocol: "sctp", HostPort: 1, GuestPort: 1}, model.CodeInvalidArgument, "protocol"},
		{a.Name, model.PortForward{HostPort: 0, GuestPort: 1}, model.CodeInvalidArgument, "host_port"},
		{a.Name, model.PortForward{HostPort: 1, GuestPort: 65536}, model.CodeInvalidArgument, "guest_port"},
		{"no-such-vm", model.PortForward{HostPort: 1, GuestPort: 1}, model.CodeNotFound, ""},
	} {
		_, err := s.AddVMPortForward(account, tc.vm, tc.f)
		if !model.IsCode(err, tc.code) || fieldOf(err) != tc.field {
			t.Errorf("add %+v to %s: %v (field %q), want %s on %q", tc.f, tc.vm, err, fieldOf(err), tc.code, tc.field)
		}
	}
	if err := s.RemoveVMPortForward(account, a.Name, "tcp", 2222); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveVMPortForward(account, a.Name, "tcp", 2222); !model.IsCode(err, model.CodeNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	vm, err := s.GetVM(account, a.Name)
	if err != nil || len(vm.PortForwards) != 1 || vm.PortForwards[0].Protocol != "udp" {
		t.Fatalf("forwards left: %+v %v", vm.PortForwards, err)
	}
	nics, err := s.VMNICs(account, a.Name)
	if err != nil || len(nics) != 1 || nics[0] != (model.VMNIC{Type: model.NICNAT, MAC: MACFor(a.ID), Address: natGuestAddress}) {
		t.Fatalf("NICs: %+v %v", nics, err)
	}
}
