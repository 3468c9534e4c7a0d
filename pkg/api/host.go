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
	// Pool is the pool the new host joins (default: default).
	Pool string `json:"pool,omitempty" example:"rack-2"`
	// TTLSeconds is how long the token is valid (default: an hour).
	TTLSeconds int `json:"ttl_seconds,omitempty" example:"3600"`
	// Remote says the agent runs on another machine: the token is
	// refused while the cluster listener answers on loopback only, since
	// the agent could never reach it.
	Remote bool `json:"remote,omitempty" example:"true"`
}

// JoinToken lets one agent join: `kumo agent --join <token>`.
type JoinToken struct {
	// Token is the one-time credential, which also carries Address and
	// the cluster CA's fingerprint.
	Token string `json:"token" example:"eyJhIjoiaHR0cHM6Ly9rdW1vLTE6ODQ0MyIsImkiOiI..."`
	// Address is where the agent will reach the control plane.
	Address string `json:"address" example:"https://kumo-1.example.net:8443"`
	// ExpiresAt is when the token stops working if unused.
	ExpiresAt time.Time `json:"expires_at" example:"2026-12-04T19:30:00Z"`
}
