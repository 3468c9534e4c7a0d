package api

import "time"

// Host is a machine whose agent runs VMs.
type Host struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Pool          string    `json:"pool"`
	State         string    `json:"state" enum:"online,offline"`
	Address       string    `json:"address"`
	Accel         string    `json:"accel"`
	CPUs          int       `json:"cpus"`
	MemoryBytes   int64     `json:"memory_bytes"`
	DiskBytes     int64     `json:"disk_bytes"`
	DiskFreeBytes int64     `json:"disk_free_bytes"`
	VMs           int       `json:"vms"`
	MemoryUsedMiB int64     `json:"memory_allocated_mib"`
	LastHeartbeat time.Time `json:"last_heartbeat"`
	CreatedAt     time.Time `json:"created_at"`
}

// JoinTokensPost is the body of POST /v1/hosts/join-tokens.
type JoinTokensPost struct {
	Pool       string `json:"pool,omitempty"`
	TTLSeconds int    `json:"ttl_seconds,omitempty"`
}

// JoinToken lets one agent join: `kumo agent --join <token>`.
type JoinToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}
