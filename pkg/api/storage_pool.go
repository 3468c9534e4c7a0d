package api

import "time"

// StoragePool says where the disks of the compute pools using it live.
type StoragePool struct {
	// ID is the storage pool's id.
	ID string `json:"id" example:"3f2504e0-4f89-11d3-9a0c-0305e82c3301"`
	// Name is unique among storage pools.
	Name string `json:"name" example:"fast-ssd"`
	// Type is the kind of storage; disks are on each host's file system.
	Type string `json:"type" enum:"local" example:"local"`
	// Target is the directory holding the disks on every host; empty is
	// each host's data directory.
	Target string `json:"target" example:"/srv/kumo-disks"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
}

// StoragePoolsPost is the body of POST /v1/storage-pools and of PUT
// /v1/storage-pools/{id} (which replaces the settings of a storage pool
// that holds no disks; the name stays).
type StoragePoolsPost struct {
	// Name of the new storage pool (ignored by PUT).
	Name string `json:"name,omitempty" example:"fast-ssd"`
	// Type is the kind of storage (default local, the only one).
	Type string `json:"type,omitempty" enum:"local" example:"local"`
	// Target is an absolute directory on every host; empty is each
	// host's data directory.
	Target string `json:"target,omitempty" example:"/srv/kumo-disks"`
}
