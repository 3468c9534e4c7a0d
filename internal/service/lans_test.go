package service

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestJoinAndLeaveLAN(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := adminCtx()
	vm := guestFixture(t, s)
	l, err := s.CreateLAN(ctx, "lanone", "192.168.66.0/24", "h")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetLANVlanID(ctx, l.Name, 42); err != nil {
		t.Fatal(err)
	}
	wantCodeText(t, "bad vlan id", s.SetLANVlanID(ctx, l.Name, 4095), model.CodeInvalidArgument, "4094")
	if ls, err := s.ListLANs(ctx); err != nil || len(ls) != 1 || ls[0].VlanID != 42 {
		t.Fatalf("ListLANs = %+v, %v", ls, err)
	}
	wantCodeText(t, "leave before join", s.LeaveLAN(ctx, vm.ID), model.CodeNotFound, vm.ID)
	if err := s.JoinLAN(ctx, vm.ID, l.Name); err != nil {
		t.Fatal(err)
	}
	m, err := s.VMLAN(ctx, vm.ID)
	if err != nil || m.LAN != l.Name || m.Address != "192.168.66.2" {
		t.Fatalf("VMLAN = %+v, %v", m, err)
	}
	if nic, err := s.lanNIC(ctx, vm.ID); err != nil || nic == nil || nic.Mode != "mcast" {
		t.Fatalf("lanNIC = %+v, %v", nic, err)
	}
	if ms, err := s.LANMembers(ctx, l.Name); err != nil || len(ms) != 1 || ms[0].VMID != vm.ID {
		t.Fatalf("LANMembers = %+v, %v", ms, err)
	}
	wantCodeText(t, "join twice", s.JoinLAN(ctx, vm.ID, l.Name), model.CodeConflict, "already")
	wantCodeText(t, "delete a used LAN", s.DeleteLAN(ctx, l.Name), model.CodeConflict, "VMs on it")
	if err := s.LeaveLAN(ctx, vm.ID); err != nil {
		t.Fatal(err)
	}
	if nic, err := s.lanNIC(ctx, vm.ID); err != nil || nic != nil {
		t.Fatalf("lanNIC after leaving = %+v, %v", nic, err)
	}
	wantCodeText(t, "unknown LAN", s.JoinLAN(ctx, vm.ID, "nosuch"), model.CodeNotFound, "nosuch")
	if err := s.DeleteLAN(ctx, l.Name); err != nil {
		t.Fatal(err)
	}
}

// TestLANDisplayName keeps a name that is not a LAN name whole beside
// the LAN's own, on SQLite and on PostgreSQL (the display_name column).
func TestLANDisplayName(t *testing.T) {
	for engine, s := range newTestServices(t) {
		t.Run(engine, func(t *testing.T) {
			account, _, _ := quotaFixture(t, s)
			l, err := s.CreateNamedLAN(account, "sample1234", "sample name", "192.168.66.0/24", "h")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.GetLAN(account, l.Name); err != nil || got.DisplayName != "sample name" {
				t.Fatalf("GetLAN = %+v, %v", got, err)
			}
			if err := s.SetLANDisplayName(account, l.Name, "other name"); err != nil {
				t.Fatal(err)
			}
			wantCodeText(t, "a bidi override", s.SetLANDisplayName(account, l.Name, "x\u202Ey"), model.CodeInvalidArgument, "display_name")
			if ls, err := s.ListLANs(account); err != nil || len(ls) != 1 || ls[0].DisplayName != "other name" {
				t.Fatalf("ListLANs = %+v, %v", ls, err)
			}
		})
	}
}
