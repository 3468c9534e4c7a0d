package cloudtower

import (
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// vmTemplate is CloudTower's VmTemplate: a disk image of Kumo's image
// store, from which /create-vm-from-template clones a VM's disk (COW,
// or a full copy with is_full_copy).
type vmTemplate struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	Size           int64   `json:"size"`
	Vcpu           int     `json:"vcpu"`
	Memory         int64   `json:"memory"`
	Firmware       string  `json:"firmware"`
	Cluster        *ref    `json:"cluster"`
	LocalCreatedAt *string `json:"local_created_at"`

	// Required by the SDK's VmTemplate: what a VM made from the image
	// gets.
	LocalID            string      `json:"local_id"`
	CPU                cpuTopology `json:"cpu"`
	CPUModel           string      `json:"cpu_model"`
	ClockOffset        string      `json:"clock_offset"`
	CloudInitSupported bool        `json:"cloud_init_supported"`
	HA                 bool        `json:"ha"`
	WinOpt             bool        `json:"win_opt"`
}

func vmTemplates(inv *inventory) []vmTemplate {
	out := []vmTemplate{}
	for _, img := range inv.images {
		if img.Format == model.FormatISO || img.State != model.ImageReady {
			continue
		}
		out = append(out, vmTemplate{ID: img.ID, Name: img.Name, Description: img.Description, Size: img.VirtualSize,
			Vcpu: service.DefaultCores, Memory: service.DefaultMemoryMiB << 20, Firmware: "BIOS", Cluster: inv.imageCluster(), LocalCreatedAt: timestamp(img.CreatedAt),
			LocalID: img.ID, CPU: cpuTopology{Cores: service.DefaultCores, Sockets: 1}, CPUModel: cpuModel, ClockOffset: clockOffset})
	}
	return out
}
