package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// getVMUsage answers GET /v1/vms/{id}/usage from the host's latest
// heartbeat (service.VMUsage; the agent reads /proc and QMP
// query-blockstats, qemu.Driver.Usage).
func (s *Server) getVMUsage(r *http.Request) (any, error) {
	u, err := s.svc.VMUsage(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return api.VMUsage{SampledAt: u.SampledAt, CPUSeconds: u.CPUSeconds, CPUPercent: u.CPUPercent,
		MemoryRSSBytes: u.MemoryRSSBytes, DiskReadBytes: u.DiskReadBytes, DiskWriteBytes: u.DiskWriteBytes,
		DiskReadOps: u.DiskReadOps, DiskWriteOps: u.DiskWriteOps, NetMeasured: u.NetMeasured,
		NetRxBytes: u.NetRxBytes, NetTxBytes: u.NetTxBytes}, nil
}
