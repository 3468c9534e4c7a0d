package zstack

import (
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Hosts are Kumo's hosts, in their pool's zone and cluster. CPU capacity
// is counted in cores, as Kumo sizes VMs; what is available is what the
// host's VMs do not claim.

type hostInventory struct {
	UUID                    string `json:"uuid"`
	Name                    string `json:"name"`
	Description             string `json:"description"`
	ZoneUUID                string `json:"zoneUuid"`
	ClusterUUID             string `json:"clusterUuid"`
	ManagementIP            string `json:"managementIp"`
	HypervisorType          string `json:"hypervisorType"`
	State                   string `json:"state"`
	Status                  string `json:"status"`
	Architecture            string `json:"architecture"`
	TotalCPUCapacity        int64  `json:"totalCpuCapacity"`
	AvailableCPUCapacity    int64  `json:"availableCpuCapacity"`
	CPUSockets              int    `json:"cpuSockets"`
	CPUNum                  int    `json:"cpuNum"`
	TotalMemoryCapacity     int64  `json:"totalMemoryCapacity"`
	AvailableMemoryCapacity int64  `json:"availableMemoryCapacity"`
	CreateDate              string `json:"createDate"`
	LastOpDate              string `json:"lastOpDate"`
}

// hostStatus is ZStack's connection status of a Kumo host.
func hostStatus(h model.Host) string {
	if h.State == model.HostOnline {
		return "Connected"
	}
	return "Disconnected"
}

// managementIP is the address a host's agent is reached at.
func managementIP(h model.Host) string {
	if u, err := url.Parse(h.Address); err == nil {
		return u.Hostname()
	}
	return ""
}

func (s *Server) queryHost(r *http.Request) (any, error) {
	ctx := r.Context()
	hosts, err := s.svc.ListHosts(ctx)
	if err != nil {
		return nil, err
	}
	usage, err := s.svc.HostUsage(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]hostInventory, 0, len(hosts))
	for _, h := range hosts {
		u := usage[h.ID]
		out = append(out, hostInventory{UUID: zid(h.ID), Name: h.Name, ZoneUUID: zoneUUID(h.PoolID), ClusterUUID: zid(h.PoolID),
			ManagementIP: managementIP(h), HypervisorType: "KVM", State: enabledState(h.Enabled), Status: hostStatus(h),
			Architecture: architecture(), TotalCPUCapacity: int64(h.CPUs), AvailableCPUCapacity: max(0, int64(h.CPUs-u.Cores)),
			CPUSockets: 1, CPUNum: h.CPUs, TotalMemoryCapacity: h.MemoryBytes,
			AvailableMemoryCapacity: max(0, h.MemoryBytes-u.MemoryMiB<<20),
			CreateDate:              date(h.CreatedAt), LastOpDate: date(h.LastHeartbeat)})
	}
	return queryReply(r, out, func(h hostInventory) string { return h.UUID })
}
