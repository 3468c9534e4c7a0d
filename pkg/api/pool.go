package api

import "time"

// Pool is a group of hosts that VMs are placed on.
type Pool struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// PoolsPost is the body of POST /v1/pools.
type PoolsPost struct {
	Name        string `json:"name" required:"true"`
	Description string `json:"description,omitempty"`
}
