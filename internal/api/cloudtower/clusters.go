package cloudtower

import (
	"github.com/kumo-cloud/kumo/internal/model"
)

// cluster is CloudTower's Cluster: a Kumo pool (a set of hosts that
// share placement and live migration).
type cluster struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	Description      string       `json:"description"`
	Type             string       `json:"type"`
	Hypervisor       string       `json:"hypervisor"`
	ConnectState     string       `json:"connect_state"`
	HA               bool         `json:"ha"`
	Hosts            []nestedHost `json:"hosts"`
	VMs              []ref        `json:"vms"`
	Datacenters      []ref        `json:"datacenters"`
	HostNum          int          `json:"host_num"`
	VMNum            int          `json:"vm_num"`
	RunningVMNum     int          `json:"running_vm_num"`
	StoppedVMNum     int          `json:"stopped_vm_num"`
	SuspendedVMNum   int          `json:"suspended_vm_num"`
	TotalCPUCores    int          `json:"total_cpu_cores"`
	TotalMemoryBytes int64        `json:"total_memory_bytes"`
	Version          string       `json:"version"`
	LocalCreatedAt   *string      `json:"local_created_at"`

	// Required by the SDK's Cluster. A pool has no virtual IP, DNS or
	// NTP settings of its own, nor CPU-model compatibility sets.
	Architecture         string   `json:"architecture"`
	IP                   string   `json:"ip"`
	DNS                  []string `json:"dns"`
	NTPServers           []string `json:"ntp_servers"`
	RecommendedCPUModels []string `json:"recommended_cpu_models"`
	TotalCPUModels       []string `json:"total_cpu_models"`
}

func clusters(inv *inventory) []cluster {
	out := make([]cluster, 0, len(inv.pools))
	for _, p := range inv.pools {
		c := cluster{ID: p.ID, Name: p.Name, Description: p.Description, Type: "SMTX_OS", Hypervisor: "ELF",
			ConnectState: "CONNECTED", HA: p.Failover, Hosts: []nestedHost{}, VMs: []ref{}, Datacenters: []ref{},
			Version: "kumo", LocalCreatedAt: timestamp(p.CreatedAt), Architecture: architecture(), DNS: []string{},
			NTPServers: []string{}, RecommendedCPUModels: []string{}, TotalCPUModels: []string{}}
		for _, h := range inv.hosts {
			if h.PoolID == p.ID {
				c.Hosts = append(c.Hosts, nestedHost{h.ID, h.Name, hostIP(h)})
				c.TotalCPUCores += h.CPUs
				c.TotalMemoryBytes += h.MemoryBytes
			}
		}
		for _, v := range inv.vms {
			if v.PoolID != p.ID {
				continue
			}
			c.VMs = append(c.VMs, ref{v.ID, v.Name})
			switch v.Status {
			case model.PowerRunning:
				c.RunningVMNum++
			case model.PowerPaused:
				c.SuspendedVMNum++
			case model.PowerStopped:
				c.StoppedVMNum++
			}
		}
		c.HostNum, c.VMNum = len(c.Hosts), len(c.VMs)
		out = append(out, c)
	}
	return out
}
