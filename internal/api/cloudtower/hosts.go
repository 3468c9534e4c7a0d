package cloudtower

import (
	"github.com/kumo-cloud/kumo/internal/model"
)

// host is CloudTower's Host: a Kumo host with its agent.
type host struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	Status               string       `json:"status"`
	State                string       `json:"state"`
	ManagementIP         string       `json:"management_ip"`
	DataIP               string       `json:"data_ip"`
	Cluster              *hostCluster `json:"cluster"`
	CPUCores             int          `json:"total_cpu_cores"`
	TotalMemoryBytes     int64        `json:"total_memory_bytes"`
	AvailableMemoryBytes int64        `json:"available_memory_bytes"`
	CPUUsage             float64      `json:"cpu_usage"`
	Accel                string       `json:"accel"`
	VMs                  []ref        `json:"vms"`
	VMNum                int          `json:"vm_num"`
	RunningVMNum         int          `json:"running_vm_num"`
	LocalCreatedAt       *string      `json:"local_created_at"`
	Maintenance          bool         `json:"in_maintenance_mode"`

	// Required by the SDK's Host. Kumo knows no hardware inventory (disks
	// by kind, PMem, fans, temperatures, CPU model and clock): those are
	// 0, "" or [].
	LocalID                   string    `json:"local_id"`
	AllocatableMemoryBytes    int64     `json:"allocatable_memory_bytes"`
	OSMemoryBytes             int64     `json:"os_memory_bytes"`
	ProvisionedCPUCores       int       `json:"provisioned_cpu_cores"`
	ProvisionedMemoryBytes    int64     `json:"provisioned_memory_bytes"`
	RunningPauseVMMemoryBytes int64     `json:"running_pause_vm_memory_bytes"`
	TotalDataCapacity         int64     `json:"total_data_capacity"`
	UsedDataSpace             int64     `json:"used_data_space"`
	FailureDataSpace          int64     `json:"failure_data_space"`
	HDDDataCapacity           int64     `json:"hdd_data_capacity"`
	HDDDiskCount              int       `json:"hdd_disk_count"`
	SSDDataCapacity           int64     `json:"ssd_data_capacity"`
	SSDDiskCount              int       `json:"ssd_disk_count"`
	PMemDimmCapacity          int64     `json:"pmem_dimm_capacity"`
	PMemDimmCount             int       `json:"pmem_dimm_count"`
	PMemDiskCount             int       `json:"pmem_disk_count"`
	NicCount                  int       `json:"nic_count"`
	ChunkID                   string    `json:"chunk_id"`
	Model                     string    `json:"model"`
	CPUBrand                  string    `json:"cpu_brand"`
	CPUModel                  string    `json:"cpu_model"`
	CPUHzPerCore              int64     `json:"cpu_hz_per_core"`
	TotalCPUHz                int64     `json:"total_cpu_hz"`
	CPUFanSpeed               []float64 `json:"cpu_fan_speed"`
	CPUTemperatureCelsius     []int     `json:"cpu_temperature_celsius"`
	CompatibleCPUModels       []string  `json:"compatible_cpu_models"`
	NestedVirtualization      bool      `json:"nested_virtualization"`
	LSMCapDiskSafeUmount      bool      `json:"lsm_cap_disk_safe_umount"`
}

// hostCluster is a host's cluster, with the cluster's datacenters so
// the guide's {cluster: {datacenters_some: {...}}} filter reads; Kumo
// has no datacenters, so the list is empty.
type hostCluster struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Datacenters []ref  `json:"datacenters"`
}

// hostStatus maps Kumo's host state to CloudTower's HostStatus.
func hostStatus(st model.HostState) string {
	if st == model.HostOnline {
		return "CONNECTED_HEALTHY"
	}
	return "CONNECTED_ERROR"
}

func hosts(inv *inventory) []host {
	out := make([]host, 0, len(inv.hosts))
	for _, h := range inv.hosts {
		ip := hostIP(h)
		o := host{ID: h.ID, Name: h.Name, Status: hostStatus(h.State), State: "IDLE", ManagementIP: ip, DataIP: ip,
			CPUCores: h.CPUs, TotalMemoryBytes: h.MemoryBytes, AvailableMemoryBytes: h.MemoryAvailableBytes,
			CPUUsage: h.CPUUsage, Accel: h.Accel, VMs: []ref{}, LocalCreatedAt: timestamp(h.CreatedAt), Maintenance: !h.Enabled,
			LocalID: h.ID, AllocatableMemoryBytes: h.MemoryAvailableBytes, TotalDataCapacity: h.DiskBytes,
			UsedDataSpace: h.DiskBytes - h.DiskFreeBytes, CPUFanSpeed: []float64{}, CPUTemperatureCelsius: []int{},
			CompatibleCPUModels: []string{}}
		if p, ok := inv.pool[h.PoolID]; ok {
			o.Cluster = &hostCluster{ID: p.ID, Name: p.Name, Datacenters: []ref{}}
		}
		for _, v := range inv.vms {
			if v.HostID == h.ID {
				o.VMs = append(o.VMs, ref{v.ID, v.Name})
				o.ProvisionedCPUCores += v.Cores
				o.ProvisionedMemoryBytes += int64(v.MemoryMiB) << 20
				if v.Status == model.PowerRunning {
					o.RunningVMNum++
				}
				if v.Status == model.PowerRunning || v.Status == model.PowerPaused {
					o.RunningPauseVMMemoryBytes += int64(v.MemoryMiB) << 20
				}
			}
		}
		o.VMNum = len(o.VMs)
		if o.VMNum > 0 {
			o.State = "IN_USE"
		}
		out = append(out, o)
	}
	return out
}
