package api

import "time"

// Host is a machine whose agent runs VMs.
type Host struct {
	// ID is the host's id, the common name of its agent's certificate.
	ID string `json:"id" example:"3f6c2a9e-8b1d-4c7e-9a2f-5d4e3c2b1a09"`
	// Name is unique in the cluster (the agent's --name, default its OS host name).
	Name string `json:"name" example:"rack1-node3"`
	// Pool is the name of the pool the host belongs to.
	Pool string `json:"pool" example:"default"`
	// Maintenance means the host takes no new VMs (placement and
	// migrations pass it by); its own VMs keep running.
	Maintenance bool `json:"maintenance" example:"false"`
	// State is online while its agent sends heartbeats.
	State string `json:"state" enum:"online,offline" example:"online"`
	// Address is where the control plane reaches the agent.
	Address string `json:"address" example:"https://10.0.0.13:8444"`
	// Accel is how the host runs guests: kvm, or tcg (emulation) where KVM is unusable.
	Accel string `json:"accel" example:"kvm"`
	// CPUs is the number of logical CPUs.
	CPUs int `json:"cpus" example:"32"`
	// MemoryBytes is the host's RAM.
	MemoryBytes int64 `json:"memory_bytes" example:"137438953472"`
	// DiskBytes is the size of the file system holding its VMs' disks.
	DiskBytes int64 `json:"disk_bytes" example:"1999844147200"`
	// DiskFreeBytes is what is free on it.
	DiskFreeBytes int64 `json:"disk_free_bytes" example:"1503238553600"`
	// VMs is how many VMs are placed on the host.
	VMs int `json:"vms" example:"12"`
	// MemoryUsedMiB is the memory its VMs are given, running or not.
	MemoryUsedMiB int64 `json:"memory_allocated_mib" example:"49152"`
	// LastHeartbeat is when the agent last reported.
	LastHeartbeat time.Time `json:"last_heartbeat" example:"2026-12-04T18:30:05Z"`
	// CreatedAt is when the host joined.
	CreatedAt time.Time `json:"created_at" example:"2026-11-20T09:12:44Z"`
}

// HostMaintenancePut is the body of PUT /v1/hosts/{id}/maintenance.
type HostMaintenancePut struct {
	// Enabled puts the host into maintenance (true) or takes it out.
	Enabled bool `json:"enabled" example:"true"`
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
