package zstack

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Volumes are a VM's disks: its system disk (the root volume) and its
// data disks. Kumo keeps them as parts of their VM, so their uuids are
// derived from the VM's id, and a volume lives and dies with its VM:
// free-standing volumes are not offered.

type volumeInventory struct {
	UUID           string `json:"uuid"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	VMInstanceUUID string `json:"vmInstanceUuid"`
	RootImageUUID  string `json:"rootImageUuid,omitempty"`
	Type           string `json:"type"`
	Format         string `json:"format"`
	Size           int64  `json:"size"`
	DeviceID       int    `json:"deviceId"`
	State          string `json:"state"`
	Status         string `json:"status"`
	IsShareable    bool   `json:"isShareable"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

func rootVolumeUUID(vmID string) string { return partUUID(vmID, "root") }

func dataVolumeUUID(vmID, disk string) string { return partUUID(vmID, "data/"+disk) }

// vmVolumes are a VM's volumes, the root volume first.
func vmVolumes(vm model.VM) []volumeInventory {
	out := []volumeInventory{{UUID: rootVolumeUUID(vm.ID), Name: "ROOT-for-" + vm.Name, VMInstanceUUID: zid(vm.ID),
		RootImageUUID: zid(vm.ImageID), Type: "Root", Format: "qcow2", Size: vm.DiskBytes, State: "Enabled", Status: "Ready",
		CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)}}
	for i, d := range vm.DataDisks {
		out = append(out, volumeInventory{UUID: dataVolumeUUID(vm.ID, d.Name), Name: "DATA-" + d.Name + "-for-" + vm.Name,
			VMInstanceUUID: zid(vm.ID), Type: "Data", Format: "qcow2", Size: d.SizeBytes, DeviceID: i + 1, State: "Enabled",
			Status: "Ready", CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)})
	}
	return out
}

func (s *Server) queryVolume(r *http.Request) (any, error) {
	vms, err := s.svc.ListVMs(r.Context())
	if err != nil {
		return nil, err
	}
	var out []volumeInventory
	for _, vm := range vms {
		out = append(out, vmVolumes(vm)...)
	}
	return queryReply(r, out, func(v volumeInventory) string { return v.UUID })
}

// volumeVM finds the VM a volume belongs to, and whether it is the root.
func (s *Server) volumeVM(r *http.Request, uuid string) (model.VM, bool, error) {
	vms, err := s.svc.ListVMs(r.Context())
	if err != nil {
		return model.VM{}, false, err
	}
	for _, vm := range vms {
		for _, v := range vmVolumes(vm) {
			if v.UUID == uuid {
				return vm, v.Type == "Root", nil
			}
		}
	}
	return model.VM{}, false, model.Errorf(model.CodeNotFound, "no such volume: %s", uuid)
}
