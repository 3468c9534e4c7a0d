package model

import "time"

// Pool is a group of hosts that VMs are placed on (a Nano compute pool, a
// CloudTower cluster, a ZStack cluster).
type Pool struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	// StoragePool and AddressPool name where a pool's VMs keep their disks
	// and get their addresses; empty means local storage and NAT.
	StoragePool string    `json:"storage_pool"`
	AddressPool string    `json:"address_pool"`
	Failover    bool      `json:"failover"`
	CreatedAt   time.Time `json:"created_at"`
}

// DefaultPoolName is the pool created on first start; hosts join it unless
// told otherwise.
const DefaultPoolName = "default"
