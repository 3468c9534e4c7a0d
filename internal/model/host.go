package model

import "time"

// HostState is the control plane's view of a host agent's liveness.
type HostState string

// Host states.
const (
	HostOnline  HostState = "online"
	HostOffline HostState = "offline" // missed its heartbeats
)

// Host is a machine running a Kumo agent that runs VMs.
type Host struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	PoolID string    `json:"pool_id"`
	State  HostState `json:"state"`
	// Enabled hosts take new VMs; a disabled host keeps running its own.
	Enabled bool `json:"enabled"`
	// Address is the agent's RPC endpoint (https://host:port).
	Address string `json:"address"`
	// CertFingerprint is the SHA-256 of the agent's client certificate;
	// only that certificate may speak for this host.
	CertFingerprint string `json:"-"`
	Accel           string `json:"accel"`
	CPUs            int    `json:"cpus"`
	MemoryBytes     int64  `json:"memory_bytes"`
	DiskBytes       int64  `json:"disk_bytes"`
	DiskFreeBytes   int64  `json:"disk_free_bytes"`
	// GPUs is the number of PCI display controllers (VGA and 3D) the
	// agent found on the host.
	GPUs int `json:"gpus"`
	// DataDir is the directory the agent keeps VM disks in; DiskBytes and
	// DiskFreeBytes are of the file system holding it.
	DataDir string `json:"data_dir"`
	// CPUUsage is the busy share of all CPUs over the last heartbeat
	// interval, in percent of one CPU (so up to 100 * CPUs).
	CPUUsage             float64   `json:"cpu_usage"`
	MemoryAvailableBytes int64     `json:"memory_available_bytes"`
	BootedAt             time.Time `json:"booted_at"`
	LastHeartbeat        time.Time `json:"last_heartbeat"`
	CreatedAt            time.Time `json:"created_at"`
}

// JoinToken lets one new agent join the cluster once before it expires.
type JoinToken struct {
	ID         string    `json:"id"`
	SecretHash string    `json:"-"`
	PoolID     string    `json:"pool_id"`
	ExpiresAt  time.Time `json:"expires_at"`
	UsedAt     time.Time `json:"used_at"`
	CreatedAt  time.Time `json:"created_at"`
}
