package api

import "time"

// VMUsage is what a running VM uses, from its host's latest heartbeat
// (every few seconds). Counters count since the VM's QEMU process started.
type VMUsage struct {
	// SampledAt is when the host measured it.
	SampledAt time.Time `json:"sampled_at" example:"2026-12-04T18:40:05Z"`
	// CPUSeconds is the CPU time the VM's process has used.
	CPUSeconds float64 `json:"cpu_seconds" example:"5321.4"`
	// CPUPercent is the share of one CPU it used over the last heartbeat
	// interval (up to 100 times its cores, and more under emulation).
	CPUPercent float64 `json:"cpu_percent" example:"37.5"`
	// MemoryRSSBytes is the resident memory of its process.
	MemoryRSSBytes int64 `json:"memory_rss_bytes" example:"1174405120"`
	// DiskReadBytes is what it read from its disks.
	DiskReadBytes int64 `json:"disk_read_bytes" example:"734003200"`
	// DiskWriteBytes is what it wrote to its disks.
	DiskWriteBytes int64 `json:"disk_write_bytes" example:"104857600"`
	// DiskReadOps counts its read requests.
	DiskReadOps int64 `json:"disk_read_ops" example:"18432"`
	// DiskWriteOps counts its write requests.
	DiskWriteOps int64 `json:"disk_write_ops" example:"2048"`
	// NetMeasured says the network counters are known: the guest's agent
	// (qemu-guest-agent) reported them, as the guest counts them; without
	// one they are not known.
	NetMeasured bool `json:"net_measured" example:"true"`
	// NetRxBytes is what its NICs received.
	NetRxBytes int64 `json:"net_rx_bytes" example:"52428800"`
	// NetTxBytes is what its NICs sent.
	NetTxBytes int64 `json:"net_tx_bytes" example:"10485760"`
}
