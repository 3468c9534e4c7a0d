package model

import "time"

// Snapshot is a point-in-time copy of a VM's disk (and its RAM, if taken
// while the VM ran), kept inside the disk on the VM's host.
type Snapshot struct {
	VMID        string `json:"vm_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Parent is the snapshot that was current when this one was taken,
	// "" for a root.
	Parent string `json:"parent"`
	// Current marks the snapshot the VM's disk was last taken at or
	// reverted to; new snapshots become its children.
	Current bool `json:"current"`
	// Running says the snapshot was taken live, with the guest's RAM.
	Running   bool      `json:"running"`
	CreatedAt time.Time `json:"created_at"`
}
