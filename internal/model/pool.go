package model

import "time"

// Pool is a group of hosts that VMs are placed on (a Nano compute pool, a
// CloudTower cluster, a ZStack cluster).
type Pool struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// DefaultPoolName is the pool created on first start; hosts join it unless
// told otherwise.
const DefaultPoolName = "default"
