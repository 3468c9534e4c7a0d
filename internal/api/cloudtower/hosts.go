package cloudtower

import (
	"net"
	"net/http"
	"net/url"

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
		ip := ""
		if u, err := url.Parse(h.Address); err == nil {
			ip, _, _ = net.SplitHostPort(u.Host)
		}
		o := host{ID: h.ID, Name: h.Name, Status: hostStatus(h.State), State: "IDLE", ManagementIP: ip, DataIP: ip,
			CPUCores: h.CPUs, TotalMemoryBytes: h.MemoryBytes, AvailableMemoryBytes: h.MemoryAvailableBytes,
			CPUUsage: h.CPUUsage, Accel: h.Accel, VMs: []ref{}, LocalCreatedAt: timestamp(h.CreatedAt), Maintenance: !h.Enabled}
		if p, ok := inv.pool[h.PoolID]; ok {
			o.Cluster = &hostCluster{ID: p.ID, Name: p.Name, Datacenters: []ref{}}
		}
		for _, v := range inv.vms {
			if v.HostID == h.ID {
				o.VMs = append(o.VMs, ref{v.ID, v.Name})
				if v.Status == model.PowerRunning {
					o.RunningVMNum++
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

// getHosts is /get-hosts.
func (s *Server) getHosts(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	inv, err := s.inventory(r.Context())
	if err != nil {
		return nil, err
	}
	return list(q, hosts(inv))
}
