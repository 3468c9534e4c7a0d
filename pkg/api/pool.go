package api

import "time"

// Pool is a group of hosts that VMs are placed on.
type Pool struct {
	// ID is the pool's id.
	ID string `json:"id" example:"c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"`
	// Name is unique among the pools.
	Name string `json:"name" example:"rack-2"`
	// Description is free text.
	Description string `json:"description" example:"the GPU room"`
	// StoragePool is the name of the storage pool its VMs' disks are in;
	// empty is each host's data directory.
	StoragePool string `json:"storage_pool" example:"fast-ssd"`
	// AddressPool is the name of the address pool its VMs take their
	// addresses from; empty is plain NAT.
	AddressPool string `json:"address_pool" example:"office"`
	// CreatedAt is when the pool was made.
	CreatedAt time.Time `json:"created_at" example:"2026-11-20T09:00:00Z"`
}

// PoolsPost is the body of POST /v1/pools.
type PoolsPost struct {
	// Name of the new pool.
	Name string `json:"name" required:"true" example:"rack-2"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"the GPU room"`
	// StoragePool is the name of the storage pool for its VMs' disks.
	StoragePool string `json:"storage_pool,omitempty" example:"fast-ssd"`
	// AddressPool is the name of the address pool its VMs take their
	// addresses from.
	AddressPool string `json:"address_pool,omitempty" example:"office"`
}

// PoolPatch is the body of PATCH /v1/pools/{id}; absent fields stay. The
// storage and address pools change only while the pool holds no VMs.
type PoolPatch struct {
	// Description is free text.
	Description *string `json:"description,omitempty" example:"the GPU room, rack 3"`
	// StoragePool is the name of a storage pool; empty for each host's
	// data directory.
	StoragePool *string `json:"storage_pool,omitempty" example:"fast-ssd"`
	// AddressPool is the name of an address pool; empty for plain NAT.
	AddressPool *string `json:"address_pool,omitempty" example:"office"`
}
