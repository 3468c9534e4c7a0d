package api

import "time"

// Snapshot is a point-in-time state of a VM's disk (and memory, when
// taken while it ran).
type Snapshot struct {
	// Name is unique within its VM.
	Name string `json:"name" example:"before-upgrade"`
	// Description is free text.
	Description string `json:"description" example:"kernel 6.1 still"`
	// Parent is the snapshot that was current when it was taken.
	Parent string `json:"parent,omitempty" example:"first"`
	// Current marks the snapshot the disk was last taken at or reverted to.
	Current bool `json:"current" example:"true"`
	// Running says it was taken live, with the guest's memory.
	Running bool `json:"running" example:"false"`
	// CreatedAt is when it was taken.
	CreatedAt time.Time `json:"created_at" example:"2026-12-03T13:09:42Z"`
}

// SnapshotsPost is the body of POST /v1/vms/{id}/snapshots.
type SnapshotsPost struct {
	// Name of the new snapshot.
	Name string `json:"name" required:"true" example:"before-upgrade"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"kernel 6.1 still"`
}
