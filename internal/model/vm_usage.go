package model

import "time"

// VMUsage is what a running VM uses, from its host's latest heartbeat:
// counters since its process started, and rates over the last heartbeat
// interval.
type VMUsage struct {
	VMID, HostID string
	// VMName is filled in for lists (VMUsages).
	VMName    string
	SampledAt time.Time
	// CPUSeconds is the CPU time its process has used; CPUPercent the
	// share of one CPU it used between the last two samples (0 with only
	// one sample).
	CPUSeconds float64
	CPUPercent float64
	// MemoryRSSBytes is its process's resident memory.
	MemoryRSSBytes int64
	// Disk counters summed over its disks.
	DiskReadBytes, DiskWriteBytes, DiskReadOps, DiskWriteOps int64
	// NetMeasured says the network counters are real (not on user-mode
	// NAT, whose traffic the host cannot count).
	NetMeasured            bool
	NetRxBytes, NetTxBytes int64
}
