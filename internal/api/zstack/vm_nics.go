package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// VM NICs are a VM's first NIC, on the NAT network, and its NIC on a LAN
// if it joined one. Their uuids are derived from the VM's id.

type nicInventory struct {
	UUID           string `json:"uuid"`
	VMInstanceUUID string `json:"vmInstanceUuid"`
	L3NetworkUUID  string `json:"l3NetworkUuid"`
	IP             string `json:"ip"`
	Mac            string `json:"mac"`
	HypervisorType string `json:"hypervisorType"`
	Netmask        string `json:"netmask"`
	Gateway        string `json:"gateway"`
	IPVersion      int    `json:"ipVersion"`
	DeviceID       int    `json:"deviceId"`
	DriverType     string `json:"driverType"`
	Type           string `json:"type"`
	InternalName   string `json:"internalName"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

// vmNics are a VM's NICs, the NAT one first.
func (s *Server) vmNics(ctx context.Context, vm model.VM) []nicInventory {
	ip := "10.0.2.15" // QEMU user-mode NAT gives every guest this address
	if a, ok, err := s.svc.VMAddress(ctx, vm.ID); err == nil && ok {
		ip = a.Address
	}
	out := []nicInventory{{UUID: partUUID(vm.ID, "nic0"), VMInstanceUUID: zid(vm.ID), L3NetworkUUID: natL3UUID, IP: ip,
		Mac: service.MACFor(vm.ID), HypervisorType: "KVM", Netmask: "255.255.255.0", Gateway: "10.0.2.2", IPVersion: 4,
		DriverType: "virtio", Type: "VNic", InternalName: "vnic0", CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)}}
	if m, err := s.svc.VMLAN(ctx, vm.ID); err == nil {
		out = append(out, nicInventory{UUID: partUUID(vm.ID, "nic1"), VMInstanceUUID: zid(vm.ID), L3NetworkUUID: lanL3UUID(m.LAN),
			IP: m.Address, Mac: service.LANMACFor(vm.ID), HypervisorType: "KVM", IPVersion: 4, DeviceID: 1, DriverType: "virtio", Type: "VNic",
			InternalName: "vnic1", CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)})
	}
	return out
}

func (s *Server) queryVmNic(r *http.Request) (any, error) {
	ctx := r.Context()
	vms, err := s.svc.ListVMs(ctx)
	if err != nil {
		return nil, err
	}
	var out []nicInventory
	for _, vm := range vms {
		out = append(out, s.vmNics(ctx, vm)...)
	}
	return queryReply(r, out, func(n nicInventory) string { return n.UUID })
}

// getVmNic is GET /vm-instances/nics/{uuid}; other paths of its pattern
// are no API.
func (s *Server) getVmNic(r *http.Request) (any, error) {
	if r.PathValue("nics") != "nics" {
		return pollReply{status: http.StatusNotFound, body: map[string]any{"error": errorCode{Code: "SYS.1006",
			Description: "Resource not found", Details: "no such API: GET " + r.URL.Path}}}, nil
	}
	return s.queryVmNic(r)
}
